"""The papers of the chairs' review dashboard: the scope a chair sees, each paper's figures from
its reviews, and the table of papers, filtered, sorted and paginated by the database.

Per paper, the mean, confidence-weighted mean and spread of the overall scores come from the
integer copies of the two scores on each review (Review.overall_score and confidence_score), which
SQL can average on SQLite and PostgreSQL alike, unlike values inside the JSON `scores`; a page of
the table reads its 50 papers' rows whatever the number of papers.
"""

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Case, Count, Exists, F, FloatField, Max, Min, OuterRef, Q, Sum, When
from django.db.models.functions import Cast, Lower

from reviews.enums import ReviewStatus
from reviews.models import Assignment, Decision, Review
from reviews.selectors.decisions import decision_label
from submissions import selectors as submission_selectors
from submissions.enums import DECIDED, LIVE
from submissions.models import Submission

# Papers whose overall scores differ by at least this much are worth a discussion.
DISAGREEMENT_SPREAD = 2


@dataclass(frozen=True)
class Scope:
    """What a chair's dashboard is about: the workshop's numbered papers under review or decided,
    less those the chair is in conflict with (`hidden`, read once: the conflict rule is one of the
    dearer queries, and a chair is in conflict with few papers)."""

    workshop: object  # workshop.models.Workshop
    hidden: tuple[int, ...]

    def all_papers(self):
        return Submission.objects.filter(workshop=self.workshop, status__in=LIVE | DECIDED, number__isnull=False)

    def papers(self):
        return self.all_papers().exclude(pk__in=self.hidden)

    def _of_papers(self, model, *, paper_subquery=False):
        if paper_subquery:
            # Where PostgreSQL misjudges how many rows a match of assignments to reviews leaves, it
            # looks each remaining row's paper up one by one through a join: a subquery of the
            # papers is hashed once instead.
            return model.objects.filter(workshop=self.workshop, submission_id__in=self.papers().values("pk"))
        rows = model.objects.filter(
            workshop=self.workshop, submission__status__in=LIVE | DECIDED, submission__number__isnull=False
        )
        return rows.exclude(submission_id__in=self.hidden)

    def assignments(self, *, paper_subquery=False):
        return self._of_papers(Assignment, paper_subquery=paper_subquery)

    def direction(self, pk):
        return next((direction for direction in self.workshop.directions.all() if direction.pk == pk), None)

    def reviews(self):
        return self._of_papers(Review)


def dashboard_scope(viewer, workshop) -> Scope:
    """The scope of `viewer`'s dashboard (one query: the papers they are in conflict with)."""
    scope = Scope(workshop, ())
    conflicted = submission_selectors.conflicted_submissions(viewer, workshop).values("pk")
    hidden = scope.all_papers().filter(pk__in=conflicted).order_by("pk").values_list("pk", flat=True)
    return Scope(workshop, tuple(hidden))


def assigned_pair():
    """An assignment of the outer row's reviewer to its paper (for reviews: is it still assigned?)."""
    return Assignment.objects.filter(submission=OuterRef("submission"), reviewer=OuterRef("reviewer"))


def review_of_pair(status):
    """The outer assignment's review, in `status`."""
    return Review.objects.filter(submission=OuterRef("submission"), reviewer=OuterRef("reviewer"), status=status)


# --- per paper ---------------------------------------------------------------------------------

_SUBMITTED = Q(reviews__status=ReviewStatus.SUBMITTED)
_SCORED = _SUBMITTED & Q(reviews__overall_score__isnull=False)
_WEIGHTED = _SCORED & Q(reviews__confidence_score__isnull=False)


def with_scores(papers):
    """`papers` with the figures of their submitted reviews, one LEFT JOIN and GROUP BY:
    `submitted` (how many), `scored` (of which with an overall score), `mean`, `weighted_mean`
    (sum of score * confidence / sum of confidence, over the reviews that give both; None when
    that sum is not positive) and `spread` (highest - lowest, from two scores on)."""
    # Only the columns of the covering index on reviews (no "id"), so PostgreSQL reads that alone.
    return papers.annotate(
        submitted=Count("reviews__status", filter=_SUBMITTED),
        scored=Count("reviews__overall_score", filter=_SCORED),
        mean=Avg("reviews__overall_score", filter=_SCORED),
        scores_high=Max("reviews__overall_score", filter=_SCORED),
        scores_low=Min("reviews__overall_score", filter=_SCORED),
        weight=Sum("reviews__confidence_score", filter=_WEIGHTED),
        weighted_total=Sum(F("reviews__overall_score") * F("reviews__confidence_score"), filter=_WEIGHTED),
    ).annotate(
        spread=Case(When(scored__gte=2, then=F("scores_high") - F("scores_low"))),
        weighted_mean=Case(
            When(weight__gt=0, then=Cast("weighted_total", FloatField()) / Cast("weight", FloatField())),
            output_field=FloatField(),
        ),
    )


