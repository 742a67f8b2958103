"""Writes on decisions: the chairs decide each paper (one transition function), then release them all.

A decision stays between the chairs until released. A chair starts the release (start_release, in
the request: checks and a task queued); the task records each decision on its paper
(submissions.services.record_decisions), freezes it, and emails the paper's authors exactly once,
with the reviews when the workshop shares them, in batches (release_decisions).
"""

import logging

from django.db import transaction
from django.utils import timezone

from reviews.emails import EDITABLE_EMAILS, PLACEHOLDERS
from reviews.enums import Outcome
from reviews.models import Decision
from reviews.selectors.decisions import (
    decision_email_context,
    decision_label,
    release_under_way,
    reviews_for_authors_of,
    undecided_for,
    unreleased_decisions,
)
from submissions.enums import LIVE, Presentation
from submissions.models import Submission
from submissions.selectors import is_conflicted
from submissions.services import record_decisions
from workshop import placeholders
from workshop.enums import EmailAudience
from workshop.mail import BulkEmail, queue_emails
from workshop.models import EmailTemplate, Workshop

logger = logging.getLogger(__name__)

# Papers released per transaction: each batch holds the workshop's row lock for about a second
# (see benchmarks/release.py), so that deciding and the release page stay responsive meanwhile.
RELEASE_BATCH = 500


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
    workshop = Workshop.objects.select_for_update().get(pk=submission.workshop_id)
    paper = Submission.objects.select_for_update().select_related("workshop").get(pk=submission.pk)
    if is_conflicted(by, paper):
        raise DecisionRefused(f"You are in conflict with paper #{paper.number}; another chair must decide it.")
    current = Decision.objects.filter(submission=paper).first()
    if current is not None and current.released_at is not None:
        raise DecisionRefused(
            f"The decision on paper #{paper.number} was released to its authors; it can no longer change."
        )
    started = workshop.decisions_released_at
    if current is not None and started is not None and current.decided_at <= started:
        # Made before the release started and not released yet: the release under way sends it.
        raise DecisionRefused(
            f"The decision on paper #{paper.number} is being released to its authors; it can no longer change."
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
def start_release(*, workshop, by) -> int:
    """The chair's release: check that every live paper is decided, mark the release started
    (`workshop.decisions_released_at`, the time every paper of this release is stamped with) and
    queue the task `reviews.release_decisions`, which records the decisions and emails the authors.

    Returns the number of papers the release sends, 0 when there is nothing to release. Starting a
    release that is under way (a double click, a task lost with its worker) queues the task again
    and keeps its start time: the tasks share the work, and each paper is released once.
    """
    current = Workshop.objects.select_for_update().get(pk=workshop.pk)
    missing, hidden = undecided_for(by, current)
    if missing or hidden:
        listed = ["paper " + ", ".join(f"#{n}" for n in missing)] if missing else []
        if hidden:
            listed.append(f"{hidden} paper{'s' if hidden != 1 else ''} you are in conflict with")
        raise DecisionRefused(f"Decide every paper before the release; still undecided: {' and '.join(listed)}.")
    pending = unreleased_decisions(current).count()
    if not pending:
        return 0
    if not release_under_way(current):
        current.decisions_released_at = timezone.now()
        current.save(update_fields=["decisions_released_at"])
    workshop.decisions_released_at = current.decisions_released_at
    transaction.on_commit(lambda: _publish_release(current.pk, by.pk))
    logger.info("%s started the release of %s decisions of %s.", by, pending, current.slug)
    return pending


def _publish_release(workshop_id, by_id):
    from reviews.tasks import release_decisions as release_task  # the task module imports this one

    try:
        release_task.delay(workshop_id=workshop_id, by_id=by_id)
    except Exception:
        # The page shows the release under way and not moving; starting it again queues it again.
        logger.warning("Could not queue the release of workshop %s.", workshop_id, exc_info=True)


def release_decisions(*, workshop, by) -> int:
    """Record every decided, unreleased paper's decision and email its authors once: the work of
    the task (and of commands and tests, which call it directly).

    Works in batches of RELEASE_BATCH papers, each in its own transaction under the workshop's row
    lock: a decision cannot change while its batch is read, a second run (a concurrent task, a
    task delivered again) waits for the batch and then finds those papers released, so each
    paper's email is written once; and the release page can count the batches' progress.
    Returns the number of papers released by this call.
    """
    released = 0
    while batch := _release_batch(workshop.pk, by):
        released += batch
    return released


@transaction.atomic
def _release_batch(workshop_id, by) -> int:
    workshop = Workshop.objects.select_for_update().get(pk=workshop_id)
    batch = list(
        unreleased_decisions(workshop)
        .select_related("submission")
        .prefetch_related("submission__authors")
        .order_by("submission__number")[:RELEASE_BATCH]
    )
    if not batch:
        return 0
    if not release_under_way(workshop):  # called directly, with no release started
        workshop.decisions_released_at = timezone.now()
        workshop.save(update_fields=["decisions_released_at"])
    stamp = workshop.decisions_released_at
    papers = {decision.submission_id: decision.submission for decision in batch}
    record_decisions(
        decisions={
            decision.submission_id: (
                decision.outcome == Outcome.ACCEPT,
                decision.presentation,
                decision.note_to_authors,
            )
            for decision in batch
        },
        by=by,
    )
    Decision.objects.filter(pk__in=[decision.pk for decision in batch]).update(released_at=stamp)
    for decision in batch:
        decision.released_at = stamp
    Decision.history.bulk_history_create(batch, update=True, default_user=by)
    reviews = reviews_for_authors_of(workshop, list(papers)) if workshop.share_reviews_with_authors else {}
    emails = []
    for decision in batch:
        paper = decision.submission
        paper.workshop = workshop
        emails.append(
            BulkEmail(
                f"decision_{decision.outcome}",
                list(dict.fromkeys(author.email.lower() for author in paper.authors.all())),
                decision_email_context(decision, reviews.get(paper.pk)),
                f"submission:{paper.pk}",
                EmailAudience.AUTHORS,
                [paper],
            )
        )
    queue_emails(workshop=workshop, emails=emails)
    return len(batch)


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


def save_email_template(*, workshop, name, subject, body, by) -> EmailTemplate:
    """Store the workshop's own wording of a decision email, in the placeholder language.

    Text with a problem (template code, an unknown placeholder) is refused whole, with every
    problem named: a wording is stored only if it can be sent as it is."""
    if name not in EDITABLE_EMAILS:
        raise DecisionRefused("This email cannot be edited.")
    allowed = PLACEHOLDERS[name]
    found = placeholders.problems(subject, allowed) + placeholders.problems(body, allowed)
    if found:
        raise DecisionRefused(" ".join(found))
    template, _ = EmailTemplate.objects.update_or_create(
        workshop=workshop, name=name, defaults={"subject": subject, "body": body, "updated_by": by}
    )
    return template


def reset_email_template(*, workshop, name) -> bool:
    """Back to the default wording (templates/emails/); True if the workshop had its own."""
    deleted, _ = EmailTemplate.objects.filter(workshop=workshop, name=name).delete()
    return bool(deleted)
