"""Reviewers: invitations, profiles per workshop, bids, affinity, assignment runs and assignments.
reviews, discussion and decisions (DESIGN.md section 2)."""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from reviews.enums import (
    ACTIVE_RUNS,
    LINK_WORKS,
    AffinityStatus,
    AssignmentSource,
    BidValue,
    CriterionRole,
    InvitationStatus,
    Outcome,
    ReviewStatus,
    RunStatus,
)
from submissions.enums import Presentation
from submissions.models import Submission
from workshop.models import Direction, Workshop

# How long an invitation's links work after the last email about it was sent.
INVITATION_LINK_LIFETIME = timedelta(days=60)
# The chairs email one invitation at most this often (re-send, reminder, invitation again), and
# remind a reviewer of one review at most this often: a button clicked forty times sends one email.
RESEND_INTERVAL = timedelta(hours=1)
# An assignment run still queued or running this long after it was started is taken for lost (its
# worker was stopped, or its message dropped): the whole run from the database takes under a
# minute at 20,000 papers, so it no longer keeps the workshop from starting another.
RUN_ABANDONED_AFTER = timedelta(minutes=15)


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
    def next_send_at(self):
        """When the chairs may email this invitation again (RESEND_INTERVAL); None if never sent."""
        return self.last_sent_at + RESEND_INTERVAL if self.last_sent_at else None

    @property
    def can_send_now(self) -> bool:
        return self.next_send_at is None or timezone.now() >= self.next_send_at

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


class Bid(models.Model):
    """How much a reviewer wants to review a paper, given during bidding."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="bids")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="bids")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bids")
    value = models.CharField(max_length=12, choices=BidValue)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "reviewer"], name="bid_unique_per_pair")]
        indexes = [models.Index(fields=["workshop", "reviewer"])]

    def __str__(self):
        return f"{self.reviewer} on {self.submission}: {self.get_value_display()}"


class TextEmbedding(models.Model):
    """One text's embedding by one method, shared by every workshop: a text is embedded once."""

    method = models.CharField(max_length=20)
    sha256 = models.CharField(max_length=64, help_text="Of the text, UTF-8.")
    vector = models.BinaryField(help_text="float32, little-endian.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["method", "sha256"], name="embedding_unique_per_text")]

    def __str__(self):
        return f"{self.method} embedding of {self.sha256[:12]}"


class AffinityScores(models.Model):
    """A workshop's affinity matrix (papers x reviewers), kept until its inputs change."""

    workshop = models.OneToOneField(Workshop, on_delete=models.CASCADE, related_name="affinity")
    method = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=10, choices=AffinityStatus, default=AffinityStatus.QUEUED)
    done = models.PositiveIntegerField(default=0, help_text="Texts embedded so far.")
    total = models.PositiveIntegerField(default=0, help_text="Texts to embed.")
    error = models.TextField(blank=True)
    # A hash of every input text and of the method; the matrix is stale when it differs.
    fingerprint = models.CharField(max_length=64, blank=True)
    paper_ids = models.JSONField(default=list, blank=True)
    reviewer_ids = models.JSONField(default=list, blank=True)
    matrix = models.BinaryField(blank=True, default=b"", help_text="float32 (papers x reviewers), C order.")
    started_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "affinity scores"

    def __str__(self):
        return f"Affinity of {self.workshop.short_name} ({self.method or 'none'}, {self.get_status_display()})"


class AssignmentRun(models.Model):
    """One run of the automatic assignment: its settings, its result as proposed pairs the chair
    can edit, and whether it was committed."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="assignment_runs")
    status = models.CharField(max_length=10, choices=RunStatus, default=RunStatus.QUEUED)
    progress = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    reviews_per_paper = models.PositiveSmallIntegerField()
    affinity_weight = models.FloatField(default=1.0)
    bid_weight = models.FloatField(default=1.0)
    direction_weight = models.FloatField(default=0.3)
    fair = models.BooleanField(default=False)
    threshold = models.FloatField(default=0.5, help_text="Papers whose mean pair score is below it are listed.")
    affinity_method = models.CharField(max_length=20, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One run at a time per workshop, kept by the database whoever starts it and however
            # fast: a second run started meanwhile fails to insert (reviews.services.assignments).
            models.UniqueConstraint(
                fields=["workshop"],
                condition=models.Q(status__in=sorted(status.value for status in ACTIVE_RUNS)),
                name="assignment_run_one_active_per_workshop",
            ),
        ]

    def __str__(self):
        return f"Assignment run {self.pk} of {self.workshop.short_name} ({self.get_status_display()})"

    @property
    def is_abandoned(self) -> bool:
        """Queued or running for longer than any run takes: its worker is gone (RUN_ABANDONED_AFTER)."""
        return self.status in ACTIVE_RUNS and timezone.now() - self.created_at > RUN_ABANDONED_AFTER


class ProposedPair(models.Model):
    """A paper-reviewer pair in a run's result, with its score broken down."""

    run = models.ForeignKey(AssignmentRun, on_delete=models.CASCADE, related_name="pairs")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    affinity = models.FloatField(default=0.0)
    bid = models.CharField(max_length=12, choices=BidValue, default=BidValue.NEUTRAL)
    direction_match = models.FloatField(default=0.0)
    score = models.FloatField(default=0.0)
    is_locked = models.BooleanField(default=False)
    is_manual = models.BooleanField(default=False, help_text="Added or moved by a chair in the preview.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "submission", "reviewer"], name="proposed_pair_unique"),
        ]

    def __str__(self):
        return f"{self.reviewer} for {self.submission} (run {self.run_id})"


