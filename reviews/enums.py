from django.db import models


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Invitations whose links still work (a declined invitee may change their mind; an accepted one
# opening the link again is told they are in).
LINK_WORKS = {InvitationStatus.PENDING, InvitationStatus.ACCEPTED, InvitationStatus.DECLINED}
# Invitations that a re-send or a reminder may go to.
AWAITING_ANSWER = {InvitationStatus.PENDING}


class BidValue(models.TextChoices):
    EAGER = "eager", "Eager"
    WILLING = "willing", "Willing"
    NEUTRAL = "neutral", "Neutral"
    NOT_WILLING = "not_willing", "Not willing"
    CONFLICT = "conflict", "Conflict"


# Bids that keep a reviewer off a paper in every assignment.
EXCLUDING_BIDS = {BidValue.NOT_WILLING, BidValue.CONFLICT}


class AffinityStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Computing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    READY = "ready", "Ready to review"
    FAILED = "failed", "Failed"
    COMMITTED = "committed", "Committed"
    DISCARDED = "discarded", "Discarded"


# Runs a chair may still edit and commit.
EDITABLE_RUNS = {RunStatus.READY}
# Runs whose task is still working.
ACTIVE_RUNS = {RunStatus.QUEUED, RunStatus.RUNNING}


class AssignmentSource(models.TextChoices):
    AUTOMATIC = "automatic", "Automatic assignment"
    MANUAL = "manual", "Assigned by hand"


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class CriterionRole(models.TextChoices):
    """Overall and confidence are the two criteria the dashboard computes with; others are extra."""

    OVERALL = "overall", "Overall recommendation"
    CONFIDENCE = "confidence", "Confidence"
    OTHER = "other", "Other criterion"


class Outcome(models.TextChoices):
    ACCEPT = "accept", "Accept"
    REJECT = "reject", "Reject"
