"""Reads for the chairs' review dashboard: progress, late reviewers, papers missing reviews,
disagreement, score distributions, and the table of papers with their scores.

Everything is computed in Python from a few bulk queries (papers, assignments, reviews,
decisions, criteria, the late reviewers' names), so a dashboard of 20,000 papers costs the same
number of queries as one of a single paper.

A chair in conflict with a paper sees nothing of it here: the paper is left out of every figure,
list, chart and row (a count of hidden papers says so), since even a mean or a per-direction tally
could tell its scores, and a late-reviewer count who reviews it.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import fmean

from django.utils import timezone

from reviews import selectors as review_selectors
from reviews.enums import CriterionRole, ReviewStatus
from reviews.models import Assignment, Decision, Review
from reviews.selectors.decisions import decision_label
from submissions import selectors as submission_selectors
from submissions.enums import DECIDED, LIVE
from submissions.models import Submission
from workshop.models import User

# Reviewers with unfinished reviews count as late from this long before the review deadline.
LATE_WINDOW = timedelta(days=3)
# Papers whose overall scores differ by at least this much are worth a discussion.
DISAGREEMENT_SPREAD = 2
# The dashboard's own lists (missing reviews, disagreement) show this many papers; the table has all.
LIST_LENGTH = 10


@dataclass
class PaperRow:
    """One paper of the dashboard, with its review counts and score figures (None when there is
    nothing to compute them from)."""

    pk: int
    number: int
    title: str
    direction: object  # workshop.models.Direction
    assigned: int = 0
    submitted: int = 0
    drafts: int = 0
    overall_scores: list[int] = field(default_factory=list)
    mean: float | None = None
    weighted_mean: float | None = None
    spread: int | None = None
    decision: str = ""
    needed: int = 0  # the workshop's reviews per paper

    @property
    def is_missing_reviews(self) -> bool:
        return self.submitted < self.needed

    @property
    def is_disputed(self) -> bool:
        return self.spread is not None and self.spread >= DISAGREEMENT_SPREAD


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
    rows: list[PaperRow]  # every paper the chair may see, by number
    overall: Progress
    per_direction: list[Progress]
    late_reviewers: list[LateReviewer]
    late_from: datetime | None  # None without a review deadline
    distributions: dict  # what the charts draw (json_script): see _distributions
    hidden_count: int  # papers left out: the chair is in conflict with them
    has_overall: bool
    has_confidence: bool
    needed: int

    @property
    def missing(self) -> list[PaperRow]:
        """Papers with fewer submitted reviews than needed, fewest first."""
        return sorted((row for row in self.rows if row.is_missing_reviews), key=lambda row: row.submitted)

    @property
    def disputed(self) -> list[PaperRow]:
        """Papers whose overall scores spread by DISAGREEMENT_SPREAD or more, widest first."""
        return sorted((row for row in self.rows if row.is_disputed), key=lambda row: -row.spread)

    @property
    def distribution_tables(self) -> list[dict]:
        """The charts' figures as tables (for screen readers): per direction, (label, count) rows."""
        labels = self.distributions["labels"]
        return [
            {"name": d["name"], "slug": d["slug"], "rows": list(zip(labels, d["counts"], strict=True))}
            for d in self.distributions["directions"]
        ]


def _score(scores, key) -> int | None:
    """A review's score on a criterion, or None when missing or not a whole number."""
    value = scores.get(key) if key else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _criterion(criteria, role):
    return next((criterion for criterion in criteria if criterion.role == role), None)


