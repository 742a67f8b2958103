"""Reads for review reminders: who has unfinished reviews, and the topic that records a reminder.
(A chair in conflict with a paper a reminder lists does not read it in the outbox: the reminder
records its papers when written, see workshop.selectors.outbox_of.)"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from reviews.enums import ReviewStatus
from reviews.models import RESEND_INTERVAL, Assignment, Review
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
    (no review, or a draft), by name, in one query. Each paper carries `reminded_at`, when its
    reviewer was last reminded of it (None if never), and `assignment_id`.

    With `viewer` (a chair), the papers the viewer is in conflict with are left out, and with
    them a reviewer who has no other: the list, its counts and the reminders the viewer sends
    name only papers they may see. (Leaving out every reviewer of such a paper instead would tell
    the viewer who reviews it, by who is missing.) Another chair reminds of the others."""
    submitted = Review.objects.filter(
        submission=OuterRef("submission"), reviewer=OuterRef("reviewer"), status=ReviewStatus.SUBMITTED
    )
    rows = (
        Assignment.objects.filter(workshop=workshop, submission__status__in=LIVE)
        .exclude(Exists(submitted))
        .select_related("reviewer", "submission")
        .order_by("reviewer__name", "reviewer__email", "reviewer_id", "submission__number")
    )
    if viewer is not None:
        rows = rows.exclude(submission__in=submission_selectors.conflicted_submissions(viewer, workshop).values("pk"))
    late: dict[int, LateReviewer] = {}
    for assignment in rows:
        paper = assignment.submission
        paper.reminded_at, paper.assignment_id = assignment.reminded_at, assignment.pk
        late.setdefault(assignment.reviewer_id, LateReviewer(assignment.reviewer)).papers.append(paper)
    return list(late.values())


@dataclass
class ReminderPlan:
    """What a chair's "remind now" does at a moment: `due`, the reviewers to remind, each with the
    unfinished papers they were not reminded of in the last RESEND_INTERVAL; `waiting`, those
    reminded of every unfinished paper since, and `again_at`, when all of them may be reminded."""

    due: list[LateReviewer]
    waiting: list[LateReviewer]
    again_at: datetime | None


def reminder_plan(workshop, *, viewer, now=None) -> ReminderPlan:
    """The chairs' reminder, as `viewer` may send it (unfinished_reviews): one query."""
    cutoff = (now or timezone.now()) - RESEND_INTERVAL
    due, waiting, last = [], [], []
    for late in unfinished_reviews(workshop, viewer=viewer):
        papers = [paper for paper in late.papers if paper.reminded_at is None or paper.reminded_at <= cutoff]
        if papers:
            due.append(LateReviewer(late.reviewer, papers))
        else:
            waiting.append(late)
            last.append(max(paper.reminded_at for paper in late.papers))
    return ReminderPlan(due, waiting, max(last) + RESEND_INTERVAL if last else None)
