"""Reads. Roles are read once per request and kept on the user object."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from workshop.models import Direction, Membership, OutboxEmail, Workshop


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


def outbox_of(workshop):
    """The emails of one workshop, newest first."""
    return OutboxEmail.objects.filter(workshop=workshop).order_by("-created_at", "-id")
