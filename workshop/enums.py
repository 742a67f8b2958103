from django.db import models


class Role(models.TextChoices):
    CHAIR = "chair", "Chair"
    REVIEWER = "reviewer", "Reviewer"


class AnonymityPolicy(models.TextChoices):
    DOUBLE_BLIND = "double_blind", "Double-blind (reviewers and authors are hidden from each other)"
    SINGLE_BLIND = "single_blind", "Single-blind (reviewers see the authors)"


class Phase(models.TextChoices):
    UPCOMING = "upcoming", "Submissions not yet open"
    SUBMISSION = "submission", "Open for submissions"
    FULL_PAPER = "full_paper", "Abstracts closed; full papers due"
    BIDDING = "bidding", "Bidding"
    REVIEWING = "reviewing", "Reviewing"
    DECISIONS = "decisions", "Decisions"
    CAMERA_READY = "camera_ready", "Camera-ready"
    PUBLISHED = "published", "Published"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class EmailKind(models.TextChoices):
    """What an email is about, for people's choice of immediate or daily digest. Essential emails
    (accounts, invitations, assignments, decisions) always go at once."""

    ESSENTIAL = "essential", "Essential"
    DISCUSSION = "discussion", "New comments in a paper's discussion"
    REVIEW_SUBMITTED = "review_submitted", "A review was submitted"
    REMINDER = "reminder", "Reminders before deadlines"


# Kinds a person may receive as a daily digest instead of one email each.
DIGESTIBLE = [EmailKind.DISCUSSION, EmailKind.REVIEW_SUBMITTED, EmailKind.REMINDER]


class EmailAudience(models.TextChoices):
    """To whom an email went, recorded when it is written: the pages that list emails decide from
    this (and from the papers recorded with it), never from who the authors or reviewers are now.
    The authors' pages list only AUTHORS emails of their paper; with AUTHORS and REVIEWERS the
    papers recorded are the papers whose authors or reviewers it went to."""

    AUTHORS = "authors", "The authors of the paper"
    REVIEWERS = "reviewers", "Reviewers of the papers"
    CHAIRS = "chairs", "The chairs"
    PERSON = "person", "One person"


# Audiences that say which papers' people an email went to: such an email names its papers.
PAPER_AUDIENCES = [EmailAudience.AUTHORS, EmailAudience.REVIEWERS]
