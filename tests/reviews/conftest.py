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


def submit_review(submission, reviewer, *, overall=4, confidence=3, **fields):
    """`reviewer`'s submitted review of `submission`, through the real services: the reviewer is
    assigned first (by a chair of the workshop) if they are not yet. `fields`: text fields of the
    review (summary, strengths, weaknesses, questions, confidential_comments) or `scores` (a dict
    of further criteria). Tests outside this folder import it."""
    from reviews.models import Assignment
    from reviews.services import reviews as review_services
    from workshop.enums import Role
    from workshop.models import Membership

    if not Assignment.objects.filter(submission=submission, reviewer=reviewer).exists():
        chair = Membership.objects.filter(workshop=submission.workshop, role=Role.CHAIR).first()
        assignment_services.assign_reviewer(
            submission=submission, reviewer=reviewer, by=chair.user if chair else reviewer
        )
    scores = {"overall": overall, "confidence": confidence, **fields.pop("scores", {})}
    texts = {
        "summary": "The paper asks whether large models know causes.",
        "strengths": "A clear question.",
        "weaknesses": "Few experiments.",
        **fields,
    }
    return review_services.save_review(
        submission=submission, reviewer=reviewer, fields=texts, scores=scores, submit=True
    )


def to_reviewing(workshop, *, review_deadline=None, grace_minutes=0):
    """Move the workshop into its reviewing phase (papers are submitted before): the review
    deadline a week ahead unless given, and `grace_minutes` of grace."""
    now = timezone.now()
    workshop.submission_deadline = now - timedelta(days=3)
    workshop.bidding_deadline = now - timedelta(days=1)
    workshop.review_deadline = review_deadline or now + timedelta(days=7)
    workshop.grace_minutes = grace_minutes
    workshop.save(update_fields=["submission_deadline", "bidding_deadline", "review_deadline", "grace_minutes"])