# The columns a row is read with (the table, the lists, the CSV export).
ROW_FIELDS = (
    "pk",
    "number",
    "title",
    "primary_direction_id",
    "submitted",
    "mean",
    "weighted_mean",
    "spread",
    "decision__outcome",
    "decision__presentation",
)


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
    drafts: int = 0  # assignments whose review is a draft
    mean: float | None = None
    weighted_mean: float | None = None
    spread: int | None = None
    decision: str = ""
    needed: int = 0  # the workshop's reviews per paper
    overall_scores: list[int] = field(default_factory=list)  # filled for the disagreement list only

    @property
    def is_missing_reviews(self) -> bool:
        return self.submitted < self.needed

    @property
    def is_disputed(self) -> bool:
        return self.spread is not None and self.spread >= DISAGREEMENT_SPREAD


def _assignment_counts(scope, paper_ids=None) -> tuple[dict, dict]:
    """Per paper: how many reviewers are assigned, and how many of them have a draft. Two
    grouped queries, for `paper_ids` or (None) the whole scope."""
    assignments, drafts = scope.assignments(), scope.reviews().filter(status=ReviewStatus.DRAFT)
    if paper_ids is not None:
        assignments = assignments.filter(submission_id__in=paper_ids)
        drafts = drafts.filter(submission_id__in=paper_ids)
    return _per_paper(assignments), _per_paper(drafts.filter(Exists(assigned_pair())))


def _per_paper(rows) -> dict[int, int]:
    return dict(rows.values("submission_id").annotate(n=Count("pk")).values_list("submission_id", "n").order_by())


def paper_rows(scope, paper_ids) -> list[PaperRow]:
    """PaperRows of the papers `paper_ids`, in that order: three queries on these papers only
    (their figures, their assignments, their reviewers' drafts)."""
    figures = {row["pk"]: row for row in with_scores(Submission.objects.filter(pk__in=paper_ids)).values(*ROW_FIELDS)}
    assigned, drafts = _assignment_counts(scope, paper_ids)
    return [_paper_row(scope, figures[pk], assigned, drafts) for pk in paper_ids]


def export_rows(scope, query):
    """Every PaperRow of the table (`query`'s filters and order), for the CSV export: three
    queries over the whole scope rather than a list of 20,000 ids (which makes a slow query)."""
    rows = paper_table(scope, query).values(*ROW_FIELDS)
    assigned, drafts = _assignment_counts(scope)
    return [_paper_row(scope, row, assigned, drafts) for row in rows]


def _paper_row(scope, row, assigned, drafts) -> PaperRow:
    return PaperRow(
        pk=row["pk"],
        number=row["number"],
        title=row["title"],
        direction=scope.direction(row["primary_direction_id"]),
        assigned=assigned.get(row["pk"], 0),
        submitted=row["submitted"],
        drafts=drafts.get(row["pk"], 0),
        mean=row["mean"],
        weighted_mean=row["weighted_mean"],
        spread=row["spread"],
        decision=_decision(row["decision__outcome"], row["decision__presentation"]),
        needed=scope.workshop.reviews_per_paper,
    )


def _decision(outcome, presentation) -> str:
    return decision_label(Decision(outcome=outcome, presentation=presentation)) if outcome else ""


# --- the table of papers ---------------------------------------------------------------------

# Sort key (as in ?sort=, "-" for descending) → what the rows are ordered by, in SQL. Nothing else
# is accepted.
SORTS = {
    "number": ["number"],
    "title": [Lower("title")],
    "direction": ["primary_direction__order", "primary_direction_id"],
    "reviews": ["submitted"],
    "mean": ["mean"],
    "weighted": ["weighted_mean"],
    "spread": ["spread"],
    # As the labels read: Accept < Accept (oral) < Accept (poster) < Accept (spotlight) < Reject.
    "decision": ["decision__outcome", "decision__presentation"],
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


def _filtered(scope, papers, query):
    if query.direction:
        direction = next(d for d in scope.workshop.directions.all() if d.slug == query.direction)
        papers = papers.filter(primary_direction_id=direction.pk)
    if query.missing:
        papers = papers.filter(submitted__lt=scope.workshop.reviews_per_paper)
    if query.disputed:
        papers = papers.filter(spread__gte=DISAGREEMENT_SPREAD)
    return papers


def paper_table(scope, query):
    """The scope's papers (with_scores) filtered and sorted as `query` says: ties by number, and
    papers without the sorted figure (no score yet, no decision) last in either direction."""
    descending = query.sort.startswith("-")
    order = []
    for key in SORTS[query.sort.lstrip("-")]:
        expression = F(key) if isinstance(key, str) else key
        order.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
    return _filtered(scope, with_scores(scope.papers()), query).order_by(*order, "number")


def table_page(scope, query, number, *, per_page) -> Page:
    """Page `number` of the table (the last one when past it), with `rows`: its PaperRows.

    The sorting query reads only the papers' ids (narrow rows, from the covering indexes on
    PostgreSQL); the rows' titles and figures are then read for this page's papers alone. Unless
    a figure filters the papers, they are counted without their reviews."""
    paginator = Paginator(paper_table(scope, query).values_list("pk", flat=True), per_page)
    if not (query.missing or query.disputed):
        # Paginator.count is a cached property: this count replaces the one of the grouped query.
        paginator.count = _filtered(scope, scope.papers(), query).count()
    page = paginator.get_page(number)
    page.rows = paper_rows(scope, list(page.object_list))
    return page


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
