"""Writes on reviewers: invitations and their answers, reviewer profiles and loads.

Every function validates, saves and queues its emails in the caller's transaction, so that a
refused change leaves nothing behind.
"""

import csv
from dataclasses import dataclass, field
from datetime import UTC

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import dateformat, timezone

from reviews.enums import AWAITING_ANSWER, LINK_WORKS, InvitationStatus
from reviews.models import Invitation, ReviewerProfile, new_invitation_token
from submissions.selectors import verified_emails
from workshop.enums import EmailAudience, Role
from workshop.links import absolute_url
from workshop.mail import queue_email
from workshop.models import Membership
from workshop.services import add_member
from workshop.validators import parse_email_domains


class InvitationRefused(Exception):
    """The invitation cannot be changed this way now; str() says why."""


def utc_time(moment) -> str:
    """A time of today or the next days as the chairs' pages write it: "6 Dec 15:02 UTC"."""
    return dateformat.format(moment.astimezone(UTC), "j M H:i") + " UTC"


class SentTooRecently(InvitationRefused):
    """The invitation was emailed less than RESEND_INTERVAL ago."""

    def __init__(self, invitation):
        self.invitation = invitation
        super().__init__(
            f"the invitation to {invitation.email} was emailed at {utc_time(invitation.last_sent_at)}. "
            f"To keep from flooding their inbox, it can be sent again from {utc_time(invitation.next_send_at)}."
        )


# --- reading a list of invitees --------------------------------------------------------------


@dataclass(frozen=True)
class Invitee:
    email: str
    name: str = ""


MAX_INVITEE_LINE = 1000


def parse_invitees(text: str, *, label="Line") -> tuple[list[Invitee], list[str]]:
    """People to invite from pasted lines or a CSV file's text, and a message per bad line.

    Each line is `Name <email>`, a bare email, or comma-separated fields (`email, name`,
    `name, email`; quotes as in CSV). A first line naming the columns (`name,email`) is a header
    and fixes which column is which. Blank lines are skipped; an address given twice counts once.
    """
    invitees, errors, seen = [], [], set()
    columns = None
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if len(line) > MAX_INVITEE_LINE:
            # Longer than any name and address; the csv module would refuse it past 128 KB, and the message would
            # repeat it whole.
            errors.append(f"{label} {number}: “{line[:60]}…” is too long to be a name and an email address.")
            continue
        if columns is None and not invitees and not errors and "@" not in line:
            header = [cell.strip().lower() for cell in next(csv.reader([line]))]
            if "email" in header:
                columns = (header.index("email"), header.index("name") if "name" in header else None)
                continue
        try:
            invitee = _parse_line(line, columns)
        except ValidationError as error:
            errors.append(f"{label} {number}: {error.messages[0]}")
            continue
        if invitee.email not in seen:
            seen.add(invitee.email)
            invitees.append(invitee)
    return invitees, errors


def _parse_line(line, columns) -> Invitee:
    if line.endswith(">") and "<" in line:
        name, _, address = line[:-1].rpartition("<")
        return Invitee(_checked_email(address), _clean_name(name))
    if columns is not None:
        cells = next(csv.reader([line]))
        email_at, name_at = columns
        address = cells[email_at] if email_at < len(cells) else ""
        name = cells[name_at] if name_at is not None and name_at < len(cells) else ""
        return Invitee(_checked_email(address), _clean_name(name))
    if "," in line or ";" in line or "\t" in line:
        cells = [cell.strip() for cell in next(csv.reader([line.replace(";", ",").replace("\t", ",")]))]
    else:
        cells = line.split()
    cells = [cell for cell in cells if cell]
    addresses = [cell for cell in cells if "@" in cell]
    if len(addresses) != 1:
        raise ValidationError(f"“{line}” has no email address." if not addresses else f"“{line}” has two addresses.")
    name = " ".join(cell for cell in cells if cell is not addresses[0])
    return Invitee(_checked_email(addresses[0]), _clean_name(name))


def _checked_email(address) -> str:
    address = address.strip().strip("<>").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(f"“{address}” is not an email address.") from None
    return address.lower()


def _clean_name(name) -> str:
    return " ".join(name.strip().strip('"').split())[:200]


# --- invitations -----------------------------------------------------------------------------


