"""Faults the system survives, with real PostgreSQL, Redis, Celery workers and SMTP servers.

- Redis stopped while authors log in and submit: the submissions are saved, their emails sent once
  it returns (the cache, which is Redis too, degrades to misses: workshop.cache).
- A worker killed while sending: nothing is lost. Each email is sent once, except in one window that
  no sender can close: the server took the message and the worker died before recording it. That
  email is sent again, with the same Message-ID (see SECURITY.md).
- An SMTP connection that fails after the server took the message: recorded as sent, not sent again.
- PostgreSQL dropping every connection (a restart), or unreachable for a while: the app recovers by
  itself. A TCP proxy of the test's own stands between the app and the shared server, which is
  never touched.
- Two chairs deciding one paper at once; the same form posted twice at once: one record.

Redis and PostgreSQL of the machine are shared: these tests start their own redis-server and proxy.
"""

import asyncio
import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from contextlib import suppress
from datetime import timedelta
from email import message_from_bytes
from urllib.parse import urlsplit

import pytest
import redis
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import F
from django.test import Client
from django.urls import reverse

from reviews.enums import Outcome
from reviews.models import Bid, Decision, Review
from reviews.services import assignments as assignment_services
from reviews.services.decisions import decide
from submissions.models import Submission
from tests.factories import member
from tests.integration.conftest import database_url, wait_for_workers, wait_until
from tests.reviews.conftest import to_bidding, to_reviewing
from tests.submissions.conftest import submitted_paper
from tests.submissions.pdf_samples import make_pdf
from tests.utils import SMTPSink, free_port, smtp_server
from workshop import outbox
from workshop.celery import app
from workshop.enums import EmailAudience, EmailStatus, Role
from workshop.mail import queue_email
from workshop.models import OutboxEmail
from workshop.tasks import deliver_email, requeue_stalled_emails

SENT, PENDING, SENDING = EmailStatus.SENT, EmailStatus.PENDING, EmailStatus.SENDING
CAST_PASSWORD = "correct horse battery staple"  # every UserFactory account's


def statuses():
    return Counter(OutboxEmail.objects.values_list("status", flat=True))


def all_sent():
    return set(statuses()) == {SENT}


def message_ids(sink):
    """How many times the SMTP server received each Message-ID."""
    return Counter(message_from_bytes(envelope.content)["Message-ID"] for envelope in sink.messages)


def let_time_pass(delta):
    """Move the outbox's clock marks back, as if `delta` had passed (the sweep works on them)."""
    OutboxEmail.objects.update(claimed_at=F("claimed_at") - delta, next_attempt_at=F("next_attempt_at") - delta)


