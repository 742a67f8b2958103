"""The chairs' review dashboard: each figure on a small hand-made set, sorting, filters, the CSV
export, the charts' data, and a constant number of queries."""

import csv
import importlib
import io
import json
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from reviews.enums import CriterionRole, Outcome
from reviews.models import Review, ReviewCriterion
from reviews.selectors.dashboard import review_dashboard
from reviews.selectors.dashboard_papers import TableQuery, dashboard_scope, export_rows
from reviews.services import assignments as assignment_services
from reviews.services import decisions as decision_services
from reviews.services import reviews as review_services
from submissions.enums import Presentation
from tests.factories import member
from tests.reviews.conftest import submit_review
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role

DASHBOARD = reverse("reviews:dashboard", args=["calm"])
CSV = reverse("reviews:dashboard_csv", args=["calm"])
# Session, user, workshop, directions, memberships, the chair's conflicts (2), criteria (8); the
# papers missing reviews and in disagreement (2), their rows (3) and scores (1); the reviews per
# direction, state and score, the assignments per direction, the reviews of unassigned reviewers
# (3); the late reviewers, their drafts and names (3); the table's count, page and rows (5); and
# the view's savepoint pair (2). Each a grouped or bounded query, whatever the number of papers.
QUERY_BOUND = 27


def close_submissions(workshop):
    workshop.submission_deadline = timezone.now() - timedelta(days=1)
    workshop.save(update_fields=["submission_deadline"])


def save_draft(paper, reviewer, chair):
    assignment_services.assign_reviewer(submission=paper, reviewer=reviewer, by=chair)
    return review_services.save_review(
        submission=paper, reviewer=reviewer, fields={"summary": "Half done."}, scores={"overall": 1}
    )


@pytest.fixture
def third_reviewer(workshop):
    return member(workshop, Role.REVIEWER, email="third@uni-h.example", name="Theo Third")


@pytest.fixture
def papers(workshop, cast, third_reviewer):
    """Three papers with reviews chosen so every figure is known:

    #1 "Causal parrots" (in): overall 5, 2, 4 with confidence 4, 1, 2 → mean 3.67, weighted 30/7 = 4.29,
       spread 3; three of three reviews.
    #2 "Counterfactual prompts" (for): 3 and 4 with confidence 3 and 5 → mean 3.5, weighted 29/8 = 3.63,
       spread 1; two submitted, so one review missing.
    #3 "Interventions at scale" (in): a draft by the reviewer and nothing yet by the bystander.
    """
    reviewer, bystander, chair = cast["reviewer"], cast["bystander_reviewer"], cast["chair"]
    first = submitted_paper(workshop, cast["other_author"], title="Causal parrots", primary_direction="in")
    second = submitted_paper(workshop, cast["other_author"], title="Counterfactual prompts", primary_direction="for")
    third = submitted_paper(workshop, cast["other_author"], title="Interventions at scale", primary_direction="in")
    close_submissions(workshop)
    submit_review(first, reviewer, overall=5, confidence=4)
    submit_review(first, bystander, overall=2, confidence=1)
    submit_review(first, third_reviewer, overall=4, confidence=2)
    submit_review(second, reviewer, overall=3, confidence=3)
    submit_review(second, bystander, overall=4, confidence=5)
    save_draft(third, reviewer, chair)
    assignment_services.assign_reviewer(submission=third, reviewer=bystander, by=chair)
    return first, second, third


def figures(viewer, workshop, **kwargs):
    return review_dashboard(dashboard_scope(viewer, workshop), **kwargs)


def table(viewer, workshop, query=None):
    return export_rows(dashboard_scope(viewer, workshop), query or TableQuery(sort="number"))


def rows_by_number(viewer, workshop):
    return {row.number: row for row in table(viewer, workshop)}


