"""Celery tasks: thin, named, keyword-only, plain ids in."""

from celery import shared_task

from reviews.services import affinity, assignments, decisions, discussion, reminders
from workshop.models import User, Workshop


@shared_task(name="reviews.compute_affinity")
def compute_affinity(*, workshop_id):
    """Compute (or bring up to date) one workshop's affinity matrix; nothing if it was deleted meanwhile."""
    workshop = Workshop.objects.filter(pk=workshop_id).first()
    if workshop is not None:
        affinity.compute_affinity(workshop=workshop)


@shared_task(name="reviews.run_assignment")
def run_assignment(*, run_id):
    """Solve one queued automatic assignment run and store its proposal for the chair."""
    assignments.execute_run(run_id=run_id)


@shared_task(name="reviews.release_decisions")
def release_decisions(*, workshop_id, by_id):
    """Record and email the decisions of a release a chair started; papers already released are skipped."""
    workshop = Workshop.objects.filter(pk=workshop_id).first()
    if workshop is not None:
        decisions.release_decisions(workshop=workshop, by=User.objects.get(pk=by_id))


@shared_task(name="reviews.send_discussion_notices")
def send_discussion_notices():
    """Periodic (beat, every 5 minutes): the discussion emails that waited for their hour."""
    return discussion.send_discussion_notices()


@shared_task(name="reviews.send_review_reminders")
def send_review_reminders():
    """Periodic (beat, daily): remind reviewers of unfinished reviews on the workshops' reminder days."""
    return reminders.send_review_reminders()
