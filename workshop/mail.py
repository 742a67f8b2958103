"""Every email the system sends starts here, as an outbox row in the caller's transaction.

`OutboxBackend` is Django's EMAIL_BACKEND, so `send_mail` anywhere (allauth's included) writes a
row instead of talking to a server; `queue_email` renders one of templates/emails/ for a
workshop. After the transaction commits, a Celery task delivers the row (workshop.tasks).

The emails whose wording chairs may edit are never Django templates: their text, the workshop's
or the default, is in the placeholder language (workshop.placeholders), filled from plain strings.
"""

import logging
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils.html import strip_tags

from workshop import outbox, placeholders
from workshop.enums import PAPER_AUDIENCES, EmailAudience, EmailKind
from workshop.links import absolute_url
from workshop.models import DigestItem, EmailTemplate, OutboxEmail, OutboxEmailPaper
from workshop.selectors import digest_recipient
from workshop.tasks import deliver_email, deliver_emails

logger = logging.getLogger(__name__)


# A bulk sender's emails (a release, an assignment's commit: thousands) are published this many
# to a message: one message each would cost the request a broker round trip per email.
PUBLISH_CHUNK = 100


def publish_after_commit(email_ids):
    """Hand the rows to the broker once the transaction that wrote them has committed: one
    message per email, or per PUBLISH_CHUNK emails when there are more.

    A broker that cannot be reached loses nothing: the rows stay pending and the periodic
    sweep publishes them again; the request that caused them still succeeds.
    """
    email_ids = list(email_ids)

    def publish():
        if len(email_ids) < PUBLISH_CHUNK:
            for email_id in email_ids:
                try:
                    deliver_email.delay(email_id=email_id)
                except Exception:
                    logger.warning("Could not queue email %s; the outbox sweep will retry it.", email_id, exc_info=True)
            return
        for start in range(0, len(email_ids), PUBLISH_CHUNK):
            chunk = email_ids[start : start + PUBLISH_CHUNK]
            try:
                deliver_emails.delay(email_ids=chunk)
            except Exception:
                logger.warning("Could not queue %s emails; the sweep will retry them.", len(chunk), exc_info=True)

    transaction.on_commit(publish)


def store_message(message, *, workshop=None, template="", topic="", audience, papers) -> OutboxEmail:
    """Write one Django EmailMessage as an outbox row (not yet sent), with the papers it concerns."""
    [row] = write_outbox_rows(
        [outbox_row(message, workshop=workshop, template=template, topic=topic, audience=audience, papers=papers)]
    )
    return row


