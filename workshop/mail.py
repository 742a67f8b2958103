"""Every email the system sends starts here, as an outbox row in the caller's transaction.

`OutboxBackend` is Django's EMAIL_BACKEND, so `send_mail` anywhere (allauth's included) writes a
row instead of talking to a server; `queue_email` renders one of templates/emails/ for a
workshop. After the transaction commits, a Celery task delivers the row (workshop.tasks).
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from workshop import outbox
from workshop.models import OutboxEmail
from workshop.tasks import deliver_email

logger = logging.getLogger(__name__)


def publish_after_commit(email_ids):
    """Hand the rows to the broker once the transaction that wrote them has committed.

    A broker that cannot be reached loses nothing: the rows stay pending and the periodic
    sweep publishes them again; the request that caused them still succeeds.
    """

    def publish():
        for email_id in email_ids:
            try:
                deliver_email.delay(email_id=email_id)
            except Exception:
                logger.warning("Could not queue email %s; the outbox sweep will retry it.", email_id, exc_info=True)

    transaction.on_commit(publish)


def store_message(message, *, workshop=None, template="", topic="") -> OutboxEmail:
    """Write one Django EmailMessage as an outbox row (not yet sent)."""
    if message.attachments:
        raise ValueError("The outbox does not carry attachments; link to a permission-checked page instead.")
    body_text, body_html = message.body, ""
    if message.content_subtype == "html":
        body_text, body_html = strip_tags(message.body), message.body
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            body_html = content
    return OutboxEmail.objects.create(
        workshop=workshop,
        template=template,
        topic=topic,
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        to=list(message.to),
        cc=list(message.cc),
        bcc=list(message.bcc),
        reply_to=list(message.reply_to),
        subject=" ".join(str(message.subject).split()),
        body_text=body_text,
        body_html=body_html,
        message_id=outbox.new_message_id(),
    )


class OutboxBackend(BaseEmailBackend):
    """An email backend that writes outbox rows; delivery happens after commit."""

    def send_messages(self, email_messages):
        rows = [store_message(message) for message in email_messages if message.recipients()]
        publish_after_commit([row.pk for row in rows])
        return len(rows)


def render_email(template, context):
    """Subject, text and (if written) HTML of templates/emails/<template>_{subject.txt,message.txt,message.html},
    the naming allauth uses too."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    text = render_to_string(f"emails/{template}_message.txt", context)
    try:
        html = render_to_string(f"emails/{template}_message.html", context)
    except TemplateDoesNotExist:
        html = ""
    return " ".join(subject.split()), text, html


def queue_email(*, to, template, context, workshop=None, topic="", reply_to=()) -> OutboxEmail:
    """Render templates/emails/<template> and put it in the outbox for the given recipients.

    `topic` names what the email is about ("submission:42"), so that pages can list its emails.
    """
    subject, text, html = render_email(template, {"workshop": workshop, **context})
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, list(to), reply_to=list(reply_to))
    if html:
        message.attach_alternative(html, "text/html")
    row = store_message(message, workshop=workshop, template=template, topic=topic)
    publish_after_commit([row.pk])
    return row


def retry_failed_emails(*, email_ids) -> int:
    """Chairs' retry: failed rows get a fresh set of attempts and are queued again."""
    ids = outbox.reset_failed(email_ids)
    publish_after_commit(ids)
    return len(ids)
