"""Reads for the chairs' review dashboard: the figures above the table of papers (progress,
late reviewers, papers missing reviews, disagreement, score distributions). The table and each
paper's figures are in dashboard_papers.

Every figure is computed by the database, in grouped queries (per direction, per reviewer, per
paper), so that the dashboard costs the same number of queries for one paper as for 20,000.

A chair in conflict with a paper sees nothing of it here: the paper is left out of every figure,
list, chart and row (a count of hidden papers says so), since even a mean or a per-direction tally
could tell its scores, and a late-reviewer count who reviews it.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import CharField, Count, Exists, OuterRef, Subquery, Value, Window
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone

from reviews import selectors as review_selectors
from reviews.enums import CriterionRole, ReviewStatus
from reviews.models import Review
from reviews.selectors.dashboard_papers import (
    DISAGREEMENT_SPREAD,
    PaperRow,
    assigned_pair,
    paper_rows,
    review_of_pair,
    with_scores,
)
from workshop.models import User

# Reviewers with unfinished reviews count as late from this long before the review deadline.
LATE_WINDOW = timedelta(days=3)
# The dashboard's own lists (late reviewers, missing reviews, disagreement) name this many; the
# table has every paper, the reminder page every late reviewer.
LIST_LENGTH = 10


# --- the figures above the table -----------------------------------------------------------------


@dataclass
class Progress:
    """Assignments and the state of their reviews, for the workshop or one direction."""

    label: str
    slug: str = ""
    assigned: int = 0
    submitted: int = 0
    drafts: int = 0

    @property
    def not_started(self) -> int:
        return self.assigned - self.submitted - self.drafts

    def _percent(self, count) -> float:
        return round(100 * count / self.assigned, 2) if self.assigned else 0.0

    @property
    def submitted_percent(self) -> float:
        return self._percent(self.submitted)

    @property
    def drafts_percent(self) -> float:
        return self._percent(self.drafts)

    @property
    def drafts_x(self) -> float:
        """Where the drafts' part of the stacked bar starts (the submitted part comes first)."""
        return self.submitted_percent

    @property
    def not_started_x(self) -> float:
        return round(self.submitted_percent + self.drafts_percent, 2)

    @property
    def not_started_percent(self) -> float:
        return round(100 - self.not_started_x, 2) if self.assigned else 0.0


@dataclass(frozen=True)
class LateReviewer:
    reviewer: User
    unfinished: int  # assigned papers without a submitted review
    drafts: int  # of which a draft exists


@dataclass
class ReviewDashboard:
    overall: Progress
    per_direction: list[Progress]
    late_reviewers: list[LateReviewer]  # the `list_length` with the most unfinished reviews
    late_count: int  # every late reviewer
    late_from: datetime | None  # None without a review deadline
    missing: list[PaperRow]  # papers with fewer submitted reviews than needed, fewest first
    missing_count: int
    disputed: list[PaperRow]  # papers whose overall scores spread by DISAGREEMENT_SPREAD or more, widest first
    disputed_count: int
    distributions: dict  # what the charts draw (json_script): see _distributions
    hidden_count: int  # papers left out: the chair is in conflict with them
    has_overall: bool
    has_confidence: bool
    needed: int

    @property
    def distribution_tables(self) -> list[dict]:
        """The charts' figures as tables (for screen readers): per direction, (label, count) rows."""
        labels = self.distributions["labels"]
        return [
            {"name": d["name"], "slug": d["slug"], "rows": list(zip(labels, d["counts"], strict=True))}
            for d in self.distributions["directions"]
        ]


def _criterion(criteria, role):
    return next((criterion for criterion in criteria if criterion.role == role), None)


def review_dashboard(scope, *, now=None, list_length=LIST_LENGTH) -> ReviewDashboard:
    """Every figure of the chairs' dashboard above the table, for the papers of `scope`, in a
    fixed number of grouped queries whatever the number of papers and reviews."""
    workshop = scope.workshop
    now = now or timezone.now()
    criteria = review_selectors.criteria_of(workshop)
    overall_criterion = _criterion(criteria, CriterionRole.OVERALL)
    directions = sorted(workshop.directions.all(), key=lambda d: (d.order, d.pk))
    needed = workshop.reviews_per_paper

    scored = with_scores(scope.papers())
    missing, missing_count = _first(scored.filter(submitted__lt=needed).order_by("submitted", "number"), list_length)
    disputed, disputed_count = _first(
        scored.filter(spread__gte=DISAGREEMENT_SPREAD).order_by("-spread", "number"), list_length
    )
    rows = {row.pk: row for row in paper_rows(scope, missing + disputed)}
    disputed_rows = [rows[pk] for pk in disputed]
    for paper_id, score in (
        Review.objects.filter(
            submission_id__in=[row.pk for row in disputed_rows],
            status=ReviewStatus.SUBMITTED,
            overall_score__isnull=False,
        )
        .order_by("pk")
        .values_list("submission_id", "overall_score")
    ):
        rows[paper_id].overall_scores.append(score)

    tally = _review_tally(scope)
    overall, per_direction = _progress(scope, directions, tally)
    late_from = workshop.review_deadline - LATE_WINDOW if workshop.review_deadline else None
    late, late_count = [], 0
    if late_from is not None and now >= late_from:
        late, late_count = _late_reviewers(scope, list_length)
    return ReviewDashboard(
        overall=overall,
        per_direction=per_direction,
        late_reviewers=late,
        late_count=late_count,
        late_from=late_from,
        missing=[rows[pk] for pk in missing],
        missing_count=missing_count,
        disputed=disputed_rows,
        disputed_count=disputed_count,
        distributions=_distributions(overall_criterion, directions, tally),
        hidden_count=len(scope.hidden),
        has_overall=overall_criterion is not None,
        has_confidence=_criterion(criteria, CriterionRole.CONFIDENCE) is not None,
        needed=needed,
    )


