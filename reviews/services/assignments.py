"""Writes on assignments: automatic runs (start, execute, edit the proposal, commit) and manual
assignment at any time.

A run reads the workshop into a score table (reviews.scoring), solves it exactly
(reviews.assignment) keeping committed assignments, and stores the result as proposed pairs with
their score in parts. The chair edits the proposal, then commits it: the new pairs become
assignments and each reviewer gets one email listing their new papers.
"""

import logging
from collections import defaultdict

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from reviews.assignment import AssignmentInfeasible, pairs_of, solve_with_report
from reviews.enums import ACTIVE_RUNS, EDITABLE_RUNS, AssignmentSource, BidValue, RunStatus
from reviews.models import RUN_ABANDONED_AFTER, Assignment, AssignmentRun, ProposedPair, ReviewerNumber
from reviews.scoring import BID_POINTS, Weights, breakdown, live_papers, score_table
from reviews.selectors import reviewer_profile
from reviews.services.numbering import numbers_for_new_reviewers
from submissions import selectors as submission_selectors
from submissions.enums import LIVE
from submissions.models import Submission
from workshop.enums import EmailAudience, Role
from workshop.mail import BulkEmail, queue_email, queue_emails
from workshop.models import Membership, User

logger = logging.getLogger(__name__)


DEFAULT_WEIGHTS = Weights()
# Rows built and written at a time where _insert_many uses bulk_create (not PostgreSQL).
PROPOSAL_BATCH = 5000


class AssignmentRefused(Exception):
    """The change cannot be made; str() says why, for the chair."""


class RunUnderWay(AssignmentRefused):
    """A run was asked for while another of the workshop is queued or running (`run`)."""

    def __init__(self, run):
        self.run = run
        state = "waiting for a worker" if run.status == RunStatus.QUEUED else "running"
        super().__init__(f"Run {run.pk} is still {state}, so no new run was started: one run at a time.")


def weights_of(run) -> Weights:
    return Weights(run.affinity_weight, run.bid_weight, run.direction_weight)


# --- automatic runs ---------------------------------------------------------------------------


def start_run(
    *, workshop, by, reviews_per_paper, weights=DEFAULT_WEIGHTS, fair=False, threshold=0.5, keep_locked_from=None
) -> AssignmentRun:
    """Queue an automatic assignment run; the task `reviews.run_assignment` does the work.

    `keep_locked_from`: an earlier run whose locked pairs this run must keep.

    One run at a time per workshop: while another is queued or running, RunUnderWay is raised
    and nothing is started. The database keeps the rule (a unique index over the workshop's
    active runs), so two chairs, or ten clicks, starting at once start one run. A run abandoned
    by its worker (AssignmentRun.is_abandoned) is set aside as failed and blocks nothing.
    """
    if reviews_per_paper < 1:
        raise AssignmentRefused("Each paper needs at least one review.")
    with transaction.atomic():
        _set_aside_abandoned_runs(workshop)
        try:
            with transaction.atomic():
                run = AssignmentRun.objects.create(
                    workshop=workshop,
                    created_by=by,
                    reviews_per_paper=reviews_per_paper,
                    affinity_weight=weights.affinity,
                    bid_weight=weights.bid,
                    direction_weight=weights.direction,
                    fair=fair,
                    threshold=threshold,
                    stats={"keep_locked_from": keep_locked_from.pk} if keep_locked_from else {},
                )
        except IntegrityError:
            # Another run is active: the one committed before, or the one whose insert this one
            # waited for (PostgreSQL), which a new statement now sees.
            active = AssignmentRun.objects.filter(workshop=workshop, status__in=ACTIVE_RUNS).first()
            if active is None:  # it failed or finished in the meantime: the chair may try again
                raise AssignmentRefused("Another run was being started at the same moment. Please try again.") from None
            raise RunUnderWay(active) from None
        transaction.on_commit(lambda: _publish_run(run.pk))
    return run


ABANDONED = (
    "This run stopped without a result: it was still {state} {minutes} minutes after it started, so its "
    "worker was probably stopped. It was set aside when a new run was started."
)