def test_dashboard_means_weighted_means_and_spreads_are_computed_per_paper(workshop, cast, papers):
    rows = rows_by_number(cast["chair"], workshop)

    first, second, third = papers
    assert (rows[first.number].mean, rows[first.number].weighted_mean, rows[first.number].spread) == (
        pytest.approx(11 / 3),
        pytest.approx(30 / 7),
        3,
    )
    assert (rows[second.number].mean, rows[second.number].weighted_mean, rows[second.number].spread) == (
        pytest.approx(3.5),
        pytest.approx(29 / 8),
        1,
    )
    assert (rows[third.number].mean, rows[third.number].weighted_mean, rows[third.number].spread) == (None, None, None)
    assert [(r.submitted, r.assigned, r.drafts) for r in rows.values()] == [(3, 3, 0), (2, 2, 0), (0, 2, 1)]


def test_dashboard_spread_of_a_single_review_is_not_shown(workshop, cast):
    paper = submitted_paper(workshop, cast["other_author"])
    close_submissions(workshop)
    submit_review(paper, cast["reviewer"], overall=2, confidence=5)

    row = table(cast["chair"], workshop)[0]

    assert (row.mean, row.weighted_mean, row.spread) == (2, 2, None)


def test_dashboard_uses_the_criteria_with_the_overall_and_confidence_roles(workshop, cast):
    ReviewCriterion.objects.create(
        workshop=workshop, key="rec", name="Recommendation", role=CriterionRole.OVERALL, scale_min=1, scale_max=10
    )
    ReviewCriterion.objects.create(
        workshop=workshop, key="sure", name="Certainty", role=CriterionRole.CONFIDENCE, scale_min=1, scale_max=3
    )
    ReviewCriterion.objects.create(workshop=workshop, key="novelty", name="Novelty", scale_min=1, scale_max=5)
    paper = submitted_paper(workshop, cast["other_author"], primary_direction="for")
    close_submissions(workshop)
    for reviewer, scores in [
        (cast["reviewer"], {"rec": 9, "sure": 1, "novelty": 1}),
        (cast["bystander_reviewer"], {"rec": 3, "sure": 3, "novelty": 2}),
    ]:
        assignment_services.assign_reviewer(submission=paper, reviewer=reviewer, by=cast["chair"])
        review_services.save_review(
            submission=paper, reviewer=reviewer, fields={"summary": "Fine."}, scores=scores, submit=True
        )

    dashboard = figures(cast["chair"], workshop)

    row = table(cast["chair"], workshop)[0]
    assert (row.mean, row.weighted_mean, row.spread) == (6, 4.5, 6)
    assert dashboard.distributions["scores"] == list(range(1, 11))
    assert [d["counts"] for d in dashboard.distributions["directions"] if d["slug"] == "for"] == [
        [0, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    ]


def test_dashboard_progress_counts_assignments_by_review_state_overall_and_per_direction(workshop, cast, papers):
    dashboard = figures(cast["chair"], workshop)

    progress = [(p.label, p.assigned, p.submitted, p.drafts, p.not_started) for p in dashboard.per_direction]
    assert (dashboard.overall.assigned, dashboard.overall.submitted, dashboard.overall.drafts) == (7, 5, 1)
    assert dashboard.overall.not_started == 1
    assert progress == [("Causality in large models", 5, 3, 1, 1), ("Causality for large models", 2, 2, 0, 0)]


def test_dashboard_distribution_counts_overall_scores_per_primary_direction(workshop, cast, papers):
    dashboard = figures(cast["chair"], workshop)

    counts = {d["slug"]: d["counts"] for d in dashboard.distributions["directions"]}
    assert dashboard.distributions["scores"] == [1, 2, 3, 4, 5]
    assert dashboard.distributions["labels"][0] == "1 Strong reject"
    assert counts["in"] == [0, 1, 0, 1, 1]  # the draft's score does not count
    assert counts["for"] == [0, 0, 1, 1, 0]


def test_dashboard_lists_missing_reviews_and_disagreement(workshop, cast, papers):
    dashboard = figures(cast["chair"], workshop)

    first, second, third = papers
    assert [row.number for row in dashboard.missing] == [third.number, second.number]
    assert [row.number for row in dashboard.disputed] == [first.number]


@pytest.mark.parametrize(
    ("deadline_in", "late"),
    [
        (timedelta(days=3, minutes=1), False),
        (timedelta(days=3), True),
        (timedelta(hours=1), True),
        (-timedelta(days=2), True),
        (None, False),
    ],
)
def test_dashboard_late_reviewers_from_three_days_before_the_review_deadline(workshop, cast, papers, deadline_in, late):
    now = timezone.now()
    workshop.review_deadline = None if deadline_in is None else now + deadline_in
    workshop.save(update_fields=["review_deadline"])

    dashboard = figures(cast["chair"], workshop, now=now)

    expected = {(cast["reviewer"], 1, 1), (cast["bystander_reviewer"], 1, 0)} if late else set()
    assert {(e.reviewer, e.unfinished, e.drafts) for e in dashboard.late_reviewers} == expected


def test_dashboard_late_reviewers_count_every_unfinished_review(workshop, cast, papers, third_reviewer):
    _, second, third = papers
    assignment_services.assign_reviewer(submission=second, reviewer=third_reviewer, by=cast["chair"])
    assignment_services.assign_reviewer(submission=third, reviewer=third_reviewer, by=cast["chair"])
    workshop.review_deadline = timezone.now() - timedelta(hours=1)
    workshop.save(update_fields=["review_deadline"])

    dashboard = figures(cast["chair"], workshop)

    assert [(e.reviewer, e.unfinished) for e in dashboard.late_reviewers] == [
        (third_reviewer, 2),
        (cast["bystander_reviewer"], 1),
        (cast["reviewer"], 1),
    ]


def test_dashboard_page_shows_late_reviewers_with_a_link_to_remind_them(chair_client, workshop, cast, papers):
    workshop.review_deadline = timezone.now() + timedelta(days=1)
    workshop.save(update_fields=["review_deadline"])

    page = chair_client.get(DASHBOARD).content.decode()

    late = page[page.index('id="late-reviewers"') : page.index('id="missing-reviews"')]
    assert "Rita Reviewer" in late and "Bea Bystander" in late and "Theo Third" not in late
    assert reverse("reviews:remind_late", args=["calm"]) in late


def test_dashboard_page_shows_each_figure(chair_client, workshop, cast, papers):
    page = chair_client.get(DASHBOARD).content.decode()

    assert table_rows(page) == [
        ["1", "Causal parrots", "Causality in large models", "3 / 3", "3.67", "4.29", "3", "—"],
        ["2", "Counterfactual prompts", "Causality for large models", "2 / 2", "3.50", "3.63", "1", "—"],
        ["3", "Interventions at scale", "Causality in large models", "0 / 2", "—", "—", "—", "—"],
    ]
    assert re.search(r'data-progress="all">\s*<th[^>]*>All directions</th>\s*<td[^>]*>7</td>\s*<td[^>]*>5</td>', page)
    assert "3 papers hidden" not in page and 'id="hidden-papers"' not in page


def test_dashboard_page_passes_the_chart_data_as_json(chair_client, workshop, cast, papers):
    page = chair_client.get(DASHBOARD).content.decode()

    data = chart_data(page)
    assert {d["slug"]: d["counts"] for d in data["directions"]}["in"] == [0, 1, 0, 1, 1]
    assert 'data-chart-index="0"' in page and "vendor/chartjs/chart.umd.min.js" in page
    assert "<script>" not in page and " style=" not in page  # the CSP allows neither


def test_dashboard_table_shows_the_decision(chair_client, workshop, cast, papers):
    first, second, _ = papers
    decision_services.decide(
        submission=second, outcome=Outcome.ACCEPT, presentation=Presentation.POSTER, by=cast["chair"]
    )
    decision_services.decide(submission=first, outcome=Outcome.REJECT, by=cast["chair"])

    rows = table_rows(chair_client.get(DASHBOARD).content.decode())

    assert [row[-1] for row in rows] == ["Reject", "Accept (poster)", "—"]


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({}, [1, 2, 3]),  # mean, highest first; no mean last
        ({"sort": "mean"}, [2, 1, 3]),
        ({"sort": "-weighted"}, [1, 2, 3]),
        ({"sort": "-spread"}, [1, 2, 3]),
        ({"sort": "spread"}, [2, 1, 3]),
        ({"sort": "-number"}, [3, 2, 1]),
        ({"sort": "title"}, [1, 2, 3]),
        ({"sort": "reviews"}, [3, 2, 1]),
        ({"sort": "direction"}, [1, 3, 2]),
        ({"sort": "pk"}, [1, 2, 3]),  # not on the allow-list: the default
        ({"sort": "-submitted_at; DROP"}, [1, 2, 3]),
    ],
)
def test_dashboard_table_sorts_by_the_allowed_columns(chair_client, papers, params, numbers):
    rows = table_rows(chair_client.get(DASHBOARD, params).content.decode())

    assert [int(row[0]) for row in rows] == numbers


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({"direction": "in"}, [1, 3]),
        ({"direction": "for"}, [2]),
        ({"direction": "nowhere"}, [1, 2, 3]),
        ({"missing": "1"}, [2, 3]),
        ({"disagreement": "1"}, [1]),
        ({"direction": "for", "missing": "1"}, [2]),
        ({"direction": "in", "missing": "1", "sort": "-number"}, [3]),
    ],
)
def test_dashboard_table_filters(chair_client, papers, params, numbers):
    rows = table_rows(chair_client.get(DASHBOARD, params).content.decode())

    assert [int(row[0]) for row in rows] == numbers