def _first(papers, count) -> tuple[list[int], int]:
    """The ids of the first `count` of `papers`, and how many there are in all, in one query (a
    window over the grouped rows). Only ids: a narrow query, which PostgreSQL answers from the
    covering indexes of papers and reviews alone."""
    rows = list(papers.annotate(total=Window(Count("pk"))).values_list("pk", "total")[:count])
    return [pk for pk, _ in rows], rows[0][1] if rows else 0


DIRECTION = "submission__primary_direction_id"


def _review_tally(scope) -> dict[tuple, int]:
    """(primary direction, status, overall score) -> how many reviews of the scope's papers: one
    grouped query for the progress and the charts, read from the covering index on PostgreSQL."""
    fields = (DIRECTION, "status", "overall_score")
    rows = scope.reviews().values(*fields).annotate(n=Count("*")).values_list(*fields, "n").order_by()
    return {(direction, status, score): n for direction, status, score, n in rows}


def _progress(scope, directions, tally) -> tuple[Progress, list[Progress]]:
    """Assignments and their reviews' states, overall and per primary direction: the reviews of
    `tally` less those whose reviewer is no longer assigned (one query each, for the assignments
    and for those reviews: counting the reviews of assigned reviewers directly makes PostgreSQL
    misjudge the match of reviews to assignments and look every review's paper up one by one)."""
    overall = Progress("All directions")
    per_direction = {direction.pk: Progress(direction.name, direction.slug) for direction in directions}

    def add(direction_id, name, count):
        for progress in (overall, per_direction.get(direction_id)):
            if progress is not None:
                setattr(progress, name, getattr(progress, name) + count)

    for direction_id, count in (
        scope.assignments().values(DIRECTION).annotate(n=Count("*")).values_list(DIRECTION, "n").order_by()
    ):
        add(direction_id, "assigned", count)
    unassigned = scope.reviews().exclude(Exists(assigned_pair())).values(DIRECTION, "status").annotate(n=Count("*"))
    states = [(direction, status, n) for (direction, status, _), n in tally.items()]
    states += [
        (direction, status, -n) for direction, status, n in unassigned.values_list(DIRECTION, "status", "n").order_by()
    ]
    for direction_id, status, count in states:
        if status == ReviewStatus.SUBMITTED:
            add(direction_id, "submitted", count)
        elif status == ReviewStatus.DRAFT:
            add(direction_id, "drafts", count)
    return overall, list(per_direction.values())


def _late_reviewers(scope, list_length) -> tuple[list[LateReviewer], int]:
    """The `list_length` reviewers with the most assigned papers without a submitted review (by
    name on a tie), and how many reviewers have any. Three queries."""
    unfinished = scope.assignments(paper_subquery=True).exclude(Exists(review_of_pair(ReviewStatus.SUBMITTED)))
    # As str(user) reads: the name, or the email without one. A subquery, read per reviewer once
    # their assignments are counted, rather than a join before counting them.
    name = Lower(Coalesce(NullIf("name", Value("")), "email", output_field=CharField()))
    name = Subquery(User.objects.filter(pk=OuterRef("reviewer_id")).values(sort_name=name)[:1])
    # With how many reviewers there are in all: a window over the grouped rows, in the same query.
    top = list(
        unfinished.values("reviewer_id")
        .annotate(n=Count("*"), total=Window(Count("*")))
        .order_by("-n", name, "reviewer_id")
        .values_list("reviewer_id", "n", "total")[:list_length]
    )
    count = top[0][2] if top else 0
    top = {pk: n for pk, n, _ in top}
    drafts = dict(
        scope.reviews()
        .filter(status=ReviewStatus.DRAFT, reviewer_id__in=top)
        .filter(Exists(assigned_pair()))
        .values("reviewer_id")
        .annotate(n=Count("*"))
        .values_list("reviewer_id", "n")
        .order_by()
    )
    reviewers = User.objects.in_bulk(list(top))
    late = [LateReviewer(reviewers[pk], unfinished, drafts.get(pk, 0)) for pk, unfinished in top.items()]
    return late, count


def _distributions(criterion, directions, tally) -> dict:
    """For the charts: how many submitted reviews gave each overall score, per primary direction.
    {"scores": [1, ..., 5], "labels": ["1 Strong reject", ...], "directions": [{"name", "slug",
    "counts"}, ...]}; empty lists without an overall criterion."""
    if criterion is None:
        return {"scores": [], "labels": [], "directions": []}
    values = list(range(criterion.scale_min, criterion.scale_max + 1))
    counts = defaultdict(int)
    for (direction_id, status, score), count in tally.items():
        if status == ReviewStatus.SUBMITTED and score is not None:
            counts[direction_id, score] += count
    labels = criterion.labels or {}
    return {
        "scores": values,
        "labels": [f"{value} {labels.get(str(value), '')}".strip() for value in values],
        "directions": [
            {"name": d.name, "slug": d.slug, "counts": [counts[d.pk, value] for value in values]} for d in directions
        ],
    }
