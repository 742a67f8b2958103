"""Celery tasks: thin, named, keyword-only, plain ids in."""

from celery import shared_task

from submissions import publication


@shared_task(name="submissions.send_camera_ready_reminders")
def send_camera_ready_reminders():
    """Periodic (beat, daily): remind the authors of accepted papers without a camera-ready PDF."""
    return publication.send_camera_ready_reminders()