def test_dashboard_filters_keep_every_figure_above_the_table(workshop, cast, papers):
    dashboard = figures(cast["chair"], workshop)

    rows = table(cast["chair"], workshop, TableQuery(direction="for"))

    assert [row.number for row in rows] == [2] and dashboard.overall.assigned == 7


def test_dashboard_csv_has_the_tables_rows_filters_and_order(chair_client, workshop, cast, papers):
    decision_services.decide(
        submission=papers[1], outcome=Outcome.ACCEPT, presentation=Presentation.ORAL, by=cast["chair"]
    )

    response = chair_client.get(CSV, {"sort": "mean", "direction": "in"})

    assert response["Content-Disposition"] == 'attachment; filename="calm-reviews.csv"'
    assert csv_rows(response) == [
        [
            "number",
            "title",
            "primary direction",
            "reviews submitted",
            "reviews assigned",
            "mean overall score",
            "confidence-weighted mean",
            "spread",
            "decision",
        ],
        ["1", "Causal parrots", "Causality in large models", "3", "3", "3.67", "4.29", "3", ""],
        ["3", "Interventions at scale", "Causality in large models", "0", "2", "", "", "", ""],
    ]
    assert csv_rows(chair_client.get(CSV))[2] == [
        "2",
        "Counterfactual prompts",
        "Causality for large models",
        "2",
        "2",
        "3.50",
        "3.63",
        "1",
        "Accept (oral)",
    ]


