"""reviews.0005 fills in, for outbox rows written before they were recorded, to whom each went and
the papers it concerns; the authors' pages and the chairs' outbox then read the old rows right."""

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from reviews.services import assignments as assignment_services
from tests.reviews.conftest import submit_review, to_bidding
from tests.submissions.conftest import submitted_paper
from tests.utils import outbox_row
from workshop.models import OutboxEmail, OutboxEmailPaper

pytestmark = pytest.mark.django_db

fill = importlib.import_module("reviews.migrations.0008_fill_outbox_audience_and_papers").fill


def as_before_the_migration():
    """Every row as workshop.0004 leaves it: "person", no papers."""
    OutboxEmailPaper.objects.all().delete()
    OutboxEmail.objects.update(audience="person")


def recorded(**lookup):
    email = OutboxEmail.objects.get(**lookup)
    return email.audience, sorted(email.papers.values_list("paper_id", flat=True))


def test_the_migration_fills_old_rows_from_their_topic_template_text_and_assignments(client, workshop, cast):
    chair, late = cast["chair"], cast["bystander_reviewer"]
    paper = submitted_paper(workshop, cast["author"], conflicted_members=[cast["conflicted_chair"]])
    other = submitted_paper(workshop, cast["other_author"])
    to_bidding(workshop)
    assignment_services.assign_reviewer(submission=paper, reviewer=late, by=chair)
    assignment_services.unassign_reviewer(submission=paper, reviewer=late, by=chair)  # no data remembers it
    assignment_services.assign_reviewer(submission=other, reviewer=late, by=chair)
    # An email in a chair's own wording of old, which lists no paper: the current assignment tells which.
    OutboxEmail.objects.filter(pk=OutboxEmail.objects.filter(template="reviewer_assignment").latest("id").pk).update(
        subject="Work", body_text="Please review."
    )
    submit_review(other, cast["reviewer"])
    outbox_row(workshop=workshop, topic=f"submission:{paper.pk}", template="note", to=[cast["author"].email])
    as_before_the_migration()

    fill(django_apps, None)

    assert recorded(template="submission_received", topic=f"submission:{paper.pk}") == ("authors", [paper.pk])
    # The paper it named by number, and (erring towards hiding) every paper the reviewer has now.
    assert recorded(template="reviewer_assignment", subject__contains="A paper", to=[late.email]) == (
        "reviewers",
        [paper.pk, other.pk],
    )
    assert recorded(template="reviewer_assignment", subject="Work", to=[late.email]) == ("reviewers", [other.pk])
    assert recorded(template="reviewer_unassigned") == ("reviewers", [paper.pk])
    assert recorded(template="review_submitted_chair", to=[chair.email]) == ("chairs", [other.pk])
    assert recorded(template="note") == ("person", [paper.pk])
    client.force_login(cast["conflicted_chair"])
    outbox = client.get(reverse("workshop:outbox", args=["calm"])).content.decode()
    hidden = OutboxEmail.objects.filter(
        template__in=["reviewer_assignment", "reviewer_unassigned"], papers__paper_id=paper.pk
    )
    assert hidden.count() == 2
    assert all(f"/outbox/{email.pk}/" not in outbox for email in hidden)
    assert "no longer yours to review" not in outbox
    assert "Work" in outbox  # the emails about the other paper only
    client.force_login(cast["author"])
    detail = client.get(reverse("submissions:detail", args=["calm", paper.pk])).content.decode()
    listed = re.findall(r"— (.*?) <span", detail.split('id="emails"')[1].split("</ul>")[0])
    assert listed == [f"[CaLM] Submission #{paper.number} received: {paper.title}"]  # not the "note"
