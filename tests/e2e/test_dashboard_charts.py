"""The chairs' review dashboard in a browser: the locally served Chart.js draws one chart of
overall scores per direction under the content security policy, and the table sorts."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import member
from tests.reviews.conftest import submit_review
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role

PASSWORD = "correct horse battery staple"  # the factories' password


@pytest.fixture
def reviewed(workshop, cast):
    papers = [
        submitted_paper(workshop, cast["other_author"], title="Causal parrots", primary_direction="in"),
        submitted_paper(workshop, cast["other_author"], title="Counterfactual prompts", primary_direction="for"),
    ]
    workshop.submission_deadline = timezone.now() - timedelta(days=1)
    workshop.save(update_fields=["submission_deadline"])
    third = member(workshop, Role.REVIEWER, email="third@uni-h.example", name="Theo Third")
    submit_review(papers[0], cast["reviewer"], overall=5, confidence=4)
    submit_review(papers[0], cast["bystander_reviewer"], overall=2, confidence=1)
    submit_review(papers[1], cast["reviewer"], overall=4, confidence=3)
    submit_review(papers[1], third, overall=4, confidence=3)
    return papers


def test_chair_dashboard_draws_the_score_charts_and_sorts_the_table(page, live_server, cast, reviewed):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(cast["chair"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(live_server.url + "/calm/chair/reviews/")

    canvases = page.locator("canvas[data-chart-index]")
    expect(canvases).to_have_count(2)
    page.wait_for_function(
        "() => document.querySelectorAll('canvas[data-chart-index]').length === 2 && "
        "[...document.querySelectorAll('canvas[data-chart-index]')].every(c => window.Chart.getChart(c))"
    )
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart-index]')]"
        ".map(c => window.Chart.getChart(c).data.datasets[0].data)"
    )
    assert drawn == [[0, 1, 0, 0, 1], [0, 0, 0, 2, 0]]
    assert all(box["height"] > 50 for box in (canvases.nth(i).bounding_box() for i in range(2)))
    expect(page.locator("#paper-table tbody tr td:nth-child(2)")).to_have_text(
        ["Counterfactual prompts", "Causal parrots"]  # mean 4 before 3.5
    )

    page.get_by_role("link", name="Spread").click()

    expect(page.locator("#paper-table tbody tr td:nth-child(2)")).to_have_text(
        ["Causal parrots", "Counterfactual prompts"]
    )
    expect(page.locator("#disagreement")).to_contain_text("Causal parrots")
