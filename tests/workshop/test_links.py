"""Every absolute link in an email starts with the site's address, joined in one place (workshop.links)."""

import re
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from reviews.enums import Outcome
from reviews.services.assignments import assign_reviewer
from reviews.services.decisions import decide, release_decisions
from submissions.publication import send_camera_ready_reminders
from submissions.services import AuthorEntry
from tests.reviews.conftest import invite
from tests.submissions.conftest import submitted_paper
from workshop.models import OutboxEmail

ROOT = Path(__file__).resolve().parents[2]
SITE = "http://127.0.0.1:8801"


def links(text):
    return re.findall(r"https?://[^\s\"<>]+", text)


def test_every_email_kind_links_to_the_site_url(settings, workshop, cast):
    settings.SITE_URL = SITE
    newcomer = AuthorEntry("Nina Newcomer", "nina@uni-h.example", "Uni H")
    paper = submitted_paper(workshop, cast["author"], authors=[cast["author"], newcomer])
    invite(workshop, cast["chair"], "new.reviewer@uni-h.example")
    assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])
    workshop.submission_deadline = timezone.now() - timedelta(days=9)
    workshop.review_deadline = timezone.now() - timedelta(days=5)
    workshop.notification_date = timezone.now() - timedelta(days=1)
    workshop.camera_ready_deadline = timezone.now() + timedelta(days=2)
    workshop.save()
    paper.refresh_from_db()
    decide(submission=paper, outcome=Outcome.ACCEPT, presentation="poster", by=cast["chair"])
    release_decisions(workshop=workshop, by=cast["chair"])

    send_camera_ready_reminders()

    emails = list(OutboxEmail.objects.all())
    kinds = {email.template for email in emails}
    assert {
        "submission_received",
        "coauthor_invitation",
        "reviewer_invitation",
        "reviewer_assignment",
        "decision_accept",
        "camera_ready_reminder",
    } <= kinds
    for email in emails:
        found = links(email.body_text) + links(email.body_html)
        assert found and all(link.startswith(SITE + "/") or link == SITE for link in found), (email.template, found)


def test_absolute_links_in_emails_are_joined_in_one_place():
    templates = (ROOT / "templates" / "emails").rglob("*.*")
    joined_in_templates = [path.name for path in templates if "{{ site_url }}{" in path.read_text()]
    readers = [
        str(path.relative_to(ROOT))
        for app in ("workshop", "reviews", "submissions")
        for path in (ROOT / app).rglob("*.py")
        if "settings.SITE_URL" in path.read_text() and path.name not in {"links.py", "settings.py"}
    ]

    assert (joined_in_templates, readers) == ([], [])
