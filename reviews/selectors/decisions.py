"""Reads for decisions and their release: the chairs' list and paper page, the emails' context,
and the authors' view after release.

What reaches authors is built here only (`reviews_for_authors`): submitted reviews as "Reviewer N",
without the reviewers' names and without their confidential comments.
"""

from dataclasses import dataclass

from django.db.models import Avg, Case, Count, Exists, F, FloatField, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse

from reviews import selectors as review_selectors
from reviews.enums import CriterionRole, Outcome, ReviewStatus
from reviews.models import Assignment, Decision, Review
from reviews.selectors.reviews import reviewer_numbers_of
from submissions import selectors as submission_selectors
from submissions.enums import DECIDED, LIVE, Presentation
from submissions.models import Submission, SubmissionAuthor
from workshop.links import absolute_url
from workshop.mail import default_wording
from workshop.phases import format_aoe

# The decisions list: live papers, and those whose decision was released (frozen, for reference).
LISTED = LIVE | DECIDED
SORTS = {
    "number": ("number",),
    "score": (F("mean_score").desc(nulls_last=True), "number"),
    "-score": (F("mean_score").asc(nulls_last=True), "number"),
}
FILTERS = ("undecided", Outcome.ACCEPT, Outcome.REJECT)


def decision_label(decision) -> str:
    """ "Accept (poster)" or "Reject", as chairs and authors read it."""
    if decision.outcome == Outcome.ACCEPT and decision.presentation:
        return f"{decision.get_outcome_display()} ({decision.get_presentation_display().lower()})"
    return decision.get_outcome_display()


def undecided_papers(workshop):
    """The workshop's live papers without a decision, by number."""
    return Submission.objects.filter(workshop=workshop, status__in=LIVE, decision__isnull=True).order_by("number")


def undecided_for(viewer, workshop) -> tuple[list[int], int]:
    """The undecided papers as `viewer` may know them: the numbers of those they are not in conflict
    with, and how many others there are (that a paper of theirs is still undecided is part of its
    decision, which they do not see)."""
    conflicted = submission_selectors.conflicted_submissions(viewer, workshop).filter(pk=OuterRef("pk"))
    numbers, hidden = [], 0
    for number, is_hidden in (
        undecided_papers(workshop).annotate(hidden=Exists(conflicted)).values_list("number", "hidden")
    ):
        if is_hidden:
            hidden += 1
        else:
            numbers.append(number)
    return numbers, hidden


@dataclass(frozen=True)
class Score:
    name: str
    value: int
    label: str


@dataclass(frozen=True)
class AuthorReview:
    """A submitted review as its paper's authors read it: numbered, anonymous, no confidential comments."""

    number: int
    summary: str
    strengths: str
    weaknesses: str
    questions: str
    scores: tuple[Score, ...]

    @property
    def title(self) -> str:
        return f"Reviewer {self.number}"


def scores_of(review, criteria) -> tuple[Score, ...]:
    """The review's scores in the form's order, with the labels the reviewer chose from."""
    scores = []
    for criterion in criteria:
        value = review.scores.get(criterion.key)
        if value is not None:
            scores.append(Score(criterion.name, value, (criterion.labels or {}).get(str(value), "")))
    return tuple(scores)


def reviews_for_authors(submission) -> list[AuthorReview]:
    """The paper's submitted reviews as its authors may read them, by reviewer number.

    Only the fields meant for the authors are copied: no reviewer, no confidential comments."""
    return reviews_for_authors_of(submission.workshop, [submission.pk])[submission.pk]


