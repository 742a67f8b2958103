"""Writes on a paper's discussion: comments, and the emails that tell the participants about them.

Every participant but the writer hears of a new comment by email, at most once per paper per
hour: a DiscussionNotice per (paper, person) remembers when they were last emailed. When that was
over an hour ago the email goes at once; otherwise the notice is marked pending, and the periodic
task (send_discussion_notices) sends one email covering the waiting comments once the hour has
passed. An email to a reviewer names nobody (other reviewers are "Reviewer N", chairs "Chair").
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from reviews.models import Comment, DiscussionNotice
from reviews.selectors.discussion import (
    CHAIR,
    PARTICIPATING,
    WriterLabels,
    discussion_role,
    participants_of,
    thread_of,
)
from workshop.enums import EmailAudience, EmailKind
from workshop.mail import queue_email

MAX_COMMENT_LENGTH = 5000
# At most one email per paper per person within this interval.
NOTICE_INTERVAL = timedelta(hours=1)


class CommentRefused(Exception):
    """The comment cannot be posted; str() says why, for the writer."""


@transaction.atomic
def post_comment(*, submission, author, text) -> Comment:
    """Add `author`'s comment to the paper's discussion and tell the other participants.

    Refused (CommentRefused) for an empty or over-long text and for anyone not taking part: the
    paper's unconflicted chairs and its assigned reviewers who have submitted their review."""
    text = (text or "").strip()
    if not text:
        raise CommentRefused("Write a comment first.")
    if len(text) > MAX_COMMENT_LENGTH:
        raise CommentRefused(f"A comment can be at most {MAX_COMMENT_LENGTH} characters long ({len(text)} now).")
    if discussion_role(author, submission) not in PARTICIPATING:
        raise CommentRefused("Only the paper's chairs and its reviewers who submitted their review can comment.")
    comment = Comment.objects.create(submission=submission, author=author, text=text)
    labels = WriterLabels(submission)
    for participant in participants_of(submission):
        if participant.user.pk != author.pk:
            _notify(submission, participant, now=comment.created_at, labels=labels)
    return comment


def _notify(submission, participant, *, now, labels) -> None:
    """Email the participant now, or leave the comment waiting for the periodic task."""
    notice, _ = DiscussionNotice.objects.select_for_update().get_or_create(submission=submission, user=participant.user)
    if notice.last_sent_at is None or now - notice.last_sent_at >= NOTICE_INTERVAL:
        _send_notice(submission, notice, participant, now=now, labels=labels)
    elif notice.pending_since is None:
        notice.pending_since = now
        notice.save(update_fields=["pending_since"])


def _send_notice(submission, notice, participant, *, now, labels) -> None:
    """One email covering the comments since the participant's last email (not their own)."""
    comments = [
        comment
        for comment in thread_of(
            submission,
            reader=participant.user,
            reader_role=participant.role,
            after=notice.last_sent_at,
            until=now,
            labels=labels,
        )
        if not comment.is_own
    ]
    if comments:
        url = reverse("reviews:discussion", kwargs={"slug": submission.workshop.slug, "submission_id": submission.pk})
        queue_email(
            to=[participant.user.email],
            template="discussion_comment",
            context={"user": participant.user, "submission": submission, "comments": comments, "discussion_url": url},
            workshop=submission.workshop,
            topic=f"submission:{submission.pk}",
            audience=EmailAudience.CHAIRS if participant.role == CHAIR else EmailAudience.REVIEWERS,
            papers=[submission],  # hidden from chairs in conflict with the paper
            kind=EmailKind.DISCUSSION,
        )
    notice.last_sent_at = now if comments else notice.last_sent_at
    notice.pending_since = None
    notice.save(update_fields=["last_sent_at", "pending_since"])


def send_discussion_notices(*, now=None) -> int:
    """Periodic: send the emails that waited for the hour since the participant's last email
    about the paper to pass; returns how many notices were handled. Each notice is locked and
    checked again, so two runs at once send it once. Someone no longer taking part (unassigned,
    found in conflict) gets nothing."""
    now = now or timezone.now()
    due = DiscussionNotice.objects.filter(pending_since__isnull=False).filter(
        Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=now - NOTICE_INTERVAL)
    )
    return sum(_send_waiting(pk, now) for pk in list(due.order_by("pk").values_list("pk", flat=True)))


@transaction.atomic
def _send_waiting(notice_id, now) -> int:
    notice = (
        DiscussionNotice.objects.select_for_update(of=("self",))
        .select_related("submission__workshop", "user")
        .filter(pk=notice_id, pending_since__isnull=False)
        .first()
    )
    if notice is None or (notice.last_sent_at is not None and now - notice.last_sent_at < NOTICE_INTERVAL):
        return 0  # another run sent it meanwhile
    participant = next((p for p in participants_of(notice.submission) if p.user.pk == notice.user_id), None)
    if participant is None:
        notice.pending_since = None
        notice.save(update_fields=["pending_since"])
        return 0
    _send_notice(notice.submission, notice, participant, now=now, labels=WriterLabels(notice.submission))
    return 1
