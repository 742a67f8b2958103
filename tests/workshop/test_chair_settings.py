from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.submissions.conftest import submitted_paper
from tests.utils import outbox_row
from workshop.enums import EmailAudience
from workshop.mail import queue_email
from workshop.models import Direction, OutboxEmail
from workshop.phases import AOE

pytestmark = pytest.mark.django_db


def settings_form_data(workshop, **overrides):
    data = {
        "name": workshop.name,
        "short_name": workshop.short_name,
        "call_for_papers": workshop.call_for_papers,
        "contact_email": "",
        "grace_minutes": 15,
        "reviews_per_paper": 3,
        "default_reviewer_load": 5,
        "page_limit": 9,
        "max_upload_mb": 10,
        "abstract_word_limit": 300,
        "supplementary_max_mb": 50,
        "anonymity_policy": "double_blind",
        "submission_deadline": "2027-01-15T23:59:59",
        "review_deadline": "2027-02-20T23:59:59",
    }
    return {**data, **overrides}


def test_chair_saves_deadlines_typed_in_aoe(chair_client, workshop):
    response = chair_client.post(reverse("workshop:settings", args=["calm"]), settings_form_data(workshop), follow=True)

    workshop.refresh_from_db()
    assert "The workshop settings are saved." in response.content.decode()
    assert workshop.submission_deadline == datetime(2027, 1, 15, 23, 59, 59, tzinfo=AOE)
    assert workshop.submission_deadline == datetime(2027, 1, 16, 11, 59, 59, tzinfo=UTC)
    assert workshop.grace_minutes == 15


def test_chair_sets_the_supplementary_limit_and_the_dual_submission_policy(chair_client, workshop):
    data = settings_form_data(workshop, supplementary_max_mb=20, dual_submission_policy="Not under review elsewhere.")

    chair_client.post(reverse("workshop:settings", args=["calm"]), data)

    workshop.refresh_from_db()
    assert workshop.supplementary_max_mb == 20
    assert workshop.dual_submission_policy == "Not under review elsewhere."
    page = chair_client.get(reverse("workshop:settings", args=["calm"])).content.decode()
    assert 'name="supplementary_max_mb" value="20"' in page
    assert "Not under review elsewhere.</textarea>" in page


def test_settings_form_shows_stored_deadlines_in_aoe(chair_client, workshop):
    workshop.submission_deadline = datetime(2027, 1, 16, 11, 59, 59, tzinfo=UTC)
    workshop.save()

    html = chair_client.get(reverse("workshop:settings", args=["calm"])).content.decode()

    assert 'value="2027-01-15T23:59:59"' in html


def test_deadlines_out_of_order_are_refused_with_a_message(chair_client, workshop):
    before = workshop.submission_deadline
    data = settings_form_data(workshop, review_deadline="2027-01-01T23:59:59")

    response = chair_client.post(reverse("workshop:settings", args=["calm"]), data)

    assert "Review deadline must come after paper submission deadline." in response.content.decode()
    workshop.refresh_from_db()
    assert workshop.submission_deadline == before


def test_bad_numbers_are_refused(chair_client, workshop):
    response = chair_client.post(
        reverse("workshop:settings", args=["calm"]), settings_form_data(workshop, reviews_per_paper=0)
    )

    assert "Ensure this value is greater than or equal to 1." in response.content.decode()


def test_chair_adds_a_direction_at_the_end(chair_client, workshop):
    response = chair_client.post(
        reverse("workshop:directions", args=["calm"]),
        {"slug": "with", "name": "Causality with large models", "description": "Large models for causal discovery."},
        follow=True,
    )

    assert "Direction “Causality with large models” added." in response.content.decode()
    assert list(workshop.directions.values_list("slug", flat=True)) == ["in", "for", "with"]


def test_a_direction_slug_is_unique_within_the_workshop(chair_client, workshop, other_workshop):
    response = chair_client.post(reverse("workshop:directions", args=["calm"]), {"slug": "in", "name": "Again"})

    assert "This workshop already has a direction tagged “in”." in response.content.decode()
    assert workshop.directions.count() == 2


def test_chair_renames_a_direction(chair_client, workshop):
    direction = workshop.directions.get(slug="for")

    chair_client.post(
        reverse("workshop:direction_edit", args=["calm", direction.pk]),
        {"slug": "for", "name": "Causality to improve large models", "description": "New text."},
    )

    direction.refresh_from_db()
    assert (direction.name, direction.description) == ("Causality to improve large models", "New text.")


