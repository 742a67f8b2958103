"""Reads. Roles are read once per request and kept on the user object."""

from allauth.account.models import EmailAddress
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from workshop.enums import DIGESTIBLE, EmailKind
from workshop.models import Direction, Membership, NotificationPreference, OutboxEmail, User, Workshop


def memberships_of(user) -> list[Membership]:
    """The user's memberships with their workshops, fetched once per request."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_memberships_cache"):
        user._memberships_cache = list(
            Membership.objects.filter(user=user).select_related("workshop").order_by("workshop__name", "role")
        )
    return user._memberships_cache


def roles_in(user, workshop) -> set[str]:
    if workshop is None:
        return set()
    return {m.role for m in memberships_of(user) if m.workshop_id == workshop.pk}


def listed_workshops():
    return Workshop.objects.order_by("-submission_deadline")


def workshop_by_slug(slug) -> Workshop:
    return get_object_or_404(
        Workshop.objects.prefetch_related(Prefetch("directions", queryset=Direction.objects.order_by("order", "id"))),
        slug=slug,
    )


def directions_of(workshop):
    return workshop.directions.order_by("order", "id")


# Apps above this one register functions (user, workshop) -> topics the user must not see in
# the outbox, e.g. the submissions app hides emails about papers a chair is in conflict with.
# Registering keeps the import direction: this app never imports the ones built on it.
_outbox_topic_filters = []


def hide_outbox_topics(topics_hidden_from):
    _outbox_topic_filters.append(topics_hidden_from)
    return topics_hidden_from


def outbox_of(workshop, user):
    """The emails of one workshop that `user` may read, newest first."""
    emails = OutboxEmail.objects.filter(workshop=workshop).order_by("-created_at", "-id")
    for topics_hidden_from in _outbox_topic_filters:
        emails = emails.exclude(topic__in=topics_hidden_from(user, workshop))
    return emails


# --- notification preferences ------------------------------------------------------------------


def digest_kinds_of(user) -> set[str]:
    """The kinds of email (of workshop.enums.DIGESTIBLE) the person takes as a daily digest."""
    chosen = NotificationPreference.objects.filter(user=user, kind__in=DIGESTIBLE, digest=True)
    return set(chosen.values_list("kind", flat=True))


def digest_recipient(to, kind) -> User | None:
    """The person an email to `to` waits for in their daily digest: its one recipient, when the
    email is of a kind they chose a digest for. None (send it now) for essential emails and for
    emails to several people; essential emails cost no query."""
    if kind == EmailKind.ESSENTIAL or kind not in DIGESTIBLE or len(to) != 1:
        return None
    return User.objects.filter(
        email__iexact=to[0], notification_preferences__kind=kind, notification_preferences__digest=True
    ).first()


# --- who holds an email address ------------------------------------------------------------------
#
# An address belongs to the account that confirmed it. An address only claimed (typed in at
# sign-up, or added to an account, and never confirmed) blocks nobody: anyone may type any
# address, so a claim proves nothing. A new sign-up and a confirmation drop the other claims on
# the address (workshop.services.drop_unconfirmed_claims).


def unfinished_signups(email):
    """Accounts whose login address is `email` but that nobody ever finished: no address of
    theirs confirmed, never signed in, not staff. Such an account cannot be used; it only holds
    the address until someone signs up with it again or confirms it."""
    return User.objects.filter(
        email__iexact=email.strip(), last_login__isnull=True, is_staff=False, is_superuser=False
    ).exclude(emailaddress__verified=True)


def address_is_taken(email) -> bool:
    """Whether an account owns this address: confirmed on it, or the login address of an account
    that was used (an unfinished sign-up does not count)."""
    email = email.strip()
    if EmailAddress.objects.filter(email__iexact=email, verified=True).exists():
        return True
    return User.objects.filter(email__iexact=email).exclude(pk__in=unfinished_signups(email).values("pk")).exists()


def owners_of_address(email):
    """The active account with this address confirmed (at most one: confirmed addresses are
    unique), as a queryset; the one a password reset for the address may go to."""
    return User.objects.filter(
        is_active=True, emailaddress__email__iexact=email.strip(), emailaddress__verified=True
    ).distinct()
