"""Who may open the chairs' review dashboard and its CSV export: every URL, every persona.

Both answer the workshop's chairs only; other signed-in people get 404 and anonymous visitors
are sent to log in. A chair in conflict with a paper sees nothing of it there: not its title, its
scores, its place in the charts' data, its reviewers among the late ones, nor its CSV row.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.services import assignments as assignment_services
from tests.conftest import PERSONAS
from tests.factories import member
from tests.reviews.conftest import submit_review
from tests.reviews.test_dashboard import chart_data, csv_rows, table_rows
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role

pytestmark = pytest.mark.django_db

CHAIRS = {"chair", "conflicted_chair"}
DASHBOARD = reverse("reviews:dashboard", args=["calm"])
CSV = reverse("reviews:dashboard_csv", args=["calm"])


@pytest.fixture
def papers(workshop, cast):
    """A paper of the author (the conflicted chair's institution) with scores 1 and 5 and a late
    reviewer of its own, and another author's paper with one score of 3."""
    conflicted = submitted_paper(workshop, cast["author"], title="Causal parrots", primary_direction="in")
    other = submitted_paper(workshop, cast["other_author"], title="Counterfactual prompts", primary_direction="in")
    workshop.submission_deadline = timezone.now() - timedelta(days=1)
    workshop.save(update_fields=["submission_deadline"])
    submit_review(conflicted, cast["reviewer"], overall=1, confidence=5)
    submit_review(conflicted, cast["bystander_reviewer"], overall=5, confidence=5)
    submit_review(other, cast["reviewer"], overall=3, confidence=2)
    late = member(workshop, Role.REVIEWER, email="late@uni-h.example", name="Lou Late")
    assignment_services.assign_reviewer(submission=conflicted, reviewer=late, by=cast["chair"])
    assignment_services.assign_reviewer(submission=other, reviewer=cast["bystander_reviewer"], by=cast["chair"])
    workshop.review_deadline = timezone.now() + timedelta(days=1)
    workshop.save(update_fields=["review_deadline"])
    return conflicted, other, late


def expected_status(persona):
    if persona == "anonymous":
        return 302
    return 200 if persona in CHAIRS else 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_dashboard_url_answers_each_persona_as_designed(client, cast, papers, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    responses = {url: client.get(url) for url in (DASHBOARD, CSV)}

    assert {url: r.status_code for url, r in responses.items()} == {
        DASHBOARD: expected_status(persona),
        CSV: expected_status(persona),
    }
    if persona == "anonymous":
        assert all(r["Location"].startswith(reverse("account_login")) for r in responses.values())
    elif persona not in CHAIRS:
        assert all(b"Causal parrots" not in r.content for r in responses.values())


def test_chair_sees_every_paper_on_the_dashboard(client, cast, papers):
    client.force_login(cast["chair"])

    page = client.get(DASHBOARD).content.decode()

    assert [row[1] for row in table_rows(page)] == ["Causal parrots", "Counterfactual prompts"]
    assert chart_data(page)["directions"][0]["counts"] == [1, 0, 1, 0, 1]
    assert "hidden: you are in conflict" not in page
    late = page[page.index('id="late-reviewers"') : page.index('id="missing-reviews"')]
    assert "Lou Late" in late and "Bea Bystander" in late


def test_conflicted_chair_sees_nothing_of_the_conflicted_paper_on_the_dashboard(client, cast, papers):
    client.force_login(cast["conflicted_chair"])

    page = client.get(DASHBOARD).content.decode()

    assert "1 paper hidden: you are in conflict" in page
    assert "Causal parrots" not in page
    assert table_rows(page) == [
        ["2", "Counterfactual prompts", "Causality in large models", "1 / 2", "3.00", "3.00", "—", "—"]
    ]
    assert chart_data(page)["directions"][0]["counts"] == [0, 0, 1, 0, 0]
    # Progress counts the other paper's two assignments only, and its late reviewer only.
    assert re.search(r'data-progress="all">\s*<th[^>]*>All directions</th>\s*<td[^>]*>2</td>\s*<td[^>]*>1</td>', page)
    late = page[page.index('id="late-reviewers"') : page.index('id="missing-reviews"')]
    assert "Bea Bystander" in late and "Lou Late" not in late


def test_conflicted_chair_sees_nothing_of_the_conflicted_paper_in_the_csv(client, cast, papers):
    client.force_login(cast["conflicted_chair"])

    rows = csv_rows(client.get(CSV))

    assert [row[:2] for row in rows[1:]] == [["2", "Counterfactual prompts"]]
    assert "Causal parrots" not in str(rows)


def test_conflicted_chair_filters_never_reach_the_conflicted_paper(client, cast, papers):
    client.force_login(cast["conflicted_chair"])

    pages = [client.get(DASHBOARD, params).content.decode() for params in ({"disagreement": "1"}, {"missing": "1"})]

    assert all("Causal parrots" not in page for page in pages)