def _set_aside_abandoned_runs(workshop):
    now = timezone.now()
    cutoff = now - RUN_ABANDONED_AFTER
    minutes = int(RUN_ABANDONED_AFTER.total_seconds() // 60)
    for status in ACTIVE_RUNS:
        state = "waiting for a worker" if status == RunStatus.QUEUED else "running"
        AssignmentRun.objects.filter(workshop=workshop, status=status, created_at__lt=cutoff).update(
            status=RunStatus.FAILED, error=ABANDONED.format(state=state, minutes=minutes), finished_at=now
        )


def _publish_run(run_id):
    from reviews.tasks import run_assignment  # the task module imports this one: import at call time

    try:
        run_assignment.delay(run_id=run_id)
    except Exception:
        logger.warning("Could not queue assignment run %s.", run_id, exc_info=True)
        AssignmentRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.FAILED, error="The task queue could not be reached. Please try again in a minute."
        )


def _progress(run, text, **fields):
    AssignmentRun.objects.filter(pk=run.pk).update(progress=text, **fields)


def execute_run(*, run_id) -> AssignmentRun:
    """Solve one queued run and store its proposal (the task's work). A run is executed once."""
    claimed = AssignmentRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, progress="Reading papers, reviewers, bids and conflicts"
    )
    run = AssignmentRun.objects.select_related("workshop").get(pk=run_id)
    if not claimed:
        return run
    try:
        _solve_into(run)
    except AssignmentInfeasible as refusal:
        _progress(run, "", status=RunStatus.FAILED, error=str(refusal), finished_at=timezone.now())
    except Exception as error:
        logger.exception("Assignment run %s failed", run_id)
        _progress(run, "", status=RunStatus.FAILED, error=f"Unexpected error: {error}", finished_at=timezone.now())
    run.refresh_from_db()
    return run


def _solve_into(run):
    workshop, weights = run.workshop, weights_of(run)
    table = score_table(workshop)
    if not table.papers:
        raise AssignmentInfeasible("There are no submitted papers to assign.")
    if not table.reviewers:
        raise AssignmentInfeasible("The workshop has no reviewers yet: invite some first.")
    # The locked pairs as cells (a handful, or the 80,000 committed pairs), then one dense mask:
    # whole-matrix operations on masks of 300 million pairs take a second each.
    cells = list(zip(*table.assigned_cells, strict=True))
    earlier = run.stats.get("keep_locked_from")
    if earlier:
        row = {paper.pk: i for i, paper in enumerate(table.papers)}
        column = {reviewer.pk: j for j, reviewer in enumerate(table.reviewers)}
        for paper_id, reviewer_id in ProposedPair.objects.filter(run_id=earlier, is_locked=True).values_list(
            "submission_id", "reviewer_id"
        ):
            if paper_id in row and reviewer_id in column:
                cells.append((row[paper_id], column[reviewer_id]))
    shape = (len(table.papers), len(table.reviewers))
    cells = np.array(sorted(set(cells)), dtype=np.intp).reshape(-1, 2)
    cells = cells[~table.conflicted[cells[:, 0], cells[:, 1]]]  # a conflict found since is never kept
    locked = np.zeros(shape, dtype=bool)
    locked[cells[:, 0], cells[:, 1]] = True
    demand = np.maximum(run.reviews_per_paper, np.bincount(cells[:, 0], minlength=shape[0]))
    max_load = np.maximum(table.max_loads(), np.bincount(cells[:, 1], minlength=shape[1]))
    conflicts = table.excluded
    conflicts[cells[:, 0], cells[:, 1]] = False
    _progress(run, f"Solving for {len(table.papers)} papers and {len(table.reviewers)} reviewers")
    chosen, report = solve_with_report(
        table.scores(weights),
        demand=demand,
        max_load=max_load,
        conflicts=conflicts,
        locked=locked,
        fair=run.fair,
        paper_labels=[f"#{paper.number}" for paper in table.papers],
        reviewer_labels=[str(reviewer) for reviewer in table.reviewers],
    )
    with transaction.atomic():
        _write_proposal(run, table, weights, chosen, locked)
        stats = {
            **run.stats,
            "total_score": report.total_score,
            "certified": report.certified,
            "solve_seconds": round(report.times.get("total", 0.0), 3),
            "papers": len(table.papers),
            "reviewers": len(table.reviewers),
        }
        finished = AssignmentRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            progress="", status=RunStatus.READY, stats=stats, affinity_method=table.method, finished_at=timezone.now()
        )
        if not finished:  # set aside meanwhile, taken for abandoned: a newer run is on its way
            transaction.set_rollback(True)


