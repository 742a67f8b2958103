import time

from django.urls import reverse

from tests.integration.conftest import wait_until
from workshop.enums import EmailAudience, EmailStatus
from workshop.mail import queue_email
from workshop.models import OutboxEmail
from workshop.tasks import deliver_email


def status_of(row):
    row.refresh_from_db()
    return row.status


def test_sign_up_email_travels_through_redis_and_a_worker_to_smtp(client, celery_workers, smtp_sink):
    celery_workers(1)

    response = client.post(
        reverse("account_signup"),
        {
            "name": "Ida Integration",
            "email": "ida@uni.example",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
        },
    )

    assert response.status_code == 302
    row = OutboxEmail.objects.get(to=["ida@uni.example"])
    assert wait_until(lambda: status_of(row) == EmailStatus.SENT), f"still {row.status}: {row.last_error}"
    assert smtp_sink.subjects() == ["Confirm your email address to finish signing up"]
    assert row.attempts == 1 and row.sent_at is not None


def test_two_workers_handed_the_same_row_send_it_once(workshop, celery_workers, smtp_sink):
    celery_workers(2)
    row = queue_email(
        to=["once@uni.example"],
        template="outbox_test",
        audience=EmailAudience.PERSON,
        papers=(),
        context={},
        workshop=workshop,
    )

    for _ in range(10):
        deliver_email.delay(email_id=row.pk)

    assert wait_until(lambda: status_of(row) == EmailStatus.SENT)
    time.sleep(2)  # let the duplicates reach the workers and be skipped
    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailStatus.SENT, 1)
    assert smtp_sink.subjects() == ["[CaLM] Test email from the outbox"]