def test_chair_reorders_directions(chair_client, workshop):
    second = workshop.directions.get(slug="for")

    chair_client.post(reverse("workshop:direction_move", args=["calm", second.pk]), {"to": "up"})
    assert list(workshop.directions.values_list("slug", flat=True)) == ["for", "in"]

    chair_client.post(reverse("workshop:direction_move", args=["calm", second.pk]), {"to": "up"})
    assert list(workshop.directions.values_list("slug", flat=True)) == ["for", "in"]

    chair_client.post(reverse("workshop:direction_move", args=["calm", second.pk]), {"to": "down"})
    assert list(workshop.directions.values_list("slug", flat=True)) == ["in", "for"]


def test_a_direction_of_another_workshop_cannot_be_edited_through_this_one(chair_client, workshop, other_workshop):
    foreign = Direction.objects.get(workshop=other_workshop, slug="in")

    response = chair_client.post(
        reverse("workshop:direction_edit", args=["calm", foreign.pk]), {"slug": "x", "name": "x"}
    )

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Causality in large models"


def test_outbox_lists_this_workshops_emails_and_retries_failed_ones(
    chair_client, cast, workshop, other_workshop, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        chair_client.post(reverse("workshop:outbox_test", args=["calm"]))
    row = OutboxEmail.objects.get(workshop=workshop)
    OutboxEmail.objects.filter(pk=row.pk).update(status="failed", attempts=5, last_error="SMTPDataError: 554")
    outbox_row(workshop=other_workshop, to=["secret@else.example"], subject="Elsewhere")

    listing = chair_client.get(reverse("workshop:outbox", args=["calm"])).content.decode()
    assert "[CaLM] Test email from the outbox" in listing and "SMTPDataError: 554" in listing
    assert "secret@else.example" not in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = chair_client.post(reverse("workshop:outbox_retry", args=["calm"]), {"email": [row.pk]}, follow=True)

    assert "1 failed email queued again." in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)
    assert [m.to for m in mailoutbox] == [[cast["chair"].email], [cast["chair"].email]]


def test_outbox_filters_by_status(chair_client, workshop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        chair_client.post(reverse("workshop:outbox_test", args=["calm"]))

    sent = chair_client.get(reverse("workshop:outbox", args=["calm"]), {"status": "sent"}).content.decode()
    failed = chair_client.get(reverse("workshop:outbox", args=["calm"]), {"status": "failed"}).content.decode()

    assert "Test email from the outbox" in sent
    assert "Test email from the outbox" not in failed and "No emails with this status." in failed


@pytest.mark.parametrize("persona", ["chair", "conflicted_chair"])
def test_outbox_queries_stay_constant(client, cast, workshop, persona, django_assert_max_num_queries):
    hidden = submitted_paper(workshop, cast["author"], conflicted_members=[cast["conflicted_chair"]])
    shown = submitted_paper(workshop, cast["other_author"])
    client.force_login(cast[persona])
    url = reverse("workshop:outbox", args=["calm"])
    with django_assert_max_num_queries(11):
        client.get(url)
    for papers in [[], [shown], [hidden], [shown, hidden]] * 5:
        queue_email(
            to=[cast["reviewer"].email],
            template="outbox_test",
            context={},
            workshop=workshop,
            audience=EmailAudience.REVIEWERS if papers else EmailAudience.PERSON,
            papers=papers,
        )

    with django_assert_max_num_queries(11):
        response = client.get(url)
    listed = response.content.decode().count("Test email from the outbox")
    # A chair in conflict reads no email to reviewers, only the five to one person.
    assert listed == {"chair": 20, "conflicted_chair": 5}[persona]


def test_outbox_pages_keep_the_search_and_status(chair_client, workshop, monkeypatch):
    for n in range(3):
        outbox_row(workshop=workshop, subject=f"Match {n}", status="failed")
    outbox_row(workshop=workshop, subject="Other", status="failed")
    monkeypatch.setattr("workshop.views.OUTBOX_PAGE_SIZE", 2)

    first = chair_client.get(reverse("workshop:outbox", args=["calm"]), {"q": "Match", "status": "failed"})
    following = chair_client.get(
        reverse("workshop:outbox", args=["calm"]), {"q": "Match", "status": "failed", "page": 2}
    )

    html = first.content.decode()
    assert "Page 1 of 2" in html and 'href="?q=Match&amp;status=failed&amp;page=2">Next</a>' in html
    assert "Match 0" in following.content.decode() and "Other" not in following.content.decode()


def test_outbox_email_page_shows_the_body(chair_client, workshop):
    chair_client.post(reverse("workshop:outbox_test", args=["calm"]))
    row = OutboxEmail.objects.get()

    html = chair_client.get(reverse("workshop:outbox_email", args=["calm", row.pk])).content.decode()

    assert "If you can read it, email from this workshop reaches you." in html