def outbox_row(message, *, workshop=None, template="", topic="", audience, papers) -> OutboxEmail:
    """One Django EmailMessage as an unsaved outbox row, for senders that write many at once with
    write_outbox_rows (and then publish_after_commit their ids).

    `audience` (workshop.enums.EmailAudience) says to whom it goes and `papers` (submissions or
    their ids) which papers it concerns: for the authors or reviewers of papers, those papers;
    for anyone else, every paper the email names. Both are recorded now, because the pages that
    list emails must not judge from who the authors and reviewers are later."""
    if message.attachments:
        raise ValueError("The outbox does not carry attachments; link to a permission-checked page instead.")
    audience = EmailAudience(audience)
    paper_ids = sorted({getattr(paper, "pk", paper) for paper in papers})
    if not all(isinstance(pk, int) for pk in paper_ids):
        raise ValueError(f"Papers of an email must be saved submissions or their ids, not {paper_ids!r}.")
    if audience in PAPER_AUDIENCES and not paper_ids:
        raise ValueError(f"An email to {audience.label.lower()} must say which papers it concerns.")
    body_text, body_html = message.body, ""
    if message.content_subtype == "html":
        body_text, body_html = strip_tags(message.body), message.body
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            body_html = content
    row = OutboxEmail(
        workshop=workshop,
        template=template,
        topic=topic,
        audience=audience,
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
    row.paper_ids = paper_ids  # written by write_outbox_rows
    return row


def write_outbox_rows(rows) -> list[OutboxEmail]:
    """Save rows made by outbox_row and their papers in bulk: on PostgreSQL one INSERT per 1,000 rows
    and one per 1,000 papers (SQLite's limit on parameters makes its statements smaller). Both
    databases return the new rows' ids, which the papers' rows need."""
    created = OutboxEmail.objects.bulk_create(rows, batch_size=1000)
    OutboxEmailPaper.objects.bulk_create(
        [OutboxEmailPaper(email_id=row.pk, paper_id=paper_id) for row in created for paper_id in row.paper_ids],
        batch_size=1000,
    )
    return created


class OutboxBackend(BaseEmailBackend):
    """An email backend that writes outbox rows; delivery happens after commit."""

    def send_messages(self, email_messages):
        # Account emails (allauth's) and anything else sent with send_mail: to one person, about no paper.
        rows = [
            store_message(message, audience=EmailAudience.PERSON, papers=())
            for message in email_messages
            if message.recipients()
        ]
        publish_after_commit([row.pk for row in rows])
        return len(rows)


def default_wording(template) -> tuple[str, str]:
    """The default subject and body of an email that chairs may reword: the text of
    templates/emails/<template>_{subject,message}.txt, in the placeholder language
    (workshop.placeholders), not Django's."""
    subject = get_template(f"emails/{template}_subject.txt").template.source
    return subject.strip(), get_template(f"emails/{template}_message.txt").template.source


def override_problems(override, allowed) -> list[str]:
    """Why a workshop's stored wording (an EmailTemplate) cannot be sent; empty if it can."""
    return placeholders.problems(override.subject, allowed) + placeholders.problems(override.body, allowed)


def _render_wording(template, workshop, values, overrides):
    """Subject and text of an email that chairs may reword, from its placeholders' `values`:
    the workshop's own wording when it has one that is valid for these values, else the default.
    A stored wording with problems (one written before the placeholder language, which the
    migration could not convert) is never rendered: the default goes out until a chair fixes it."""
    if overrides is not None:
        override = overrides.get(template)
    else:
        override = EmailTemplate.objects.filter(workshop=workshop, name=template).first() if workshop else None
    if override is not None and override_problems(override, values):
        logger.warning("The %s wording of %s has problems; sending the default.", template, workshop)
        override = None
    subject, body = (override.subject, override.body) if override is not None else default_wording(template)
    return placeholders.render(subject, values), placeholders.render(body, values)


def render_email(template, context, *, overrides=None):
    """Subject, text and (if written) HTML of templates/emails/<template>_{subject.txt,message.txt,message.html},
    the naming allauth uses too.

    An email whose context carries `placeholders` (name → str) is one that chairs may reword: its
    text is the workshop's own wording (an EmailTemplate) or the default, both in the placeholder
    language, filled with those values only, text only. `overrides` (name → EmailTemplate, read
    once) spares a bulk sender one query per email."""
    if "placeholders" in context:
        subject, text = _render_wording(template, context.get("workshop"), context["placeholders"], overrides)
        return " ".join(subject.split()), text, ""
    context = {"site_url": absolute_url(), **context}
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    text = render_to_string(f"emails/{template}_message.txt", context)
    try:
        html = render_to_string(f"emails/{template}_message.html", context)
    except TemplateDoesNotExist:
        html = ""
    return " ".join(subject.split()), text, html


def queue_email(
    *, to, template, context, audience, papers, workshop=None, topic="", reply_to=(), kind=EmailKind.ESSENTIAL
) -> OutboxEmail | DigestItem:
    """Render templates/emails/<template> and put it in the outbox for the given recipients.

    `audience` and `papers` record to whom it goes and which papers it concerns (see outbox_row):
    required, so that no sender leaves the pages to guess. `topic` names what the email is about
    ("submission:42"), for senders that look their own emails up (reminders sent once).
    `kind` says what sort of email it is (workshop.enums.EmailKind): an email of a kind its one
    recipient takes as a daily digest waits there instead (a DigestItem, returned in place of the
    outbox row) until workshop.services.send_digests; essential emails always go at once.
    """
    subject, text, html = render_email(template, {"workshop": workshop, **context})
    recipient = digest_recipient(list(to), kind)
    if recipient is not None:
        return DigestItem.objects.create(user=recipient, workshop=workshop, kind=kind, subject=subject, body_text=text)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, list(to), reply_to=list(reply_to))
    if html:
        message.attach_alternative(html, "text/html")
    row = store_message(message, workshop=workshop, template=template, topic=topic, audience=audience, papers=papers)
    publish_after_commit([row.pk])
    return row


class BulkEmail(NamedTuple):
    """One email of queue_emails: queue_email's arguments of the same names."""

    template: str
    to: list
    context: dict
    topic: str
    audience: EmailAudience
    papers: list


def queue_emails(*, workshop, emails) -> int:
    """queue_email for many essential emails at once (a release, an assignment's commit): each
    rendered as queue_email renders it, the rows and their papers written in bulk (a few queries
    for thousands) and published after commit. `emails`: BulkEmail tuples. No digest: essential
    emails go at once. Returns the number of rows written."""
    emails = list(emails)
    names = {template for template, *_ in emails}
    overrides = {row.name: row for row in EmailTemplate.objects.filter(workshop=workshop, name__in=names)}
    rows = []
    for template, to, context, topic, audience, papers in emails:
        subject, text, html = render_email(template, {"workshop": workshop, **context}, overrides=overrides)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, list(to))
        if html:
            message.attach_alternative(html, "text/html")
        rows.append(
            outbox_row(message, workshop=workshop, template=template, topic=topic, audience=audience, papers=papers)
        )
    created = write_outbox_rows(rows)
    publish_after_commit([row.pk for row in created])
    return len(created)


def retry_failed_emails(*, email_ids) -> int:
    """Chairs' retry: failed rows get a fresh set of attempts and are queued again."""
    ids = outbox.reset_failed(email_ids)
    publish_after_commit(ids)
    return len(ids)