# --- Redis stopped while authors submit ----------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on a free port, to stop and start at will."""

    def __init__(self, folder):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.folder = folder
        self.process = None

    def start(self):
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [*argv, "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        client = redis.Redis.from_url(self.url)
        assert wait_until(lambda: _answers(client), timeout=10), "redis-server did not start"
        client.close()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def _answers(client):
    with suppress(redis.RedisError):
        return client.ping()
    return False


def _point_broker_at(url):
    """This process's Celery producer publishes to `url` from now on (Celery caches its pools)."""
    app.conf.broker_url = url
    app._pool = None
    app.__dict__.pop("amqp", None)


@pytest.fixture
def own_redis(settings, tmp_path):
    """A Redis of this test's own as the broker and cache of this process (workers are given its URL)."""
    server = RedisServer(tmp_path)
    server.start()
    previous = app.conf.broker_url
    _point_broker_at(server.url)
    settings.REDIS_URL = server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    yield server
    _point_broker_at(previous)
    with suppress(Exception):
        server.stop()


def submission_form(workshop, author, coauthor_email):
    return {
        "title": f"A paper by {author.name}",
        "abstract": "What large models know about causes.",
        "primary_direction": workshop.directions.get(slug="in").pk,
        "agreed_anonymity": "on",
        "creation_key": str(uuid.uuid4()),
        "action": "submit",
        "paper": SimpleUploadedFile("paper.pdf", make_pdf(), "application/pdf"),
        "authors-TOTAL_FORMS": 2,
        "authors-INITIAL_FORMS": 0,
        "authors-MIN_NUM_FORMS": 0,
        "authors-MAX_NUM_FORMS": 1000,
        "authors-0-name": author.name,
        "authors-0-email": author.email,
        "authors-0-ORDER": 1,
        "authors-1-name": "Nova Newcomer",
        "authors-1-email": coauthor_email,
        "authors-1-ORDER": 2,
    }


def test_papers_submitted_while_redis_is_down_are_saved_and_emailed_once_it_returns(
    own_redis, celery_workers, smtp_sink, workshop, cast
):
    celery_workers(1, extra_env={"REDIS_URL": own_redis.url})
    authors = [cast["author"], cast["other_author"], cast["coauthor"]]
    own_redis.stop()

    pages, slowest = [], 0.0
    for n, author in enumerate(authors):
        browser = Client()
        started = time.monotonic()
        logged_in = browser.post(reverse("account_login"), {"login": author.email, "password": CAST_PASSWORD})
        assert logged_in.status_code == 302, logged_in.content.decode()[:300]
        response = browser.post(
            reverse("submissions:new", args=["calm"]),
            submission_form(workshop, author, f"nova{n}@uni-z.example"),
            follow=True,
        )
        slowest = max(slowest, time.monotonic() - started)
        pages.append(response.content.decode())

    assert [f"Your paper is submitted as #{n}." in page for n, page in enumerate(pages, start=1)] == [True] * 3
    assert Submission.objects.filter(status="submitted").count() == 3
    assert slowest < 10, f"a request waited {slowest:.1f} s for the stopped broker"
    # Each paper: "received" to both authors, and an invitation to the coauthor without an account.
    assert statuses() == {PENDING: 6} and smtp_sink.messages == []

    own_redis.start()
    wait_for_workers(1, app.conf.task_default_queue)
    let_time_pass(outbox.STALL_AFTER + timedelta(seconds=1))
    requeued = requeue_stalled_emails()

    assert requeued == 6
    assert wait_until(all_sent), statuses()
    time.sleep(2)  # time for a duplicate to arrive, were one coming
    rows = list(OutboxEmail.objects.all())
    assert message_ids(smtp_sink) == Counter({row.message_id: 1 for row in rows})
    assert sorted(row.template for row in rows) == ["coauthor_invitation"] * 3 + ["submission_received"] * 3


# --- a worker killed while sending ---------------------------------------------------------------


class FaultySMTPSink(SMTPSink):
    """An SMTP server the test interferes with.

    `on_recipient` runs when a sender names a recipient: the message itself is not sent yet.
    `on_message` runs once the server has taken the message, before the sender hears so.
    """

    def __init__(self):
        super().__init__()
        self.on_recipient = self.on_message = None
        self.quit_delay = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.on_recipient is not None:
            self.on_recipient()
            await asyncio.sleep(0.5)  # let the connection drop before answering
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        if self.on_message is not None:
            self.on_message()
            await asyncio.sleep(0.5)
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope):
        await asyncio.sleep(self.quit_delay)
        return "221 Bye"


@pytest.fixture
def faulty_sink():
    sink = FaultySMTPSink()
    with smtp_server(sink) as port:
        sink.port = port
        yield sink


def kill_once(process):
    """A callback that SIGKILLs `process` the first time it is called, as a power cut would."""
    calls = []

    def kill():
        if not calls:
            calls.append(process.pid)
            process.send_signal(signal.SIGKILL)

    return kill


def queue_test_emails(workshop, count):
    return [
        queue_email(
            to=[f"person{n}@uni.example"],
            template="outbox_test",
            audience=EmailAudience.PERSON,
            papers=(),
            context={},
            workshop=workshop,
        )
        for n in range(count)
    ]