def _write_proposal(run, table, weights, chosen, locked):
    """The chosen pairs as proposed pairs, each score in parts (as `breakdown` gives it, computed
    for all pairs at once), written by _insert_many: 80,000 pairs at a conference."""
    rows, columns = pairs_of(chosen)
    affinity = table.affinity_of(rows, columns).astype(np.float64)
    direction = table.direction_of(rows, columns).astype(np.float64)
    paper_ids = np.array([paper.pk for paper in table.papers], dtype=np.int64)[rows].tolist()
    reviewer_ids = np.array([reviewer.pk for reviewer in table.reviewers], dtype=np.int64)[columns].tolist()
    bids = [table.bids.get(pair, BidValue.NEUTRAL) for pair in zip(paper_ids, reviewer_ids, strict=True)]
    points = np.array([BID_POINTS.get(bid, 0.0) for bid in bids], dtype=np.float64)
    scores = weights.combine(affinity, points, direction).tolist()
    affinity, direction, is_locked = affinity.tolist(), direction.tolist(), locked[rows, columns].tolist()
    _insert_many(
        ProposedPair,
        {
            "submission": paper_ids,
            "reviewer": reviewer_ids,
            "affinity": affinity,
            "bid": bids,
            "direction_match": direction,
            "score": scores,
            "is_locked": is_locked,
        },
        run=run.pk,
        is_manual=False,
    )


def _insert_many(model, columns, **constants):
    """Insert rows given column by column (field name -> list of values), each row with the same
    `constants` (field name -> value; a foreign key by id). On PostgreSQL it is one INSERT ...
    SELECT FROM unnest(arrays): for a conference's 80,000 pairs bulk_create built as many
    instances and statements of 40,000 parameters, 6 to 8 seconds; this takes under one.
    Elsewhere (SQLite) bulk_create, PROPOSAL_BATCH rows at a time."""
    count = len(next(iter(columns.values()), []))
    if not count:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (
                model(
                    **{_attname(model, name): value for name, value in constants.items()},
                    **{_attname(model, name): values[k] for name, values in columns.items()},
                )
                for k in range(count)
            ),
            batch_size=PROPOSAL_BATCH,
        )
        return
    fields = {name: model._meta.get_field(name) for name in [*constants, *columns]}
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields.values())
    selected = [f"%s::{fields[name].db_type(connection)}" for name in constants]
    selected += [f"rows.c{k}" for k in range(len(columns))]
    arrays = ", ".join(f"%s::{fields[name].db_type(connection)}[]" for name in columns)
    aliases = ", ".join(f"c{k}" for k in range(len(columns)))
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "
        f"SELECT {', '.join(selected)} FROM unnest({arrays}) AS rows({aliases})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants.values(), *(_array_text(column) for column in columns.values())])


def _array_text(values) -> str:
    """A PostgreSQL array literal ('{1,2,3}'): read as one value, where the ARRAY[...] that the
    driver makes of a list is an expression of 80,000 parts to parse."""

    def item(value):
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, str):
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return repr(value)

    return "{" + ",".join(map(item, values)) + "}"


def _attname(model, name):
    return model._meta.get_field(name).attname


def _editable(run) -> AssignmentRun:
    run = AssignmentRun.objects.select_for_update().select_related("workshop").get(pk=run.pk)
    if run.status == RunStatus.COMMITTED:
        raise AssignmentRefused("This proposal is already committed; change assignments on the papers' pages.")
    if run.status not in EDITABLE_RUNS:
        raise AssignmentRefused(f"This run is {run.get_status_display().lower()}; only a finished run can be edited.")
    return run


def _check_pair(workshop, submission, reviewer):
    if not Membership.objects.filter(workshop=workshop, user=reviewer, role=Role.REVIEWER).exists():
        raise AssignmentRefused(f"{reviewer} is not a reviewer of {workshop.short_name}.")
    if submission_selectors.conflict_pairs(workshop, [submission], [reviewer]):
        raise AssignmentRefused(
            f"{reviewer} is in conflict with paper #{submission.number}, so cannot review it. "
            "A chair can lift the conflict on the paper's page if it is wrong."
        )