def reviews_for_authors_of(workshop, submission_ids) -> dict[int, list[AuthorReview]]:
    """reviews_for_authors of many papers of the workshop in four queries: submission id → reviews."""
    criteria = review_selectors.criteria_of(workshop)
    numbers = reviewer_numbers_of(submission_ids)
    shown = {pk: [] for pk in submission_ids}
    for review in Review.objects.filter(submission_id__in=list(shown), status=ReviewStatus.SUBMITTED):
        shown[review.submission_id].append(
            AuthorReview(
                number=numbers[review.submission_id].get(review.reviewer_id, 0),
                summary=review.summary,
                strengths=review.strengths,
                weaknesses=review.weaknesses,
                questions=review.questions,
                scores=scores_of(review, criteria),
            )
        )
    return {pk: sorted(reviews, key=lambda review: review.number) for pk, reviews in shown.items()}


def decision_email_context(decision, reviews=None) -> dict:
    """The context of a decision email (workshop.mail.render_email): its placeholders' values."""
    return {"placeholders": decision_email_placeholders(decision, reviews)}


def decision_email_placeholders(decision, reviews=None) -> dict[str, str]:
    """The values of the decision emails' placeholders (reviews.emails.PLACEHOLDERS), all plain
    strings: the paper, its decision, and the reviews for the authors when the workshop shares
    them (`reviews`: read already, in bulk). Nothing else of the paper or the workshop reaches the
    chairs' wording, which can only name these values."""
    submission = decision.submission
    workshop = submission.workshop
    if workshop.share_reviews_with_authors:
        if reviews is None:
            reviews = reviews_for_authors(submission)
        shown = render_to_string("emails/_decision_reviews.txt", {"reviews": reviews}) if reviews else ""
    else:
        shown = ""
    names = [author.name for author in submission.authors.all()]
    values = {
        "workshop_name": workshop.name,
        "workshop_short_name": workshop.short_name,
        "paper_number": str(submission.number),
        "paper_title": submission.title,
        "author_names": " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]])),
        "decision": decision_label(decision),
        "note": f"A note from the chairs:\n\n{decision.note_to_authors}\n\n" if decision.note_to_authors else "",
        "paper_url": absolute_url(reviews_url(submission)),
        "reviews": shown,
        "site_url": absolute_url(),
    }
    if decision.outcome == Outcome.ACCEPT:
        values["presentation"] = decision.get_presentation_display().lower()
        deadline = workshop.camera_ready_deadline
        values["camera_ready_deadline"] = format_aoe(deadline) if deadline else "the date the chairs will announce"
    return values


def released_decision(submission) -> Decision | None:
    """The paper's decision if released to its authors, else None (a hidden decision is no decision)."""
    return Decision.objects.filter(submission=submission, released_at__isnull=False).first()


def reviews_url(submission) -> str:
    return reverse("reviews:author_reviews", args=[submission.workshop.slug, submission.pk])


# --- the chairs ------------------------------------------------------------------------------


def overall_key(workshop) -> str:
    """The key under which reviews store the overall recommendation."""
    criteria = review_selectors.criteria_of(workshop)
    return next((c.key for c in criteria if c.role == CriterionRole.OVERALL), "overall")


def papers_for_decisions(viewer, workshop, *, sort="number", show=""):
    """The chairs' decisions list: every live or released paper with its mean overall score, its
    number of submitted reviews and its decision, in a constant number of queries.

    A paper the viewer is in conflict with stays listed by number and title only: its score and
    review count are blanked in SQL, so that sorting by score cannot place it, and it is left out
    of the lists filtered by decision (`show`), so that filtering cannot reveal its decision.
    """
    submitted = Review.objects.filter(submission=OuterRef("pk"), status=ReviewStatus.SUBMITTED).values("submission")
    mean = submitted.annotate(mean=Avg(Cast(KT(f"scores__{overall_key(workshop)}"), FloatField()))).values("mean")
    count = submitted.annotate(n=Count("pk")).values("n")
    conflicted = submission_selectors.conflicted_submissions(viewer, workshop).filter(pk=OuterRef("pk"))
    papers = (
        Submission.objects.filter(workshop=workshop, status__in=LISTED)
        .annotate(conflicted=Exists(conflicted))
        .annotate(
            mean_score=Case(When(conflicted=True, then=Value(None)), default=Subquery(mean), output_field=FloatField()),
            review_count=Case(
                When(conflicted=True, then=Value(None)),
                default=Coalesce(Subquery(count), 0),
                output_field=IntegerField(),
            ),
        )
        .select_related("decision", "primary_direction")
    )
    if show == "undecided":
        papers = papers.filter(conflicted=False, decision__isnull=True, status__in=LIVE)
    elif show in (Outcome.ACCEPT, Outcome.REJECT):
        papers = papers.filter(conflicted=False, decision__outcome=show)
    return papers.order_by(*SORTS.get(sort, SORTS["number"]))