def review_dashboard(viewer, workshop, *, now=None) -> ReviewDashboard:
    """Every figure of the chairs' dashboard, for `viewer` (papers they are in conflict with left
    out), from seven queries whatever the number of papers and reviews."""
    now = now or timezone.now()
    criteria = review_selectors.criteria_of(workshop)
    overall_criterion = _criterion(criteria, CriterionRole.OVERALL)
    confidence_criterion = _criterion(criteria, CriterionRole.CONFIDENCE)
    overall_key = overall_criterion.key if overall_criterion else None
    confidence_key = confidence_criterion.key if confidence_criterion else None
    directions = sorted(workshop.directions.all(), key=lambda d: (d.order, d.pk))
    direction_of = {direction.pk: direction for direction in directions}

    hidden = set(submission_selectors.conflicted_submissions(viewer, workshop).values_list("pk", flat=True))
    papers = Submission.objects.filter(workshop=workshop, status__in=LIVE | DECIDED, number__isnull=False)
    rows = {}
    hidden_count = 0
    for pk, number, title, direction_id in papers.order_by("number").values_list(
        "pk", "number", "title", "primary_direction_id"
    ):
        if pk in hidden:
            hidden_count += 1
            continue
        rows[pk] = PaperRow(pk, number, title, direction_of.get(direction_id), needed=workshop.reviews_per_paper)

    review_state = {}  # (paper, reviewer) -> status
    scores = defaultdict(list)  # paper -> [(overall, confidence)]
    # Filtered by workshop, not by a list of ids (20,000 ids make a slow query): hidden papers'
    # rows are skipped here.
    for paper_id, reviewer_id, status, values in Review.objects.filter(workshop=workshop).values_list(
        "submission_id", "reviewer_id", "status", "scores"
    ):
        if paper_id not in rows:
            continue
        review_state[paper_id, reviewer_id] = status
        if status == ReviewStatus.SUBMITTED:
            rows[paper_id].submitted += 1
            scores[paper_id].append((_score(values or {}, overall_key), _score(values or {}, confidence_key)))

    overall = Progress("All directions")
    per_direction = {direction.pk: Progress(direction.name, direction.slug) for direction in directions}
    unfinished, drafts_of = Counter(), Counter()
    assignments = Assignment.objects.filter(workshop=workshop).values_list("submission_id", "reviewer_id")
    for paper_id, reviewer_id in assignments:
        row = rows.get(paper_id)
        if row is None:
            continue
        status = review_state.get((paper_id, reviewer_id))
        row.assigned += 1
        for progress in (overall, per_direction.get(row.direction.pk if row.direction else None)):
            if progress is not None:
                progress.assigned += 1
                progress.submitted += status == ReviewStatus.SUBMITTED
                progress.drafts += status == ReviewStatus.DRAFT
        if status != ReviewStatus.SUBMITTED:
            unfinished[reviewer_id] += 1
            drafts_of[reviewer_id] += status == ReviewStatus.DRAFT
        if status == ReviewStatus.DRAFT:
            row.drafts += 1

    for paper_id, pairs in scores.items():
        _compute_scores(rows[paper_id], pairs)
    for decision in Decision.objects.filter(workshop=workshop).only("submission_id", "outcome", "presentation"):
        if decision.submission_id in rows:
            rows[decision.submission_id].decision = decision_label(decision)

    late_from = workshop.review_deadline - LATE_WINDOW if workshop.review_deadline else None
    late = []
    if late_from is not None and now >= late_from and unfinished:
        for reviewer in User.objects.filter(pk__in=unfinished).only("pk", "name", "email"):
            late.append(LateReviewer(reviewer, unfinished[reviewer.pk], drafts_of[reviewer.pk]))
        late.sort(key=lambda entry: (-entry.unfinished, str(entry.reviewer).casefold()))

    return ReviewDashboard(
        rows=list(rows.values()),
        overall=overall,
        per_direction=list(per_direction.values()),
        late_reviewers=late,
        late_from=late_from,
        distributions=_distributions(overall_criterion, directions, rows.values()),
        hidden_count=hidden_count,
        has_overall=overall_criterion is not None,
        has_confidence=confidence_criterion is not None,
        needed=workshop.reviews_per_paper,
    )


def _compute_scores(row, pairs):
    """Mean, confidence-weighted mean (sum of score * confidence / sum of confidence, over the reviews that
    give both) and spread (max - min, from two scores on) of a paper's overall scores."""
    overall = [score for score, _ in pairs if score is not None]
    row.overall_scores = overall
    if overall:
        row.mean = fmean(overall)
    if len(overall) >= 2:
        row.spread = max(overall) - min(overall)
    weighted = [(score, confidence) for score, confidence in pairs if score is not None and confidence is not None]
    total_confidence = sum(confidence for _, confidence in weighted)
    if total_confidence > 0:
        row.weighted_mean = sum(score * confidence for score, confidence in weighted) / total_confidence


