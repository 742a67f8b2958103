"""Writes on reviews: drafts, autosaves and submission, until the review deadline plus grace.

A review is saved as a draft as often as the reviewer likes, then submitted; a submitted review
stays submitted and can still be edited (every later save is checked like a submission) until
the workshop's review deadline plus its grace period. Every save raises the review's version and
is kept by simple-history; a save that carries an older version than the stored one (another
tab saved in between) is refused, so that no text is silently overwritten. A review's first
submission is announced by email to the paper's chairs and to its reviewers who have submitted.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from reviews.enums import CriterionRole, ReviewStatus
from reviews.models import Assignment, Review, ReviewCriterion
from reviews.selectors.discussion import CHAIR, participants_of
from reviews.selectors.reviews import criteria_of
from submissions import selectors as submission_selectors
from submissions.enums import DECIDED, LIVE
from workshop.enums import EmailAudience, EmailKind
from workshop.mail import queue_email
from workshop.models import Workshop

# The review's free-text fields, in form order.
TEXT_FIELDS = ["summary", "strengths", "weaknesses", "questions", "confidential_comments"]
# Free-text fields a review cannot be submitted without.
REQUIRED_TEXT_FIELDS = ["summary"]


class ReviewRefused(Exception):
    """The review cannot be saved; str() says why, for the reviewer."""


class StaleReview(ReviewRefused):
    """The review was saved elsewhere (another tab) since this form was loaded."""


class ReviewInvalid(ReviewRefused):
    """Some fields are missing or out of range; `errors` maps field names (text fields, or
    "score_<criterion key>") to a message for that field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def editable_until(workshop) -> datetime | None:
    """The last instant a review may be saved (review deadline plus grace); None while the
    workshop has no review deadline, i.e. editing stays open."""
    if workshop.review_deadline is None:
        return None
    return workshop.review_deadline + workshop.grace


def may_edit_reviews(workshop, now=None) -> bool:
    deadline = editable_until(workshop)
    return deadline is None or (now or timezone.now()) <= deadline


def check_reviewer(submission, reviewer) -> None:
    """Refuse anyone but an assigned, unconflicted reviewer of a paper still under review."""
    if not Assignment.objects.filter(submission=submission, reviewer=reviewer).exists():
        raise ReviewRefused(f"You are not assigned to review paper #{submission.number}.")
    if submission_selectors.is_conflicted(reviewer, submission):
        raise ReviewRefused(f"You are in conflict with paper #{submission.number}, so cannot review it.")
    if submission.status not in LIVE | DECIDED:
        raise ReviewRefused(f"Paper #{submission.number} is {submission.get_status_display().lower()}.")


def _clean_scores(criteria, scores: dict, *, complete: bool) -> tuple[dict[str, int], dict[str, str]]:
    """The scores as {key: int} for the workshop's criteria, and the errors per field. Empty
    values are left out; `complete` also asks for every required criterion."""
    known = {criterion.key: criterion for criterion in criteria}
    cleaned, errors = {}, {}
    for key, value in scores.items():
        criterion = known.get(key)
        if criterion is None:
            errors[f"score_{key}"] = f"“{key}” is not a criterion of this review form."
            continue
        if value is None or value == "":
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
        if number is None or isinstance(value, bool) or not criterion.scale_min <= number <= criterion.scale_max:
            errors[f"score_{key}"] = (
                f"{criterion.name}: choose a score from {criterion.scale_min} to {criterion.scale_max}."
            )
            continue
        cleaned[key] = number
    if complete:
        for criterion in criteria:
            if criterion.required and criterion.key not in cleaned and f"score_{criterion.key}" not in errors:
                errors[f"score_{criterion.key}"] = f"{criterion.name}: a score is required to submit."
    return cleaned, errors


def _score_with_role(criteria, scores: dict[str, int], role) -> int | None:
    criterion = next((criterion for criterion in criteria if criterion.role == role), None)
    return scores.get(criterion.key) if criterion else None


def _locked_review(submission, reviewer) -> tuple[Review, bool]:
    """The pair's review, locked for this transaction; a new unsaved draft when there is none."""
    review = Review.objects.select_for_update().filter(submission=submission, reviewer=reviewer).first()
    if review is not None:
        return review, False
    return Review(workshop=submission.workshop, submission=submission, reviewer=reviewer, version=0), True


