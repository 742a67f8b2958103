"""Reads. Roles are read once per request and kept on the user object."""

from allauth.account.models import EmailAddress
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404

from workshop.enums import DIGESTIBLE, EmailAudience, EmailKind
from workshop.models import (
    Direction,
    Membership,
    NotificationPreference,
    OutboxEmail,
    OutboxEmailPaper,
    User,
    Workshop,
)


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


# Who is in conflict with which paper is the submissions app's rule, and this app is below it: the
# submissions app hands the rule over at start-up (SubmissionsConfig.ready imports its selectors),
# so that this app never imports the one built on it.
_conflict_rule = {}


def papers_in_conflict_from(rule):
    """Register `rule(user, workshop)`: a queryset of the ids of the workshop's papers the user is
    in conflict with, used as a subquery (no query of its own)."""
    _conflict_rule["papers"] = rule
    return rule


def papers_in_conflict(user, workshop):
    """The ids of the workshop's papers `user` is in conflict with, as a subquery (see above)."""
    try:
        rule = _conflict_rule["papers"]
    except KeyError:
        # Failing closed: without the rule, the outbox would show a conflicted chair everything.
        raise ImproperlyConfigured("No conflict rule registered: is the submissions app installed?") from None
    return rule(user, workshop)


def outbox_of(workshop, user):
    """The emails of one workshop that `user` (a chair) may read, newest first: none that concerns
    a paper they are in conflict with. The papers are those recorded when the email was written
    (OutboxEmailPaper), so taking a reviewer off a paper, or adding an author, changes nothing
    here; the conflicts are today's. The list, its counts and pages, the search, a single email and
    the retry are all built on this queryset.

    A chair in conflict with any paper reads no email sent to reviewers at all: a reviewer's email
    lists all their papers, so a reviewer whose email alone were missing would be one who reviews
    the chair's paper. Hiding all of them hides nothing about any one."""
    in_conflict = papers_in_conflict(user, workshop)
    concerning_hidden = OutboxEmailPaper.objects.filter(email=OuterRef("pk"), paper_id__in=in_conflict)
    to_reviewers_while_in_conflict = Q(audience=EmailAudience.REVIEWERS) & Q(Exists(in_conflict))
    return (
        OutboxEmail.objects.filter(workshop=workshop)
        .exclude(Exists(concerning_hidden))
        .exclude(to_reviewers_while_in_conflict)
        .order_by("-created_at", "-id")
    )


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