def _single_breakdown(workshop, weights, submission, reviewer):
    table = score_table(workshop, papers=[submission], reviewers=[_as_reviewer(workshop, reviewer)])
    return breakdown(table, weights, 0, 0)


def _as_reviewer(workshop, user):
    user.profile = reviewer_profile(workshop, user)
    return user


@transaction.atomic
def add_pair(*, run, submission, reviewer, by) -> list[str]:
    """Add a pair to a proposal by hand. Returns warnings (not willing, over load); refuses conflicts,
    and a paper `by` is in conflict with (its reviewers are not theirs to see or choose)."""
    run = _editable(run)
    if _hidden_from(by, run.workshop).filter(pk=submission.pk).exists():
        raise AssignmentRefused(f"You are in conflict with paper #{submission.number}: another chair assigns it.")
    _check_pair(run.workshop, submission, reviewer)
    parts = _single_breakdown(run.workshop, weights_of(run), submission, reviewer)
    try:
        with transaction.atomic():
            ProposedPair.objects.create(
                run=run,
                submission=submission,
                reviewer=reviewer,
                affinity=parts.affinity,
                bid=parts.bid,
                direction_match=parts.direction_match,
                score=parts.score,
                is_manual=True,
            )
    except IntegrityError:
        raise AssignmentRefused(f"{reviewer} is already proposed for paper #{submission.number}.") from None
    return _warnings(run.workshop, submission, reviewer, parts.bid, ProposedPair.objects.filter(run=run), by=by)


def _hidden_from(by, workshop):
    """The papers `by` is in conflict with: who reviews them is not theirs to see, nor to count."""
    return submission_selectors.conflicted_submissions(by, workshop)


def _pair_of(run, pair_id, by) -> ProposedPair:
    """A pair of the proposal on a paper `by` may see. A pair on a paper they are in conflict
    with is refused as if it were gone: saying whose it is would name its reviewer."""
    pair = (
        ProposedPair.objects.filter(run=run, pk=pair_id)
        .exclude(submission__in=_hidden_from(by, run.workshop).values("pk"))
        .select_related("submission", "reviewer")
        .first()
    )
    if pair is None:
        raise AssignmentRefused("That pair is no longer in this proposal.")
    return pair


def _warnings(workshop, submission, reviewer, bid, pairs, *, by) -> list[str]:
    """What the chair `by` should know of a pair just made. The reviewer's load counts the `pairs`
    (proposed or assigned) on the papers `by` may see, like every load shown to them."""
    warnings = []
    if bid in (BidValue.NOT_WILLING, BidValue.CONFLICT):
        warnings.append(f"{reviewer} bid “{BidValue(bid).label.lower()}” on paper #{submission.number}.")
    load = pairs.filter(reviewer=reviewer).exclude(submission__in=_hidden_from(by, workshop).values("pk")).count()
    most = reviewer_profile(workshop, reviewer).effective_max_load
    if load > most:
        warnings.append(f"{reviewer} now has {load} papers, more than their load of {most}.")
    return warnings


@transaction.atomic
def remove_pair(*, run, pair_id, by) -> ProposedPair:
    """Take a pair out of a proposal. Pairs already committed are removed on the paper's page."""
    run = _editable(run)
    pair = _pair_of(run, pair_id, by)
    if Assignment.objects.filter(submission=pair.submission, reviewer=pair.reviewer).exists():
        raise AssignmentRefused(
            f"{pair.reviewer} is already assigned to paper #{pair.submission.number}; "
            "remove that assignment on the paper's assignment page."
        )
    pair.delete()
    return pair


@transaction.atomic
def replace_reviewer(*, run, pair_id, reviewer, by) -> list[str]:
    """Swap the reviewer of one proposed pair for another (the pair's lock is kept)."""
    pair = remove_pair(run=run, pair_id=pair_id, by=by)
    warnings = add_pair(run=run, submission=pair.submission, reviewer=reviewer, by=by)
    ProposedPair.objects.filter(run=run, submission=pair.submission, reviewer=reviewer).update(is_locked=pair.is_locked)
    return warnings


