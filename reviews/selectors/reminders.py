"""Reads for review reminders: who has unfinished reviews, and the topic that records a reminder.
(A chair in conflict with a paper a reminder lists does not read it in the outbox: the reminder
records its papers when written, see workshop.selectors.outbox_of.)"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from reviews.enums import ReviewStatus
from reviews.models import Assignment, Review
from submissions import selectors as submission_selectors
from submissions.enums import LIVE
from submissions.models import Submission
from workshop.models import User


def reminder_topic(workshop, reviewer, when) -> str:
    """The outbox topic of a reminder: `when` is the number of days before the review deadline
    (the periodic reminders; it records that one was sent) or "now" (a chair's reminder)."""
    return f"reminder:{workshop.pk}:{reviewer.pk}:{when}"


@dataclass
class LateReviewer:
    """A reviewer and their assigned papers whose review is not submitted, by number."""

    reviewer: User
    papers: list[Submission] = field(default_factory=list)


def unfinished_reviews(workshop, *, viewer=None) -> list[LateReviewer]:
    """The workshop's reviewers with assigned live papers whose review they have not submitted
    (no review, or a draft), by name, in one query.

    With `viewer` (a chair), a reviewer with an unfinished review of a paper the viewer is in
    conflict with is left out altogether: listing them, or their reminder naming that paper, would
    tell the viewer who reviews it. Another chair reminds them."""
    submitted = Review.objects.filter(
        submission=OuterRef("submission"), reviewer=OuterRef("reviewer"), status=ReviewStatus.SUBMITTED
    )
    rows = (
        Assignment.objects.filter(workshop=workshop, submission__status__in=LIVE)
        .exclude(Exists(submitted))
        .select_related("reviewer", "submission")
        .order_by("reviewer__name", "reviewer__email", "reviewer_id", "submission__number")
    )
    late: dict[int, LateReviewer] = {}
    for assignment in rows:
        late.setdefault(assignment.reviewer_id, LateReviewer(assignment.reviewer)).papers.append(assignment.submission)
    if viewer is not None:
        hidden = set(submission_selectors.conflicted_submissions(viewer, workshop).values_list("pk", flat=True))
        late = {pk: entry for pk, entry in late.items() if not any(paper.pk in hidden for paper in entry.papers)}
    return list(late.values())
