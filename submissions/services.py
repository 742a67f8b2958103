"""Writes on submissions: create, update, and the one transition function of their lifecycle.

Every function validates, saves (simple-history keeps every version) and queues the emails in
the caller's transaction, so that a refused change leaves nothing behind.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from submissions import pdf
from submissions.enums import DECIDED, OPEN, ConflictSource, FileKind, SubmissionStatus
from submissions.models import (
    CoauthorInvitation,
    Conflict,
    Submission,
    SubmissionAuthor,
    SubmissionFile,
    reversed_domain,
)
from submissions.selectors import is_author
from workshop.affiliations import normalise_affiliation
from workshop.enums import EmailAudience, Phase, Role
from workshop.mail import queue_email
from workshop.models import Membership, User, Workshop
from workshop.phases import phase_at

CONTENT_FIELDS = ("title", "abstract", "keywords", "tldr", "primary_direction")
# Invitations to sign up, emailed to co-authors without an account (one per address and paper):
# at most this many to one address, and from one author, in any 24 hours.
COAUTHOR_INVITATIONS_PER_ADDRESS_PER_DAY = 3
COAUTHOR_INVITATIONS_PER_INVITER_PER_DAY = 50


class SubmissionRefused(Exception):
    """The change cannot be made now; str() tells the author why and what they can do."""


class StaleEdit(SubmissionRefused):
    """The paper changed since the form was opened; `changes` lists what changed."""

    def __init__(self, changes):
        self.changes = changes
        super().__init__("This paper was changed by someone else since you opened the form. Nothing was saved.")


@dataclass(frozen=True)
class AuthorEntry:
    name: str
    email: str
    affiliation: str = ""


@dataclass(frozen=True)
class Upload:
    """A file that passed its checks, ready to store."""

    fileobj: object
    name: str
    kind: str
    sha256: str
    size: int
    page_count: int | None = None
    content_type: str = "application/pdf"
    checked: pdf.CheckedPDF | None = None


def check_paper(fileobj, *, workshop: Workshop) -> Upload:
    """Refuse a PDF that is not one or breaks the workshop's limits (UploadRefused)."""
    checked = pdf.check_pdf(fileobj, max_bytes=workshop.max_upload_mb * 1024 * 1024, max_pages=workshop.page_limit)
    return Upload(
        fileobj,
        getattr(fileobj, "name", "paper.pdf"),
        FileKind.PAPER,
        checked.sha256,
        checked.size,
        checked.page_count,
        checked=checked,
    )


def check_supplementary(fileobj, *, workshop: Workshop) -> Upload:
    kind, sha256, size = pdf.check_supplementary(fileobj, max_bytes=workshop.supplementary_max_mb * 1024 * 1024)
    content_type = "application/zip" if kind == "zip" else "application/pdf"
    return Upload(
        fileobj,
        getattr(fileobj, "name", f"supplementary.{kind}"),
        FileKind.SUPPLEMENTARY,
        sha256,
        size,
        content_type=content_type,
    )


# --- deadlines -------------------------------------------------------------------------------


def edit_deadline(submission) -> datetime:
    """The last instant (grace included) at which the authors may change this paper."""
    workshop = submission.workshop
    deadline = max(filter(None, [workshop.submission_deadline, submission.deadline_extension]))
    return deadline + workshop.grace


def may_create(workshop, now=None) -> bool:
    return phase_at(workshop.deadlines, now or timezone.now()) == Phase.SUBMISSION


def may_edit(submission, now=None) -> bool:
    return submission.status in OPEN and (now or timezone.now()) <= edit_deadline(submission)


def may_withdraw(submission) -> bool:
    return submission.status in OPEN


# --- the lifecycle ---------------------------------------------------------------------------

ALLOWED = {
    (SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED),
    (SubmissionStatus.DRAFT, SubmissionStatus.WITHDRAWN),
    (SubmissionStatus.SUBMITTED, SubmissionStatus.WITHDRAWN),
    (SubmissionStatus.SUBMITTED, SubmissionStatus.DESK_REJECTED),
    # Decisions, recorded when the chairs release them (the reviews app sends their emails).
    (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED),
    (SubmissionStatus.SUBMITTED, SubmissionStatus.REJECTED),
}
TRANSITION_EMAILS = {
    SubmissionStatus.SUBMITTED: "submission_received",
    SubmissionStatus.WITHDRAWN: "submission_withdrawn",
    SubmissionStatus.DESK_REJECTED: "submission_desk_rejected",
}


