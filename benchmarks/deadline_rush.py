"""The deadline rush: 200 authors at once each submit a paper with a 1 MB PDF, then revise it with another.

Needs the bench (requests, with locust) and dev extras: .venv/bin/pip install -e '.[dev,bench]'.
Run (PostgreSQL and Redis; give Redis a database number that no worker listens on, as the
confirmation emails are queued there and then dropped):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/calm_bench REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python benchmarks/deadline_rush.py [--quick] [--authors N] [--workers 3] [--threads 4] [--keep]

It works in a scratch database of its own, <DATABASE_URL's name>_rush (dropped and created again,
migrated, dropped at the end unless --keep), with uploads in a temporary MEDIA_ROOT. The workshop's
deadline is an hour away; each author has an account (a session made for them: no login form) and
two PDFs of 1 MB of their own (made beforehand). gunicorn serves production settings (DEBUG off)
on plain http, as the Dockerfile runs it: --workers processes of --threads threads each.

All authors start at the same moment, each in a thread of this process with its own HTTP session, and
go through the pages as a browser would: the submission form (GET), submit it with the first PDF (a
multipart POST of 1 MB), the edit form of the new paper (GET), save it with the second PDF (POST).
Printed: the wall time of the rush (target: within a minute), requests and uploads per second, the
median and 95th percentile of each step, and the errors (target 0). Then the check: every paper
in the database, numbered 1..N without gap or duplicate, with both PDF versions, each stored file on
disk with the SHA-256 of the bytes sent, and its two confirmation emails in the outbox.
Baseline in the same run: one author alone, the same four requests, before the rush.
"""

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

from release import DEFAULT_DATABASE_URL, drop_database, machine, scratch_database, setup_django

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

PDF_BYTES = 1_000_000
SLUG = "rush"
STEPS = ("form", "submit", "edit form", "revise")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 authors")
    parser.add_argument("--authors", type=int, default=None, help="concurrent authors (default 200)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3, as deployed)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    authors = args.authors or (50 if args.quick else 200)

    database_url = scratch_database(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL), "rush")
    media = tempfile.mkdtemp(prefix="calm-rush-media-")
    env = setup_django(
        database_url,
        "without it each email is sent inside its request.",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        MEDIA_ROOT=media,
        VAR_DIR=tempfile.mkdtemp(prefix="calm-rush-var-"),
    )
    from django.core.management import call_command

    server = None
    try:
        call_command("migrate", verbosity=0)
        print(f"{authors} authors, 2 PDFs of {PDF_BYTES / 1e6:.0f} MB each; gunicorn {args.workers} x {args.threads}")
        print(machine())
        people = prepare(authors + 1)
        port = free_port()
        server = start_gunicorn(env, port, args.workers, args.threads)
        base = f"http://127.0.0.1:{port}"
        warm_up(base, people[-1], args.workers * args.threads)
        alone = Author(base, people.pop())
        alone.run()
        rush, wall = run_rush(base, people)
        report(alone, rush, wall)
        check([*people, alone.person], media)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        from workshop.celery import app

        app.control.purge()  # the confirmation emails: no worker here sends them
        connections.close_all()
        if not args.keep:
            drop_database(database_url)


# --- the workshop and its authors --------------------------------------------------------------


class Person:
    def __init__(self, user, session_key, pdfs):
        self.user, self.session_key, self.pdfs = user, session_key, pdfs
        self.sha256 = [hashlib.sha256(pdf).hexdigest() for pdf in pdfs]
        self.paper_id = None


