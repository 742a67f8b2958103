"""Writes after the decisions: the camera-ready version of accepted papers, its reminder, and
publication of the accepted papers.

Camera-ready uploads go through the same checks and storage as submissions (every version kept),
without the anonymity check: the final version names its authors.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from submissions import pdf
from submissions.enums import FileKind, SubmissionStatus
from submissions.models import Submission
from submissions.services import (
    StaleEdit,
    SubmissionRefused,
    Upload,
    _replace_authors,
    _same_content,
    _save_new_version,
    _store_uploads,
    changes_since,
)
from workshop.enums import EmailAudience
from workshop.mail import queue_email
from workshop.models import OutboxEmail, Workshop
from workshop.phases import format_aoe

logger = logging.getLogger(__name__)

# Authors of accepted papers without a camera-ready PDF are reminded this many days before its deadline.
CAMERA_READY_REMINDER_DAYS = 3
REMINDER_TEMPLATE = "camera_ready_reminder"


class PublicationRefused(Exception):
    """The accepted papers cannot be published now; str() tells the chair why."""


# --- camera-ready ----------------------------------------------------------------------------


def camera_ready_deadline(workshop) -> datetime | None:
    """The last instant (grace included) at which authors may change an accepted paper, or None
    when the workshop has no camera-ready deadline (then it is open until publication)."""
    if workshop.camera_ready_deadline is None:
        return None
    return workshop.camera_ready_deadline + workshop.grace


def camera_ready_refusal(submission, now=None) -> str:
    """Why the authors cannot change the camera-ready version now, or "" when they can."""
    workshop = submission.workshop
    if submission.status != SubmissionStatus.ACCEPTED:
        return (
            f"Only accepted papers have a camera-ready version; this paper is "
            f"{submission.get_status_display().lower()}."
        )
    deadline = camera_ready_deadline(workshop)
    if deadline is None:
        if workshop.published_at is not None:
            return "The accepted papers are published; the camera-ready version can no longer be changed."
        return ""
    if (now or timezone.now()) > deadline:
        return (
            f"The camera-ready deadline ({format_aoe(workshop.camera_ready_deadline)}) has passed; the paper can no "
            "longer be changed. If something must still be corrected, write to the chairs."
        )
    return ""


def check_camera_ready(fileobj, *, workshop) -> Upload:
    """Refuse a PDF that is not one or breaks the workshop's limits (pdf.UploadRefused). No
    anonymity check: the camera-ready version names its authors."""
    checked = pdf.check_pdf(fileobj, max_bytes=workshop.max_upload_mb * 1024 * 1024, max_pages=workshop.page_limit)
    name = getattr(fileobj, "name", "camera-ready.pdf")
    return Upload(fileobj, name, FileKind.CAMERA_READY, checked.sha256, checked.size, checked.page_count)


@transaction.atomic
def update_camera_ready(*, submission, by, base_version, title, abstract, authors, paper: Upload | None = None):
    """The authors of an accepted paper change its title, abstract or authors, and may upload its
    camera-ready PDF (a new version; earlier ones are kept). Refused (SubmissionRefused) unless the
    paper is accepted and the camera-ready deadline, grace included, has not passed; a form opened
    at an older version is refused with what changed since (StaleEdit)."""
    current = Submission.objects.select_for_update().select_related("workshop").get(pk=submission.pk)
    refusal = camera_ready_refusal(current)
    if refusal:
        raise SubmissionRefused(refusal)
    fields = {"title": title, "abstract": abstract}
    if current.version != base_version:
        if _same_content(current, fields, authors, paper, None):
            return current
        raise StaleEdit(changes_since(current, base_version))
    previous_emails = set(current.authors.values_list("email", flat=True))
    current.title, current.abstract = title, abstract
    _save_new_version(current, by)
    _replace_authors(current, authors, by=by, previous_emails=previous_emails)
    _store_uploads(current, [paper], by=by)
    return current


def send_camera_ready_reminders(*, now=None) -> int:
    """Email the authors of every accepted paper without a camera-ready PDF, once per paper, when
    its workshop's camera-ready deadline is at most CAMERA_READY_REMINDER_DAYS away. Run daily;
    running it again sends nothing new (the outbox remembers the reminders). Returns how many
    papers were reminded."""
    now = now or timezone.now()
    due = Workshop.objects.filter(
        camera_ready_deadline__gt=now, camera_ready_deadline__lte=now + timedelta(days=CAMERA_READY_REMINDER_DAYS)
    )
    return sum(_remind_workshop(workshop_id) for workshop_id in due.values_list("pk", flat=True))


@transaction.atomic
def _remind_workshop(workshop_id) -> int:
    # The workshop's row lock makes two overlapping runs take turns, so neither sends twice.
    workshop = Workshop.objects.select_for_update().get(pk=workshop_id)
    papers = list(
        Submission.objects.filter(workshop=workshop, status=SubmissionStatus.ACCEPTED)
        .exclude(files__kind=FileKind.CAMERA_READY)
        .prefetch_related("authors")
        .order_by("number")
    )
    reminded = set(
        OutboxEmail.objects.filter(
            workshop=workshop, template=REMINDER_TEMPLATE, topic__in=[f"submission:{p.pk}" for p in papers]
        ).values_list("topic", flat=True)
    )
    sent = 0
    for paper in papers:
        if f"submission:{paper.pk}" in reminded:
            continue
        authors = list(paper.authors.all())
        # Essential (the default kind), never held for a digest: the outbox row is what records
        # that this paper's authors were reminded.
        queue_email(
            to=[a.email for a in authors],
            template=REMINDER_TEMPLATE,
            workshop=workshop,
            topic=f"submission:{paper.pk}",
            audience=EmailAudience.AUTHORS,
            papers=[paper],
            context={"submission": paper, "authors": authors, "deadline": workshop.camera_ready_deadline},
        )
        sent += 1
    return sent


# --- publication -----------------------------------------------------------------------------


@transaction.atomic
def publish_accepted_papers(*, workshop, by) -> bool:
    """Make the accepted papers public (the workshop's papers page and camera-ready PDFs).

    Refused (PublicationRefused) before the decisions are released. Publishing again changes
    nothing; returns whether this call published them. Workshop-wide, so a chair in conflict with
    some paper may publish too.
    """
    current = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if current.decisions_released_at is None:
        raise PublicationRefused(
            "Release the decisions to the authors first: nothing is public before the authors know."
        )
    if current.published_at is not None:
        workshop.published_at = current.published_at
        return False
    current.published_at = timezone.now()
    current.save(update_fields=["published_at"])
    workshop.published_at = current.published_at
    logger.info("%s published the accepted papers of %s.", by, workshop.slug)
    return True