@transaction.atomic
def set_locked(*, run, pair_id, locked, by) -> ProposedPair:
    """Lock a pair (a new run started from this one keeps it) or unlock it."""
    run = _editable(run)
    pair = _pair_of(run, pair_id, by)
    pair.is_locked = locked
    pair.save(update_fields=["is_locked"])
    return pair


@transaction.atomic
def discard_run(*, run, by) -> AssignmentRun:
    """Set a proposal aside; it stays listed but can no longer be committed."""
    run = AssignmentRun.objects.select_for_update().get(pk=run.pk)
    if run.status == RunStatus.COMMITTED:
        raise AssignmentRefused("A committed run cannot be discarded; its assignments are in place.")
    if run.status not in ACTIVE_RUNS | EDITABLE_RUNS | {RunStatus.FAILED}:
        return run
    run.status = RunStatus.DISCARDED
    run.save(update_fields=["status"])
    return run


@transaction.atomic
def commit_run(*, run, by) -> dict:
    """Make a proposal's new pairs assignments, and send each reviewer one email listing their new
    papers. Refused (nothing changes) while a proposed pair is in conflict. Committing twice (a
    double click) is refused the second time, so nothing is created or sent twice. Other finished
    proposals are discarded: they were made without these assignments.

    Returns what `by` may be told: the new assignments and their reviewers on the papers `by` is
    not in conflict with, and `hidden`, how many papers they are in conflict with."""
    run = _editable(run)
    workshop = run.workshop
    # Ids only: at a conference a proposal has 80,000 pairs, and loading each with its paper and
    # reviewer took longer than anything else here.
    pairs = list(
        ProposedPair.objects.filter(run=run).order_by("pk").values_list("submission_id", "reviewer_id", "is_manual")
    )
    # Only the proposed pairs are judged: every paper's conflicts with every reviewer would be
    # millions of pairs at a conference.
    conflicted = submission_selectors.pairs_in_conflict(workshop, [(paper, reviewer) for paper, reviewer, _ in pairs])
    # `by` reads only the pairs of papers they may see: the others' reviewers are not named to
    # them, nor counted in what they are told.
    hidden = set(_hidden_from(by, workshop).values_list("pk", flat=True))
    clashes = [(paper, reviewer) for paper, reviewer, _ in pairs if (paper, reviewer) in conflicted]
    if clashes:
        _refuse_clashes(by, clashes, hidden)
    existing = set(Assignment.objects.filter(workshop=workshop).values_list("submission_id", "reviewer_id"))
    new = [(paper, reviewer, manual) for paper, reviewer, manual in pairs if (paper, reviewer) not in existing]
    _insert_many(
        Assignment,
        {
            "submission": [paper for paper, _, _ in new],
            "reviewer": [reviewer for _, reviewer, _ in new],
            "source": [AssignmentSource.MANUAL if manual else AssignmentSource.AUTOMATIC for _, _, manual in new],
        },
        workshop=workshop.pk,
        run=run.pk,
        created_by=by.pk,
        is_locked=False,
        created_at=timezone.now(),
    )
    _number_new_reviewers(workshop, [(paper, reviewer) for paper, reviewer, _ in new])
    run.status, run.committed_by, run.committed_at = RunStatus.COMMITTED, by, timezone.now()
    run.save(update_fields=["status", "committed_by", "committed_at"])
    AssignmentRun.objects.filter(workshop=workshop, status__in=EDITABLE_RUNS).exclude(pk=run.pk).update(
        status=RunStatus.DISCARDED
    )
    # What the emails show of each paper and reviewer, and nothing more.
    papers = Submission.objects.only("pk", "number", "title").in_bulk({paper for paper, _, _ in new})
    reviewers = User.objects.only("pk", "email", "name").in_bulk({reviewer for _, reviewer, _ in new})
    by_reviewer = defaultdict(list)
    for paper, reviewer, _ in new:
        by_reviewer[reviewer].append(papers[paper])
    # Thousands of reviewers at a conference: their emails are rendered here and written in bulk.
    papers_url = _papers_url(workshop)
    queue_emails(
        workshop=workshop,
        emails=[
            _assignment_email(
                workshop, reviewers[reviewer_id], sorted(new_papers, key=lambda paper: paper.number), papers_url
            )
            for reviewer_id, new_papers in by_reviewer.items()
        ],
    )
    shown = [(paper, reviewer) for paper, reviewer, _ in new if paper not in hidden]
    return {"assignments": len(shown), "reviewers": len({reviewer for _, reviewer in shown}), "hidden": len(hidden)}