def prepare(count) -> list[Person]:
    """The workshop (deadline in an hour) and `count` authors: an account each, a signed-in session
    and two different PDFs of PDF_BYTES (made here, before the clock starts)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from tests.submissions.pdf_samples import make_pdf
    from workshop import services
    from workshop.models import User

    now = timezone.now()
    services.create_workshop(
        slug=SLUG,
        name="Deadline rush",
        short_name="Rush",
        submissions_open_at=now - timedelta(days=30),
        submission_deadline=now + timedelta(hours=1),
        page_limit=9,
        max_upload_mb=10,
        directions=[("in", "Causality in large models", "")],
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        User(
            email=f"author{n}@uni{n % 50}.example",
            name=f"Author {n}",
            affiliation=f"University {n % 50}",
            password=password,
        )
        for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
    )
    started = time.perf_counter()
    people = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"  # as a login sets
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        pdfs = [
            make_pdf(
                pages=2, text=f"Paper of author {user.pk}, version {v}", pad_to_bytes=PDF_BYTES, file_id=os.urandom(16)
            )
            for v in (1, 2)
        ]
        people.append(Person(user, session.session_key, pdfs))
    print(f"{count} accounts, sessions and {2 * count} PDFs made in {time.perf_counter() - started:.0f} s\n")
    return people


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env, port, workers, threads):
    import requests

    argv = [str(BIN / "gunicorn"), "workshop.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", str(workers), "--threads", str(threads), "--timeout", "120", "--log-level", "warning"]
    argv += ["--backlog", "2048", "--worker-tmp-dir", "/dev/shm"]
    server = subprocess.Popen(argv, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return server
        except requests.ConnectionError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer within a minute")


def warm_up(base, person, requests_count):
    """Every gunicorn worker loads its templates and opens its database connections before the clock starts."""
    import requests

    with requests.Session() as http:
        http.cookies.set("sessionid", person.session_key)
        for _ in range(requests_count):
            http.get(f"{base}/{SLUG}/submit/", timeout=60)


# --- one author --------------------------------------------------------------------------------

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
DIRECTION = re.compile(r'<option value="(\d+)"')


class Author:
    """One author's browser: submit the paper with the first PDF, then revise it with the second."""

    def __init__(self, base, person):
        import requests

        self.base, self.person = base, person
        self.http = requests.Session()
        self.http.cookies.set("sessionid", person.session_key)
        self.times, self.errors = {}, []

    def run(self, start=None):
        if start is not None:
            start.wait()
        try:
            form = self.get("form", f"/{SLUG}/submit/")
            if form is None:
                return
            paper = self.post("submit", f"/{SLUG}/submit/", self.fields(form), self.person.pdfs[0])
            if paper is None:
                return
            self.person.paper_id = int(re.search(r"/papers/(\d+)/", paper).group(1))
            form = self.get("edit form", f"/{SLUG}/papers/{self.person.paper_id}/edit/")
            if form is None:
                return
            fields = {**self.fields(form), "action": "save", "title": f"Revised paper of {self.person.user.name}"}
            self.post("revise", f"/{SLUG}/papers/{self.person.paper_id}/edit/", fields, self.person.pdfs[1])
        except Exception as error:  # counted and shown, never silent
            self.errors.append(f"{type(error).__name__}: {error}")

    def fields(self, page) -> dict:
        user = self.person.user
        fields = dict(HIDDEN.findall(page or ""))
        fields.update(
            {
                "title": f"Paper of {user.name}",
                "abstract": "We ask what large models know about causes and how they use it. " * 8,
                "primary_direction": DIRECTION.search(page or "").group(1),
                "agreed_anonymity": "on",
                "authors-TOTAL_FORMS": "1",
                "authors-INITIAL_FORMS": "0",
                "authors-MIN_NUM_FORMS": "0",
                "authors-MAX_NUM_FORMS": "30",
                "authors-0-name": user.name,
                "authors-0-email": user.email,
                "authors-0-affiliation": user.affiliation,
                "authors-0-ORDER": "1",
                "action": "submit",
            }
        )
        return fields

    def get(self, step, path):
        started = time.perf_counter()
        response = self.http.get(self.base + path, timeout=300, allow_redirects=False)
        self.times[step] = time.perf_counter() - started
        if response.status_code != 200:
            self.errors.append(f"{step}: HTTP {response.status_code} {response.headers.get('Location', '')}".strip())
            return None
        return response.text

    def post(self, step, path, fields, pdf):
        started = time.perf_counter()
        files = {"paper": (f"paper-{self.person.user.pk}.pdf", pdf, "application/pdf")}
        response = self.http.post(
            self.base + path,
            data=fields,
            files=files,
            timeout=300,
            allow_redirects=False,
            headers={"Referer": self.base},
        )
        self.times[step] = time.perf_counter() - started
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "/papers/" not in location:
            found = re.search(r'id="form-errors">(.*?)</div>', response.text, re.S)
            why = " ".join(re.sub("<[^>]+>", " ", found.group(1)).split())[:200] if found else ""
            self.errors.append(f"{step}: HTTP {response.status_code} {why}".strip())
            return None
        return location


