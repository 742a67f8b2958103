"""Reads for the chairs' exports of reviews and decisions (submissions.exports writes them out).

Chairs see everything, reviewers' names and confidential comments included, except what concerns
a paper they are in conflict with: its reviews and its decision are left out entirely.
"""

from reviews.models import Decision, Review
from reviews.selectors.reviews import criteria_of
from submissions.exports import BATCH_SIZE, iso
from submissions.selectors import conflicted_submissions

REVIEW_TEXTS = ["summary", "strengths", "weaknesses", "questions", "confidential_comments"]


def _visible(queryset, workshop, user):
    return queryset.filter(workshop=workshop).exclude(
        submission__in=conflicted_submissions(user, workshop).values("pk")
    )


def review_columns(workshop) -> tuple[list, list[str]]:
    """(the workshop's criteria, the CSV header of the reviews export)."""
    criteria = criteria_of(workshop)
    texts = [Review._meta.get_field(name).verbose_name for name in REVIEW_TEXTS]
    header = ["paper", "reviewer", "reviewer email", "status", "submitted at (UTC)"]
    return criteria, [*header, *(c.name for c in criteria), *texts]


def review_records(workshop, user, criteria):
    """Every review (drafts too, with their status) of the papers `user` is not in conflict with,
    by paper number and reviewer name, with the scores of `criteria` and every text field. Two
    queries per thousand reviews or so, plus two."""
    rows = (
        _visible(Review.objects, workshop, user)
        .order_by("submission__number", "reviewer__name", "reviewer_id")
        .values_list(
            "submission__number",
            "reviewer__name",
            "reviewer__email",
            "status",
            "submitted_at",
            "scores",
            *REVIEW_TEXTS,
            named=True,
        )
    )
    for row in rows.iterator(chunk_size=BATCH_SIZE):
        yield {
            "paper": row.submission__number,
            "reviewer": {"name": row.reviewer__name, "email": row.reviewer__email},
            "status": row.status,
            "submitted_at": iso(row.submitted_at),
            "scores": {c.key: row.scores.get(c.key) for c in criteria},
            **{name: getattr(row, name) for name in REVIEW_TEXTS},
        }


def review_row(record) -> list:
    return [
        record["paper"],
        record["reviewer"]["name"],
        record["reviewer"]["email"],
        record["status"],
        record["submitted_at"],
        *record["scores"].values(),
        *(record[name] for name in REVIEW_TEXTS),
    ]


DECISION_HEADER = ["paper", "title", "outcome", "presentation", "note to the authors", "released", "released at (UTC)"]


def decision_records(workshop, user):
    """Every decision on a paper `user` is not in conflict with, by paper number: outcome,
    presentation, note and whether (and when) it was released. One query."""
    rows = (
        _visible(Decision.objects, workshop, user)
        .order_by("submission__number")
        .values_list(
            "submission__number",
            "submission__title",
            "outcome",
            "presentation",
            "note_to_authors",
            "released_at",
            named=True,
        )
    )
    for row in rows.iterator(chunk_size=BATCH_SIZE):
        yield {
            "paper": row.submission__number,
            "title": row.submission__title,
            "outcome": row.outcome,
            "presentation": row.presentation,
            "note_to_authors": row.note_to_authors,
            "released": row.released_at is not None,
            "released_at": iso(row.released_at),
        }


def decision_row(record) -> list:
    return [
        record["paper"],
        record["title"],
        record["outcome"],
        record["presentation"],
        record["note_to_authors"],
        "yes" if record["released"] else "no",
        record["released_at"],
    ]