def _distributions(criterion, directions, rows) -> dict:
    """For the charts: how many submitted reviews gave each overall score, per primary direction.
    {"scores": [1, ..., 5], "labels": ["1 Strong reject", ...], "directions": [{"name", "slug",
    "counts"}, ...]}; empty lists without an overall criterion."""
    if criterion is None:
        return {"scores": [], "labels": [], "directions": []}
    values = list(range(criterion.scale_min, criterion.scale_max + 1))
    counts = {direction.pk: Counter() for direction in directions}
    for row in rows:
        if row.direction is not None:
            counts[row.direction.pk].update(row.overall_scores)
    labels = criterion.labels or {}
    return {
        "scores": values,
        "labels": [f"{value} {labels.get(str(value), '')}".strip() for value in values],
        "directions": [
            {"name": d.name, "slug": d.slug, "counts": [counts[d.pk][value] for value in values]} for d in directions
        ],
    }


# --- the table of papers ---------------------------------------------------------------------

# Sort key (as in ?sort=, "-" for descending) → what the rows are sorted by. Nothing else is accepted.
SORTS = {
    "number": lambda row: row.number,
    "title": lambda row: row.title.casefold(),
    "direction": lambda row: (row.direction.order, row.direction.pk) if row.direction else None,
    "reviews": lambda row: row.submitted,
    "mean": lambda row: row.mean,
    "weighted": lambda row: row.weighted_mean,
    "spread": lambda row: row.spread,
    "decision": lambda row: row.decision or None,
}
DEFAULT_SORT = "-mean"


@dataclass(frozen=True)
class TableQuery:
    """The table's sorting and filters, read from the query string (unknown values ignored)."""

    sort: str = DEFAULT_SORT
    direction: str = ""  # a direction's slug
    missing: bool = False
    disputed: bool = False

    @classmethod
    def from_params(cls, params, workshop) -> "TableQuery":
        sort = params.get("sort", "")
        direction = params.get("direction", "")
        return cls(
            sort=sort if sort.lstrip("-") in SORTS else DEFAULT_SORT,
            direction=direction if any(d.slug == direction for d in workshop.directions.all()) else "",
            missing=params.get("missing") == "1",
            disputed=params.get("disagreement") == "1",
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.direction or self.missing or self.disputed)


def paper_table(dashboard, query) -> list[PaperRow]:
    """The dashboard's papers filtered and sorted as `query` says: ties by number, and papers
    without the sorted figure (no score yet, no decision) last in either direction."""
    rows = [
        row
        for row in dashboard.rows
        if (not query.direction or (row.direction is not None and row.direction.slug == query.direction))
        and (not query.missing or row.is_missing_reviews)
        and (not query.disputed or row.is_disputed)
    ]
    key = SORTS[query.sort.lstrip("-")]
    rows.sort(key=lambda row: row.number)
    with_value = [row for row in rows if key(row) is not None]
    without = [row for row in rows if key(row) is None]
    with_value.sort(key=key, reverse=query.sort.startswith("-"))  # stable: ties stay by number
    return with_value + without


COLUMNS = [
    ("number", "#"),
    ("title", "Title"),
    ("direction", "Primary direction"),
    ("reviews", "Reviews"),
    ("mean", "Mean"),
    ("weighted", "Weighted mean"),
    ("spread", "Spread"),
    ("decision", "Decision"),
]
# Columns read in reading order on the first click; the others (figures) highest first.
TEXT_COLUMNS = {"number", "title", "direction", "decision"}


def table_columns(current) -> list[dict]:
    """The table's header: for each column its label, the sort its link asks for, and how it is
    sorted now."""
    columns = []
    for key, label in COLUMNS:
        ascending, descending = current == key, current == f"-{key}"
        first = key if key in TEXT_COLUMNS else f"-{key}"
        columns.append(
            {
                "key": key,
                "label": label,
                "numeric": key not in TEXT_COLUMNS,
                "next": f"-{key}" if ascending else key if descending else first,
                "arrow": " ▲" if ascending else " ▼" if descending else "",
                "aria": "ascending" if ascending else "descending" if descending else "",
            }
        )
    return columns