class Assignment(models.Model):
    """A reviewer assigned to review a paper."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="assignments")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    source = models.CharField(max_length=10, choices=AssignmentSource)
    run = models.ForeignKey(AssignmentRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_locked = models.BooleanField(
        default=True, help_text="Kept by every later automatic run (assignments are locked once committed)."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the reviewer was last reminded of this review (at most once an hour)."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "reviewer"], name="assignment_unique_per_pair"),
        ]
        indexes = [models.Index(fields=["workshop", "reviewer"])]

    def __str__(self):
        return f"{self.reviewer} reviews {self.submission}"


class ReviewerNumber(models.Model):
    """The N of "Reviewer N" for one reviewer of one paper, as everyone but the chairs reads it.

    Drawn at random among the paper's fresh numbers when the reviewer is first assigned
    (reviews.services.numbering), so that it tells nothing of who they are; kept when they are
    unassigned, and never given to anyone else on the paper."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "reviewer"], name="reviewer_number_unique_per_pair"),
            models.UniqueConstraint(fields=["submission", "number"], name="reviewer_number_unique_per_paper"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="reviewer_number_from_one"),
        ]

    def __str__(self):
        return f"Reviewer {self.number} of {self.submission}"


class ReviewCriterion(models.Model):
    """A scored question of a workshop's review form, e.g. the overall recommendation (1-5)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="review_criteria")
    key = models.SlugField(max_length=40, help_text="Stable name under which reviews store the score.")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    role = models.CharField(max_length=12, choices=CriterionRole, default=CriterionRole.OTHER)
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=5)
    labels = models.JSONField(default=dict, blank=True, help_text='Score → label, e.g. {"1": "Strong reject"}.')
    required = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "key"], name="criterion_key_unique_per_workshop"),
            models.CheckConstraint(condition=models.Q(scale_max__gt=models.F("scale_min")), name="criterion_scale"),
        ]

    def __str__(self):
        return f"{self.name} ({self.scale_min}-{self.scale_max})"


class Review(models.Model):
    """One reviewer's review of one paper: a draft until submitted; every version is kept."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="reviews")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    status = models.CharField(max_length=10, choices=ReviewStatus, default=ReviewStatus.DRAFT)
    summary = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    weaknesses = models.TextField(blank=True)
    questions = models.TextField("questions for the authors", blank=True)
    confidential_comments = models.TextField("confidential comments to the chairs", blank=True)
    scores = models.JSONField(default=dict, blank=True, help_text="Criterion key → score.")
    # The scores of the criteria with the overall and confidence roles, copied from `scores` by
    # the review service: the chairs' dashboard averages them in SQL over every review of a
    # conference, which JSON values do not allow portably (decoding 65,000 reviews' JSON in Python
    # took over a second).
    overall_score = models.SmallIntegerField(null=True, blank=True, editable=False)
    confidence_score = models.SmallIntegerField(null=True, blank=True, editable=False)
    # Raised on every save; an autosave carries the version it started from (stale saves are refused).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "reviewer"], name="review_unique_per_pair")]
        indexes = [
            models.Index(fields=["workshop", "status"]),
            # The chairs' dashboard reads a workshop's reviews by paper for these columns only: on
            # PostgreSQL from this index alone, without the reviews' wide rows (about 10 times faster).
            models.Index(
                fields=["workshop", "submission"],
                include=["reviewer", "status", "overall_score", "confidence_score"],
                name="review_scores_covering",
            ),
        ]

    def __str__(self):
        return f"Review of {self.submission} by {self.reviewer} ({self.get_status_display()})"


class Comment(models.Model):
    """A message in a paper's discussion between its reviewers (who submitted) and the chairs."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Comment on {self.submission} by {self.author}"


class DiscussionNotice(models.Model):
    """When a participant was last emailed about a paper's discussion, and since when new comments
    wait for the next email (at most one email per paper per hour)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_sent_at = models.DateTimeField(null=True, blank=True)
    pending_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "user"], name="discussion_notice_unique")]

    def __str__(self):
        return f"Discussion notices of {self.submission} for {self.user}"


class Decision(models.Model):
    """The chairs' decision on a paper; hidden from authors and reviewers until released."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="decisions")
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome)
    presentation = models.CharField(max_length=10, choices=Presentation, blank=True)
    note_to_authors = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # Raised on every change; a chair's form carries the version it saw (a lost race is refused).
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.submission}"
