from django.db import models


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DESK_REJECTED = "desk_rejected", "Desk-rejected"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


# Statuses in which authors may still change the paper (before the deadline) or withdraw it.
OPEN = {SubmissionStatus.DRAFT, SubmissionStatus.SUBMITTED}
# Papers that count as submitted to the workshop (numbered, visible to chairs as live work).
LIVE = {SubmissionStatus.SUBMITTED}
DECIDED = {SubmissionStatus.ACCEPTED, SubmissionStatus.REJECTED}


class FileKind(models.TextChoices):
    PAPER = "paper", "Paper (PDF)"
    SUPPLEMENTARY = "supplementary", "Supplementary material"
