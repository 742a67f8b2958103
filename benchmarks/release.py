"""Releasing 20,000 decisions: the chair's request, then a real Celery worker through the outbox into an SMTP sink.

Needs the dev (aiosmtpd) extras: .venv/bin/pip install -e '.[dev,bench]'.
Run (PostgreSQL and Redis; give Redis a database number that no other worker listens on):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/calm_bench REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python benchmarks/release.py [--quick] [--papers N] [--keep]

It works in a scratch database of its own, <DATABASE_URL's name>_release (dropped and created
again, migrated, dropped at the end unless --keep), and builds there with bulk writes a workshop of
N decided, unreleased papers (default 20,000; --quick: 2,000), each with three authors of their own
(so that "every author got exactly one email" is a count per address) and three submitted reviews,
which the emails carry. Then:

1. the chair's POST to the release page, through the whole Django stack (test client), timed: it
   checks that every paper is decided, marks the release started and queues the task; then the
   release page that follows (its progress bar);
2. a real worker (`celery worker`, two processes) runs the task, which records the decisions and
   writes the emails to the outbox in batches, and delivers each email to a local aiosmtpd sink;
3. the sink's count per address: every author got exactly one email, nobody else got any.

Baselines in the same run: the release as it was before (every paper in the request: its status,
its decision and its email, one by one), on 500 papers in a rolled-back transaction, extrapolated
to N; and the SMTP floor, plain smtplib sends to the same kind of sink, one connection each as the
outbox makes them. Target (DESIGN.md §11): the request returns in under 2 s; the emails flow through the outbox.
"""

import argparse
import os
import platform
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/calm_bench"
AUTHORS_PER_PAPER = 3
REVIEWS_PER_PAPER = 3
REVIEWERS = 600
BASELINE_PAPERS = 500
SMTP_FLOOR_MESSAGES = 1000
BATCH = 5000


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 papers")
    parser.add_argument("--papers", type=int, default=None, help="papers to release (default 20,000)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    papers = args.papers or (2_000 if args.quick else 20_000)

    database_url = scratch_database(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL), "release")
    env = setup_django(
        database_url,
        "the release is queued to a real worker.",
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        VAR_DIR=tempfile.mkdtemp(prefix="calm-release-bench-"),
    )
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    worker = None
    try:
        print(f"{papers:,} papers, {AUTHORS_PER_PAPER} authors and {REVIEWS_PER_PAPER} reviews each; {machine()}")
        started = time.perf_counter()
        workshop, chair = seed(papers)
        print(f"Seeded in {time.perf_counter() - started:.1f} s (bulk writes).\n")
        baseline = old_release_seconds(workshop, chair)
        floor = smtp_floor()
        from tests.utils import SMTPSink, smtp_server

        sink = SMTPSink()
        with smtp_server(sink) as port:
            purge_queue()
            worker = start_worker({**env, "EMAIL_DELIVERY": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)})
            figures = release(workshop, chair, papers, sink)
            check(workshop, sink, papers)
        report(papers, figures, baseline, floor)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(database_url)


# --- the scratch database ----------------------------------------------------------------------


def setup_django(database_url, redis_reason, **settings) -> dict:
    """Point this process at `database_url` and REDIS_URL with production settings (DEBUG off),
    plus `settings` (environment variables), and start Django. Returns the whole environment, for
    the processes a benchmark starts. `redis_reason` says why REDIS_URL is needed when it is unset."""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        sys.exit(f"Set REDIS_URL (e.g. redis://127.0.0.1:6379/12): {redis_reason}")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "workshop.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "benchmark-only-" + "k3y-" * 12,
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            **settings,
        }
    )
    import django

    django.setup()
    return dict(os.environ)


def _admin_connection(url):
    import psycopg2

    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit("DATABASE_URL must name a PostgreSQL database.")
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "postgres",
        password=parts.password,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    return connection