def test_a_worker_killed_while_sending_loses_nothing_and_sends_each_email_once(faulty_sink, celery_workers, workshop):
    to_sink = {"EMAIL_PORT": str(faulty_sink.port)}
    [(worker, _)] = celery_workers(1, extra_env=to_sink)
    faulty_sink.on_recipient = kill_once(worker)

    rows = queue_test_emails(workshop, 3)
    assert wait_until(lambda: worker.poll() is not None), "the worker was not killed"
    [killed] = OutboxEmail.objects.filter(status=SENDING)

    assert worker.returncode == -signal.SIGKILL
    assert faulty_sink.messages == []
    faulty_sink.on_recipient = None
    celery_workers(1, extra_env=to_sink)  # the worker comes back, as its supervisor would restart it
    assert wait_until(lambda: statuses() == {SENT: 2, SENDING: 1}), statuses()
    # Ten minutes on, the sweep takes the email the dead worker had claimed and publishes it again.
    let_time_pass(outbox.SENDING_TIMEOUT + timedelta(seconds=1))
    assert requeue_stalled_emails() == 1
    assert wait_until(all_sent), statuses()
    # Much later Redis hands the dead worker's unacknowledged message out again: it finds the row sent.
    deliver_email.delay(email_id=killed.pk)
    time.sleep(2)

    assert message_ids(faulty_sink) == Counter({row.message_id: 1 for row in rows})
    killed.refresh_from_db()
    assert (killed.status, killed.attempts) == (SENT, 2)


def test_a_worker_killed_after_the_server_took_the_email_sends_it_again_with_the_same_message_id(
    faulty_sink, celery_workers, workshop
):
    to_sink = {"EMAIL_PORT": str(faulty_sink.port)}
    [(worker, _)] = celery_workers(1, extra_env=to_sink)
    faulty_sink.on_message = kill_once(worker)

    [row] = queue_test_emails(workshop, 1)
    assert wait_until(lambda: worker.poll() is not None), "the worker was not killed"
    faulty_sink.on_message = None
    celery_workers(1, extra_env=to_sink)
    let_time_pass(outbox.SENDING_TIMEOUT + timedelta(seconds=1))
    requeue_stalled_emails()
    assert wait_until(all_sent), statuses()
    time.sleep(2)

    # The one window no sender can close: the server had the email, the worker died before it could
    # write that down. The email goes again (lost would be worse), as the very same message.
    assert message_ids(faulty_sink) == Counter({row.message_id: 2})
    row.refresh_from_db()
    assert (row.status, row.attempts) == (SENT, 2)


def test_a_connection_that_fails_after_the_server_took_the_email_does_not_send_it_again(
    faulty_sink, settings, workshop
):
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", faulty_sink.port, 1
    faulty_sink.quit_delay = 3  # the server never answers the goodbye in time
    [row] = queue_test_emails(workshop, 1)

    result = outbox.deliver(row.pk)

    row.refresh_from_db()
    assert (result, row.status, row.attempts) == (outbox.SENT, SENT, 1)
    assert message_ids(faulty_sink) == Counter({row.message_id: 1})


# --- PostgreSQL restarted --------------------------------------------------------------------------


class TcpProxy:
    """A TCP proxy on loopback in front of PostgreSQL, run by the test.

    `cut()` drops every connection through it at once, as a restarted server does; while `down`,
    it drops new connections as soon as they come, as a server that is not back yet.
    """

    def __init__(self, host, port):
        self.upstream = (host, port)
        self.port = free_port()
        self.down = False
        self.connections = 0
        self._open = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        self._server = self._run(asyncio.start_server(self._serve, "127.0.0.1", self.port))
        return self

    def __exit__(self, *exc_info):
        self.cut()
        self._server.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def cut(self):
        async def abort_all():
            for transport in list(self._open):
                transport.abort()
            self._open.clear()

        self._run(abort_all())

    async def _serve(self, reader, writer):
        if self.down:
            writer.transport.abort()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._open.update({writer.transport, upstream_writer.transport})
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            writer.transport.abort()
            self._open.discard(writer.transport)


