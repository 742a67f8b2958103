"""Reads of invitations and reviewer profiles, scoped to a workshop."""

from allauth.account.models import EmailAddress
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from reviews.models import Invitation, ReviewerProfile
from workshop.enums import Role
from workshop.models import User


def invitations_of(workshop):
    """The workshop's reviewer invitations, newest first."""
    return Invitation.objects.filter(workshop=workshop).order_by("-created_at", "-id")


def invitation_of(workshop, pk) -> Invitation:
    return get_object_or_404(invitations_of(workshop), pk=pk)


def invitation_for_link(workshop, token) -> Invitation | None:
    """The invitation an accept or decline link stands for, or None when the link does not
    (or no longer) work: unknown token, withdrawn, or older than its lifetime."""
    invitation = Invitation.objects.filter(workshop=workshop, token=token).select_related("workshop").first()
    if invitation is None or not invitation.link_works:
        return None
    return invitation


def reviewers_of(workshop) -> list[User]:
    """The workshop's reviewers by name, each with `.profile` (their ReviewerProfile here, or an
    unsaved one with the defaults) in two queries, whatever their number."""
    profiles = ReviewerProfile.objects.filter(workshop=workshop)
    reviewers = list(
        User.objects.filter(memberships__workshop=workshop, memberships__role=Role.REVIEWER)
        .prefetch_related(Prefetch("reviewer_profiles", queryset=profiles, to_attr="profiles_here"))
        .order_by("name", "email")
    )
    for reviewer in reviewers:
        reviewer.profile = reviewer.profiles_here[0] if reviewer.profiles_here else ReviewerProfile(user=reviewer)
        reviewer.profile.workshop = workshop
    return reviewers


def reviewer_of(workshop, pk) -> User:
    """A reviewer of the workshop; 404 for anyone else."""
    return get_object_or_404(
        User.objects.filter(memberships__workshop=workshop, memberships__role=Role.REVIEWER), pk=pk
    )


def reviewer_profile(workshop, user) -> ReviewerProfile:
    """The reviewer's profile for this workshop; unsaved, prefilled from their account's profile,
    when they have not saved one yet."""
    profile = ReviewerProfile.objects.filter(workshop=workshop, user=user).first()
    if profile is None:
        profile = ReviewerProfile(workshop=workshop, user=user, expertise=user.expertise)
    profile.workshop = workshop
    return profile


def account_exists(email) -> bool:
    """Whether someone has an account with this address, as their login or as another address."""
    return (
        User.objects.filter(email__iexact=email).exists() or EmailAddress.objects.filter(email__iexact=email).exists()
    )
