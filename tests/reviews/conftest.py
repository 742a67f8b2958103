import re

import pytest

from reviews.services import reviewers as services
from workshop.models import OutboxEmail


def invite(workshop, chair, *lines):
    """Invite people through the real service, as the chair's form would."""
    invitees, errors = services.parse_invitees("\n".join(lines))
    assert errors == []
    return services.invite_reviewers(workshop=workshop, invitees=invitees, by=chair)


def invitation_emails(email):
    return list(OutboxEmail.objects.filter(to=[email], template="reviewer_invitation").order_by("id"))


def links_in(outbox_email):
    """The accept and decline links of an invitation email, as paths for the test client."""
    accept, decline = re.findall(r"http://\S+?(/\S+/invitations/\S+/(?:accept|decline)/)", outbox_email.body_text)
    return accept, decline


@pytest.fixture
def invited(workshop, cast):
    """`invited(*lines)`: invite people as the chair; returns the service's report."""
    return lambda *lines: invite(workshop, cast["chair"], *lines)
