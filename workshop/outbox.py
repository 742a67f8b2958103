"""Delivery of outbox rows: claim, send, record. No Celery here; workshop.tasks drives it.

A row is sent by whoever claims it: the claim is one UPDATE from pending to sending, so two
workers handed the same row (a duplicate message, a re-queue by the sweep) send it once.
"""

import logging
import uuid
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.db.models import F, Q
from django.utils import timezone

from workshop.enums import EmailStatus
from workshop.models import OutboxEmail

logger = logging.getLogger(__name__)

SENT, RETRY, FAILED, SKIPPED = "sent", "retry", "failed", "skipped"

# A worker that claimed a row and vanished (killed mid-send) leaves it in `sending`; after this
# long it is pending again. A pending row overdue by STALL_AFTER was lost on its way to the
# broker (Redis stopped, worker gone) and is published again.
SENDING_TIMEOUT = timedelta(minutes=10)
STALL_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 5000


class EmailFileBackend(FileBackend):
    """Delivery for the demo: each email in a file of its own in EMAIL_FILE_PATH, named by time.

    Django's file backend names files by second and object id, so two emails in one second
    can share a file; a random suffix keeps them apart.
    """

    def _get_filename(self):
        if self._fname is None:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            self._fname = f"{self.file_path}/{stamp}-{uuid.uuid4().hex[:8]}.eml"
        return self._fname


def backoff_seconds(retries: int) -> int:
    """Seconds before the next attempt: 30 s, 1 min, 2 min, 4 min ... capped at one hour."""
    return min(30 * 2**retries, 3600)


def new_message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return make_msgid(domain=domain)


def build_message(email: OutboxEmail, connection=None) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=email.to,
        cc=email.cc,
        bcc=email.bcc,
        reply_to=email.reply_to,
        headers={"Message-ID": email.message_id},
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def deliver(email_id: int) -> str:
    """Try to send one outbox row once; return SENT, RETRY, FAILED or SKIPPED (someone else has it)."""
    claimed = OutboxEmail.objects.filter(pk=email_id, status=EmailStatus.PENDING).update(
        status=EmailStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return SKIPPED
    email = OutboxEmail.objects.get(pk=email_id)
    try:
        with get_connection(settings.EMAIL_DELIVERY_BACKEND, fail_silently=False) as connection:
            build_message(email, connection).send()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        final = email.attempts >= settings.EMAIL_MAX_ATTEMPTS
        logger.warning("Email %s attempt %s failed: %s", email_id, email.attempts, error)
        OutboxEmail.objects.filter(pk=email_id, status=EmailStatus.SENDING).update(
            status=EmailStatus.FAILED if final else EmailStatus.PENDING,
            last_error=error,
            next_attempt_at=timezone.now() + timedelta(seconds=backoff_seconds(email.attempts - 1)),
        )
        return FAILED if final else RETRY
    OutboxEmail.objects.filter(pk=email_id).update(status=EmailStatus.SENT, sent_at=timezone.now())
    return SENT


def take_stalled(now=None) -> list[int]:
    """Ids of rows that should be moving and are not; each is marked so it is not taken again soon."""
    now = now or timezone.now()
    OutboxEmail.objects.filter(status=EmailStatus.SENDING, claimed_at__lt=now - SENDING_TIMEOUT).update(
        status=EmailStatus.PENDING
    )
    stalled = list(
        OutboxEmail.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lt=now - STALL_AFTER)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    OutboxEmail.objects.filter(pk__in=stalled).update(next_attempt_at=now)
    return stalled


def reset_failed(email_ids) -> list[int]:
    """Give failed rows a fresh set of attempts; returns the ids that were failed."""
    ids = list(OutboxEmail.objects.filter(Q(pk__in=email_ids), status=EmailStatus.FAILED).values_list("pk", flat=True))
    OutboxEmail.objects.filter(pk__in=ids).update(
        status=EmailStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    return ids
