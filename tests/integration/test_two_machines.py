"""More than one machine: two web processes and two Celery workers share one PostgreSQL, one Redis and
one S3-compatible store (moto's server standing in for it), and nothing else.

Each web process gets a folder of its own (VAR_DIR), as a separate machine would, so anything kept
on local disk or in local memory would show up as a missing session or file on the other one.
"""

import os
import time
import uuid

import boto3
import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.urls import reverse
from moto.server import ThreadedMotoServer

from submissions.models import Submission
from tests.factories import UserFactory
from tests.integration.conftest import database_url, wait_until
from tests.submissions.pdf_samples import make_pdf
from tests.utils import free_port
from workshop.celery import app
from workshop.enums import EmailStatus
from workshop.models import OutboxEmail

pytestmark = pytest.mark.django_db(transaction=True)

# Every machine of one site needs the same key: it signs what the session carries.
SECRET_KEY = "two-machines-" + "sh4red-k3y-" * 5
PASSWORD = "a long passphrase 42"
TITLE = "One paper, two machines"


@pytest.fixture
def s3_store():
    """moto's S3 server on a free port with an empty bucket: the settings variables and a client."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    variables = {
        "S3_BUCKET": f"calm-{uuid.uuid4().hex[:12]}",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "S3_ACCESS_KEY_ID": "test-access-key",
        "S3_SECRET_ACCESS_KEY": "test-secret-key",
        "S3_REGION": "us-east-1",
    }
    try:
        client = boto3.client(
            "s3",
            endpoint_url=variables["S3_ENDPOINT_URL"],
            aws_access_key_id=variables["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=variables["S3_SECRET_ACCESS_KEY"],
            region_name=variables["S3_REGION"],
        )
        client.create_bucket(Bucket=variables["S3_BUCKET"])
        yield variables, client
    finally:
        server.stop()


def machine_env(var_dir, s3_variables):
    """What one machine's web process is given: the shared services, the shared key, a disk of its own."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "tests.integration.web_settings",
        "CELERY_TEST_QUEUE": app.conf.task_default_queue,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain http on loopback: no redirect to https, and cookies that travel over http.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "VAR_DIR": str(var_dir),
        "LOG_LEVEL": "WARNING",
        **s3_variables,
    }


def log_in(browser, site, email):
    browser.get(site + reverse("account_login"))
    return browser.post(
        site + reverse("account_login"),
        data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
    )


def submit(browser, site, workshop, author, pdf):
    url = site + reverse("submissions:new", args=[workshop.slug])
    browser.get(url)
    fields = {
        "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        "title": TITLE,
        "abstract": "Whether a session and a file survive a change of machine.",
        "primary_direction": workshop.directions.get(slug="in").pk,
        "agreed_anonymity": "on",
        "creation_key": str(uuid.uuid4()),
        "action": "submit",
        "authors-TOTAL_FORMS": 1,
        "authors-INITIAL_FORMS": 0,
        "authors-MIN_NUM_FORMS": 0,
        "authors-MAX_NUM_FORMS": 1000,
        "authors-0-name": author.name,
        "authors-0-email": author.email,
        "authors-0-affiliation": "Uni A",
        "authors-0-ORDER": 1,
    }
    return browser.post(url, data=fields, files={"paper": ("paper.pdf", pdf, "application/pdf")})


def test_paper_uploaded_through_one_web_process_downloads_through_another_and_is_emailed_once(
    workshop, celery_workers, smtp_sink, s3_store, web_processes, tmp_path
):
    s3_variables, s3 = s3_store
    celery_workers(2, extra_env=s3_variables)
    site_a = web_processes("a", machine_env(tmp_path / "machine-a", s3_variables))
    site_b = web_processes("b", machine_env(tmp_path / "machine-b", s3_variables))
    author = UserFactory(email="ada@uni-a.example", name="Ada Author")
    # The web processes hash with the production hashers, not the tests' fast one.
    author.password = make_password(PASSWORD, hasher=Argon2PasswordHasher())
    author.save(update_fields=["password"])
    pdf = make_pdf(text="Two machines, one paper")

    on_a = requests.Session()
    logged_in = log_in(on_a, site_a, author.email)
    submitted = submit(on_a, site_a, workshop, author, pdf)
    submission = Submission.objects.get()
    paper = submission.files.get()
    download_url = reverse("submissions:download", args=[workshop.slug, submission.pk, paper.pk])
    on_b = requests.Session()
    on_b.cookies.set("sessionid", on_a.cookies["sessionid"])
    downloaded = on_b.get(site_b + download_url)
    without_cookie = requests.get(site_b + download_url)

    assert "Ada Author" in logged_in.text
    assert "Your paper is submitted as #1." in submitted.text
    assert downloaded.content == pdf
    assert downloaded.headers["Content-Disposition"] == 'attachment; filename="paper.pdf"'
    assert without_cookie.url.startswith(site_b + reverse("account_login"))
    assert pdf not in without_cookie.content
    stored = s3.get_object(Bucket=s3_variables["S3_BUCKET"], Key=paper.file.name)["Body"].read()
    assert stored == pdf
    grants = s3.get_object_acl(Bucket=s3_variables["S3_BUCKET"], Key=paper.file.name)["Grants"]
    assert [(grant["Grantee"]["Type"], grant["Permission"]) for grant in grants] == [("CanonicalUser", "FULL_CONTROL")]
    assert list(tmp_path.rglob("media")) == []  # no machine kept a copy on its own disk

    received = OutboxEmail.objects.get(template="submission_received")
    assert wait_until(lambda: sent(received)), f"still {received.status}: {received.last_error}"
    time.sleep(2)  # time enough for a second worker to send it again, were it going to
    received.refresh_from_db()
    assert (received.status, received.attempts) == (EmailStatus.SENT, 1)
    assert smtp_sink.subjects() == [f"[CaLM] Submission #1 received: {TITLE}"]


def sent(row):
    row.refresh_from_db()
    return row.status == EmailStatus.SENT
