from datetime import timedelta
from itertools import pairwise

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from workshop.enums import AnonymityPolicy, EmailAudience, EmailKind, EmailStatus, Role
from workshop.phases import DATE_FIELDS, Deadlines, important_dates, next_date, phase_at
from workshop.validators import validate_orcid, validate_workshop_slug


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person, known by their email address; the profile fields serve conflicts and assignment."""

    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=200, blank=True)
    affiliation = models.CharField(max_length=300, blank=True)
    email_domains = models.JSONField(
        "institutional email domains",
        default=list,
        blank=True,
        help_text="Domains of the institutions you belong to or recently belonged to, e.g. mpg.de.",
    )
    orcid = models.CharField("ORCID iD", max_length=19, blank=True, validators=[validate_orcid])
    expertise = models.TextField("expertise statement", blank=True)
    expertise_directions = models.ManyToManyField("workshop.Direction", blank=True, related_name="experts")
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.name or self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return (self.name.split() or [self.email])[0]


def default_reminder_days():
    return [3, 1]


class Workshop(models.Model):
    slug = models.CharField(
        max_length=50,
        unique=True,
        validators=[validate_workshop_slug],
        help_text="The workshop's address on this site, e.g. calm-2026.",
    )
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, help_text="Used in email subjects, e.g. CaLM 2026.")
    call_for_papers = models.TextField(blank=True, help_text="Markdown; raw HTML is removed.")
    contact_email = models.EmailField(blank=True)

    submissions_open_at = models.DateTimeField(null=True, blank=True)
    abstract_deadline = models.DateTimeField(null=True, blank=True)
    submission_deadline = models.DateTimeField()
    bidding_deadline = models.DateTimeField(null=True, blank=True)
    review_deadline = models.DateTimeField(null=True, blank=True)
    notification_date = models.DateTimeField(null=True, blank=True)
    camera_ready_deadline = models.DateTimeField(null=True, blank=True)
    grace_minutes = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text="Work is still accepted this many minutes after each deadline; not advertised.",
    )

    reviews_per_paper = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    default_reviewer_load = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    page_limit = models.PositiveSmallIntegerField(
        default=9,
        validators=[MinValueValidator(1), MaxValueValidator(200)],
        help_text="Most pages a submitted PDF may have, references and appendix included.",
    )
    max_upload_mb = models.PositiveSmallIntegerField(
        "upload size limit (MB)", default=10, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    abstract_word_limit = models.PositiveSmallIntegerField(default=300, validators=[MinValueValidator(50)])
    anonymity_policy = models.CharField(max_length=20, choices=AnonymityPolicy, default=AnonymityPolicy.DOUBLE_BLIND)
    supplementary_max_mb = models.PositiveSmallIntegerField(
        "supplementary size limit (MB)", default=50, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    dual_submission_policy = models.TextField(
        blank=True, help_text="If set, authors must confirm it when they submit, e.g. “not under review elsewhere”."
    )
    # The last number given to a submission; raised in the submitting transaction (no gaps).
    last_submission_number = models.PositiveIntegerField(default=0, editable=False)

    share_reviews_with_authors = models.BooleanField(
        default=True, help_text="Authors read their paper's reviews (without names or confidential comments)."
    )
    reminder_days = models.JSONField(
        default=default_reminder_days,
        blank=True,
        help_text="Days before the review deadline on which reviewers with unfinished reviews are reminded.",
    )
    decisions_released_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submission_deadline"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("workshop:detail", kwargs={"slug": self.slug})

    @property
    def is_double_blind(self):
        return self.anonymity_policy == AnonymityPolicy.DOUBLE_BLIND

    @property
    def grace(self):
        return timedelta(minutes=self.grace_minutes)

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(**{key: getattr(self, key) for key, _ in DATE_FIELDS}, grace=self.grace)

    @property
    def phase(self):
        return phase_at(self.deadlines, timezone.now())

    @property
    def important_dates(self):
        return important_dates(self.deadlines)

    @property
    def next_date(self):
        return next_date(self.deadlines, timezone.now())

    def clean(self):
        dates = [(label, getattr(self, key), key) for key, label in DATE_FIELDS if getattr(self, key)]
        errors = {}
        for (earlier_label, earlier, _), (label, later, key) in pairwise(dates):
            if later <= earlier:
                errors[key] = f"{label} must come after {earlier_label.lower()}."
        if errors:
            raise ValidationError(errors)


class Direction(models.Model):
    """A topic of the workshop that papers are tagged with, e.g. causality *in* large models."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="directions")
    slug = models.SlugField(max_length=30)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["workshop", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "slug"], name="direction_slug_unique_per_workshop"),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's role in one workshop; a person may hold several roles."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user", "role"], name="membership_unique_role"),
        ]
        indexes = [models.Index(fields=["user", "workshop"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} of {self.workshop.short_name}"


class OutboxEmail(models.Model):
    """One email, written in the transaction of the event that causes it, sent later by a worker."""

    workshop = models.ForeignKey(Workshop, null=True, blank=True, on_delete=models.CASCADE, related_name="emails")
    template = models.CharField(max_length=100, blank=True, help_text="Template name, when rendered from one.")
    # What the email is about, e.g. "submission:42", so pages can list the emails of one object.
    topic = models.CharField(max_length=50, blank=True, db_index=True)
    # To whom it went, as it was when written (the papers it concerns are its OutboxEmailPaper
    # rows): the authors' pages and the chairs' outbox decide from these, not from today's data.
    audience = models.CharField(max_length=10, choices=EmailAudience)
    from_email = models.CharField(max_length=300)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    message_id = models.CharField(max_length=300, unique=True)

    status = models.CharField(max_length=10, choices=EmailStatus, default=EmailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now, help_text="When the next attempt is due.")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["workshop", "-created_at"]),
        ]
        constraints = [
            # No default: a row written without saying to whom it went is refused, not guessed.
            models.CheckConstraint(condition=models.Q(audience__in=EmailAudience.values), name="outbox_email_audience"),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"

    @property
    def recipients(self):
        return [*self.to, *self.cc, *self.bcc]


class OutboxEmailPaper(models.Model):
    """One paper an outbox email concerns, recorded when the email is written (workshop.mail).

    An email may concern several papers (an assignment email lists a reviewer's papers), so this
    is a link table rather than a column. The paper is a plain id, not a foreign key: this app is
    below the submissions app and never refers to its models (nor its migrations to theirs), and
    paper ids are never reused (PostgreSQL sequences, SQLite AUTOINCREMENT), so an id outliving
    its paper names nothing else. The two indexes serve the two questions asked of it: the
    unique (email, paper) one "does this email concern any paper of this set?" (the chairs'
    outbox hides those of papers the chair is in conflict with), the (paper, email) one "which
    emails concern these papers?" (a paper's page).
    """

    email = models.ForeignKey(OutboxEmail, on_delete=models.CASCADE, related_name="papers")
    paper_id = models.BigIntegerField(help_text="The id of a submission (submissions.Submission).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["email", "paper_id"], name="outbox_email_paper_unique")]
        indexes = [models.Index(fields=["paper_id", "email"], name="outbox_email_paper_by_paper")]

    def __str__(self):
        return f"email {self.email_id} concerns paper {self.paper_id}"


class EmailTemplate(models.Model):
    """A workshop's own wording of one of templates/emails/ (e.g. the acceptance email): text in
    the placeholder language of workshop.placeholders, never a template."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="email_templates")
    name = models.CharField(max_length=100, help_text="The template's name, e.g. decision_accept.")
    subject = models.CharField(
        max_length=300, help_text="Plain text with the email's placeholders, such as {paper_title}."
    )
    body = models.TextField(
        help_text="Plain text with the email's placeholders, such as {paper_title}; write \\{ for a brace. "
        "Never a template: wording with anything else is not sent, the default wording is."
    )
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workshop", "name"], name="email_template_unique_name")]

    def __str__(self):
        return f"{self.name} of {self.workshop.short_name}"


class NotificationPreference(models.Model):
    """A person's choice for one kind of non-essential email: one email each, or a daily digest."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=20, choices=EmailKind)
    digest = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")]

    def __str__(self):
        return f"{self.user}: {self.kind} {'daily digest' if self.digest else 'immediately'}"


class DigestItem(models.Model):
    """One email held back for a person's daily digest."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="digest_items")
    workshop = models.ForeignKey(Workshop, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=EmailKind)
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sent_at", "user"])]

    def __str__(self):
        return f"Digest item for {self.user}: {self.subject}"