@transaction.atomic
def transition(*, submission, to, by, reason="", decision=None) -> Submission:
    """Move a submission to another status: the one place where its status changes.

    Checks the move is allowed, numbers a paper when first submitted (next number of its
    workshop, no gaps or duplicates), records who did it (history), and emails every author.
    Returns the submission as saved.
    """
    decision = decision or {}
    current = Submission.objects.select_for_update().select_related("workshop").get(pk=submission.pk)
    if (current.status, to) not in ALLOWED:
        status = current.get_status_display().lower()
        article = "An" if status[0] in "aeiou" else "A"
        raise SubmissionRefused(f"{article} {status} paper cannot become {SubmissionStatus(to).label.lower()}.")
    if to == SubmissionStatus.SUBMITTED:
        _check_complete(current)
        current.number = _next_number(current.workshop)
        current.submitted_at = timezone.now()
    if to == SubmissionStatus.DESK_REJECTED:
        if not reason.strip():
            raise SubmissionRefused("Give the authors a reason for the desk rejection.")
        current.desk_reject_reason = reason.strip()
    was_submitted = current.status == SubmissionStatus.SUBMITTED
    current.status = to
    if to in DECIDED:
        current.presentation, current.decision_note = decision.get("presentation", ""), decision.get("note", "")
    _save_new_version(current, by)
    if to in TRANSITION_EMAILS and (to != SubmissionStatus.WITHDRAWN or was_submitted):
        _email_authors(current, TRANSITION_EMAILS[to], by=by)
    return current


def record_decision(*, submission, accepted, by, presentation="", note="") -> Submission:
    """Record a released decision on the paper, for the authors' pages and the public list.

    The reviews app decides and emails the authors (with the reviews); this only moves the status.
    Recording the same outcome again changes nothing, so a release clicked twice is harmless.
    """
    to = SubmissionStatus.ACCEPTED if accepted else SubmissionStatus.REJECTED
    if Submission.objects.filter(pk=submission.pk, status=to).exists():
        return Submission.objects.get(pk=submission.pk)
    return transition(submission=submission, to=to, by=by, decision={"presentation": presentation, "note": note})


@transaction.atomic
def record_decisions(*, decisions, by) -> int:
    """record_decision for many papers in a few queries (a release of thousands, in batches).

    `decisions`: submission id → (accepted, presentation, note). The same moves as `transition`
    (checked against ALLOWED, a new version in the history by `by`), without its emails, which
    decisions do not have. A paper already so recorded is left alone. Returns the papers moved.
    """
    moved, now = defaultdict(list), timezone.now()
    for current in Submission.objects.select_for_update().filter(pk__in=list(decisions)).order_by("pk"):
        accepted, presentation, note = decisions[current.pk]
        to = SubmissionStatus.ACCEPTED if accepted else SubmissionStatus.REJECTED
        if current.status == to:
            continue
        if (current.status, to) not in ALLOWED:
            raise SubmissionRefused(f"Paper #{current.number} is {current.get_status_display().lower()}.")
        current.status, current.presentation, current.decision_note = to, presentation, note
        current.version += 1
        current.updated_at = now
        moved[to, presentation, note].append(current)
    # One UPDATE per distinct outcome (most papers share one): bulk_update's CASE per row costs
    # seconds to build for a few hundred papers.
    for (to, presentation, note), papers in moved.items():
        Submission.objects.filter(pk__in=[paper.pk for paper in papers]).update(
            status=to, presentation=presentation, decision_note=note, version=F("version") + 1, updated_at=now
        )
    changed = [paper for papers in moved.values() for paper in papers]
    Submission.history.bulk_history_create(changed, update=True, default_user=by, default_date=now)
    return len(changed)


def _save_new_version(submission, by):
    """Save a locked submission as its next version, recording who changed it."""
    submission.version += 1
    submission._history_user = by
    submission.save()


def _next_number(workshop) -> int:
    # The UPDATE takes the workshop row's lock until commit: concurrent submits queue up here,
    # and a rolled-back submit rolls the counter back too, so numbers have no gaps.
    Workshop.objects.filter(pk=workshop.pk).update(last_submission_number=F("last_submission_number") + 1)
    return Workshop.objects.values_list("last_submission_number", flat=True).get(pk=workshop.pk)


