"""Celery tasks: thin, named, keyword-only, plain ids in."""

from celery import shared_task

from workshop import outbox


@shared_task(name="workshop.deliver_email", bind=True, max_retries=None)
def deliver_email(self, *, email_id):
    """Send one outbox row; on failure retry with backoff until the row's attempts run out."""
    if outbox.deliver(email_id) == outbox.RETRY:
        raise self.retry(countdown=outbox.backoff_seconds(self.request.retries))


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
