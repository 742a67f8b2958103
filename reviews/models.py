"""Reviewers: their invitations and their profile per workshop. Bids, assignments and reviews
arrive with their issues (DESIGN.md section 2)."""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from reviews.enums import LINK_WORKS, InvitationStatus
from workshop.models import Direction, Workshop

# How long an invitation's links work after the last email about it was sent.
INVITATION_LINK_LIFETIME = timedelta(days=60)


def new_invitation_token() -> str:
    """A random, unguessable token for an invitation's links (256 bits)."""
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A chair's invitation to review for a workshop, answered through the links in its email."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="reviewer_invitations")
    email = models.EmailField(help_text="Lowercase; the address the invitation was sent to.")
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=InvitationStatus, default=InvitationStatus.PENDING)
    decline_reason = models.TextField(blank=True)
    # The secret of the accept and decline links; replaced when the invitation is withdrawn, so
    # that links already sent stop working.
    token = models.CharField(max_length=64, unique=True, default=new_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    sent_count = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "email"], name="invitation_unique_email_per_workshop"),
        ]

    def __str__(self):
        return f"{self.email} → {self.workshop.short_name} ({self.get_status_display()})"

    @property
    def link_expires_at(self):
        return (self.last_sent_at or self.created_at) + INVITATION_LINK_LIFETIME

    @property
    def link_works(self) -> bool:
        return self.status in LINK_WORKS and timezone.now() < self.link_expires_at

    def get_accept_url(self):
        return reverse("reviews:invitation_accept", kwargs={"slug": self.workshop.slug, "token": self.token})

    def get_decline_url(self):
        return reverse("reviews:invitation_decline", kwargs={"slug": self.workshop.slug, "token": self.token})


_BLANK_LINES = re.compile(r"\n[ \t]*\n")


def split_own_papers(text: str) -> list[str]:
    """The texts of a reviewer's own papers, pasted as title and abstract separated by blank lines."""
    normalised = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [" ".join(block.split()) for block in _BLANK_LINES.split(normalised) if block.strip()]


class ReviewerProfile(models.Model):
    """What a reviewer brings to one workshop: expertise, own papers, directions and load."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="reviewer_profiles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profiles")
    expertise = models.TextField("expertise statement", blank=True)
    own_papers = models.TextField(
        "your papers",
        blank=True,
        help_text="Titles and abstracts of a few of your papers, each paper separated by a blank line.",
    )
    directions = models.ManyToManyField(Direction, blank=True, related_name="reviewer_profiles")
    max_load = models.PositiveSmallIntegerField(
        "most papers to review",
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Leave empty for the workshop's default.",
    )
    email_domains = models.JSONField("institutional email domains", default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="reviewer_profile_unique_per_workshop"),
        ]

    def __str__(self):
        return f"{self.user} for {self.workshop.short_name}"

    @property
    def effective_max_load(self) -> int:
        return self.workshop.default_reviewer_load if self.max_load is None else self.max_load

    @property
    def own_paper_texts(self) -> list[str]:
        return split_own_papers(self.own_papers)
