from datetime import UTC, datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests.factories import WorkshopFactory
from workshop import services
from workshop.templatetags.workshop_tags import aoe, markdown

pytestmark = pytest.mark.django_db


def test_home_lists_every_workshop_with_its_phase(client, workshop, other_workshop):
    response = client.get("/")

    html = response.content.decode()
    assert "Causality and Large Models" in html and "Another Workshop" in html
    assert "Open for submissions" in html


def test_home_runs_a_constant_number_of_queries(client, django_assert_max_num_queries, workshop):
    with django_assert_max_num_queries(4):
        client.get("/")
    for _ in range(5):
        WorkshopFactory()

    with django_assert_max_num_queries(4):
        response = client.get("/")
    assert response.content.decode().count('card-title"') == 6


def test_workshop_page_shows_cfp_directions_and_dates_in_aoe(client, workshop):
    response = client.get(reverse("workshop:detail", args=["calm"]))

    html = response.content.decode()
    assert "<p>We invite papers.</p>" in html
    assert html.index("Causality in large models") < html.index("Causality for large models")
    assert aoe(workshop.submission_deadline) in html
    assert f'datetime="{workshop.submission_deadline.isoformat()}"' in html
    assert "data-countdown=" in html


def test_workshop_page_queries_do_not_grow_with_directions(client, workshop, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/calm/")
    for n in range(6):
        services.add_direction(workshop=workshop, slug=f"extra{n}", name=f"Extra {n}")

    with django_assert_max_num_queries(4):
        response = client.get("/calm/")
    assert response.content.decode().count('class="list-group-item"') == 8


def test_unknown_workshop_is_404(client, db):
    assert client.get("/nowhere/").status_code == 404


def test_cfp_markdown_is_sanitised():
    html = markdown('**Bold** <script>alert(1)</script> <a href="javascript:alert(1)" onclick="x()">link</a>')

    assert "<strong>Bold</strong>" in html
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html


def test_aoe_formats_a_utc_instant_twelve_hours_behind():
    assert aoe(datetime(2026, 12, 9, 11, 59, 59, tzinfo=UTC)) == "Tue 8 Dec 2026, 23:59 AoE"


def test_deadlines_ics_lists_each_important_date(client, workshop):
    services.update_workshop(workshop=workshop, review_deadline=datetime(2027, 2, 1, 11, 59, 59, tzinfo=UTC))

    response = client.get("/calm/deadlines.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    summaries = {str(e["summary"]): e.decoded("dtstart") for e in events}
    assert summaries == {
        "CaLM: Paper submission deadline": workshop.submission_deadline.replace(microsecond=0),
        "CaLM: Review deadline": datetime(2027, 2, 1, 11, 59, 59, tzinfo=UTC),
    }


def test_healthz_answers_ok(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
