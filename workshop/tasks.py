"""Celery tasks: thin, named, keyword-only, plain ids in."""

import logging

from celery import shared_task

from workshop import outbox

logger = logging.getLogger(__name__)


@shared_task(name="workshop.deliver_email", bind=True, max_retries=None)
def deliver_email(self, *, email_id):
    """Send one outbox row; on failure retry with backoff until the row's attempts run out."""
    if outbox.deliver(email_id) == outbox.RETRY:
        raise self.retry(countdown=outbox.backoff_seconds(self.request.retries))


@shared_task(name="workshop.deliver_emails")
def deliver_emails(*, email_ids):
    """Send many outbox rows one after the other (a bulk sender's, published as one message); a
    row that fails is handed to deliver_email, which retries it with backoff."""
    for email_id in email_ids:
        if outbox.deliver(email_id) == outbox.RETRY:
            try:
                deliver_email.apply_async(kwargs={"email_id": email_id}, countdown=outbox.backoff_seconds(0))
            except Exception:  # the row stays pending: the sweep publishes it again
                logger.warning("Could not queue the retry of email %s.", email_id, exc_info=True)


@shared_task(name="workshop.requeue_stalled_emails")
def requeue_stalled_emails():
    """Periodic (beat): publish again the rows whose message was lost (stopped broker or worker)."""
    stalled = outbox.take_stalled()
    for email_id in stalled:
        deliver_email.delay(email_id=email_id)
    return len(stalled)


@shared_task(name="workshop.send_digests")
def send_digests():
    """Periodic (beat, daily): each person's waiting notifications in one digest email."""
    # Imported here: workshop.services imports workshop.mail, which imports this module.
    from workshop import services

    return services.send_digests()