def _refuse_clashes(by, clashes, hidden):
    visible = [(paper, reviewer) for paper, reviewer in clashes if paper not in hidden][:5]
    if not visible:
        raise AssignmentRefused(
            "Not committed: a pair on a paper you are in conflict with is in conflict now. "
            "Another chair must remove it first."
        )
    names = User.objects.in_bulk({reviewer for _, reviewer in visible})
    numbers = dict(Submission.objects.filter(pk__in={paper for paper, _ in visible}).values_list("pk", "number"))
    listed = ", ".join(f"{names[reviewer]} on #{numbers[paper]}" for paper, reviewer in visible)
    raise AssignmentRefused(f"Not committed: these pairs are in conflict now: {listed}. Remove them first.")


def _number_new_reviewers(workshop, pairs):
    """Store the "Reviewer N" of each newly assigned pair that has none on its paper yet."""
    rows = numbers_for_new_reviewers(workshop=workshop, pairs=pairs)
    _insert_many(
        ReviewerNumber,
        {
            "submission": [paper for paper, _, _ in rows],
            "reviewer": [reviewer for _, reviewer, _ in rows],
            "number": [number for _, _, number in rows],
        },
        workshop=workshop.pk,
    )


def _papers_url(workshop):
    return reverse("reviews:my_papers", kwargs={"slug": workshop.slug})


def _assignment_email(workshop, reviewer, papers, papers_url=None):
    """The email listing a reviewer's new papers (a BulkEmail): it concerns every one of them."""
    context = {"reviewer": reviewer, "papers": papers, "papers_url": papers_url or _papers_url(workshop)}
    topic = f"assignment:{reviewer.pk}"
    return BulkEmail("reviewer_assignment", [reviewer.email], context, topic, EmailAudience.REVIEWERS, papers)


def _email_assignment(workshop, reviewer, papers):
    queue_email(**_assignment_email(workshop, reviewer, papers)._asdict(), workshop=workshop)


# --- manual assignment ------------------------------------------------------------------------


@transaction.atomic
def assign_reviewer(*, submission, reviewer, by) -> tuple[Assignment, list[str]]:
    """Assign a reviewer to a paper by hand, at any time; the reviewer gets an email. Refuses
    conflicts; warns about a "not willing" bid or a load above the reviewer's maximum. Assigning
    twice (a double click) returns the existing assignment and sends nothing again."""
    workshop = submission.workshop
    if not live_papers(workshop).filter(pk=submission.pk).exists():
        raise AssignmentRefused(f"Paper #{submission.number} is {submission.get_status_display().lower()}.")
    _check_pair(workshop, submission, reviewer)
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                workshop=workshop,
                submission=submission,
                reviewer=reviewer,
                source=AssignmentSource.MANUAL,
                created_by=by,
            )
    except IntegrityError:
        existing = Assignment.objects.get(submission=submission, reviewer=reviewer)
        return existing, [f"{reviewer} was already assigned to paper #{submission.number}."]
    _number_new_reviewers(workshop, [(submission.pk, reviewer.pk)])
    bid = _single_breakdown(workshop, DEFAULT_WEIGHTS, submission, reviewer).bid
    _email_assignment(workshop, reviewer, [submission])
    assigned = Assignment.objects.filter(workshop=workshop, submission__status__in=LIVE)
    return assignment, _warnings(workshop, submission, reviewer, bid, assigned, by=by)


@transaction.atomic
def unassign_reviewer(*, submission, reviewer, by) -> bool:
    """Take a reviewer off a paper; they get a short email. False when they were not assigned."""
    deleted, _ = Assignment.objects.filter(submission=submission, reviewer=reviewer).delete()
    if deleted:
        queue_email(
            to=[reviewer.email],
            template="reviewer_unassigned",
            context={"reviewer": reviewer, "submission": submission},
            workshop=submission.workshop,
            topic=f"submission:{submission.pk}",
            audience=EmailAudience.REVIEWERS,
            papers=[submission],  # hidden from conflicted chairs, even once the reviewer is off the paper
        )
    return bool(deleted)