def _check_complete(submission):
    missing = []
    if not submission.files.filter(kind=FileKind.PAPER).exists():
        missing.append("the paper's PDF")
    if submission.workshop.is_double_blind and not submission.agreed_anonymity:
        missing.append("your confirmation of the double-blind policy")
    if submission.workshop.dual_submission_policy and not submission.agreed_dual_submission:
        missing.append("your confirmation of the dual-submission policy")
    if missing:
        raise SubmissionRefused("To submit, add " + " and ".join(missing) + ".")


# --- create and update -----------------------------------------------------------------------


@transaction.atomic
def create_submission(
    *,
    workshop,
    by: User,
    creation_key,
    fields,
    authors,
    conflicted_members=(),
    secondary_directions=(),
    paper: Upload | None = None,
    supplementary: Upload | None = None,
    submit=False,
) -> Submission:
    """A new submission (a draft, or submitted at once). The same creation key twice (a double
    click) returns the first submission instead of making another. The submission's
    `coauthor_notices` say which listed co-authors were not emailed an invitation, and why."""
    existing = Submission.objects.filter(creation_key=creation_key).first()
    if existing is not None:
        existing.coauthor_notices = []
        return existing
    if not may_create(workshop):
        raise SubmissionRefused("New submissions to this workshop are closed.")
    submission = Submission(workshop=workshop, created_by=by, creation_key=creation_key, **fields)
    submission._history_user = by
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:  # the other click of a double click won the race
        existing = Submission.objects.get(creation_key=creation_key)
        existing.coauthor_notices = []
        return existing
    submission.secondary_directions.set(secondary_directions)
    submission.conflicted_members.set(conflicted_members)
    notices = _replace_authors(submission, authors, by=by, previous_emails=set())
    _store_uploads(submission, [paper, supplementary], by=by)
    if submit:
        submission = transition(submission=submission, to=SubmissionStatus.SUBMITTED, by=by)
    submission.coauthor_notices = notices
    return submission


@transaction.atomic
def update_submission(
    *,
    submission,
    by: User,
    base_version,
    fields,
    authors,
    conflicted_members=(),
    secondary_directions=(),
    paper: Upload | None = None,
    supplementary: Upload | None = None,
    submit=False,
) -> Submission:
    """Change a paper before its deadline. A form opened at an older version is refused with the
    list of what changed since (StaleEdit), unless it asks for exactly what is already there.
    As for create_submission, `coauthor_notices` say who was listed but not emailed, and why."""
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    if not may_edit(current):
        raise SubmissionRefused(closed_message(current))
    if current.version != base_version:
        if _same_content(current, fields, authors, paper, supplementary) and not submit:
            current.coauthor_notices = []
            return current
        raise StaleEdit(changes_since(current, base_version))
    previous_emails = set(current.authors.values_list("email", flat=True))
    for name, value in fields.items():
        setattr(current, name, value)
    _save_new_version(current, by)
    current.secondary_directions.set(secondary_directions)
    current.conflicted_members.set(conflicted_members)
    notices = _replace_authors(current, authors, by=by, previous_emails=previous_emails)
    _store_uploads(current, [paper, supplementary], by=by)
    if submit and current.status == SubmissionStatus.DRAFT:
        current = transition(submission=current, to=SubmissionStatus.SUBMITTED, by=by)
    elif current.status == SubmissionStatus.SUBMITTED:
        _email_authors(current, "submission_updated", by=by)
    current.coauthor_notices = notices
    return current


def closed_message(submission):
    """Why the authors can no longer change this paper, and what they can do."""
    if submission.status not in OPEN:
        return f"This paper is {submission.get_status_display().lower()}; it can no longer be changed."
    return (
        "The submission deadline has passed; the paper can no longer be changed. "
        "If you need more time, write to the chairs: they can extend the deadline for this paper."
    )


def _same_content(current, fields, authors, paper, supplementary):
    if paper or supplementary:
        return False
    if any(getattr(current, name) != value for name, value in fields.items()):
        return False
    stored = [(a.name, a.email, a.affiliation) for a in current.authors.order_by("order")]
    return stored == [(a.name, a.email, a.affiliation) for a in authors]


def changes_since(submission, version) -> list[str]:
    """What changed in a submission after `version`, in words, from its history."""
    base = submission.history.filter(version=version).order_by("-history_date").first()
    if base is None:
        return ["The paper was changed."]
    changes = []
    for name in CONTENT_FIELDS:
        before = getattr(base, f"{name}_id" if name == "primary_direction" else name)
        after = getattr(submission, f"{name}_id" if name == "primary_direction" else name)
        if before != after:
            label = Submission._meta.get_field(name).verbose_name
            shown = submission.primary_direction.name if name == "primary_direction" else after
            changes.append(f"{label.capitalize()} is now: “{str(shown)[:200]}”")
    newer_files = submission.files.filter(uploaded_at__gt=base.history_date)
    changes += [f"A new {f.get_kind_display().lower()} was uploaded (version {f.version})." for f in newer_files]
    if base.status != submission.status:
        changes.append(f"Its status is now {submission.get_status_display().lower()}.")
    return changes or ["The authors or conflicts were changed."]