@dataclass
class InvitationReport:
    """What invite_reviewers did: who got a first invitation, who got it again, who was skipped."""

    invited: list[Invitation] = field(default_factory=list)
    sent_again: list[Invitation] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Emailed less than RESEND_INTERVAL ago, so not sent now (nothing about them changed).
    too_soon: list[Invitation] = field(default_factory=list)


def _send(invitation, *, by, reminder=False):
    now = timezone.now()
    invitation.sent_count += 1
    invitation.last_sent_at = now
    invitation.save(update_fields=["sent_count", "last_sent_at", "name", "status", "decline_reason", "responded_at"])
    queue_email(
        to=[invitation.email],
        template="reviewer_invitation",
        context={
            "invitation": invitation,
            "inviter": by,
            "reminder": reminder,
            "accept_url": absolute_url(invitation.get_accept_url()),
            "decline_url": absolute_url(invitation.get_decline_url()),
            "expires_at": invitation.link_expires_at,
        },
        workshop=invitation.workshop,
        topic=f"invitation:{invitation.pk}",
        audience=EmailAudience.PERSON,
        papers=(),
        reply_to=[invitation.workshop.contact_email] if invitation.workshop.contact_email else (),
    )


def _reviewer_emails(workshop) -> set[str]:
    """Every address (account email or verified secondary one) of the workshop's reviewers."""
    members = Membership.objects.filter(workshop=workshop, role=Role.REVIEWER)
    emails = {email.lower() for email in members.values_list("user__email", flat=True)}
    verified = EmailAddress.objects.filter(user__in=members.values("user"), verified=True)
    return emails | {email.lower() for email in verified.values_list("email", flat=True)}


@transaction.atomic
def invite_reviewers(*, workshop, invitees, by) -> InvitationReport:
    """Invite each person to review, one email each.

    An address invited before reuses its row: a pending invitation is sent again; a declined or
    withdrawn one becomes pending again; an accepted one, or a person who already reviews here,
    is skipped. One emailed less than RESEND_INTERVAL ago is left as it is (`too_soon`).
    """
    report = InvitationReport()
    reviewers = _reviewer_emails(workshop)
    existing = {
        invitation.email: invitation
        for invitation in Invitation.objects.select_for_update().filter(
            workshop=workshop, email__in=[invitee.email for invitee in invitees]
        )
    }
    for invitee in invitees:
        invitation = existing.get(invitee.email)
        if invitee.email in reviewers or (invitation and invitation.status == InvitationStatus.ACCEPTED):
            report.skipped.append((invitee.email, "already a reviewer"))
            continue
        if invitation is None:
            invitation = Invitation.objects.create(
                workshop=workshop, email=invitee.email, name=invitee.name, invited_by=by
            )
            report.invited.append(invitation)
        elif not invitation.can_send_now:
            report.too_soon.append(invitation)
            continue
        else:
            invitation.name = invitee.name or invitation.name
            invitation.status = InvitationStatus.PENDING
            invitation.decline_reason, invitation.responded_at = "", None
            report.sent_again.append(invitation)
        _send(invitation, by=by)
    return report


@transaction.atomic
def resend_invitation(*, invitation, by) -> Invitation:
    """Send a pending invitation's email again (its links work 60 days from now). Refused
    (SentTooRecently) less than RESEND_INTERVAL after the last email: the row is locked, so
    clicks that arrive together send one email."""
    invitation = Invitation.objects.select_for_update().select_related("workshop").get(pk=invitation.pk)
    if invitation.status not in AWAITING_ANSWER:
        raise InvitationRefused(f"{invitation.email} has {invitation.get_status_display().lower()} already.")
    if not invitation.can_send_now:
        raise SentTooRecently(invitation)
    _send(invitation, by=by)
    return invitation


@dataclass
class ReminderReport:
    """What remind_pending did: how many reminders went, and the invitations left out because
    they were emailed less than RESEND_INTERVAL ago."""

    sent: int = 0
    too_soon: list[Invitation] = field(default_factory=list)


@transaction.atomic
def remind_pending(*, workshop, by) -> ReminderReport:
    """Send a reminder to every invitee who has not answered yet, but those emailed less than
    RESEND_INTERVAL ago."""
    pending = Invitation.objects.select_for_update().filter(workshop=workshop, status__in=AWAITING_ANSWER)
    report = ReminderReport()
    for invitation in pending.select_related("workshop").order_by("id"):
        if not invitation.can_send_now:
            report.too_soon.append(invitation)
            continue
        _send(invitation, by=by, reminder=True)
        report.sent += 1
    return report


