import re
from datetime import timedelta

import pytest
from django.utils import timezone

from reviews.services import assignments as assignment_services
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


def to_bidding(workshop):
    """Move the workshop into its bidding phase (papers are submitted before)."""
    workshop.submission_deadline = timezone.now() - timedelta(days=1)
    workshop.bidding_deadline = timezone.now() + timedelta(days=5)
    workshop.save(update_fields=["submission_deadline", "bidding_deadline"])  # not the paper counter


def run_now(workshop, chair, **settings):
    """Start an automatic assignment run and execute it at once, as the task would."""
    run = assignment_services.start_run(workshop=workshop, by=chair, reviews_per_paper=settings.pop("k", 2), **settings)
    return assignment_services.execute_run(run_id=run.pk)
