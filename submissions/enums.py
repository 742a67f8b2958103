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
    CAMERA_READY = "camera_ready", "Camera-ready version (PDF)"


class Presentation(models.TextChoices):
    ORAL = "oral", "Oral"
    SPOTLIGHT = "spotlight", "Spotlight"
    POSTER = "poster", "Poster"


class ConflictSource(models.TextChoices):
    REVIEWER = "reviewer", "Declared by the reviewer"
    CHAIR = "chair", "Set by a chair"


class ConflictReason(models.TextChoices):
    """Why a person is in conflict with a paper, as shown to chairs."""

    AUTHOR = "author", "Is an author"
    DECLARED = "declared", "Declared by the authors"
    INSTITUTION = "institution", "Institution named by the authors"
    DOMAIN = "domain", "Same institutional email domain as an author"
    AFFILIATION = "affiliation", "Same affiliation as an author"
    REVIEWER = "reviewer", "Declared by the reviewer"
    CHAIR = "chair", "Set by a chair"
