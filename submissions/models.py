import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from submissions.enums import ConflictSource, FileKind, Presentation, SubmissionStatus
from workshop.models import Direction, Workshop


class Submission(models.Model):
    """A paper submitted (or being prepared) for one workshop."""

    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveIntegerField(null=True, blank=True, help_text="Given when first submitted.")
    title = models.CharField(max_length=250)
    abstract = models.TextField()
    keywords = models.CharField(max_length=300, blank=True, help_text="Comma-separated.")
    tldr = models.CharField("TL;DR", max_length=300, blank=True)
    primary_direction = models.ForeignKey(Direction, on_delete=models.PROTECT, related_name="primary_submissions")
    secondary_directions = models.ManyToManyField(Direction, blank=True, related_name="secondary_submissions")
    status = models.CharField(max_length=20, choices=SubmissionStatus, default=SubmissionStatus.DRAFT)
    desk_reject_reason = models.TextField(blank=True)
    # Recorded when the chairs release decisions (reviews.services), so authors' pages show them.
    presentation = models.CharField(max_length=10, choices=Presentation, blank=True)
    decision_note = models.TextField(blank=True)
    deadline_extension = models.DateTimeField(
        null=True, blank=True, help_text="A chair's extension of the submission deadline for this paper."
    )
    conflict_domains = models.JSONField(default=list, blank=True, help_text="Institutions' email domains.")
    conflicted_members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="declared_conflicts",
        help_text="Reviewers and chairs of the workshop the authors are in conflict with.",
    )
    agreed_anonymity = models.BooleanField(default=False)
    agreed_dual_submission = models.BooleanField(default=False)
    anonymity_findings = models.JSONField(default=list, blank=True)
    # Raised on every save; a form carries the version it was opened at (stale forms are refused).
    version = models.PositiveIntegerField(default=1)
    # The key of the form that created it, so a double click creates one submission.
    creation_key = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["creation_key"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "number"], name="submission_number_unique_per_workshop"),
        ]
        indexes = [
            models.Index(fields=["workshop", "status"]),
            models.Index(fields=["workshop", "-submitted_at"]),
            # Covering (PostgreSQL): the chairs' list and dashboard and the conflict rule read these
            # columns of every paper of a workshop; from the index alone they skip the wide rows
            # (abstracts), about twice as fast at 20,000 papers, and the list's count ten times.
            models.Index(
                fields=["workshop", "number"],
                include=["id", "status", "primary_direction", "submitted_at", "conflict_domains", "title"],
                name="submission_workshop_covering",
            ),
        ]

    def __str__(self):
        return f"#{self.number} {self.title}" if self.number else f"Draft: {self.title}"

    def get_absolute_url(self):
        return reverse("submissions:detail", kwargs={"slug": self.workshop.slug, "pk": self.pk})

    @property
    def label(self):
        return f"#{self.number}" if self.number else "draft"

    @property
    def has_anonymity_flag(self):
        return bool(self.anonymity_findings)


class SubmissionAuthor(models.Model):
    """One author in the paper's author list, in order. Their account is found by verified email."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="authors")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    email = models.EmailField()
    affiliation = models.CharField(max_length=300, blank=True)
    # workshop.affiliations.normalise_affiliation(affiliation), for matching conflicts in SQL.
    affiliation_key = models.CharField(max_length=300, blank=True, db_index=True, editable=False)
    # reversed_domain(email): a domain and the domains below it share a prefix, which an index finds
    # (conflicts by email domain), where a search for a suffix of the email reads every author.
    reversed_domain = models.CharField(max_length=254, blank=True, editable=False)

    class Meta:
        ordering = ["submission", "order"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "email"], name="author_email_unique_per_submission"),
        ]
        indexes = [
            models.Index(fields=["email"]),
            # The pattern operator class lets PostgreSQL use the index for LIKE 'prefix%'.
            models.Index(fields=["reversed_domain"], name="author_reversed_domain", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return self.name


class CoauthorInvitation(models.Model):
    """The email that asked a listed co-author without an account to sign up. One per address
    and paper, and few a day per address and per author (submissions.services), so that listing
    someone as a co-author is no way to mail them at will."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="coauthor_invitations")
    email = models.EmailField()
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "email"], name="coauthor_invitation_once_per_paper"),
        ]
        indexes = [
            models.Index(fields=["email", "sent_at"]),
            models.Index(fields=["invited_by", "sent_at"]),
        ]

    def __str__(self):
        return f"{self.email} for submission {self.submission_id}"


def reversed_domain(email) -> str:
    """The domain of an address (or a bare domain), lower-cased, with its labels reversed:
    someone@cs.ox.ac.uk → uk.ac.ox.cs."""
    return ".".join(reversed(email.rpartition("@")[2].strip().lower().split(".")))


def _random_upload_name(instance, filename):
    extension = "zip" if filename.lower().endswith(".zip") else "pdf"
    return f"submissions/{instance.submission.workshop_id}/{uuid.uuid4().hex}.{extension}"


class SubmissionFile(models.Model):
    """One uploaded version of the paper or its supplementary material; none is ever replaced."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=20, choices=FileKind, default=FileKind.PAPER)
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to=_random_upload_name, max_length=200)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    page_count = models.PositiveIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=50, default="application/pdf")
    anonymity_findings = models.JSONField(default=list, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "kind", "version"], name="file_version_unique"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version} of {self.submission}"

    @property
    def is_pdf(self):
        return self.content_type == "application/pdf"

    @property
    def anonymous_name(self):
        """The name everyone but the authors downloads it under: paper-N.pdf, paper-N-supplementary.zip,
        paper-N-camera-ready.pdf."""
        suffix = {FileKind.PAPER: "", FileKind.CAMERA_READY: "-camera-ready"}.get(self.kind, "-supplementary")
        return f"paper-{self.submission.number}{suffix}.{'pdf' if self.is_pdf else 'zip'}"


class Conflict(models.Model):
    """A conflict between a person and a paper beyond what its authors declared: declared by the
    person (a reviewer's "conflict" bid) or set by a chair. A chair's row with `is_conflict=False`
    lifts a conflict found automatically or declared by anyone but never authorship."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="conflicts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_conflicts")
    source = models.CharField(max_length=10, choices=ConflictSource)
    is_conflict = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "user", "source"], name="conflict_unique_per_source"),
        ]
        indexes = [models.Index(fields=["user", "submission"])]

    def __str__(self):
        verb = "conflicted with" if self.is_conflict else "cleared for"
        return f"{self.user} {verb} {self.submission} ({self.get_source_display()})"