@transaction.atomic
def withdraw_invitation(*, invitation, by) -> Invitation:
    """Take back an invitation that was not accepted: the links already sent stop working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationRefused(f"{invitation.email} has accepted already; the invitation cannot be withdrawn.")
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.token = new_invitation_token()
    invitation.save(update_fields=["status", "token"])
    return invitation


def _locked_for_answer(invitation) -> Invitation:
    current = Invitation.objects.select_for_update().select_related("workshop").get(pk=invitation.pk)
    if current.token != invitation.token or current.status not in LINK_WORKS or not current.link_works:
        raise InvitationRefused("This invitation link is not valid.")
    return current


@transaction.atomic
def accept_invitation(*, invitation, user) -> Membership:
    """Make the invitee a reviewer of the workshop. `user` must hold the invited address,
    verified; accepting again changes nothing."""
    current = _locked_for_answer(invitation)
    if current.email not in verified_emails(user):
        raise InvitationRefused(f"This invitation is for {current.email}; you are signed in as {user.email}.")
    if current.status != InvitationStatus.ACCEPTED:
        current.status = InvitationStatus.ACCEPTED
        current.decline_reason = ""
        current.responded_at = timezone.now()
        current.save(update_fields=["status", "decline_reason", "responded_at"])
    return add_member(workshop=current.workshop, user=user, role=Role.REVIEWER)


@transaction.atomic
def decline_invitation(*, invitation, reason="") -> Invitation:
    """Record the invitee's no, with their optional reason for the chairs."""
    current = _locked_for_answer(invitation)
    if current.status == InvitationStatus.ACCEPTED:
        raise InvitationRefused(
            "You have accepted this invitation already. To step back, write to the chairs"
            + (f" at {current.workshop.contact_email}." if current.workshop.contact_email else ".")
        )
    current.status = InvitationStatus.DECLINED
    current.decline_reason = reason.strip()
    current.responded_at = timezone.now()
    current.save(update_fields=["status", "decline_reason", "responded_at"])
    return current


# --- reviewer profiles -----------------------------------------------------------------------


def _profile_for_update(workshop, user) -> ReviewerProfile:
    profile, _ = ReviewerProfile.objects.select_for_update().get_or_create(workshop=workshop, user=user)
    profile.workshop = workshop
    return profile


def _check_reviewer(workshop, user):
    if not Membership.objects.filter(workshop=workshop, user=user, role=Role.REVIEWER).exists():
        raise ValidationError(f"{user} is not a reviewer of {workshop.short_name}.")


def _check_load(max_load):
    if max_load is not None and max_load < 0:
        raise ValidationError({"max_load": "A load is a number of papers: 0 or more (empty for the default)."})


@transaction.atomic
def update_reviewer_profile(
    *, workshop, user, expertise="", own_papers="", directions=(), max_load=None, email_domains=None, affiliation=None
) -> ReviewerProfile:
    """Save what a reviewer tells the workshop about themself. `email_domains` may be a list or
    the text typed in the form; directions must be this workshop's. The affiliation and the
    institutional domains belong to the person, so they are saved on their account (every
    workshop's conflicts use them); None leaves them as they are."""
    _check_reviewer(workshop, user)
    _check_load(max_load)
    if isinstance(email_domains, str):
        email_domains = parse_email_domains(email_domains)
    directions = list(directions)
    if any(direction.workshop_id != workshop.pk for direction in directions):
        raise ValidationError({"directions": "Choose directions of this workshop."})
    profile = _profile_for_update(workshop, user)
    profile.expertise, profile.own_papers, profile.max_load = expertise.strip(), own_papers.strip(), max_load
    profile.full_clean()
    profile.save()
    profile.directions.set(directions)
    if email_domains is not None or affiliation is not None:
        if email_domains is not None:
            user.email_domains = list(email_domains)
        if affiliation is not None:
            user.affiliation = affiliation.strip()
        user.save(update_fields=["email_domains", "affiliation"])
    return profile


@transaction.atomic
def set_max_load(*, workshop, reviewer, max_load, by) -> ReviewerProfile:
    """A chair sets how many papers a reviewer takes at most (None: the workshop's default)."""
    _check_reviewer(workshop, reviewer)
    _check_load(max_load)
    profile = _profile_for_update(workshop, reviewer)
    profile.max_load = max_load
    profile.full_clean()
    profile.save(update_fields=["max_load", "updated_at"])
    return profile