@pytest.fixture
def postgres_proxy(transactional_db):
    db = connection.settings_dict
    with TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as proxy:
        yield proxy


def through(proxy):
    """This test database's URL, by way of the proxy."""
    parts = urlsplit(database_url())
    return parts._replace(netloc=f"{parts.netloc.rpartition('@')[0]}@127.0.0.1:{proxy.port}").geturl()


@pytest.fixture
def web_app(web_processes, tmp_path, settings):
    """A gunicorn process (one worker, one thread: one database connection) with production settings."""

    def start(database):
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "workshop.settings",
            "DEBUG": "0",
            "SECRET_KEY": "faults-" + "s3cr3t-k3y-" * 5,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": database,
            "REDIS_URL": settings.REDIS_URL,
            "VAR_DIR": str(tmp_path),
            "LOG_LEVEL": "WARNING",
        }
        return web_processes("app", env, threads=1)

    return start


def test_the_web_app_reconnects_by_itself_when_postgresql_drops_every_connection(postgres_proxy, web_app, workshop):
    site = web_app(through(postgres_proxy))
    calendar = site + reverse("workshop:deadlines_ics", args=["calm"])
    before = requests.get(calendar, timeout=10)
    opened = postgres_proxy.connections

    postgres_proxy.cut()
    after = [requests.get(calendar, timeout=10) for _ in range(3)]

    assert before.status_code == 200 and "X-WR-CALNAME:CaLM important dates" in before.text
    assert [response.status_code for response in after] == [200, 200, 200]
    assert "X-WR-CALNAME:CaLM important dates" in after[0].text
    assert postgres_proxy.connections == opened + 1  # one new connection, kept for the next requests


def test_the_web_app_answers_an_error_while_postgresql_is_away_and_recovers_when_it_is_back(
    postgres_proxy, web_app, workshop
):
    site = web_app(through(postgres_proxy))
    calendar = site + reverse("workshop:deadlines_ics", args=["calm"])

    postgres_proxy.down = True
    postgres_proxy.cut()
    started = time.monotonic()
    during = requests.get(calendar, timeout=30)
    waited = time.monotonic() - started
    postgres_proxy.down = False
    after = requests.get(calendar, timeout=10)

    assert during.status_code == 500 and waited < 10
    assert after.status_code == 200 and "X-WR-CALNAME:CaLM important dates" in after.text


def test_a_worker_reconnects_by_itself_when_postgresql_drops_every_connection(
    postgres_proxy, celery_workers, smtp_sink, workshop
):
    celery_workers(1, extra_env={"DATABASE_URL": through(postgres_proxy)})
    [first] = queue_test_emails(workshop, 1)
    assert wait_until(all_sent), statuses()

    postgres_proxy.cut()
    [second] = queue_test_emails(workshop, 1)

    assert wait_until(all_sent), statuses()
    assert message_ids(smtp_sink) == Counter({first.message_id: 1, second.message_id: 1})


# --- two people at once ----------------------------------------------------------------------------


def at_once(*actions):
    """Run the actions in threads released together; their results, in order."""
    start, results, errors = threading.Barrier(len(actions)), [None] * len(actions), []

    def run(index, action):
        try:
            start.wait()
            results[index] = action()
        except Exception as error:  # raised below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def browser_of(user):
    browser = Client()
    browser.force_login(user)
    return browser


def post(browser, url, data=None):
    return lambda: browser.post(url, data or {}, follow=True).content.decode()


