import threading
import time
from contextlib import ExitStack
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.db import OperationalError as DatabaseError
from django.utils import timezone
from kombu.exceptions import OperationalError

from tests.utils import RefusingSMTP, SMTPSink, outbox_row, smtp_server
from workshop import outbox
from workshop.enums import EmailAudience, EmailStatus
from workshop.mail import BulkEmail, queue_email, queue_emails
from workshop.models import OutboxEmail, OutboxEmailPaper
from workshop.tasks import deliver_email, deliver_emails, requeue_stalled_emails

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings):
    """Deliver over the wire to a real SMTP server on loopback running `handler`."""
    with ExitStack() as servers:

        def start(handler):
            settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", servers.enter_context(smtp_server(handler))
            return handler

        yield start


def send_welcome(**kwargs):
    return queue_email(
        to=["ada@example.org"], template="outbox_test", audience=EmailAudience.PERSON, papers=(), context={}, **kwargs
    )


def test_send_mail_writes_a_row_and_delivers_it_after_commit(workshop):
    with transaction.atomic():
        row = send_welcome(workshop=workshop)
        assert mail.outbox == []

    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailStatus.SENT, 1)
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    assert mail.outbox[0].subject == "[CaLM] Test email from the outbox"
    assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id


def test_django_send_mail_goes_through_the_outbox():
    from django.core.mail import send_mail

    send_mail("Hello", "Body", None, ["bob@example.org"])

    row = OutboxEmail.objects.get()
    assert (row.subject, row.to, row.status, row.workshop) == ("Hello", ["bob@example.org"], EmailStatus.SENT, None)
    assert len(mail.outbox) == 1


def test_rolled_back_transaction_sends_nothing_and_leaves_no_row(workshop):
    with pytest.raises(RuntimeError), transaction.atomic():
        send_welcome(workshop=workshop)
        raise RuntimeError("the event failed")

    assert OutboxEmail.objects.count() == 0
    assert mail.outbox == []


def test_html_alternative_is_kept(workshop):
    row = send_welcome(workshop=workshop)

    assert "<p>If you can read it" in row.body_html
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


def test_failing_smtp_server_is_retried_then_marked_failed_with_its_error(smtp, settings, workshop):
    settings.EMAIL_MAX_ATTEMPTS = 3
    handler = smtp(RefusingSMTP())

    row = send_welcome(workshop=workshop)

    row.refresh_from_db()
    assert handler.calls == 3
    assert (row.status, row.attempts) == (EmailStatus.FAILED, 3)
    assert "554" in row.last_error and "rejected by the test server" in row.last_error


def test_unreachable_smtp_server_is_marked_failed_after_the_attempts(settings, workshop):
    settings.EMAIL_MAX_ATTEMPTS = 2
    settings.EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # discard port: nothing listens

    row = send_welcome(workshop=workshop)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailStatus.FAILED, 2)
    assert "ConnectionRefusedError" in row.last_error


def test_real_smtp_server_receives_the_message_once(smtp, workshop):
    handler = smtp(SMTPSink())

    row = send_welcome(workshop=workshop)

    row.refresh_from_db()
    assert row.status == EmailStatus.SENT
    assert [envelope.rcpt_tos for envelope in handler.messages] == [["ada@example.org"]]


def test_a_row_claimed_by_one_worker_is_skipped_by_the_other(workshop):
    with transaction.atomic():
        row = send_welcome(workshop=workshop)
        # The first worker's claim, as if it were mid-send:
        OutboxEmail.objects.filter(pk=row.pk).update(status=EmailStatus.SENDING, attempts=1)

    assert outbox.deliver(row.pk) == outbox.SKIPPED
    assert mail.outbox == []


def test_two_workers_delivering_the_same_row_at_once_send_it_once(workshop):
    with transaction.atomic():
        row = send_welcome(workshop=workshop)
        transaction.on_commit(lambda: None)
    OutboxEmail.objects.filter(pk=row.pk).update(status=EmailStatus.PENDING, attempts=0)
    mail.outbox.clear()
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        from django.db import connection

        start.wait()
        for _ in range(100):
            try:
                outcomes.append(outbox.deliver(row.pk))
                break
            except DatabaseError as error:
                # SQLite's shared in-memory database refuses a second writer at once instead of
                # waiting for it (PostgreSQL waits): try again, as the claim is what is tested.
                if "locked" not in str(error):
                    raise
                time.sleep(0.01)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [outbox.SENT, outbox.SKIPPED]
    assert len(mail.outbox) == 1


def test_unreachable_broker_keeps_the_row_pending_and_the_caller_succeeds(workshop, caplog):
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with mock.patch.object(deliver_email, "delay", side_effect=refused):
        row = send_welcome(workshop=workshop)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailStatus.PENDING, 0)
    assert mail.outbox == []
    assert f"Could not queue email {row.pk}; the outbox sweep will retry it." in caplog.text