def test_dashboard_csv_neutralises_titles_that_look_like_formulas(chair_client, workshop, cast):
    submitted_paper(workshop, cast["other_author"], title="=HYPERLINK(1)")

    rows = csv_rows(chair_client.get(CSV))

    assert rows[1][1] == "'=HYPERLINK(1)"


def test_dashboard_table_is_paginated_by_fifty(chair_client, workshop, cast):
    for _ in range(51):
        submitted_paper(workshop, cast["other_author"])

    first = chair_client.get(DASHBOARD, {"sort": "number"}).content.decode()
    second = chair_client.get(DASHBOARD, {"sort": "number", "page": 2}).content.decode()

    assert len(table_rows(first)) == 50 and "Page 1 of 2" in first
    assert [row[0] for row in table_rows(second)] == ["51"]


def test_dashboard_without_papers_says_so(chair_client, workshop):
    page = chair_client.get(DASHBOARD).content.decode()

    assert "No paper to show yet." in page and "Nobody is late." not in page
    assert "No review deadline is set" in page


def test_dashboard_is_a_tab_of_the_chair_pages(chair_client):
    page = chair_client.get(DASHBOARD).content.decode()

    assert f'nav-link active" href="{DASHBOARD}">Reviews</a>' in page


def _many_papers(workshop, cast, count):
    reviewers = [cast["reviewer"], cast["bystander_reviewer"]]
    third = member(workshop, Role.REVIEWER, email="third@uni-h.example", name="Theo Third")
    papers = [submitted_paper(workshop, cast["other_author"], primary_direction="in") for _ in range(count)]
    close_submissions(workshop)
    for index, paper in enumerate(papers):
        submit_review(paper, reviewers[0], overall=1 + index % 5, confidence=3)
        if index % 3 == 0:  # a disagreement, whose scores the page lists
            submit_review(paper, third, overall=5, confidence=2)
        if index % 2:
            save_draft(paper, reviewers[1], cast["chair"])
    if count > 1:
        decision_services.decide(submission=papers[0], outcome=Outcome.REJECT, by=cast["chair"])
    workshop.review_deadline = timezone.now() + timedelta(days=1)
    workshop.save(update_fields=["review_deadline"])


