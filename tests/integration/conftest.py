"""Real components: PostgreSQL, Redis and Celery worker processes started by the tests.

These tests need DATABASE_URL (PostgreSQL) and REDIS_URL. Without them they skip, unless
INTEGRATION_REQUIRED=1 (set by .ci/run), which turns the skip into a failure.
"""

import os
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.db import connection

from tests.utils import SMTPSink, free_port, smtp_server
from workshop.celery import app

ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def _needs_real_services():
    missing = []
    if not settings.REDIS_URL:
        missing.append("REDIS_URL (Redis)")
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL (PostgreSQL)")
    if missing:
        reason = f"integration tests need {' and '.join(missing)}"
        if os.environ.get("INTEGRATION_REQUIRED") == "1":
            pytest.fail(reason + ", and INTEGRATION_REQUIRED=1")
        pytest.skip(reason)


@pytest.fixture
def smtp_sink():
    sink = SMTPSink()
    with smtp_server(sink) as port:
        sink.port = port
        yield sink


def database_url():
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _use_queue(queue):
    """Point this process's Celery producer at `queue` on the real broker, not eager."""
    app.conf.update(task_always_eager=False, task_default_queue=queue)
    for cached in ("amqp",):  # Celery caches the routing of its first use
        app.__dict__.pop(cached, None)


@pytest.fixture
def celery_workers(transactional_db, smtp_sink, tmp_path):
    """Start Celery worker processes on a queue of their own, against this test's database."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "workshop.settings",
        "SECRET_KEY": "integration-" + "s3cr3t-k3y-" * 5,
        "DEBUG": "0",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_DELIVERY": "smtp",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_sink.port),
        "VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }
    processes = []

    def start(count, extra_env=None):
        for n in range(count):
            name = f"w{n}-{queue}@%h"
            argv = [sys.executable, "-m", "celery", "-A", "workshop", "worker", "-Q", queue, "-n", name]
            argv += ["--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=WARNING"]
            log = open(tmp_path / f"worker{n}.log", "w")  # noqa: SIM115 - closed with the process
            process = subprocess.Popen(
                argv, cwd=ROOT, env={**env, **(extra_env or {})}, stdout=log, stderr=subprocess.STDOUT
            )
            processes.append((process, log))
        wait_for_workers(count, queue)
        _use_queue(queue)
        return processes

    yield start
    app.conf.update(task_always_eager=True, task_default_queue="celery")
    app.__dict__.pop("amqp", None)
    stop(processes)


@pytest.fixture
def web_processes(transactional_db, tmp_path):
    """Start gunicorn processes (one worker each) with the environment given, production settings
    unless it says otherwise; each start returns the process's address once it answers. They are
    stopped before the test database is emptied."""
    processes = []

    def start(name, env, *, threads=2):
        port = free_port()
        argv = [sys.executable, "-m", "gunicorn", "workshop.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        argv += ["--workers", "1", "--threads", str(threads), "--no-control-socket", "--access-logfile", "-"]
        log_path = tmp_path / f"web-{name}.log"
        log = open(log_path, "w")  # noqa: SIM115 - closed with the process
        processes.append((subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT), log))
        address = f"http://127.0.0.1:{port}"
        assert wait_until(lambda: answers(address + "/healthz"), timeout=60), log_path.read_text()
        return address

    yield start
    stop(processes)


def answers(url) -> bool:
    with suppress(requests.RequestException):
        return requests.get(url, timeout=10).ok
    return False


def stop(processes):
    """Stop the (process, log file) pairs a fixture started: terminate, then kill what lingers."""
    for process, log in processes:
        process.terminate()
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        process.kill()
        log.close()


def wait_for_workers(count, queue, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        ready = [name for reply in replies for name in reply if queue in name]
        if len(ready) >= count:
            return
    raise AssertionError(f"{count} Celery workers on {queue} did not answer within {timeout} s")


def wait_until(condition, timeout=30, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False