def paper_for_decision(viewer, workshop, pk) -> Submission:
    """A live or released paper for the chair's paper page, with its authors; 404 when the chair is
    in conflict with it (its reviews and decision are not theirs to see)."""
    paper = submission_selectors.submission_for_chair(viewer, workshop, pk)
    if paper.status not in LISTED:
        raise Http404("No such paper.")
    return paper


def decision_of(submission) -> Decision | None:
    return Decision.objects.filter(submission=submission).select_related("decided_by").first()


@dataclass(frozen=True)
class ChairReview:
    """An assigned (or formerly assigned) reviewer of a paper and their review, for the chairs."""

    number: int
    reviewer: object
    review: Review | None  # None until submitted: chairs read submitted reviews only
    scores: tuple[Score, ...]


def reviews_for_chairs(submission) -> list[ChairReview]:
    """Every reviewer of the paper by reviewer number, with their name and, once submitted, their
    review with scores and confidential comments. Only for chairs not in conflict with the paper."""
    criteria = review_selectors.criteria_of(submission.workshop)
    numbers = review_selectors.reviewer_numbers(submission)
    reviewers = {
        a.reviewer_id: a.reviewer for a in Assignment.objects.filter(submission=submission).select_related("reviewer")
    }
    submitted = {}
    for review in Review.objects.filter(submission=submission).select_related("reviewer"):
        reviewers.setdefault(review.reviewer_id, review.reviewer)
        if review.status == ReviewStatus.SUBMITTED:
            submitted[review.reviewer_id] = review
    rows = [
        ChairReview(
            number=numbers.get(pk, 0),
            reviewer=reviewer,
            review=submitted.get(pk),
            scores=scores_of(submitted[pk], criteria) if pk in submitted else (),
        )
        for pk, reviewer in reviewers.items()
    ]
    return sorted(rows, key=lambda row: row.number)


# --- release ---------------------------------------------------------------------------------


def unreleased_decisions(workshop):
    """Decisions that the next release sends: decided, not yet released, on live papers."""
    return Decision.objects.filter(workshop=workshop, released_at__isnull=True, submission__status__in=LIVE)


def release_under_way(workshop) -> bool:
    """Whether a started release still has papers to release: an unreleased decision made before
    it started (`workshop.decisions_released_at`, set when a chair starts it). A decision made
    after a release finished waits for the next one."""
    started = workshop.decisions_released_at
    return started is not None and unreleased_decisions(workshop).filter(decided_at__lte=started).exists()


@dataclass(frozen=True)
class ReleaseProgress:
    queued: int  # papers of this release whose decision is recorded and whose email is in the outbox
    total: int  # papers of this release


def release_progress(workshop) -> ReleaseProgress | None:
    """How far the release under way is, in papers (one email each, to all its authors); None
    when none is under way. Its papers are those released at its start time, and those left."""
    if not release_under_way(workshop):
        return None
    queued = Decision.objects.filter(workshop=workshop, released_at=workshop.decisions_released_at).count()
    return ReleaseProgress(queued=queued, total=queued + unreleased_decisions(workshop).count())


