"""Writes for workshops, their directions, memberships and accounts.

Views, commands and tests change state only through these functions.
"""

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from workshop import selectors
from workshop.enums import DIGESTIBLE, EmailAudience, Role
from workshop.mail import queue_email
from workshop.models import DigestItem, Direction, Membership, NotificationPreference, User, Workshop

WORKSHOP_SETTINGS_FIELDS = (
    "name",
    "short_name",
    "call_for_papers",
    "contact_email",
    "submissions_open_at",
    "abstract_deadline",
    "submission_deadline",
    "bidding_deadline",
    "review_deadline",
    "notification_date",
    "camera_ready_deadline",
    "grace_minutes",
    "reviews_per_paper",
    "default_reviewer_load",
    "page_limit",
    "max_upload_mb",
    "abstract_word_limit",
    "supplementary_max_mb",
    "anonymity_policy",
    "dual_submission_policy",
)


def _save_validated(instance):
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def create_workshop(*, slug, name, short_name, submission_deadline, directions=(), **settings) -> Workshop:
    """A new workshop with its directions, given as (slug, name, description) triples in order."""
    workshop = _save_validated(
        Workshop(slug=slug, name=name, short_name=short_name, submission_deadline=submission_deadline, **settings)
    )
    for direction_slug, direction_name, description in directions:
        add_direction(workshop=workshop, slug=direction_slug, name=direction_name, description=description)
    return workshop


@transaction.atomic
def update_workshop(*, workshop, **changes) -> Workshop:
    """Change a workshop's settings and deadlines; dates must stay in order."""
    unknown = set(changes) - set(WORKSHOP_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not workshop settings: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(workshop, field, value)
    return _save_validated(workshop)


@transaction.atomic
def add_direction(*, workshop, slug, name, description="") -> Direction:
    """Append a direction at the end of the workshop's list."""
    last = Direction.objects.filter(workshop=workshop).aggregate(last=Max("order"))["last"]
    return _save_validated(
        Direction(workshop=workshop, slug=slug, name=name, description=description, order=(last or 0) + 1)
    )


@transaction.atomic
def update_direction(*, direction, slug, name, description) -> Direction:
    direction.slug, direction.name, direction.description = slug, name, description
    return _save_validated(direction)


@transaction.atomic
def move_direction(*, direction, offset) -> None:
    """Move a direction up (offset -1) or down (+1) in its workshop's list; ends stay put."""
    siblings = list(
        Direction.objects.select_for_update().filter(workshop_id=direction.workshop_id).order_by("order", "id")
    )
    index = next(i for i, d in enumerate(siblings) if d.pk == direction.pk)
    target = index + offset
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    for order, sibling in enumerate(siblings, start=1):
        sibling.order = order
    Direction.objects.bulk_update(siblings, ["order"])


def add_member(*, workshop, user, role: Role) -> Membership:
    membership, _ = Membership.objects.get_or_create(workshop=workshop, user=user, role=role)
    return membership


@transaction.atomic
def create_account(*, email, password, name="", affiliation="", verified=False) -> User:
    """An account with its primary email address, as allauth would create it at sign-up. Other
    accounts' unconfirmed claims on the address give way (see drop_unconfirmed_claims)."""
    drop_unconfirmed_claims(email=email)
    user = User.objects.create_user(email=email, password=password, name=name, affiliation=affiliation)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


@transaction.atomic
def drop_unconfirmed_claims(*, email, keep=None) -> None:
    """Remove every unconfirmed claim on `email` but `keep`'s: the address is taken off the
    accounts that added it without confirming it, and sign-ups with it that nobody finished
    (never confirmed, never signed in: such an account held nothing) are deleted.

    Anyone can type any address, so a claim proves nothing and must not keep the owner out. This
    runs when someone signs up with the address (the newest sign-up's link is then the only one
    that works) and when someone confirms it (then it leads to them alone: co-author and reviewer
    invitations, logins and password resets)."""
    keep_pk = keep.pk if keep is not None else None
    selectors.unfinished_signups(email).exclude(pk=keep_pk).delete()
    EmailAddress.objects.filter(email__iexact=email.strip(), verified=False).exclude(user_id=keep_pk).delete()


PROFILE_FIELDS = ("name", "affiliation", "email_domains", "orcid", "expertise")


@transaction.atomic
def update_profile(*, user, expertise_directions=None, **changes) -> User:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(user, field, value)
    _save_validated(user)
    if expertise_directions is not None:
        user.expertise_directions.set(expertise_directions)
    return user


def send_test_email(*, workshop, to_user):
    """A chair checks that mail reaches them: one email through the whole outbox path."""
    return queue_email(
        to=[to_user.email],
        template="outbox_test",
        context={"user": to_user},
        workshop=workshop,
        audience=EmailAudience.PERSON,
        papers=(),
    )


# --- notification preferences and digests -------------------------------------------------------


@transaction.atomic
def set_notification_preferences(*, user, digest_kinds) -> None:
    """Record, for every kind of non-essential email (workshop.enums.DIGESTIBLE), whether the
    person takes it as a daily digest (a kind in `digest_kinds`) or one email each."""
    unknown = set(digest_kinds) - set(DIGESTIBLE)
    if unknown:
        raise ValueError(f"Not kinds of email one can take as a digest: {', '.join(sorted(unknown))}")
    for kind in DIGESTIBLE:
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"digest": kind in digest_kinds})


def send_digests(*, now=None) -> int:
    """Send each person with waiting digest items one email listing them all; returns how many
    digests were queued. Each person's items are claimed under a row lock and marked sent in the
    transaction that queues their digest, so a second run at the same time sends nothing twice."""
    now = now or timezone.now()
    user_ids = set(DigestItem.objects.filter(sent_at__isnull=True).values_list("user_id", flat=True))
    return sum(_send_digest(user_id, now) for user_id in sorted(user_ids))


@transaction.atomic
def _send_digest(user_id, now) -> int:
    items = list(
        DigestItem.objects.select_for_update(of=("self",))
        .filter(user_id=user_id, sent_at__isnull=True)
        .select_related("workshop")
        .order_by("created_at", "id")
    )
    if not items:  # another run took them meanwhile
        return 0
    DigestItem.objects.filter(pk__in=[item.pk for item in items]).update(sent_at=now)
    user = User.objects.get(pk=user_id)
    # No workshop: a digest may gather several workshops' emails, and names papers and their
    # reviewers, so no chair's outbox lists it.
    queue_email(
        to=[user.email],
        template="digest",
        context={"user": user, "items": items},
        audience=EmailAudience.PERSON,
        papers=(),
    )
    return 1