def scratch_database(url, suffix) -> str:
    """Create the database <name>_<suffix> next to the one `url` names (dropping an old one) and return its URL."""
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'calm'}_{suffix}"
    connection = _admin_connection(url)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(url):
    name = urlsplit(url).path.lstrip("/")
    connection = _admin_connection(url)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


# --- the workshop ------------------------------------------------------------------------------


def seed(n_papers):
    """A workshop in its decisions phase: n_papers submitted papers, all decided (a quarter accepted),
    none released, with their authors and submitted reviews. Bulk writes, past the services."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from reviews.models import Decision, Review, ReviewerNumber
    from submissions.models import Submission, SubmissionAuthor, reversed_domain
    from workshop.enums import Role
    from workshop.models import Direction, Membership, User, Workshop

    now = timezone.now()
    workshop = Workshop.objects.create(
        slug="release",
        name="Release benchmark",
        short_name="Release",
        call_for_papers="Papers.",
        submissions_open_at=now - timedelta(days=60),
        submission_deadline=now - timedelta(days=40),
        review_deadline=now - timedelta(days=10),
        notification_date=now + timedelta(days=1),
        camera_ready_deadline=now + timedelta(days=20),
        last_submission_number=n_papers,
    )
    direction = Direction.objects.create(workshop=workshop, slug="in", name="Causality in large models")
    password = make_password(None)
    chair = User.objects.create(email="chair@release.example", name="Chair", password=password)
    Membership.objects.create(workshop=workshop, user=chair, role=Role.CHAIR)
    reviewers = User.objects.bulk_create(
        User(email=f"reviewer{n}@reviewers.example", name=f"Reviewer {n}", password=password) for n in range(REVIEWERS)
    )
    text = " ".join(["causal models of language and their interventions"] * 12)
    papers = Submission.objects.bulk_create(
        (
            Submission(
                workshop=workshop,
                number=n,
                title=f"Paper {n}: what large models know about causes",
                abstract=text,
                primary_direction=direction,
                status="submitted",
                agreed_anonymity=True,
                created_by=chair,
                submitted_at=now - timedelta(days=41),
            )
            for n in range(1, n_papers + 1)
        ),
        batch_size=BATCH,
    )
    SubmissionAuthor.objects.bulk_create(
        (
            SubmissionAuthor(
                submission=paper,
                order=k,
                name=f"Author {k} of {paper.number}",
                email=author_email(paper.number, k),
                reversed_domain=reversed_domain(author_email(paper.number, k)),
            )
            for paper in papers
            for k in range(1, AUTHORS_PER_PAPER + 1)
        ),
        batch_size=BATCH,
    )
    Review.objects.bulk_create(
        (
            Review(
                workshop=workshop,
                submission=paper,
                reviewer=reviewers[(paper.number * REVIEWS_PER_PAPER + k) % REVIEWERS],
                status="submitted",
                summary=text[:400],
                strengths=text[:300],
                weaknesses=text[:300],
                scores={"overall": 1 + (paper.number + k) % 5, "confidence": 3},
                overall_score=1 + (paper.number + k) % 5,
                confidence_score=3,
                submitted_at=now - timedelta(days=12),
            )
            for paper in papers
            for k in range(REVIEWS_PER_PAPER)
        ),
        batch_size=BATCH,
    )
    ReviewerNumber.objects.bulk_create(  # "Reviewer N", as the assignment service stores it
        (
            ReviewerNumber(
                workshop=workshop,
                submission=paper,
                reviewer=reviewers[(paper.number * REVIEWS_PER_PAPER + k) % REVIEWERS],
                number=1 + (paper.number + k) % REVIEWS_PER_PAPER,
            )
            for paper in papers
            for k in range(REVIEWS_PER_PAPER)
        ),
        batch_size=BATCH,
    )
    Decision.objects.bulk_create(
        (
            Decision(
                workshop=workshop,
                submission=paper,
                outcome="accept" if paper.number % 4 == 0 else "reject",
                presentation="poster" if paper.number % 4 == 0 else "",
                decided_by=chair,
            )
            for paper in papers
        ),
        batch_size=BATCH,
    )
    analyze()
    return workshop, chair


def author_email(number, k):
    return f"p{number}.a{k}@authors.example"


def analyze():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- baselines ---------------------------------------------------------------------------------


def old_release_seconds(workshop, chair) -> float:
    """Seconds per paper of the release as it was before it became a task: each paper's status
    (record_decision), its decision and its email written one by one, all in the request. On
    BASELINE_PAPERS papers, rolled back (so nothing is sent)."""
    from django.db import transaction
    from django.utils import timezone

    from reviews.enums import Outcome
    from reviews.models import Decision
    from reviews.selectors.decisions import decision_email_context
    from submissions.services import record_decision
    from workshop.enums import EmailAudience
    from workshop.mail import queue_email

    with transaction.atomic():
        started = time.perf_counter()
        pending = (
            Decision.objects.filter(workshop=workshop, released_at__isnull=True)
            .select_related("submission__workshop")
            .prefetch_related("submission__authors")
            .order_by("submission__number")[:BASELINE_PAPERS]
        )
        now = timezone.now()
        for decision in pending:
            paper = decision.submission
            record_decision(
                submission=paper,
                accepted=decision.outcome == Outcome.ACCEPT,
                by=chair,
                presentation=decision.presentation,
                note=decision.note_to_authors,
            )
            decision.released_at = now
            decision._history_user = chair
            decision.save(update_fields=["released_at"])
            queue_email(
                to=list(dict.fromkeys(author.email.lower() for author in paper.authors.all())),
                template=f"decision_{decision.outcome}",
                context=decision_email_context(decision),
                workshop=workshop,
                topic=f"submission:{paper.pk}",
                audience=EmailAudience.AUTHORS,
                papers=[paper],
            )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed / BASELINE_PAPERS


def smtp_floor() -> float:
    """Messages per second that one process sends to an aiosmtpd sink, one connection each."""
    from tests.utils import SMTPSink, smtp_server

    sink = SMTPSink()
    with smtp_server(sink) as port:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "chairs@release.example", "a@authors.example", "Floor"
        message.set_content("x" * 2000)
        started = time.perf_counter()
        for _ in range(SMTP_FLOOR_MESSAGES):
            with smtplib.SMTP("127.0.0.1", port) as client:
                client.send_message(message)
        elapsed = time.perf_counter() - started
    assert len(sink.messages) == SMTP_FLOOR_MESSAGES
    return SMTP_FLOOR_MESSAGES / elapsed


# --- the release -------------------------------------------------------------------------------


def purge_queue():
    """Drop messages an earlier, interrupted run left in this Redis database's queue."""
    from workshop.celery import app

    app.control.purge()


