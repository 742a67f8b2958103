"""The data migration that moves the workshops' stored wording from Django template syntax to the
placeholder language: what converts is converted, the rest is kept for the chair to fix, and
nothing unconverted is ever rendered."""

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.urls import reverse

from reviews.emails import PLACEHOLDERS
from reviews.services.decisions import decide, release_decisions
from tests.reviews.conftest import submit_review
from tests.submissions.conftest import submitted_paper
from workshop.mail import override_problems
from workshop.models import EmailTemplate, OutboxEmail

pytestmark = pytest.mark.django_db

migration = importlib.import_module("workshop.migrations.0004_email_templates_use_placeholders")

# The default wording as it was before the migration, which the editor handed to chairs to edit.
OLD_ACCEPT_SUBJECT = "[{{ workshop.short_name }}] Paper #{{ submission.number }} accepted: {{ submission.title }}"
OLD_ACCEPT_BODY = (
    '{% extends "emails/base.txt" %}{% block greeting %}Dear authors,{% endblock %}{% block content %}We are '
    'delighted to tell you that your paper #{{ submission.number }}, "{{ submission.title }}", has been accepted '
    "to {{ workshop.name }}{% if presentation %} for {{ presentation|lower }} presentation{% endif %}.\n"
    "{% if note %}\nA note from the chairs:\n\n{{ note }}\n{% endif %}{% if workshop.camera_ready_deadline %}\n"
    "Please upload the camera-ready version (final, not anonymised) by "
    '{{ workshop.camera_ready_deadline|date:"j F Y" }} (Anywhere on Earth).\n{% endif %}\n'
    "The decision{% if reviews %} and the reviews{% endif %}, on the workshop's site:\n"
    '{{ site_url }}{{ reviews_url }}\n{% include "emails/_decision_reviews.txt" %}{% endblock %}\n'
)
OLD_REJECT_BODY = (
    '{% extends "emails/base.txt" %}{% block greeting %}Dear authors,{% endblock %}{% block content %}Thank you '
    'for submitting your paper #{{ submission.number }}, "{{ submission.title }}", to {{ workshop.name }}. We are '
    "sorry to tell you that it was not accepted this year: the chairs received many more good papers than the "
    "workshop has room for.\n{% if note %}\nA note from the chairs:\n\n{{ note }}\n{% endif %}\n"
    "The decision{% if reviews %} and the reviews{% endif %}, on the workshop's site:\n"
    '{{ site_url }}{{ reviews_url }}\n{% include "emails/_decision_reviews.txt" %}{% if reviews %}\n'
    "We hope the reviews help you with the next version of your work.{% endif %}{% endblock %}\n"
)


@pytest.fixture
def paper(workshop, cast):
    return submitted_paper(workshop, cast["author"], title="Causal parrots", authors=[cast["author"], cast["coauthor"]])


def stored(workshop, name, subject, body):
    return EmailTemplate.objects.create(workshop=workshop, name=name, subject=subject, body=body)


def test_migration_converts_the_old_rejection_default_to_placeholders():
    converted = migration.convert(OLD_REJECT_BODY)

    assert converted == (
        "Dear authors,\n\n"
        'Thank you for submitting your paper #{paper_number}, "{paper_title}", to {workshop_name}. We are sorry to '
        "tell you that it was not accepted this year: the chairs received many more good papers than the workshop "
        "has room for.\n\n{note}The decision, on the workshop's site:\n{paper_url}\n{reviews}\n\n"
        "— Workshop reviews for {workshop_name}\n{site_url}\n"
    )


def test_migrated_edited_default_is_sent_in_the_release(settings, cast, workshop, paper):
    settings.SITE_URL = "https://calm.example"
    workshop.camera_ready_deadline = datetime(2026, 12, 10, 11, 59, tzinfo=UTC)
    workshop.save(update_fields=["camera_ready_deadline"])
    submit_review(paper, cast["reviewer"], overall=5, summary="A bold and careful study.")
    decide(submission=paper, outcome="accept", presentation="oral", note="Shorten the talk.", by=cast["chair"])
    # as a browser posted it: CRLF line ends
    body = OLD_ACCEPT_BODY.replace("We are delighted", "We are thrilled").replace("\n", "\r\n")
    template = stored(workshop, "decision_accept", OLD_ACCEPT_SUBJECT.replace("accepted", "is in"), body)

    migration.convert_templates(apps, None)
    release_decisions(workshop=workshop, by=cast["chair"])

    template.refresh_from_db()
    assert override_problems(template, PLACEHOLDERS["decision_accept"]) == []
    [email] = OutboxEmail.objects.filter(template="decision_accept")
    assert email.subject == "[CaLM] Paper #1 is in: Causal parrots"
    assert email.body_text.startswith(
        "Dear authors,\n\n"
        'We are thrilled to tell you that your paper #1, "Causal parrots", has been accepted to Causality and Large '
        "Models for oral presentation.\n\n"
        "A note from the chairs:\n\nShorten the talk.\n\n"
        "Please upload the camera-ready version (final, not anonymised) by Wed 9 Dec 2026, 23:59 AoE.\n\n"
        "The decision, on the workshop's site:\n"
        f"https://calm.example/calm/papers/{paper.pk}/reviews/\n\n"
        "--- Reviewer 1 ---\nOverall recommendation: 5 (Strong accept)\n"
    )
    assert "Summary:\nA bold and careful study.\n" in email.body_text
    assert email.body_text.endswith("\n\n— Workshop reviews for Causality and Large Models\nhttps://calm.example\n")


def test_migration_keeps_what_it_cannot_convert_and_the_default_is_sent_meanwhile(client, cast, workshop, paper):
    decide(submission=paper, outcome="accept", presentation="poster", by=cast["chair"])
    body = "Dear {{ submission.title }} people,\n{% for r in reviews %}{{ r.summary }}{% endfor %}\nSee {appendix}."
    template = stored(workshop, "decision_accept", "{{ submission.title|upper }}", body)

    migration.convert_templates(apps, None)
    release_decisions(workshop=workshop, by=cast["chair"])
    client.force_login(cast["chair"])
    page = client.get(reverse("reviews:email_template", args=["calm", "decision_accept"])).content.decode()

    template.refresh_from_db()
    assert (template.subject, template.body) == (
        "{{ submission.title|upper }}",
        "Dear {paper_title} people,\n{% for r in reviews %}{{ r.summary }}{% endfor %}\nSee \\{appendix}.",
    )
    [email] = OutboxEmail.objects.filter(template="decision_accept")
    assert email.subject == "[CaLM] Paper #1 accepted: Causal parrots"
    assert "We are delighted to tell you" in email.body_text
    assert "Your saved wording cannot be sent as it is" in page
    assert "Line 1: {{ submission.title|upper }} is template code" in page
    assert "Line 2: {% for r in reviews %} is template code" in page
    assert "See \\{appendix}.</textarea>" in page
    assert "in the default wording that the release sends for now." in page
    release = client.get(reverse("reviews:release", args=["calm"])).content.decode()
    assert "Your saved wording of this email was written for the old template syntax" in release