@transaction.atomic
def save_review(
    *, submission, reviewer, fields: dict, scores: dict, version: int | None = None, submit: bool = False
) -> Review:
    """Save `reviewer`'s review of `submission` as a draft, or submit it (`submit=True`).

    `fields` holds any of TEXT_FIELDS (those left out keep their stored text); `scores` maps
    criterion keys to scores (an empty value clears one; the scores not given are cleared too).
    `version` is the review's version the form was loaded with (0 before the first save; None
    skips the check): a different stored version raises StaleReview and nothing is saved.

    Submitting (and every save of an already submitted review, which stays submitted) needs a
    summary and every required criterion; a draft may be incomplete. Scores must be within each
    criterion's scale. Refused (ReviewRefused) for anyone not assigned, in conflict, or after the
    review deadline plus grace. Each save raises `version` by one and keeps a history row.
    """
    check_reviewer(submission, reviewer)
    # The deadline as stored now: a chair may have moved it since `submission` was read.
    workshop = Workshop.objects.only("review_deadline", "grace_minutes").get(pk=submission.workshop_id)
    if not may_edit_reviews(workshop):
        raise ReviewRefused("The review deadline has passed; reviews can no longer be changed.")
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise ValueError(f"Not fields of a review: {', '.join(sorted(unknown))}.")
    review, is_new = _locked_review(submission, reviewer)
    if version is not None and int(version) != review.version:
        if _repeats(review, fields, scores, submit=submit):
            return review  # the same save again (a double click): done already, nothing to change or send
        raise StaleReview(
            "This review was saved in another window since you opened this page, so your changes were not "
            "saved. Your text is still in the form: copy it, reload the page, and merge it in."
        )
    submitting = submit or review.status == ReviewStatus.SUBMITTED
    criteria = criteria_of(submission.workshop)
    cleaned, errors = _clean_scores(criteria, scores, complete=submitting)
    for name in TEXT_FIELDS:
        if name in fields:
            setattr(review, name, (fields[name] or "").strip())
    if submitting:
        for name in REQUIRED_TEXT_FIELDS:
            if not getattr(review, name):
                errors[name] = f"{Review._meta.get_field(name).verbose_name.capitalize()} is required to submit."
    if errors:
        raise ReviewInvalid(errors)
    review.scores = cleaned
    # Copied into integer columns for the chairs' dashboard, which aggregates them in SQL.
    review.overall_score = _score_with_role(criteria, cleaned, CriterionRole.OVERALL)
    review.confidence_score = _score_with_role(criteria, cleaned, CriterionRole.CONFIDENCE)
    first_submission = submitting and review.status != ReviewStatus.SUBMITTED
    if first_submission:
        review.status, review.submitted_at = ReviewStatus.SUBMITTED, timezone.now()
    review.version += 1
    review._history_user = reviewer
    if is_new:
        try:
            with transaction.atomic():
                review.save()
        except IntegrityError:  # the first save of another tab won the race
            existing, _ = _locked_review(submission, reviewer)
            if _repeats(existing, fields, scores, submit=submit):
                return existing
            raise StaleReview(
                "This review was just saved in another window, so your changes were not saved. "
                "Your text is still in the form: copy it, reload the page, and merge it in."
            ) from None
    else:
        review.save()
    if first_submission:
        _announce_submission(review)
    return review


def _repeats(review, fields, scores, *, submit) -> bool:
    """Whether a save from an outdated form would store exactly what the review holds already:
    the second request of a double click, which should succeed as the first did, not be refused."""
    if review.pk is None or (submit and review.status != ReviewStatus.SUBMITTED):
        return False
    cleaned, errors = _clean_scores(criteria_of(review.submission.workshop), scores, complete=False)
    texts = all((fields[name] or "").strip() == getattr(review, name) for name in fields)
    return not errors and texts and cleaned == review.scores


def _announce_submission(review) -> None:
    """Email the paper's chairs not in conflict with it (naming the reviewer) and its other
    reviewers who have submitted (naming nobody) that a review came in. One email per person, so
    that each one's choice of a daily digest for this kind of email applies."""
    submission = review.submission
    slug = submission.workshop.slug
    reviewer_context = {
        "submission": submission,
        "review_url": reverse("reviews:review", kwargs={"slug": slug, "submission_id": submission.pk}),
        "discussion_url": reverse("reviews:discussion", kwargs={"slug": slug, "submission_id": submission.pk}),
    }
    chair_context = None
    for participant in participants_of(submission):
        if participant.user.pk == review.reviewer_id:
            continue
        if participant.role == CHAIR:
            chair_context = chair_context or _chair_context(review)
            template, context, audience = "review_submitted_chair", chair_context, EmailAudience.CHAIRS
        else:
            # Only the paper and links: a reviewer's email names no other reviewer and no author.
            template, context, audience = "review_submitted_reviewer", reviewer_context, EmailAudience.REVIEWERS
        queue_email(
            to=[participant.user.email],
            template=template,
            context={**context, "user": participant.user},
            workshop=submission.workshop,
            topic=f"submission:{submission.pk}",
            audience=audience,
            papers=[submission],  # hidden from chairs in conflict with the paper
            kind=EmailKind.REVIEW_SUBMITTED,
        )


