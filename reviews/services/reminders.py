"""Review reminders: the periodic ones before the review deadline, and the chairs' "remind now".

The periodic task reminds each reviewer with unfinished reviews on the calendar days (Anywhere on
Earth, like the deadlines) listed in the workshop's `reminder_days` before its review deadline.
Each reminder is recorded by its outbox topic (or, for a reviewer who takes reminders as a daily
digest, by their digest item) and checked under a lock on the workshop, so a task run twice on a
day reminds once. Every reminder also records when the reviewer was reminded of each paper
(Assignment.reminded_at): a chair reminds a reviewer of a paper at most once an hour.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from reviews.models import Assignment
from reviews.selectors.reminders import LateReviewer, ReminderPlan, reminder_plan, reminder_topic, unfinished_reviews
from workshop.enums import EmailAudience, EmailKind
from workshop.mail import queue_email, render_email
from workshop.models import DigestItem, OutboxEmail, Workshop
from workshop.phases import AOE

TEMPLATE = "review_reminder"
# Assignments marked reminded in one UPDATE (SQLite allows at most 32,766 parameters).
MARK_CHUNK = 2000


def days_before_deadline(workshop, now=None) -> int | None:
    """Calendar days (AoE) from `now` to the review deadline: 1 on the day before it, 0 on its
    day, negative after it; None without a deadline."""
    if workshop.review_deadline is None:
        return None
    now = now or timezone.now()
    return (workshop.review_deadline.astimezone(AOE).date() - now.astimezone(AOE).date()).days


def reminder_days_of(workshop) -> set[int]:
    """The workshop's reminder days, ignoring anything that is not a whole number of days."""
    days = set()
    for value in workshop.reminder_days or []:
        try:
            days.add(int(value))
        except (TypeError, ValueError):
            continue
    return {day for day in days if day >= 0}


def _context(workshop, late: LateReviewer, *, now, from_chairs) -> dict:
    return {
        "user": late.reviewer,
        "reviewer": late.reviewer,
        "papers": late.papers,
        "days_left": days_before_deadline(workshop, now),
        "from_chairs": from_chairs,
        "papers_url": reverse("reviews:my_papers", kwargs={"slug": workshop.slug}),
    }


def preview_reminder(*, workshop, late: LateReviewer, now=None) -> tuple[str, str]:
    """The subject and text of the chairs' reminder to this reviewer, exactly as it would go."""
    context = _context(workshop, late, now=now or timezone.now(), from_chairs=True)
    subject, text, _ = render_email(TEMPLATE, {"workshop": workshop, **context})
    return subject, text


def _queue_reminder(workshop, late, context, *, topic):
    return queue_email(
        to=[late.reviewer.email],
        template=TEMPLATE,
        context=context,
        workshop=workshop,
        topic=topic,
        audience=EmailAudience.REVIEWERS,
        papers=late.papers,  # hidden from a chair in conflict with any of them
        kind=EmailKind.REMINDER,
    )


def remind_late_reviewers(*, workshop, by, now=None) -> ReminderPlan:
    """A chair's "remind now": one email to each reviewer with unfinished reviews, listing those
    papers, but those they were reminded of less than RESEND_INTERVAL ago (reminder_plan); returns
    the plan it carried out. Papers the chair is in conflict with are left to another chair (see
    unfinished_reviews). The workshop's row is locked first, so that clicks arriving together
    remind once."""
    now = now or timezone.now()
    with transaction.atomic():
        Workshop.objects.select_for_update().filter(pk=workshop.pk).exists()
        plan = reminder_plan(workshop, viewer=by, now=now)
        for late in plan.due:
            context = _context(workshop, late, now=now, from_chairs=True)
            _queue_reminder(workshop, late, context, topic=reminder_topic(workshop, late.reviewer, "now"))
        _mark_reminded(plan.due, now)
    return plan


def _mark_reminded(late_reviewers, now):
    """Record when each reviewer was reminded of each of their papers (Assignment.reminded_at)."""
    ids = [paper.assignment_id for late in late_reviewers for paper in late.papers]
    for start in range(0, len(ids), MARK_CHUNK):
        Assignment.objects.filter(pk__in=ids[start : start + MARK_CHUNK]).update(reminded_at=now)


def send_review_reminders(*, now=None) -> int:
    """Periodic (daily): remind the reviewers with unfinished reviews of every workshop whose
    review deadline is one of its reminder days away; returns how many reminders were queued.
    Exactly once per reviewer, workshop and reminder day, however often it runs."""
    now = now or timezone.now()
    sent = 0
    for workshop in Workshop.objects.filter(review_deadline__gt=now).order_by("pk"):
        days = days_before_deadline(workshop, now)
        if days in reminder_days_of(workshop):
            sent += _send_day_reminders(workshop.pk, days, now)
    return sent


@transaction.atomic
def _send_day_reminders(workshop_id, days, now) -> int:
    # The lock on the workshop makes a second run wait, then find every reminder recorded.
    workshop = Workshop.objects.select_for_update().get(pk=workshop_id)
    sent = 0
    for late in unfinished_reviews(workshop):
        topic = reminder_topic(workshop, late.reviewer, days)
        context = _context(workshop, late, now=now, from_chairs=False)
        if _already_reminded(workshop, late, context, topic=topic):
            continue
        _queue_reminder(workshop, late, context, topic=topic)
        _mark_reminded([late], now)
        sent += 1
    return sent


def _already_reminded(workshop, late, context, *, topic) -> bool:
    """Whether this reminder went out already: as an outbox row with its topic, or into the
    reviewer's digest (items carry no topic; the subject names the day: "due in 3 days")."""
    if OutboxEmail.objects.filter(workshop=workshop, topic=topic).exists():
        return True
    subject, _, _ = render_email(TEMPLATE, {"workshop": workshop, **context})
    return DigestItem.objects.filter(
        user=late.reviewer, workshop=workshop, kind=EmailKind.REMINDER, subject=subject
    ).exists()