@pytest.mark.parametrize("count", [1, 6])
def test_dashboard_queries_do_not_grow_with_papers_and_reviews(
    client, workshop, cast, django_assert_max_num_queries, count
):
    submitted_paper(workshop, cast["author"])  # one the conflicted chair does not see
    _many_papers(workshop, cast, count)
    client.force_login(cast["conflicted_chair"])

    with django_assert_max_num_queries(QUERY_BOUND):
        page = client.get(DASHBOARD).content.decode()
    with django_assert_max_num_queries(QUERY_BOUND):
        csv_rows(client.get(CSV))

    assert len(table_rows(page)) == count


# --- reading what the chair sees --------------------------------------------------------------


def table_rows(page) -> list[list[str]]:
    """The cells of the papers table, as text."""
    body = page[page.index('id="paper-table"') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    rows = re.findall(r"<tr data-number=.*?</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows
    ]


def chart_data(page) -> dict:
    match = re.search(r'<script id="score-distributions" type="application/json">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def test_dashboard_page_names_the_most_behind_late_reviewers_and_counts_the_others(
    chair_client, workshop, cast, papers, third_reviewer, monkeypatch
):
    _, second, third = papers
    assignment_services.assign_reviewer(submission=second, reviewer=third_reviewer, by=cast["chair"])
    assignment_services.assign_reviewer(submission=third, reviewer=third_reviewer, by=cast["chair"])
    workshop.review_deadline = timezone.now() + timedelta(days=1)
    workshop.save(update_fields=["review_deadline"])
    monkeypatch.setattr("reviews.views.dashboard.LIST_LENGTH", 1)  # thousands are late at conference size

    page = chair_client.get(DASHBOARD).content.decode()

    late = page[page.index('id="late-reviewers"') : page.index('id="missing-reviews"')]
    assert "Theo Third" in late and "Rita Reviewer" not in late and "Bea Bystander" not in late
    assert "The 1 with the most unfinished reviews of 3 late reviewers" in late


# --- the scores copied out of the JSON for SQL -------------------------------------------------


def test_saving_a_review_copies_its_overall_and_confidence_scores(workshop, cast):
    paper = submitted_paper(workshop, cast["other_author"])
    close_submissions(workshop)
    draft = save_draft(paper, cast["reviewer"], cast["chair"])
    assert (draft.overall_score, draft.confidence_score) == (1, None)

    review = review_services.save_review(
        submission=paper,
        reviewer=cast["reviewer"],
        fields={"summary": "Fine."},
        scores={"overall": 4, "confidence": 2},
        submit=True,
    )

    review.refresh_from_db()
    assert (review.overall_score, review.confidence_score) == (4, 2)


def test_migration_fills_the_copied_scores_of_existing_reviews(workshop, cast):
    ReviewCriterion.objects.create(workshop=workshop, key="rec", name="Recommendation", role=CriterionRole.OVERALL)
    ReviewCriterion.objects.create(workshop=workshop, key="sure", name="Certainty", role=CriterionRole.CONFIDENCE)
    paper = submitted_paper(workshop, cast["other_author"])
    close_submissions(workshop)
    assignment_services.assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])
    review_services.save_review(
        submission=paper,
        reviewer=cast["reviewer"],
        fields={"summary": "Fine."},
        scores={"rec": 5, "sure": 3},
        submit=True,
    )
    Review.objects.update(overall_score=None, confidence_score=None)  # as the reviews stood before the migration
    backfill = importlib.import_module("reviews.migrations.0004_review_denormalised_scores").backfill

    backfill(django_apps, None)

    assert list(Review.objects.values_list("overall_score", "confidence_score")) == [(5, 3)]
