"""Automatic assignment at conference size, from the database and back: affinity, solve, proposal, commit.

Needs the dev (scipy, for the synthetic baseline) extras: .venv/bin/pip install -e '.[dev,bench]'.
Run (PostgreSQL and Redis; give Redis a database number that no worker listens on, as the
assignment emails are queued there and then dropped):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/calm_bench REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python benchmarks/assignment_e2e.py [--quick] [--keep | --reuse] [--affinity tfidf]

It works in a scratch database of its own, <DATABASE_URL's name>_assignment (dropped and created
again unless --reuse; dropped at the end unless --keep or --reuse). There it builds the workshop
with `manage.py seed_scale --submissions 20000 --reviewers 15000` (--quick: 2,000 and 1,500) and
takes it back to before the assignment: every paper submitted, no assignment, review or decision;
the reviewers' profiles, bids and the conflicts of their institutions stay. It computes the
affinity once (MiniLM with the `affinity` extra, else TF-IDF; `--affinity tfidf` takes TF-IDF even
with MiniLM installed: MiniLM embeds the 65,000 texts of the full size for hours on two busy cores;
the matrix goes to a file of the default storage at this size), then times the chair's whole run
with the affinity cached, each stage through the real services as the Celery tasks call them:

1. affinity: compute_affinity finds the inputs unchanged (it reads and hashes every text);
2. score table: papers, reviewers, bids, directions, conflicts and the stored matrix into arrays;
3. solve: min-cost flow with LP-duality certificate, 4 reviewers per paper;
4. proposal: every pair's score in parts, written as proposed pairs;
5. commit: the pairs become assignments, numbered "Reviewer N" per paper (timed apart too), and
   each reviewer's email is written to the outbox.

Target (DESIGN.md §11): the solve under 10 s and certified optimal; the whole run from the database
(affinity cached) under a minute. Printed beside it: the peak memory of this process.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from release import DEFAULT_DATABASE_URL, drop_database, machine, scratch_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL, QUICK = (20_000, 15_000), (2_000, 1_500)
SLUG = "assign"
REVIEWS_PER_PAPER = 4


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 papers and 1,500 reviewers")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--keep", action="store_true", help="keep the scratch database (for --reuse)")
    group.add_argument("--reuse", action="store_true", help="reuse the database a --keep run left")
    parser.add_argument(
        "--affinity", choices=("auto", "tfidf"), default="auto", help="auto: MiniLM when installed (default)"
    )
    args = parser.parse_args()
    papers, reviewers = QUICK if args.quick else FULL

    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    database_url = reused_database(url, "assignment") if args.reuse else scratch_database(url, "assignment")
    setup_django(
        database_url,
        "without it the emails would be sent in-process.",
        MEDIA_ROOT=os.environ.get("MEDIA_ROOT") or str(Path(tempfile.gettempdir()) / "calm-assignment-bench"),
    )
    from django.core.management import call_command

    if args.affinity == "tfidf":  # what "auto" resolves to, in this process only
        from reviews import affinity

        affinity.available_methods = lambda: ("tfidf",)

    try:
        print(f"{papers:,} papers x {reviewers:,} reviewers, {REVIEWS_PER_PAPER} reviews per paper; {machine()}")
        call_command("migrate", verbosity=0)
        workshop = prepare(papers, reviewers, reuse=args.reuse)
        run(workshop, papers, reviewers)
        solver_baseline(papers, reviewers)
    finally:
        from django.db import connections

        from workshop.celery import app

        app.control.purge()  # the assignment emails: no worker here sends them
        connections.close_all()
        if not (args.keep or args.reuse):
            drop_database(database_url)


def reused_database(url, suffix) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{parts.path.lstrip('/') or 'calm'}_{suffix}"))


# --- the workshop before its assignment ---------------------------------------------------------


def prepare(papers, reviewers, *, reuse):
    """The seeded workshop, before any assignment, with its affinity computed (and timed)."""
    from django.core.management import call_command

    from reviews.enums import AffinityStatus
    from reviews.models import AffinityScores, Assignment, AssignmentRun, Decision, Review, ReviewerNumber
    from submissions.models import Submission
    from workshop.models import OutboxEmail, Workshop

    workshop = Workshop.objects.filter(slug=SLUG).first()
    if workshop is None or not reuse:
        started = time.perf_counter()
        call_command("seed_scale", submissions=papers, reviewers=reviewers, slug=SLUG, force=True, verbosity=0)
        print(f"seed_scale: {time.perf_counter() - started:.0f} s")
        workshop = Workshop.objects.get(slug=SLUG)
    # Back to before the assignment (one statement per table: Django's delete() would load every
    # row and write a history row for each).
    for model in (Review, Decision, Assignment, ReviewerNumber):
        rows = model.objects.filter(workshop=workshop)
        rows._raw_delete(rows.db)
    AssignmentRun.objects.filter(workshop=workshop).delete()
    OutboxEmail.objects.filter(workshop=workshop, template="reviewer_assignment").delete()
    Submission.objects.filter(workshop=workshop).update(status="submitted", presentation="")
    workshop.decisions_released_at = workshop.published_at = None
    workshop.save(update_fields=["decisions_released_at", "published_at"])
    analyze()

    row = AffinityScores.objects.filter(workshop=workshop, status=AffinityStatus.READY).first()
    if row is None:
        from reviews.services.affinity import compute_affinity

        started = time.perf_counter()
        row = compute_affinity(workshop=workshop)
        elapsed = time.perf_counter() - started
        where = "its row" if AffinityScores.objects.filter(pk=row.pk).exclude(matrix=b"").exists() else "a file"
        print(f"affinity, first computation ({row.method}): {elapsed:.0f} s; the matrix is kept in {where}")
    return workshop


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- the run -----------------------------------------------------------------------------------


def run(workshop, n_papers, n_reviewers):
    from reviews.models import Assignment, ProposedPair
    from reviews.services import affinity as affinity_services
    from reviews.services import assignments
    from reviews.services.assignments import commit_run, execute_run, start_run
    from workshop.models import Membership, OutboxEmail

    chair = Membership.objects.filter(workshop=workshop, role="chair").select_related("user").first().user
    wall, cpu = Counter(), Counter()  # seconds by stage: elapsed, and this process's CPU

    @contextmanager
    def stage(name):
        started, used = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            wall[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - used

    def timed(name, function):
        def wrapper(*args, **kwargs):
            with stage(name):
                return function(*args, **kwargs)

        return wrapper

    # The stages inside execute_run, timed where it calls them.
    assignments.score_table = timed("score table", assignments.score_table)
    rounds = []
    solve = timed("solve", assignments.solve_with_report)

    def solve_and_count(*args, **kwargs):
        chosen, report = solve(*args, **kwargs)
        rounds.append(report.rounds)
        return chosen, report

    assignments.solve_with_report = solve_and_count
    assignments._write_proposal = timed("proposal", assignments._write_proposal)
    assignments._number_new_reviewers = timed("reviewer numbers", assignments._number_new_reviewers)
    assignments._publish_run = lambda run_id: None  # no worker here: this process runs the task itself

    with stage("whole run"):
        with stage("affinity (cached)"):
            affinity_services.compute_affinity(workshop=workshop)  # what the task does when asked again
        run = start_run(workshop=workshop, by=chair, reviews_per_paper=REVIEWS_PER_PAPER)
        run = execute_run(run_id=run.pk)
        if run.status != "ready":
            sys.exit(f"The run failed: {run.error}")
        with stage("commit + emails"):
            result = commit_run(run=run, by=chair)

    pairs = ProposedPair.objects.filter(run=run).count()
    emails = OutboxEmail.objects.filter(workshop=workshop, template="reviewer_assignment").count()
    # The commit counts for the chair only the papers they are not in conflict with.
    assert Assignment.objects.filter(workshop=workshop).count() == pairs >= result["assignments"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stats = run.stats
    print(
        f"\n{pairs:,} pairs proposed and committed; {emails:,} assignment emails in the outbox; "
        f"certified optimal: {stats['certified']} ({rounds[-1]} rounds); total score {stats['total_score']:.1f}\n"
    )
    print("| stage | seconds | CPU seconds (this process) |\n| --- | --- | --- |")
    stages = (
        "affinity (cached)",
        "score table",
        "solve",
        "proposal",
        "commit + emails",
        "reviewer numbers",
        "whole run",
    )
    for name in stages:
        target = {
            "solve": " (target < 10 s)",
            "reviewer numbers": " (in the commit)",
            "whole run": " (target < 60 s)",
        }.get(name, "")
        print(f"| {name}{target} | {wall[name]:.1f} | {cpu[name]:.1f} |")
    print(f"| peak memory of the process | {peak / 1024:.1f} GB | |")
    print(f"\nLoad average while it ran: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def solver_baseline(n_papers, n_reviewers):
    """The same solver on benchmarks/assignment.py's synthetic skewed scores of the same size, in
    the same run: how much of the solve is the data from the database, how much the machine."""
    import numpy as np
    from assignment import skewed_scores

    from reviews.assignment import solve_with_report

    scores = skewed_scores(n_papers, n_reviewers)
    load = -(-n_papers * REVIEWS_PER_PAPER // n_reviewers) + 1  # seed_scale's default load
    started, used = time.perf_counter(), time.process_time()
    _, report = solve_with_report(
        scores, demand=np.full(n_papers, REVIEWS_PER_PAPER), max_load=np.full(n_reviewers, load)
    )
    print(
        f"Baseline, the solver alone on synthetic skewed scores of the same size (reviewer load {load}): "
        f"{time.perf_counter() - started:.1f} s, {time.process_time() - used:.1f} CPU s, "
        f"{report.rounds} rounds, certified {report.certified}"
    )


if __name__ == "__main__":
    main()
