"""Reads of a paper's discussion: who takes part, and the thread as each participant reads it.

The thread of a paper is between its assigned reviewers who have submitted their review and the
workshop's chairs not in conflict with it. Reviewers read each other as "Reviewer N" and the
chairs as "Chair"; chairs read everyone's name. An assigned reviewer who has not submitted yet
is told to submit first and reads nothing of the thread; anyone else gets a 404.
"""

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404

from reviews.enums import ReviewStatus
from reviews.models import Assignment, Comment, Review
from reviews.selectors.reviews import reviewer_numbers
from submissions import selectors as submission_selectors
from submissions.enums import DECIDED, LIVE
from submissions.models import Submission
from workshop.enums import Role
from workshop.models import User
from workshop.selectors import roles_in

# A person's place in a paper's discussion.
CHAIR, REVIEWER, WAITING = "chair", "reviewer", "waiting"
PARTICIPATING = {CHAIR, REVIEWER}


def discussed_papers(workshop):
    """The workshop's papers that have a discussion: live ones and decided ones."""
    return Submission.objects.filter(workshop=workshop, number__isnull=False, status__in=LIVE | DECIDED)


def discussion_role(user, submission) -> str | None:
    """CHAIR, REVIEWER, WAITING (assigned, review not submitted yet) or None (no access)."""
    if not user.is_authenticated or submission_selectors.is_conflicted(user, submission):
        return None
    if Role.CHAIR in roles_in(user, submission.workshop):
        return CHAIR
    assigned = Assignment.objects.filter(submission=submission, reviewer=user).exists()
    if not assigned:
        return None
    submitted = Review.objects.filter(submission=submission, reviewer=user, status=ReviewStatus.SUBMITTED).exists()
    return REVIEWER if submitted else WAITING


def discussion_for(workshop, user, pk) -> tuple[Submission, str]:
    """The paper and the user's role in its discussion; 404 for anyone without one, so that
    neither the paper nor its thread leaks."""
    submission = get_object_or_404(discussed_papers(workshop).select_related("workshop"), pk=pk)
    role = discussion_role(user, submission)
    if role is None:
        raise Http404("No such discussion.")
    return submission, role


@dataclass(frozen=True)
class Participant:
    user: User
    role: str


def participants_of(submission) -> list[Participant]:
    """Who takes part in the paper's discussion: its unconflicted chairs, then its assigned
    reviewers who submitted their review (a chair who also reviews it takes part as a chair)."""
    chairs = list(
        User.objects.filter(memberships__workshop_id=submission.workshop_id, memberships__role=Role.CHAIR).order_by(
            "pk"
        )
    )
    reviewers = list(
        User.objects.filter(
            assignments__submission=submission,
            reviews__submission=submission,
            reviews__status=ReviewStatus.SUBMITTED,
        )
        .distinct()
        .order_by("pk")
    )
    people = {user.pk: user for user in [*chairs, *reviewers]}
    if not people:
        return []
    conflicts = submission_selectors.conflict_reasons(submission, list(people.values()))
    chair_ids = {chair.pk for chair in chairs}
    return [
        Participant(user, CHAIR if pk in chair_ids else REVIEWER)
        for pk, user in people.items()
        if not conflicts.get(pk)
    ]


@dataclass(frozen=True)
class ThreadComment:
    """A comment as one reader sees it: `writer` is a name for chairs, "Reviewer N" or "Chair"
    for reviewers."""

    writer: str
    text: str
    created_at: datetime
    is_own: bool


class WriterLabels:
    """Names the writers of a paper's comments for one reader: chairs read names, reviewers
    read "Reviewer N" and "Chair". Two queries, whatever the number of comments."""

    def __init__(self, submission):
        self.numbers = reviewer_numbers(submission)
        self.chair_ids = set(
            User.objects.filter(
                memberships__workshop_id=submission.workshop_id, memberships__role=Role.CHAIR
            ).values_list("pk", flat=True)
        )

    def label(self, writer, *, reader, reader_role) -> str:
        number = self.numbers.get(writer.pk)
        if reader_role == CHAIR:
            name = writer.get_full_name()
            if writer.pk in self.chair_ids:
                return f"{name} (chair)"
            return f"Reviewer {number} ({name})" if number else name
        if writer.pk in self.chair_ids:
            return "Chair"
        label = f"Reviewer {number}" if number else "Reviewer"
        return f"{label} (you)" if writer.pk == reader.pk else label


def thread_of(submission, *, reader, reader_role, after=None, until=None, labels=None) -> list[ThreadComment]:
    """The paper's comments in order, named for `reader` (see WriterLabels); only those written
    after `after` and up to `until` when given. Empty for anyone not taking part."""
    if reader_role not in PARTICIPATING:
        return []
    comments = Comment.objects.filter(submission=submission).select_related("author").order_by("created_at", "id")
    if after is not None:
        comments = comments.filter(created_at__gt=after)
    if until is not None:
        comments = comments.filter(created_at__lte=until)
    labels = labels or WriterLabels(submission)
    return [
        ThreadComment(
            writer=labels.label(comment.author, reader=reader, reader_role=reader_role),
            text=comment.text,
            created_at=comment.created_at,
            is_own=comment.author_id == reader.pk,
        )
        for comment in comments
    ]