def _chair_context(review) -> dict:
    submission = review.submission
    assigned = Assignment.objects.filter(submission=submission)
    return {
        "submission": submission,
        "reviewer": review.reviewer,
        "submitted": Review.objects.filter(
            submission=submission, status=ReviewStatus.SUBMITTED, reviewer__in=assigned.values("reviewer")
        ).count(),
        "assigned": assigned.count(),
        "reviews_url": reverse(
            "reviews:chair_paper_reviews", kwargs={"slug": submission.workshop.slug, "submission_id": submission.pk}
        ),
    }


# --- the review form's criteria -----------------------------------------------------------------

# A scale has at most this many points (1-5, 0-10, ...): radio buttons beyond it are unreadable.
MAX_SCALE_POINTS = 11
KEPT_ROLES = {CriterionRole.OVERALL: "overall recommendation", CriterionRole.CONFIDENCE: "confidence"}


def criteria_locked(workshop) -> bool:
    """Whether a review was submitted: from then on the criteria keep their number and scales,
    so that every submitted review answers the same questions on the same scales."""
    return Review.objects.filter(workshop=workshop, status=ReviewStatus.SUBMITTED).exists()


@dataclass(frozen=True)
class CriterionInput:
    """One criterion as the chairs' form gives it; `key` is empty for a new one."""

    name: str
    scale_min: int
    scale_max: int
    labels: dict = field(default_factory=dict)
    required: bool = True
    description: str = ""
    key: str = ""


def _check_criterion(entry: CriterionInput) -> dict:
    name = entry.name.strip()
    if not name:
        raise ReviewRefused("Every criterion needs a name.")
    if entry.scale_min >= entry.scale_max:
        raise ReviewRefused(f"“{name}”: the lowest score must be below the highest.")
    if entry.scale_max - entry.scale_min + 1 > MAX_SCALE_POINTS:
        raise ReviewRefused(f"“{name}”: a scale has at most {MAX_SCALE_POINTS} points.")
    labels = {}
    for score, label in entry.labels.items():
        if not str(label).strip():
            continue
        try:
            number = int(score)
        except (TypeError, ValueError):
            raise ReviewRefused(f"“{name}”: “{score}” is not a score.") from None
        if not entry.scale_min <= number <= entry.scale_max:
            raise ReviewRefused(
                f"“{name}”: the label for {number} is outside the scale {entry.scale_min}-{entry.scale_max}."
            )
        labels[str(number)] = str(label).strip()
    return {
        "name": name,
        "description": entry.description.strip(),
        "scale_min": entry.scale_min,
        "scale_max": entry.scale_max,
        "labels": labels,
        "required": entry.required,
    }


def _new_key(name, taken) -> str:
    base = slugify(name)[:32] or "criterion"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


@transaction.atomic
def save_criteria(*, workshop, criteria: list[CriterionInput], by) -> list[ReviewCriterion]:
    """Replace the workshop's scored criteria with `criteria`, in that order (the first save also
    stores the defaults the form started from). Criteria left out are removed, entries without a
    key are added. The overall recommendation and confidence cannot be removed (they may be
    renamed and relabelled). Once a review is submitted only names, descriptions and labels may
    change; anything else is refused (ReviewRefused) and nothing is saved."""
    Workshop.objects.select_for_update().filter(pk=workshop.pk).first()  # one chair's save at a time
    current = {criterion.key: criterion for criterion in criteria_of(workshop)}
    wanted = [(entry.key, _check_criterion(entry)) for entry in criteria]
    unknown = [key for key, _ in wanted if key and key not in current]
    if unknown:
        raise ReviewRefused("A criterion was removed by someone else meanwhile; reload the page and try again.")
    kept = {key for key, _ in wanted if key}
    if len(kept) < len([key for key, _ in wanted if key]):
        raise ReviewRefused("A criterion appears twice; reload the page and try again.")
    for role, label in KEPT_ROLES.items():
        if not any(current[key].role == role for key in kept):
            raise ReviewRefused(f"The {label} cannot be removed; rename or relabel it instead.")
    if criteria_locked(workshop):
        added = any(not key for key, _ in wanted)
        structural = (
            added
            or set(current) != kept
            or any(
                (values["scale_min"], values["scale_max"], values["required"])
                != (current[key].scale_min, current[key].scale_max, current[key].required)
                for key, values in wanted
                if key
            )
        )
        if structural:
            raise ReviewRefused(
                "Reviews have been submitted, so criteria can no longer be added or removed, nor their scales "
                "or whether they are required changed: only names, descriptions and labels. Nothing was saved."
            )
    ReviewCriterion.objects.filter(workshop=workshop).exclude(key__in=kept).delete()
    saved, taken = [], set(current)
    for order, (key, values) in enumerate(wanted):
        if key:
            criterion = current[key]
        else:
            key = _new_key(values["name"], taken)
            taken.add(key)
            criterion = ReviewCriterion(workshop=workshop, key=key, role=CriterionRole.OTHER)
        for name, value in values.items():
            setattr(criterion, name, value)
        criterion.order = order
        criterion.save()
        saved.append(criterion)
    return saved