def start_worker(env):
    log = open(Path(env["VAR_DIR"]) / "worker.log", "w")  # noqa: SIM115 - the worker writes to it until the end
    print(f"Worker log: {log.name}")
    argv = [sys.executable, "-m", "celery", "-A", "workshop", "worker", "--concurrency=2", "--loglevel=WARNING"]
    argv += ["--without-gossip", "--without-mingle", "-n", f"release-bench-{uuid.uuid4().hex[:6]}@%h"]
    worker = subprocess.Popen(argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    from workshop.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any("release-bench" in name for reply in (app.control.ping(timeout=1.0) or []) for name in reply):
            return worker
    worker.terminate()
    sys.exit(f"The Celery worker did not start; see {log.name}")


def release(workshop, chair, papers, sink) -> dict:
    from django.test import Client
    from django.urls import reverse

    from reviews.models import Decision
    from workshop.enums import EmailStatus
    from workshop.models import OutboxEmail

    client = Client()
    client.force_login(chair)
    url = reverse("reviews:release", args=[workshop.slug])
    client.get(url, secure=True)  # warm: templates compiled, connection open

    started = time.perf_counter()
    response = client.post(url, secure=True)
    request_seconds = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    started_page = time.perf_counter()
    page = client.get(url, secure=True).content.decode()
    page_seconds = time.perf_counter() - started_page
    shown = next((line.strip() for line in page.splitlines() if "emails queued" in line), "(no progress shown)")
    print(f"Release request: {request_seconds * 1000:.0f} ms; the page after it: {page_seconds * 1000:.0f} ms")
    print(f"  it shows: {strip_tags(shown)}")

    queued_at = delivered_at = None
    last_print, moved_at, seen = 0.0, time.perf_counter(), (0, 0)
    while True:
        now = time.perf_counter()
        released = Decision.objects.filter(workshop=workshop, released_at__isnull=False).count()
        if queued_at is None and released == papers:
            queued_at = now
        if len(sink.messages) >= papers:
            delivered_at = now
            break
        if (released, len(sink.messages)) != seen:
            moved_at, seen = now, (released, len(sink.messages))
        elif now - moved_at > 60:
            sys.exit(f"Stuck for a minute at {seen[0]:,} released, {seen[1]:,} received; see the worker's log.")
        if now - last_print >= 10:
            sent = OutboxEmail.objects.filter(workshop=workshop, status=EmailStatus.SENT).count()
            print(f"  {now - started:5.0f} s: {released:,} released, {sent:,} sent, {len(sink.messages):,} received")
            last_print = now
        time.sleep(0.2)
    time.sleep(2)  # anything more (a duplicate) would arrive now
    return {
        "request": request_seconds,
        "page": page_seconds,
        "queued": queued_at - started,
        "delivered": delivered_at - started,
    }


def strip_tags(text):
    from django.utils.html import strip_tags as strip

    return " ".join(strip(text).split())


def check(workshop, sink, papers):
    from reviews.models import Decision
    from submissions.models import Submission
    from workshop.enums import EmailStatus
    from workshop.models import OutboxEmail

    received = Counter(address for envelope in sink.messages for address in envelope.rcpt_tos)
    expected = {author_email(n, k) for n in range(1, papers + 1) for k in range(1, AUTHORS_PER_PAPER + 1)}
    missing = expected - set(received)
    twice = [address for address, count in received.items() if count > 1]
    strangers = set(received) - expected
    decided = Submission.objects.filter(workshop=workshop, status__in=["accepted", "rejected"]).count()
    rows = Counter(OutboxEmail.objects.filter(workshop=workshop).values_list("status", flat=True))
    print(
        f"\nCheck: {len(sink.messages):,} emails to {len(received):,} addresses; {len(missing)} authors without "
        f"one, {len(twice)} with more than one, {len(strangers)} strangers; {decided:,} papers decided; "
        f"outbox rows: {dict(rows)}"
    )
    ok = not missing and not twice and not strangers and decided == papers and rows == {EmailStatus.SENT: papers}
    ok = ok and not Decision.objects.filter(workshop=workshop, released_at__isnull=True).exists()
    print("Every author got exactly one email." if ok else "FAILED: see the counts above.")
    if not ok:
        sys.exit(1)


def report(papers, figures, baseline, floor):
    queued, delivered = figures["queued"], figures["delivered"]
    print(
        f"\n| what | figure |\n| --- | --- |\n"
        f"| release request ({papers:,} papers) | {figures['request'] * 1000:.0f} ms (target < 2 s) |\n"
        f"| release page right after | {figures['page'] * 1000:.0f} ms |\n"
        f"| before: all in the request, paper by paper | {baseline * 1000:.1f} ms a paper: "
        f"{baseline * papers:.0f} s for {papers:,} |\n"
        f"| decisions recorded and emails in the outbox (task) | {queued:.1f} s ({papers / queued:.0f} papers/s) |\n"
        f"| all emails in the SMTP sink | {delivered:.1f} s: {papers / delivered:.0f} emails/s |\n"
        f"| SMTP floor (one process, one connection per email) | {floor:.0f} emails/s |"
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


if __name__ == "__main__":
    main()