def _replace_authors(submission, authors, *, by, previous_emails) -> list[str]:
    submission.authors.all().delete()
    SubmissionAuthor.objects.bulk_create(
        [
            SubmissionAuthor(
                submission=submission,
                order=order,
                name=a.name,
                email=a.email.lower(),
                affiliation=a.affiliation,
                affiliation_key=normalise_affiliation(a.affiliation),
                reversed_domain=reversed_domain(a.email),
            )
            for order, a in enumerate(authors, start=1)
        ]
    )
    return _invite_new_coauthors(submission, {a.email.lower() for a in authors} - previous_emails, by=by)


def _invite_new_coauthors(submission, emails, *, by) -> list[str]:
    """Co-authors without an account get one email asking them to sign up with that address:
    once per paper, and within the daily limits below, so that listing someone (and taking them
    off and listing them again) is no way to mail them at will. Returns, for the author, a message
    per co-author listed but not emailed."""
    from allauth.account.models import EmailAddress

    # Only a confirmed address means the co-author has an account: anyone can type any address.
    known = set(EmailAddress.objects.filter(email__in=emails, verified=True).values_list("email", flat=True))
    authors = list(submission.authors.filter(email__in=emails - known - {by.email.lower()}).order_by("order"))
    if not authors:
        return []
    day_ago = timezone.now() - timedelta(days=1)
    invited_before = set(
        CoauthorInvitation.objects.filter(submission=submission, email__in=[a.email for a in authors]).values_list(
            "email", flat=True
        )
    )
    recent = CoauthorInvitation.objects.filter(sent_at__gt=day_ago)
    by_address = dict(
        recent.filter(email__in=[a.email for a in authors])
        .values("email")
        .annotate(n=Count("id"))
        .values_list("email", "n")
    )
    by_inviter = recent.filter(invited_by=by).count()
    notices = []
    for author in authors:
        if author.email in invited_before:
            notices.append(
                f"{author.email} was invited to sign up for this paper before, so we did not email them again. "
                "They are still listed as an author and see the paper once they sign up with that address."
            )
            continue
        if by_address.get(author.email, 0) >= COAUTHOR_INVITATIONS_PER_ADDRESS_PER_DAY:
            notices.append(
                f"{author.email} has had {COAUTHOR_INVITATIONS_PER_ADDRESS_PER_DAY} invitations to sign up in the "
                "last day, the most we send, so we did not email them. They are still listed as an author; "
                "ask them to sign up with that address."
            )
            continue
        if by_inviter >= COAUTHOR_INVITATIONS_PER_INVITER_PER_DAY:
            notices.append(
                f"You have invited {COAUTHOR_INVITATIONS_PER_INVITER_PER_DAY} co-authors in the last day, the most "
                f"we send for one person, so we did not email {author.email}. They are still listed as an author; "
                "ask them to sign up with that address."
            )
            continue
        CoauthorInvitation.objects.create(submission=submission, email=author.email, invited_by=by)
        by_address[author.email] = by_address.get(author.email, 0) + 1
        by_inviter += 1
        queue_email(
            to=[author.email],
            template="coauthor_invitation",
            workshop=submission.workshop,
            topic=f"submission:{submission.pk}",
            audience=EmailAudience.AUTHORS,
            papers=[submission],
            context={"submission": submission, "author": author, "inviter": by},
        )
    return notices


def _store_uploads(submission, uploads, *, by):
    for upload in filter(None, uploads):
        last = submission.files.filter(kind=upload.kind).aggregate(last=Max("version"))["last"] or 0
        upload.fileobj.seek(0)
        findings = []
        if upload.checked is not None:
            findings = pdf.anonymity_findings(upload.checked, [(a.name, a.email) for a in submission.authors.all()])
        name = pdf.safe_file_name(upload.name, "zip" if upload.content_type == "application/zip" else "pdf")
        stored = SubmissionFile(
            submission=submission,
            kind=upload.kind,
            version=last + 1,
            original_name=name,
            sha256=upload.sha256,
            size=upload.size,
            page_count=upload.page_count,
            content_type=upload.content_type,
            anonymity_findings=findings,
            uploaded_by=by,
        )
        stored.file.save(name, upload.fileobj, save=False)
        stored.save()
        if upload.kind == FileKind.PAPER:
            Submission.objects.filter(pk=submission.pk).update(anonymity_findings=findings)
            submission.anonymity_findings = findings


