"""Writes on decisions: the chairs decide each paper (one transition function), then release them all.

A decision stays between the chairs until released. Release records each decision on its paper
(submissions.services.record_decision), freezes it, and emails the paper's authors exactly once,
with the reviews when the workshop shares them.
"""

from django.db import transaction
from django.utils import timezone

from reviews.enums import Outcome
from reviews.models import Decision
from reviews.selectors.decisions import decision_email_context, decision_label, undecided_papers
from submissions.enums import LIVE, Presentation
from submissions.models import Submission
from submissions.selectors import is_conflicted
from submissions.services import record_decision
from workshop.mail import queue_email
from workshop.models import EmailTemplate, Workshop


class DecisionRefused(Exception):
    """The decision cannot be made or released; str() tells the chair why."""


@transaction.atomic
def decide(*, submission, outcome, by, presentation="", note="", version=None) -> Decision:
    """Accept (with a presentation type) or reject a paper: the one place where a decision changes.

    `version` is the decision's version the chair saw (0: none yet); if another chair changed it
    since, nothing is saved. Deciding the same thing again changes nothing. A chair in conflict
    with the paper and a released decision are refused. Returns the decision as saved.
    """
    if outcome not in Outcome.values:
        raise DecisionRefused("Choose accept or reject.")
    note = (note or "").strip()
    if outcome == Outcome.REJECT:
        presentation = ""  # a rejected paper is not presented
    elif presentation not in Presentation.values:
        raise DecisionRefused("To accept a paper, choose how it is presented: oral, spotlight or poster.")
    # Every decision and every release takes the workshop's row lock first: two chairs deciding a
    # paper at once (even before its decision row exists) queue up, a decision cannot change while
    # a release reads it, and one lock order leaves no room for a deadlock.
    Workshop.objects.select_for_update().values_list("pk", flat=True).get(pk=submission.workshop_id)
    paper = Submission.objects.select_for_update().select_related("workshop").get(pk=submission.pk)
    if is_conflicted(by, paper):
        raise DecisionRefused(f"You are in conflict with paper #{paper.number}; another chair must decide it.")
    current = Decision.objects.filter(submission=paper).first()
    if current is not None and current.released_at is not None:
        raise DecisionRefused(
            f"The decision on paper #{paper.number} was released to its authors; it can no longer change."
        )
    if paper.status not in LIVE:
        raise DecisionRefused(f"Paper #{paper.number} is {paper.get_status_display().lower()}; it cannot be decided.")
    wanted = (outcome, presentation, note)
    if current is not None and (current.outcome, current.presentation, current.note_to_authors) == wanted:
        return current  # a repeated click, or two chairs agreeing
    seen = current.version if current is not None else 0
    if version is not None and int(version) != seen:
        now = decision_label(current) if current is not None else "undecided"
        raise DecisionRefused(f"Another chair changed this decision meanwhile (now: {now}); reload to see it.")
    decision = current or Decision(workshop=paper.workshop, submission=paper, version=0)
    decision.outcome, decision.presentation, decision.note_to_authors = outcome, presentation, note
    decision.decided_by = by
    decision.version += 1
    decision._history_user = by
    decision.save()
    return decision


@transaction.atomic
def release_decisions(*, workshop, by) -> int:
    """Tell the authors: record every decided, unreleased paper's decision and email its authors.

    Refused while a live paper has no decision. The workshop's row lock makes a second release
    (a double click, another chair) wait, then find those papers released and skip them, so each
    author gets each paper's email once. Returns the number of papers released.
    """
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    missing = list(undecided_papers(workshop).values_list("number", flat=True))
    if missing:
        numbers = ", ".join(f"#{n}" for n in missing)
        raise DecisionRefused(f"Decide every paper before the release; still undecided: paper {numbers}.")
    pending = (
        Decision.objects.filter(workshop=workshop, released_at__isnull=True, submission__status__in=LIVE)
        .select_related("submission__workshop")
        .prefetch_related("submission__authors")
        .order_by("submission__number")
    )
    now = timezone.now()
    released = 0
    for decision in pending:
        paper = decision.submission
        record_decision(
            submission=paper,
            accepted=decision.outcome == Outcome.ACCEPT,
            by=by,
            presentation=decision.presentation,
            note=decision.note_to_authors,
        )
        decision.released_at = now
        decision._history_user = by
        decision.save(update_fields=["released_at"])
        queue_email(
            to=list(dict.fromkeys(author.email.lower() for author in paper.authors.all())),
            template=f"decision_{decision.outcome}",
            context=decision_email_context(decision),
            workshop=workshop,
            topic=f"submission:{paper.pk}",
        )
        released += 1
    if released:
        workshop.decisions_released_at = now
        workshop.save(update_fields=["decisions_released_at"])
    return released


def decide_many(*, workshop, choices, outcome, by, presentation="") -> tuple[list[int], list[str]]:
    """The bulk form: decide each chosen paper alike, keeping its note to the authors.

    `choices`: (submission id, decision version seen) pairs. Each paper is decided on its own, so
    one refusal (a conflict, a stale version) leaves the others decided. Returns the numbers of the
    papers decided and the refusals, each naming its paper by number only.
    """
    papers = Submission.objects.filter(workshop=workshop, pk__in=[pk for pk, _ in choices]).select_related("decision")
    by_pk = {paper.pk: paper for paper in papers}
    decided, refusals = [], []
    for pk, version in choices:
        paper = by_pk.get(pk)
        if paper is None:
            refusals.append("One of the chosen papers is not in this workshop.")
            continue
        current = getattr(paper, "decision", None)
        note = current.note_to_authors if current is not None else ""
        try:
            decide(submission=paper, outcome=outcome, by=by, presentation=presentation, note=note, version=version)
        except DecisionRefused as refusal:
            message = str(refusal)
            refusals.append(
                message if f"paper #{paper.number}" in message.lower() else f"Paper #{paper.number}: {message}"
            )
        else:
            decided.append(paper.number)
    return decided, refusals


# --- the workshop's wording of the decision emails -------------------------------------------

EDITABLE_EMAILS = {
    "decision_accept": "Acceptance email",
    "decision_reject": "Rejection email",
}


def save_email_template(*, workshop, name, subject, body, by) -> EmailTemplate:
    """Store the workshop's own wording of a decision email (its form checked the template syntax)."""
    if name not in EDITABLE_EMAILS:
        raise DecisionRefused("This email cannot be edited.")
    template, _ = EmailTemplate.objects.update_or_create(
        workshop=workshop, name=name, defaults={"subject": subject, "body": body, "updated_by": by}
    )
    return template


def reset_email_template(*, workshop, name) -> bool:
    """Back to the default wording (templates/emails/); True if the workshop had its own."""
    deleted, _ = EmailTemplate.objects.filter(workshop=workshop, name=name).delete()
    return bool(deleted)
