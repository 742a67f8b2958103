"""Reads of the review form and of reviews, scoped to a workshop and to the reviewer reading them."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import FilteredRelation, OuterRef, Prefetch, Q, Subquery
from django.http import Http404

from reviews.enums import CriterionRole, ReviewStatus
from reviews.models import Assignment, Decision, Review, ReviewCriterion, ReviewerNumber
from submissions.enums import DECIDED, LIVE
from submissions.models import Submission
from submissions.selectors import conflicted_submissions
from workshop.models import Direction

RECOMMENDATION_LABELS = {
    "1": "Strong reject",
    "2": "Weak reject",
    "3": "Borderline",
    "4": "Weak accept",
    "5": "Strong accept",
}
CONFIDENCE_LABELS = {
    "1": "Educated guess",
    "2": "Willing to defend, but not sure",
    "3": "Fairly confident",
    "4": "Confident",
    "5": "Absolutely certain",
}


def default_criteria(workshop) -> list[ReviewCriterion]:
    """The review form's scored questions until the chairs save their own (unsaved instances)."""
    return [
        ReviewCriterion(
            workshop=workshop,
            key="overall",
            name="Overall recommendation",
            role=CriterionRole.OVERALL,
            scale_min=1,
            scale_max=5,
            labels=dict(RECOMMENDATION_LABELS),
            required=True,
            order=0,
        ),
        ReviewCriterion(
            workshop=workshop,
            key="confidence",
            name="Confidence",
            description="How sure you are of your assessment.",
            role=CriterionRole.CONFIDENCE,
            scale_min=1,
            scale_max=5,
            labels=dict(CONFIDENCE_LABELS),
            required=True,
            order=1,
        ),
    ]


def criteria_of(workshop) -> list[ReviewCriterion]:
    """The workshop's scored criteria in form order: the saved ones, or the unsaved defaults
    (overall recommendation and confidence, 1-5) when the chairs never saved the form."""
    saved = list(ReviewCriterion.objects.filter(workshop=workshop).order_by("order", "id"))
    return saved or default_criteria(workshop)


def reviewer_numbers(submission) -> dict[int, int]:
    """Reviewer user id → N of "Reviewer N" for this paper: drawn at random when each was first
    assigned (reviews.services.numbering), so a number never tells who anyone is, and stored, so
    it stays the same from page to page. Someone who wrote a review and was unassigned since
    keeps theirs."""
    return reviewer_numbers_of([submission.pk])[submission.pk]


def reviewer_numbers_of(submission_ids) -> dict[int, dict[int, int]]:
    """reviewer_numbers of many papers in one query: submission id → (reviewer id → N)."""
    numbers = {pk: {} for pk in submission_ids}
    for submission_id, reviewer_id, number in ReviewerNumber.objects.filter(
        submission_id__in=list(numbers)
    ).values_list("submission_id", "reviewer_id", "number"):
        numbers[submission_id][reviewer_id] = number
    return numbers


def _reviewable(workshop, reviewer):
    """The workshop's papers assigned to `reviewer` that they may review: still under review (or
    decided) and not in conflict with them (a conflict found after the assignment hides it).

    Each carries its decision once released as `released_decision` (read it through
    released_decision_of); a decision the chairs have not released yet is never loaded, so no
    reviewer page can show it."""
    # The reviewer's handful of ids first, then the conflict rule on those only: as subqueries,
    # PostgreSQL read all 20,000 papers of the workshop to find them.
    assigned = list(
        Assignment.objects.filter(workshop=workshop, reviewer=reviewer).values_list("submission_id", flat=True)
    )
    conflicted = conflicted_submissions(reviewer, workshop).filter(pk__in=assigned)
    return (
        Submission.objects.filter(workshop=workshop, status__in=LIVE | DECIDED, pk__in=assigned, number__isnull=False)
        .exclude(pk__in=conflicted.values("pk"))
        .annotate(released_decision=FilteredRelation("decision", condition=Q(decision__released_at__isnull=False)))
        .select_related("primary_direction", "released_decision")
        .prefetch_related(Prefetch("secondary_directions", queryset=Direction.objects.order_by("order", "id")))
    )


def papers_to_review(workshop, reviewer):
    """The reviewer's assigned papers by number, each with its directions, `review_status`
    (of their own review: None before they start, else draft or submitted) and its released
    decision, in three queries whatever their number. Nothing about the authors."""
    own = Review.objects.filter(submission=OuterRef("pk"), reviewer=reviewer)
    return _reviewable(workshop, reviewer).annotate(review_status=Subquery(own.values("status")[:1])).order_by("number")


def released_decision_of(paper) -> Decision | None:
    """The released decision loaded with a paper of `_reviewable`, or None: Django leaves a
    filtered relation unset, not None, when no row matched (templates read that as empty too)."""
    return getattr(paper, "released_decision", None)


def paper_to_review(workshop, reviewer, pk) -> Submission:
    """One paper for its review page, with its directions and released decision; 404 unless
    `reviewer` is assigned to it and not in conflict with it (chairs included: they have their
    own pages)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such paper.") from None
    paper = _reviewable(workshop, reviewer).filter(pk=pk).first()
    if paper is None:
        raise Http404("No such paper.")
    return paper


def review_of(submission, reviewer) -> Review | None:
    return Review.objects.filter(submission=submission, reviewer=reviewer).first()


@dataclass(frozen=True)
class Score:
    criterion: str
    value: int
    label: str


@dataclass(frozen=True)
class SharedReview:
    """Another reviewer's submitted review as a fellow reviewer sees it: "Reviewer N", without
    their name and without their confidential comments to the chairs."""

    number: int
    summary: str
    strengths: str
    weaknesses: str
    questions: str
    scores: list[Score]
    submitted_at: datetime

    @property
    def label(self) -> str:
        return f"Reviewer {self.number}"


def scores_of(review, criteria) -> list[Score]:
    """A review's scores in form order, each with its criterion's name and the score's label."""
    return [
        Score(criterion.name, review.scores[criterion.key], criterion.labels.get(str(review.scores[criterion.key]), ""))
        for criterion in criteria
        if criterion.key in review.scores
    ]


def others_reviews(submission, reviewer, criteria) -> list[SharedReview]:
    """The other submitted reviews of the paper, as "Reviewer N" in that order; empty until
    `reviewer` has submitted their own (one query then, one more for the numbers)."""
    own = Review.objects.filter(submission=submission, reviewer=reviewer, status=ReviewStatus.SUBMITTED)
    if not own.exists():
        return []
    others = list(
        Review.objects.filter(submission=submission, status=ReviewStatus.SUBMITTED)
        .exclude(reviewer=reviewer)
        .only("reviewer_id", "summary", "strengths", "weaknesses", "questions", "scores", "submitted_at")
    )
    if not others:
        return []
    numbers = reviewer_numbers(submission)
    shared = [
        SharedReview(
            number=numbers.get(review.reviewer_id, 0),
            summary=review.summary,
            strengths=review.strengths,
            weaknesses=review.weaknesses,
            questions=review.questions,
            scores=scores_of(review, criteria),
            submitted_at=review.submitted_at,
        )
        for review in others
    ]
    return sorted(shared, key=lambda review: review.number)