def test_sweep_requeues_stalled_rows_and_they_are_sent(workshop):
    long_ago = timezone.now() - timedelta(minutes=30)
    lost = outbox_row(workshop=workshop, subject="Lost", next_attempt_at=long_ago)
    crashed = outbox_row(
        workshop=workshop,
        subject="Crashed",
        status=EmailStatus.SENDING,
        attempts=1,
        claimed_at=long_ago,
        next_attempt_at=long_ago,
    )
    fresh = outbox_row(workshop=workshop, subject="Fresh")

    requeued = requeue_stalled_emails()

    assert requeued == 2
    statuses = dict(OutboxEmail.objects.values_list("subject", "status"))
    assert statuses == {"Lost": EmailStatus.SENT, "Crashed": EmailStatus.SENT, "Fresh": EmailStatus.PENDING}
    assert sorted(m.subject for m in mail.outbox) == ["Crashed", "Lost"]
    assert lost.pk != crashed.pk != fresh.pk


def test_backoff_grows_and_is_capped():
    assert [outbox.backoff_seconds(n) for n in range(4)] == [30, 60, 120, 240]
    assert outbox.backoff_seconds(20) == 3600


def test_demo_delivery_writes_each_email_as_a_file(settings, tmp_path, workshop):
    settings.EMAIL_DELIVERY_BACKEND = "workshop.outbox.EmailFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)

    for _ in range(5):
        send_welcome(workshop=workshop)

    files = sorted(tmp_path.iterdir())
    assert len(files) == 5
    assert "Subject: [CaLM] Test email from the outbox" in files[0].read_text()


def test_many_emails_are_published_a_hundred_to_a_message_and_each_sent_once(workshop):
    emails = [
        ("outbox_test", [f"person{n}@example.org"], {}, f"test:{n}", EmailAudience.PERSON, ()) for n in range(150)
    ]

    with mock.patch.object(deliver_emails, "delay", wraps=deliver_emails.delay) as published, transaction.atomic():
        queue_emails(workshop=workshop, emails=emails)
        assert mail.outbox == []

    assert [len(call.kwargs["email_ids"]) for call in published.call_args_list] == [100, 50]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"person{n}@example.org" for n in range(150))
    assert set(OutboxEmail.objects.values_list("status", flat=True)) == {EmailStatus.SENT}


def test_a_row_of_a_bulk_message_that_fails_is_handed_to_the_retrying_task(workshop):
    rows = [outbox_row(workshop=workshop, subject=f"Row {n}") for n in range(3)]
    outcomes = {rows[0].pk: outbox.SENT, rows[1].pk: outbox.RETRY, rows[2].pk: outbox.SENT}

    with (
        mock.patch.object(outbox, "deliver", side_effect=outcomes.get) as delivered,
        mock.patch.object(deliver_email, "apply_async") as retried,
    ):
        deliver_emails(email_ids=[row.pk for row in rows])

    assert [call.args[0] for call in delivered.call_args_list] == [row.pk for row in rows]
    retried.assert_called_once_with(kwargs={"email_id": rows[1].pk}, countdown=outbox.backoff_seconds(0))


def test_an_email_to_the_authors_without_its_papers_is_refused(workshop):
    with pytest.raises(ValueError, match="must say which papers it concerns"):
        queue_email(
            to=["ada@example.org"],
            template="outbox_test",
            context={},
            workshop=workshop,
            audience=EmailAudience.AUTHORS,
            papers=(),
        )

    assert OutboxEmail.objects.count() == 0


def test_a_row_that_does_not_say_to_whom_it_went_is_refused(workshop):
    with pytest.raises(IntegrityError):
        OutboxEmail.objects.create(workshop=workshop, from_email="c@calm.example", subject="S", body_text="B")


def test_bulk_emails_record_their_papers_in_queries_that_do_not_grow(workshop, django_assert_num_queries):
    def emails(count):
        return [
            BulkEmail("outbox_test", [f"p{n}@example.org"], {}, "", EmailAudience.REVIEWERS, [n + 1, n + 2])
            for n in range(count)
        ]

    # The chair's own wording, the rows, their papers: one statement each (SQLite's limit on
    # parameters splits them further past 49 rows; PostgreSQL's statements take 1,000).
    with transaction.atomic(), django_assert_num_queries(3):
        queue_emails(workshop=workshop, emails=emails(2))
    with transaction.atomic(), django_assert_num_queries(3):
        queue_emails(workshop=workshop, emails=emails(40))

    rows = OutboxEmail.objects.order_by("pk")
    assert [sorted(row.papers.values_list("paper_id", flat=True)) for row in rows[:3]] == [[1, 2], [2, 3], [1, 2]]
    assert rows.count() == 42 and OutboxEmailPaper.objects.count() == 84