def _email_authors(submission, template, *, by):
    """One email about this submission to its listed authors. What an author's own action sends
    (submitted, updated, withdrawn) goes only to the listed authors with an account (a confirmed
    address) and to the author who acted: a listed address without an account got one co-author
    invitation, within its limits, and nothing more, so that saving a paper again and again is no
    way to mail a stranger. A chair's action (a desk rejection) reaches every listed author."""
    from allauth.account.models import EmailAddress

    authors = list(submission.authors.order_by("order"))
    recipients = [a.email for a in authors]
    if is_author(by, submission):
        listed = {email.lower() for email in recipients}
        confirmed = set(EmailAddress.objects.filter(email__in=listed, verified=True).values_list("email", flat=True))
        recipients = [email for email in recipients if email.lower() in confirmed]
    if not recipients:
        return
    queue_email(
        to=recipients,
        template=template,
        workshop=submission.workshop,
        topic=f"submission:{submission.pk}",
        audience=EmailAudience.AUTHORS,
        papers=[submission],
        context={"submission": submission, "authors": authors, "actor": by},
    )


# --- chairs ----------------------------------------------------------------------------------


@transaction.atomic
def extend_deadline(*, submission, until, by) -> Submission:
    """A chair gives this one paper until `until` (grace still applies)."""
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    if current.status not in OPEN:
        raise SubmissionRefused(
            f"This paper is {current.get_status_display().lower()}; its deadline cannot be extended."
        )
    current.deadline_extension = until
    _save_new_version(current, by)
    return current


# --- conflicts of interest -------------------------------------------------------------------


def _check_member(submission, user):
    """Conflicts are recorded for the people who may handle the paper: its workshop's members."""
    roles = set(Membership.objects.filter(workshop_id=submission.workshop_id, user=user).values_list("role", flat=True))
    if not roles & {Role.REVIEWER, Role.CHAIR}:
        raise SubmissionRefused(f"{user} is neither a reviewer nor a chair of this workshop.")


@transaction.atomic
def declare_conflict(*, submission, user) -> Conflict:
    """The person declares themself in conflict with the paper (a reviewer's "conflict" bid).
    Declaring twice changes nothing."""
    _check_member(submission, user)
    conflict, created = Conflict.objects.get_or_create(
        submission=submission, user=user, source=ConflictSource.REVIEWER, defaults={"created_by": user}
    )
    if not created and not conflict.is_conflict:
        conflict.is_conflict = True
        conflict.save(update_fields=["is_conflict"])
    return conflict


@transaction.atomic
def withdraw_conflict_declaration(*, submission, user) -> None:
    """The person takes back their own declaration (their bid is no longer "conflict"). Any other
    reason for a conflict still holds. Withdrawing what is not declared changes nothing."""
    Conflict.objects.filter(submission=submission, user=user, source=ConflictSource.REVIEWER).delete()


@transaction.atomic
def set_conflict_ruling(*, submission, user, is_conflict, by, note="") -> Conflict:
    """A chair decides whether the person is in conflict with the paper, whatever the declarations
    and the automatic rules say: True sets a conflict, False lifts one. Authorship cannot be
    lifted. The ruling replaces an earlier one on the same pair and records `by` as its author."""
    _check_member(submission, user)
    if not is_conflict and is_author(user, submission):
        raise SubmissionRefused(f"{user} is an author of this paper: that conflict cannot be lifted.")
    conflict, _ = Conflict.objects.update_or_create(
        submission=submission,
        user=user,
        source=ConflictSource.CHAIR,
        defaults={"is_conflict": bool(is_conflict), "note": note.strip()[:300], "created_by": by},
    )
    return conflict


@transaction.atomic
def clear_conflict_ruling(*, submission, user, by) -> None:
    """Remove the chairs' ruling on the pair, so the declarations and automatic rules decide again.
    Clearing when there is no ruling changes nothing. (`by` is the chair asking, for symmetry with
    set_conflict_ruling; the row itself is gone afterwards.)"""
    Conflict.objects.filter(submission=submission, user=user, source=ConflictSource.CHAIR).delete()