@dataclass(frozen=True)
class ReleaseSummary:
    undecided: list[int]  # numbers of live papers without a decision (those the viewer may know of)
    papers: dict[str, int]  # outcome → papers the next release sends
    addresses: dict[str, int]  # outcome → author addresses that get that email
    released: int  # papers released before
    hidden: int = 0  # papers the next release sends whose outcome the viewer may not know (conflicts)
    undecided_hidden: int = 0  # undecided papers the viewer is in conflict with

    @property
    def is_waiting(self) -> bool:
        """Some live paper has no decision yet: the release is refused."""
        return bool(self.undecided or self.undecided_hidden)

    @property
    def pending(self) -> int:
        return sum(self.papers.values()) + self.hidden


def release_summary(workshop, viewer=None) -> ReleaseSummary:
    """What a release would do now, in counts only. The decisions on papers `viewer` is in conflict
    with are counted apart, without their outcome: with the other decisions in plain sight on the
    decisions page, "1 accepted" would tell a conflicted chair the outcome of their paper."""
    pending = unreleased_decisions(workshop)
    if viewer is None:
        pending = pending.annotate(hidden=Value(False))
    else:
        conflicted = submission_selectors.conflicted_submissions(viewer, workshop).filter(pk=OuterRef("submission"))
        pending = pending.annotate(hidden=Exists(conflicted))
    papers, hidden = {}, 0
    for outcome, is_hidden, count in pending.values_list("outcome", "hidden").annotate(n=Count("pk")).order_by():
        if is_hidden:
            hidden += count
        else:
            papers[outcome] = count
    authors = SubmissionAuthor.objects.filter(submission__decision__in=pending.filter(hidden=False))
    addresses = dict(authors.values_list("submission__decision__outcome").annotate(n=Count("pk")).order_by())
    if viewer is None:
        undecided, undecided_hidden = list(undecided_papers(workshop).values_list("number", flat=True)), 0
    else:
        undecided, undecided_hidden = undecided_for(viewer, workshop)
    return ReleaseSummary(
        undecided=undecided,
        undecided_hidden=undecided_hidden,
        papers={outcome: papers.get(outcome, 0) for outcome in Outcome.values},
        addresses={outcome: addresses.get(outcome, 0) for outcome in Outcome.values},
        released=Decision.objects.filter(workshop=workshop, released_at__isnull=False).count(),
        hidden=hidden,
    )


def preview_decision(viewer, workshop, outcome, *, stand_in=False) -> Decision | None:
    """A real decision of this kind to preview its email with: the lowest-numbered paper so decided
    that the viewer is not in conflict with (its email names its authors and reviews).

    With `stand_in`, when no paper is so decided yet, the first live paper with an unsaved
    decision of that kind, so that chairs can word the email before deciding."""
    conflicted = submission_selectors.conflicted_submissions(viewer, workshop).values("pk")
    decision = (
        Decision.objects.filter(workshop=workshop, outcome=outcome, submission__status__in=LISTED)
        .exclude(submission__in=conflicted)
        .select_related("submission__workshop")
        .order_by("submission__number")
        .first()
    )
    if decision is not None or not stand_in:
        return decision
    paper = (
        Submission.objects.filter(workshop=workshop, status__in=LIVE)
        .exclude(pk__in=conflicted)
        .select_related("workshop")
        .order_by("number")
        .first()
    )
    if paper is None:
        return None
    presentation = Presentation.POSTER if outcome == Outcome.ACCEPT else ""
    return Decision(workshop=workshop, submission=paper, outcome=outcome, presentation=presentation)


def email_template_source(name, override=None) -> tuple[str, str]:
    """The subject and body a chair edits: the workshop's own wording, or the default's."""
    if override is not None:
        return override.subject, override.body
    return default_wording(name)


# --- the authors -----------------------------------------------------------------------------


def released_decision_for_author(user, workshop, pk) -> tuple[Submission, Decision]:
    """The paper and its released decision, for its authors only; 404 to anyone else, and to its
    authors before the release (not even that a decision exists leaks)."""
    submission = submission_selectors.submission_for_author(user, workshop, pk)
    decision = released_decision(submission)
    if decision is None:
        raise Http404("No such page.")
    return submission, decision