def test_two_chairs_deciding_one_paper_at_once_one_wins_and_the_other_is_told(transactional_db, workshop, cast):
    # The same race below the web layer, in the service:
    # tests/reviews/test_decisions.py::test_two_chairs_deciding_one_paper_at_once_one_wins
    paper = submitted_paper(workshop, cast["other_author"])
    second_chair = member(workshop, Role.CHAIR, email="third.chair@uni-h.example")
    url = reverse("reviews:chair_paper_reviews", args=["calm", paper.pk])
    form = {"presentation": "oral", "note": "", "version": 0}

    pages = at_once(
        post(browser_of(cast["chair"]), url, {**form, "outcome": Outcome.ACCEPT}),
        post(browser_of(second_chair), url, {**form, "outcome": Outcome.REJECT}),
    )

    decision = Decision.objects.get()
    won = [page for page in pages if "Its authors learn it when the chairs release the decisions." in page]
    told = [page for page in pages if "Another chair changed this decision meanwhile (now: " in page]
    assert (len(won), len(told), decision.version) == (1, 1, 1)
    assert f"(now: {decision.get_outcome_display()}" in told[0]


def test_a_submission_posted_twice_at_once_is_one_paper_with_one_email(transactional_db, workshop, cast):
    author = cast["author"]
    form = submission_form(workshop, author, "nova@uni-z.example")
    again = {**form, "paper": SimpleUploadedFile("paper.pdf", make_pdf(), "application/pdf")}
    url = reverse("submissions:new", args=["calm"])

    pages = at_once(post(browser_of(author), url, form), post(browser_of(author), url, again))

    assert ["Your paper is submitted as #1." in page for page in pages] == [True, True]
    submission = Submission.objects.get()
    assert submission.files.count() == 1
    assert OutboxEmail.objects.filter(template="submission_received").count() == 1


def test_a_review_submitted_twice_at_once_is_one_review(transactional_db, workshop, cast):
    paper = submitted_paper(workshop, cast["author"])
    to_reviewing(workshop)
    assignment_services.assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])
    url = reverse("reviews:review", args=["calm", paper.pk])
    form = {"summary": "Sound.", "score_overall": "4", "score_confidence": "3", "version": 0, "action": "submit"}

    pages = at_once(post(browser_of(cast["reviewer"]), url, form), post(browser_of(cast["reviewer"]), url, form))

    review = Review.objects.get()
    assert (review.version, review.summary, review.history.count()) == (1, "Sound.", 1)
    # Both clicks are told what happened: the review is submitted (once: one version).
    assert sum("Your review is submitted." in page for page in pages) == 2
    assert not any("not saved" in page for page in pages)
    # One email to the chair (the conflicted chair gets none), not one per click.
    assert list(OutboxEmail.objects.filter(template="review_submitted_chair").values_list("to", flat=True)) == [
        [cast["chair"].email]
    ]


def test_a_bid_posted_twice_at_once_is_one_bid(transactional_db, workshop, cast):
    paper = submitted_paper(workshop, cast["author"])
    to_bidding(workshop)
    url = reverse("reviews:bid", args=["calm", paper.pk])

    pages = at_once(
        post(browser_of(cast["reviewer"]), url, {"value": "eager"}),
        post(browser_of(cast["reviewer"]), url, {"value": "eager"}),
    )

    assert [f"Your bid on {paper.label} is saved: Eager." in page for page in pages] == [True, True]
    assert list(Bid.objects.values_list("reviewer", "value")) == [(cast["reviewer"].pk, "eager")]


def test_a_release_posted_twice_at_once_sends_each_decision_once(transactional_db, workshop, cast):
    papers = [submitted_paper(workshop, cast["other_author"]) for _ in range(3)]
    for paper in papers:
        decide(submission=paper, outcome=Outcome.REJECT, by=cast["chair"])
    url = reverse("reviews:release", args=["calm"])

    pages = at_once(post(browser_of(cast["chair"]), url), post(browser_of(cast["chair"]), url))

    # Whether the second click finds the release under way or done, the two share it.
    assert all("Releasing 3 decisions" in page or "Nothing to release" in page for page in pages)
    assert Decision.objects.filter(released_at__isnull=False).count() == 3
    assert sorted(OutboxEmail.objects.filter(template="decision_reject").values_list("topic", flat=True)) == sorted(
        f"submission:{paper.pk}" for paper in papers
    )
