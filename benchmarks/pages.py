"""Key pages at conference size: gunicorn on PostgreSQL, each page driven by locust, beside a trivial view.

Run: .venv/bin/pip install -e '.[bench]' && .venv/bin/python benchmarks/pages.py [--quick]

--quick uses a workshop of 2,000 papers and 1,500 reviewers (slug scale-quick) instead of 20,000 and
15,000 (slug scale). The database is DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/calm_bench
(created when missing); it must be PostgreSQL. REDIS_URL, when set, is passed on (the shared cache).
The first run migrates, collects the static files and builds the workshop with `manage.py seed_scale`
(about two minutes at full size); later runs reuse it (--reseed rebuilds it).

For each page, in turn, locust runs --users simulated people (default: one per gunicorn worker,
default one worker per CPU) that ask for the page again as soon as it arrives, for --seconds, after a
short warm-up; signed-in pages send a session cookie made for the persona (no login form, so that
nothing but the page is measured). It prints requests per second, the median and 95th percentile
response times, and how many trivial requests (/healthz: the whole middleware stack and one
SELECT 1) one request of the page costs, measured in the same run: the framework's ceiling on this
machine. Target (DESIGN.md §11): the chairs' submission list under 150 ms at the 95th percentile
with 20,000 papers.
"""

import argparse
import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/calm_bench"
FULL, QUICK = ("scale", 20_000, 15_000), ("scale-quick", 2_000, 1_500)
# name, persona, path ({slug} is the workshop's), text the page must show (so a wrong page fails loudly)
PAGES = [
    ("trivial view (/healthz)", None, "/healthz", '"ok"'),
    ("public accepted papers", None, "/{slug}/papers/", "Accepted papers"),
    # A search is never cached: this is the page's rendering cost (100 of the matching papers).
    ("public papers: search", None, "/{slug}/papers/?q=learning", "Accepted papers"),
    ("chair: submissions", "chair", "/{slug}/chair/papers/", "<title>Submissions"),
    ("chair: review dashboard", "chair", "/{slug}/chair/reviews/", "<title>Reviews"),
    ("reviewer: assigned papers", "reviewer", "/{slug}/reviewer/papers/", "Papers to review"),
    ("reviewer: bidding", "reviewer", "/{slug}/reviewer/bids/", "Bid on the papers"),
    ("author: my papers", "author", "/papers/", "My submissions"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 papers and 1,500 reviewers")
    parser.add_argument("--seconds", type=int, default=None, help="per page (default 20, --quick 10)")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="gunicorn workers (default: CPUs)")
    parser.add_argument("--users", type=int, default=None, help="concurrent simulated people (default: workers)")
    parser.add_argument("--pages", default="", help="only pages whose name contains one of these comma-separated words")
    parser.add_argument("--reseed", action="store_true", help="rebuild the workshop")
    args = parser.parse_args()
    slug, papers, reviewers = QUICK if args.quick else FULL
    seconds = args.seconds or (10 if args.quick else 20)
    users = args.users or args.workers

    env = benchmark_environment()
    ensure_database(env["DATABASE_URL"])
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    prepare(slug, papers, reviewers, reseed=args.reseed)
    sessions = persona_sessions(slug)
    pages = [page for page in PAGES if page[1] is None or not args.pages or _chosen(page[0], args.pages)]

    port = free_port()
    server = start_gunicorn(env, port, args.workers)
    try:
        base = f"http://127.0.0.1:{port}"
        print(f"\n{papers:,} papers, {reviewers:,} reviewers (/{slug}/); gunicorn with {args.workers} workers; ")
        print(f"locust with {users} users, {seconds} s per page; {machine()}\n")
        results = []
        for name, persona, path, marker in pages:
            path = path.format(slug=slug)
            session = sessions.get(persona, "")
            size = check_page(base, path, session, marker, name)
            for _ in range(2 * args.workers):  # warm each worker (templates, caches) before measuring
                fetch(base, path, session)
            results.append((name, path, size, *run_locust(base, name, path, session, users, seconds)))
            print(f"  measured {name}", flush=True)
        report(results)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _chosen(name, words):
    return any(word.strip() and word.strip() in name for word in words.split(","))


def benchmark_environment() -> dict:
    """Production settings (DEBUG off) on plain http on localhost."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="workshop.settings",
        DEBUG="0",
        SECRET_KEY="benchmark-only-" + "k3y-n0t-for-any-real-site-" * 3,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        EMAIL_DELIVERY="memory",
        LOG_LEVEL="WARNING",
    )
    return env


def ensure_database(url):
    import dj_database_url
    import psycopg2
    from psycopg2 import sql

    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        sys.exit(f"benchmarks/pages.py needs PostgreSQL: DATABASE_URL is {url}")
    db = dj_database_url.parse(url)
    where = {"user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"], "port": db["PORT"]}
    try:
        psycopg2.connect(dbname=db["NAME"], **where).close()
        return
    except psycopg2.OperationalError as error:
        if "does not exist" not in str(error):
            raise
    admin = psycopg2.connect(dbname="postgres", **where)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
    print(f"Created the database {db['NAME']}.")


def prepare(slug, papers, reviewers, *, reseed):
    from django.core.management import call_command

    from workshop.models import Workshop

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off serves the manifest's files
    if reseed or not Workshop.objects.filter(slug=slug).exists():
        print(f"Building /{slug}/ ({papers:,} papers, {reviewers:,} reviewers) with seed_scale…", flush=True)
        call_command("seed_scale", submissions=papers, reviewers=reviewers, slug=slug, replace=True, force=True, seed=0)


def persona_sessions(slug) -> dict[str, str]:
    """A signed-in session for each persona: the chair; the reviewer with the most assigned papers
    among those who bid; the author with the most papers."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count

    from submissions.models import SubmissionAuthor
    from workshop.enums import Role
    from workshop.models import User, Workshop

    workshop = Workshop.objects.get(slug=slug)
    chair = User.objects.get(memberships__workshop=workshop, memberships__role=Role.CHAIR)
    reviewer = (
        User.objects.filter(memberships__workshop=workshop, memberships__role=Role.REVIEWER, bids__workshop=workshop)
        .annotate(papers=Count("assignments", distinct=True))
        .order_by("-papers", "pk")
        .first()
    )
    top = (
        SubmissionAuthor.objects.filter(submission__workshop=workshop)
        .values("email")
        .annotate(papers=Count("pk"))
        .order_by("-papers", "email")
        .first()
    )
    author = User.objects.get(email=top["email"])
    sessions = {}
    for persona, user in (("chair", chair), ("reviewer", reviewer), ("author", author)):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"  # as a login sets
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        sessions[persona] = session.session_key
    print(f"Personas: chair {chair.email}; reviewer {reviewer.email} ({reviewer.papers} assigned papers);")
    print(f"          author {author.email} ({top['papers']} papers)")
    return sessions


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(env, port, workers):
    argv = [str(BIN / "gunicorn"), "workshop.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", str(workers), "--timeout", "300", "--log-level", "warning"]
    server = subprocess.Popen(argv, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            fetch(f"http://127.0.0.1:{port}", "/healthz", "")
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer within a minute")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(base, path, session) -> tuple[int, bytes]:
    request = urllib.request.Request(base + path, headers={"Cookie": f"sessionid={session}"} if session else {})
    try:
        with _opener.open(request, timeout=300) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def check_page(base, path, session, marker, name) -> int:
    """The page's size in bytes, after checking that it is the page (a 200 that shows `marker`)."""
    status, body = fetch(base, path, session)
    if status != 200 or marker.encode() not in body:
        sys.exit(f"{name} ({path}) answered {status} without “{marker}”: not benchmarking the wrong page")
    return len(body)


def run_locust(base, name, path, session, users, seconds):
    """(requests per second, p50 ms, p95 ms, requests, failures) of one locust run."""
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "run"
        argv = [str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless"]
        argv += ["--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--host", base]
        argv += ["--csv", str(prefix), "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "60"]
        env = {**os.environ, "BENCH_PATH": path, "BENCH_NAME": name, "BENCH_SESSION": session}
        subprocess.run(argv, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(f"{prefix}_stats.csv", newline="") as stats:
            row = next(r for r in csv.DictReader(stats) if r["Name"] == name)
    requests, failures = int(row["Request Count"]), int(row["Failure Count"])
    return float(row["Requests/s"]), float(row["50%"]), float(row["95%"]), requests, failures


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), "unknown CPU")
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPUs ({cpu}), {int(memory) / 2**20:.0f} GB RAM, load {load:.1f} before the run"


def report(results):
    trivial = results[0][3]
    header = f"{'page':<27} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'x trivial':>9} {'KB':>6}  requests (failed)"
    print("\n" + header + "\n" + "-" * len(header))
    for name, _path, size, rps, p50, p95, requests, failures in results:
        cost = trivial / rps if rps else float("inf")
        figures = f"{rps:>7.1f} {p50:>7.0f} {p95:>7.0f} {cost:>9.1f} {size / 1024:>6.0f}"
        print(f"{name:<27} {figures}  {requests} ({failures})")
    print("\nx trivial: how many requests of the trivial view one request of the page costs (its req/s / the page's).")
    if any(result[-1] for result in results):
        sys.exit("Some requests failed.")


if __name__ == "__main__":
    if shutil.which(str(BIN / "locust")) is None:
        sys.exit("locust is missing: .venv/bin/pip install -e '.[bench]'")
    main()