def run_rush(base, people):
    authors = [Author(base, person) for person in people]
    start = threading.Barrier(len(authors) + 1)
    threads = [threading.Thread(target=author.run, args=(start,)) for author in authors]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return authors, time.perf_counter() - started


# --- figures and the check ---------------------------------------------------------------------


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def report(alone, rush, wall):
    times = defaultdict(list)
    for author in rush:
        for step, seconds in author.times.items():
            times[step].append(seconds)
    errors = Counter(error for author in rush for error in author.errors)
    requests = sum(len(author.times) for author in rush)
    uploads = len(times["submit"]) + len(times["revise"])
    print("| step | alone | rush: median | rush: p95 | rush: max |\n| --- | --- | --- | --- | --- |")
    for step in STEPS:
        if times[step]:
            print(
                f"| {step} | {alone.times.get(step, float('nan')) * 1000:.0f} ms "
                f"| {statistics.median(times[step]) * 1000:.0f} ms | {percentile(times[step], 0.95) * 1000:.0f} ms "
                f"| {max(times[step]) * 1000:.0f} ms |"
            )
    print(
        f"\n{len(rush)} authors: all done in {wall:.1f} s (target: within 60 s); {requests / wall:.1f} requests/s, "
        f"{uploads / wall:.1f} uploads of 1 MB/s; errors: {sum(errors.values())} (target 0)"
    )
    for error, count in errors.most_common(10):
        print(f"  {count} x {error}")
    if alone.errors:
        print(f"  the author alone: {alone.errors}")


def check(people, media):
    from submissions.models import Submission, SubmissionFile
    from workshop.models import OutboxEmail

    papers = {paper.created_by_id: paper for paper in Submission.objects.filter(workshop__slug=SLUG)}
    files = defaultdict(dict)
    for file in SubmissionFile.objects.filter(submission__workshop__slug=SLUG, kind="paper"):
        files[file.submission_id][file.version] = file
    emails = Counter(OutboxEmail.objects.filter(workshop__slug=SLUG).values_list("template", flat=True))
    problems = []
    numbers = sorted(paper.number for paper in papers.values() if paper.number is not None)
    if numbers != list(range(1, len(people) + 1)):
        problems.append(f"paper numbers are not 1..{len(people)}: {len(numbers)} numbers, {len(set(numbers))} distinct")
    on_disk = 0
    for person in people:
        paper = papers.get(person.user.pk)
        if paper is None or paper.status != "submitted":
            problems.append(f"{person.user.email}: no submitted paper")
            continue
        versions = files.get(paper.pk, {})
        for version, sha in ((1, person.sha256[0]), (2, person.sha256[1])):
            stored = versions.get(version)
            if stored is None or stored.sha256 != sha:
                problems.append(f"paper #{paper.number}: version {version} missing or not the PDF sent")
                continue
            path = Path(media) / stored.file.name
            if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                problems.append(f"paper #{paper.number}: version {version} not on disk as sent ({stored.file.name})")
                continue
            on_disk += 1
    expected = {"submission_received": len(people), "submission_updated": len(people)}
    if {name: emails.get(name, 0) for name in expected} != expected:
        problems.append(f"emails in the outbox: {dict(emails)}, expected {expected}")
    print(
        f"\nCheck: {len(papers)} papers in the database, numbered {numbers[:1]}..{numbers[-1:]}; "
        f"{on_disk} of {2 * len(people)} PDF versions on disk with the SHA-256 sent; outbox: {dict(emails)}"
    )
    print("Nothing lost." if not problems else f"FAILED ({len(problems)}):")
    for problem in problems[:20]:
        print(f"  {problem}")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
