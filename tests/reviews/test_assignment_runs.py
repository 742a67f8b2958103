"""Automatic assignment runs from the database: scores, preview, edits, commit and its emails;
manual assignment; the chairs' and reviewers' pages."""

from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import scoring, selectors
from reviews.enums import AssignmentSource, BidValue, RunStatus
from reviews.models import Assignment, AssignmentRun, Bid
from reviews.scoring import Weights, breakdown, score_table
from reviews.selectors import AffinityMatrix
from reviews.services import assignments as services
from reviews.services import reviewers as reviewer_services
from submissions import selectors as submission_selectors
from submissions.enums import ConflictSource
from submissions.models import Conflict
from tests.factories import member
from tests.reviews.conftest import run_now, to_bidding
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role
from workshop.models import OutboxEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers(workshop, cast):
    """Three papers: two by the author (uni-a, so the conflicted reviewer and chair share their
    domain), one by the other author; then the workshop moves to bidding."""
    made = [
        submitted_paper(workshop, cast["author"], title="Causal parrots", primary_direction="in"),
        submitted_paper(workshop, cast["author"], title="Interventions in transformers", primary_direction="for"),
        submitted_paper(workshop, cast["other_author"], title="LLMs for causal discovery", primary_direction="in"),
    ]
    to_bidding(workshop)
    return made


@pytest.fixture
def extra_reviewers(workshop):
    return [member(workshop, Role.REVIEWER, email=f"extra{i}@lab{i}.example", name=f"Extra {i}") for i in range(3)]


def bid(workshop, reviewer, paper, value):
    return Bid.objects.create(workshop=workshop, submission=paper, reviewer=reviewer, value=value)


def proposed(run):
    return {(pair.submission.title, pair.reviewer.email) for pair in run.pairs.select_related("submission", "reviewer")}


# --- scores ------------------------------------------------------------------------------------


def test_score_table_combines_bids_directions_and_exclusions(workshop, cast, papers):
    reviewer = cast["reviewer"]
    reviewer_services.update_reviewer_profile(
        workshop=workshop, user=reviewer, directions=[workshop.directions.get(slug="in")]
    )
    bid(workshop, reviewer, papers[0], BidValue.EAGER)
    bid(workshop, reviewer, papers[1], BidValue.NOT_WILLING)
    bid(workshop, reviewer, papers[2], BidValue.WILLING)

    table = score_table(workshop)

    j = [r.pk for r in table.reviewers].index(reviewer.pk)
    assert table.bid_points[:, j].tolist() == [1.0, 0.0, 0.5]
    assert table.direction_match[:, j].tolist() == [1.0, 0.0, 1.0]
    assert table.excluded[:, j].tolist() == [False, True, False]
    k = [r.pk for r in table.reviewers].index(cast["conflicted_reviewer"].pk)
    assert table.conflicted[:, k].tolist() == [True, True, False]  # same domain as the author
    scores = table.scores(Weights(affinity=1, bid=2, direction=0.5))
    assert scores[:, j].tolist() == pytest.approx([2.5, 0.0, 1.5])


@pytest.mark.parametrize("many", [False, True], ids=["by id", "by workshop"])
def test_score_table_parts_equal_the_rules_pair_by_pair(
    workshop, cast, papers, extra_reviewers, monkeypatch, django_assert_max_num_queries, many
):
    if many:  # as at a conference: the rows are read by workshop, not asked for by id
        monkeypatch.setattr(scoring, "FEW", 0)
        monkeypatch.setattr(submission_selectors, "MANY_IDS", 0)
    chair, reviewer, bystander = cast["chair"], cast["reviewer"], cast["bystander_reviewer"]
    reviewer_services.update_reviewer_profile(
        workshop=workshop, user=reviewer, directions=[workshop.directions.get(slug="in")]
    )
    papers[1].secondary_directions.add(workshop.directions.get(slug="in"))
    bid(workshop, reviewer, papers[0], BidValue.EAGER)
    bid(workshop, reviewer, papers[1], BidValue.NOT_WILLING)
    bid(workshop, extra_reviewers[0], papers[2], BidValue.WILLING)
    bid(workshop, bystander, papers[2], BidValue.CONFLICT)
    Conflict.objects.create(
        submission=papers[2], user=bystander, source=ConflictSource.REVIEWER, is_conflict=True, created_by=bystander
    )
    Conflict.objects.create(  # a chair lifts the domain conflict on one paper
        submission=papers[0],
        user=cast["conflicted_reviewer"],
        source=ConflictSource.CHAIR,
        is_conflict=False,
        created_by=chair,
    )
    papers[2].conflicted_members.add(extra_reviewers[1])
    Assignment.objects.create(
        workshop=workshop, submission=papers[2], reviewer=reviewer, source=AssignmentSource.MANUAL, created_by=chair
    )
    # A stored matrix in its own order, which missed the last paper and the first reviewer (they
    # came later) and still has a paper and a reviewer who are gone.
    everyone = selectors.reviewers_of(workshop)
    stored_papers = [papers[1].pk, papers[0].pk, 10**9]
    stored_reviewers = [*[r.pk for r in everyone[1:]][::-1], 10**9]
    matrix = np.arange(len(stored_papers) * len(stored_reviewers), dtype=np.float32).reshape(3, -1) / 100
    stored = AffinityMatrix(matrix, stored_papers, stored_reviewers, "tfidf", timezone.now())
    monkeypatch.setattr(scoring.selectors, "affinity_matrix_of", lambda workshop: stored)

    with django_assert_max_num_queries(13):  # each kind of row in one query, whatever their number
        table = score_table(workshop)
    scores = table.scores(Weights(affinity=2, bid=1, direction=0.5))

    assert [r.pk for r in table.reviewers] == [*stored_reviewers[:-1], everyone[0].pk]  # the matrix's order
    every_pair = [(paper.pk, person.pk) for paper in table.papers for person in table.reviewers]
    in_conflict = submission_selectors.pairs_in_conflict(workshop, every_pair)  # the one-pair rule
    expertise = {reviewer.pk: {workshop.directions.get(slug="in").pk}}
    for i, paper in enumerate(table.papers):
        secondary = {d.pk for d in paper.secondary_directions.all()}
        for j, person in enumerate(table.reviewers):
            known = paper.pk in stored_papers and person.pk in stored_reviewers
            affinity = matrix[stored_papers.index(paper.pk), stored_reviewers.index(person.pk)] if known else 0.0
            value = Bid.objects.filter(submission=paper, reviewer=person).values_list("value", flat=True).first()
            mine = expertise.get(person.pk, set())
            direction = 1.0 if paper.primary_direction_id in mine else 0.5 if secondary & mine else 0.0
            points = {BidValue.EAGER: 1.0, BidValue.WILLING: 0.5}.get(value, 0.0)
            conflicted = (paper.pk, person.pk) in in_conflict
            assert table.affinity[i, j] == affinity
            assert table.affinity_of(np.array([i]), np.array([j]))[0] == affinity
            assert table.direction_match[i, j] == direction
            assert table.bid_points[i, j] == points
            assert table.conflicted[i, j] == conflicted
            assert table.excluded[i, j] == (conflicted or value in (BidValue.NOT_WILLING, BidValue.CONFLICT))
            assert table.assigned[i, j] == (paper == papers[2] and person == reviewer)
            assert scores[i, j] == pytest.approx(2 * affinity + points + 0.5 * direction)
    assert not table.conflicted[0, [r.pk for r in table.reviewers].index(cast["conflicted_reviewer"].pk)]
    assert table.conflicted[1, [r.pk for r in table.reviewers].index(cast["conflicted_reviewer"].pk)]


def test_proposal_rows_are_written_with_quoted_array_values():
    assert services._array_text(['a"b', "c\\d", True, False, 1.5, 2]) == '{"a\\"b","c\\\\d",t,f,1.5,2}'


# --- runs ----------------------------------------------------------------------------------------


def test_run_gives_each_paper_its_reviewers_and_never_a_conflicted_pair(workshop, cast, papers, extra_reviewers):
    bid(workshop, cast["reviewer"], papers[0], BidValue.EAGER)

    run = run_now(workshop, cast["chair"], k=2)

    assert run.status == RunStatus.READY
    pairs = proposed(run)
    assert sorted(title for title, _ in pairs) == sorted([p.title for p in papers] * 2)
    assert ("Causal parrots", "reviewer@uni-d.example") in pairs
    assert not any(
        email == "conflicted@uni-a.example" and title != "LLMs for causal discovery" for title, email in pairs
    )
    assert run.stats["certified"] is True and run.stats["papers"] == 3


def test_run_keeps_committed_assignments_as_locked_pairs(workshop, cast, papers, extra_reviewers):
    services.assign_reviewer(submission=papers[2], reviewer=extra_reviewers[0], by=cast["chair"])

    run = run_now(workshop, cast["chair"], k=2)

    pair = run.pairs.get(submission=papers[2], reviewer=extra_reviewers[0])
    assert pair.is_locked
    assert run.pairs.filter(submission=papers[2]).count() == 2


def test_pair_breakdown_adds_up_to_its_score(workshop, cast, papers, extra_reviewers):
    bid(workshop, cast["reviewer"], papers[0], BidValue.WILLING)

    run = run_now(workshop, cast["chair"], k=2, weights=Weights(affinity=1, bid=3, direction=0.3))

    for pair in run.pairs.all():
        expected = Weights(1, 3, 0.3).combine(pair.affinity, {"willing": 0.5}.get(pair.bid, 0.0), pair.direction_match)
        assert pair.score == pytest.approx(expected)


def test_proposed_pairs_carry_the_parts_breakdown_gives_written_in_batches(
    workshop, cast, papers, extra_reviewers, monkeypatch
):
    bid(workshop, cast["reviewer"], papers[0], BidValue.EAGER)
    monkeypatch.setattr(services, "PROPOSAL_BATCH", 4)  # six pairs: two batches
    weights = Weights(affinity=1, bid=2, direction=0.5)

    run = run_now(workshop, cast["chair"], k=2, weights=weights)

    table = score_table(workshop)
    row = {paper.pk: i for i, paper in enumerate(table.papers)}
    column = {reviewer.pk: j for j, reviewer in enumerate(table.reviewers)}
    assert run.pairs.count() == 6
    for pair in run.pairs.all():
        parts = breakdown(table, weights, row[pair.submission_id], column[pair.reviewer_id])
        assert (pair.bid, pair.affinity, pair.direction_match) == (parts.bid, parts.affinity, parts.direction_match)
        assert pair.score == pytest.approx(parts.score)


def test_run_that_cannot_be_met_fails_with_a_sentence_for_the_chair(workshop, cast, papers):
    run = run_now(workshop, cast["chair"], k=3)

    assert run.status == RunStatus.FAILED
    assert "#1" in run.error and "3" in run.error
    assert not run.pairs.exists()


def test_run_page_shows_the_failure(chair_client, workshop, cast, papers):
    run = run_now(workshop, cast["chair"], k=3)

    page = chair_client.get(reverse("reviews:run", args=[workshop.slug, run.pk])).content.decode()

    assert "No assignment was found." in page and run.error.split(":")[0] in page


def test_start_run_through_the_page_runs_and_shows_the_preview(
    chair_client, workshop, cast, papers, extra_reviewers, django_capture_on_commit_callbacks
):
    data = {"reviews_per_paper": 2, "affinity_weight": 1, "bid_weight": 1, "direction_weight": 0.3, "threshold": 5}

    with django_capture_on_commit_callbacks(execute=True):
        response = chair_client.post(reverse("reviews:start_run", args=[workshop.slug]), data)

    run = AssignmentRun.objects.get()
    assert run.status == RunStatus.READY
    page = chair_client.get(response["Location"]).content.decode()
    assert 'id="run-stats"' in page and "Commit and email the reviewers" in page
    assert "3 papers whose mean pair score is below 5.0" in page
    assert page.count('class="small why"') == 6
    assert "affinity: no affinity (not computed: it counted 0)" in page


def test_running_run_page_polls_and_refreshes_when_done(chair_client, workshop, cast, papers, extra_reviewers):
    run = services.start_run(workshop=workshop, by=cast["chair"], reviews_per_paper=2)
    url = reverse("reviews:run", args=[workshop.slug, run.pk])

    polling = chair_client.get(url, {"progress": 1}, HTTP_HX_REQUEST="true")
    services.execute_run(run_id=run.pk)
    done = chair_client.get(url, {"progress": 1}, HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 1s"' in polling.content.decode()
    assert done["HX-Refresh"] == "true"


# --- edits ---------------------------------------------------------------------------------------


def test_adding_a_conflicted_pair_is_refused(workshop, cast, papers, extra_reviewers):
    run = run_now(workshop, cast["chair"], k=2)

    with pytest.raises(services.AssignmentRefused, match="in conflict with paper #1"):
        services.add_pair(run=run, submission=papers[0], reviewer=cast["conflicted_reviewer"], by=cast["chair"])

    assert not run.pairs.filter(reviewer=cast["conflicted_reviewer"], submission=papers[0]).exists()


def test_adding_a_not_willing_reviewer_warns(workshop, cast, papers, extra_reviewers):
    bid(workshop, cast["bystander_reviewer"], papers[0], BidValue.NOT_WILLING)
    run = run_now(workshop, cast["chair"], k=2)

    warnings = services.add_pair(run=run, submission=papers[0], reviewer=cast["bystander_reviewer"], by=cast["chair"])

    assert warnings[0] == "Bea Bystander bid “not willing” on paper #1."
    assert run.pairs.get(submission=papers[0], reviewer=cast["bystander_reviewer"]).is_manual


def test_edit_form_swaps_locks_and_removes(chair_client, workshop, cast, papers, extra_reviewers):
    run = run_now(workshop, cast["chair"], k=1)
    pair = run.pairs.get(submission=papers[2])
    newcomer = next(r for r in [*extra_reviewers, cast["bystander_reviewer"]] if r.pk != pair.reviewer_id)
    url = reverse("reviews:edit_run", args=[workshop.slug, run.pk])

    chair_client.post(url, {"action": "lock", "pair": pair.pk})
    response = chair_client.post(
        url, {"action": "replace", "pair": pair.pk, "reviewer": f"{newcomer.name} <{newcomer.email}>"}, follow=True
    )

    swapped = run.pairs.get(submission=papers[2])
    assert (swapped.reviewer_id, swapped.is_locked, swapped.is_manual) == (newcomer.pk, True, True)
    assert f"{newcomer} now takes that place." in response.content.decode()
    chair_client.post(url, {"action": "remove", "pair": swapped.pk})
    assert not run.pairs.filter(submission=papers[2]).exists()


def test_edit_with_an_unknown_reviewer_says_so(chair_client, workshop, cast, papers, extra_reviewers):
    run = run_now(workshop, cast["chair"], k=1)

    response = chair_client.post(
        reverse("reviews:edit_run", args=[workshop.slug, run.pk]),
        {"action": "add", "submission": papers[0].pk, "reviewer": "Nobody <nobody@x.example>"},
        follow=True,
    )

    assert "No reviewer of this workshop has that name and email" in response.content.decode()
    assert run.pairs.count() == 3


def test_conflicted_chair_does_not_see_who_reviews_their_conflicted_papers(
    client, workshop, cast, papers, extra_reviewers
):
    run = run_now(workshop, cast["chair"], k=2)
    client.force_login(cast["conflicted_chair"])

    page = client.get(reverse("reviews:run", args=[workshop.slug, run.pk])).content.decode()

    hidden = [pair.reviewer.email for pair in run.pairs.filter(submission=papers[0]).select_related("reviewer")]
    visible = [pair.reviewer.email for pair in run.pairs.filter(submission=papers[2]).select_related("reviewer")]
    assert page.count("its reviewers are hidden from you") == 2
    assert all(f'data-reviewer="{email}"' in page for email in visible)
    assert not any(f'data-reviewer="{email}"' in page for email in set(hidden) - set(visible))


# --- commit --------------------------------------------------------------------------------------


def test_commit_creates_assignments_and_one_email_per_reviewer(workshop, cast, papers, extra_reviewers):
    run = run_now(workshop, cast["chair"], k=2)
    other = run_now(workshop, cast["chair"], k=1)

    counts = services.commit_run(run=run, by=cast["chair"])

    assert counts["assignments"] == 6 == Assignment.objects.filter(source=AssignmentSource.AUTOMATIC).count()
    emails = OutboxEmail.objects.filter(template="reviewer_assignment")
    assert emails.count() == counts["reviewers"] == len({a.reviewer_id for a in Assignment.objects.all()})
    for email in emails:
        titles = [a.submission.title for a in Assignment.objects.filter(reviewer__email=email.to[0])]
        assert all(title in email.body_text for title in titles)
        assert "Ada Author" not in email.body_text and "uni-a" not in email.body_text
    other.refresh_from_db()
    assert other.status == RunStatus.DISCARDED


def test_committing_twice_creates_and_sends_nothing_more(workshop, cast, papers, extra_reviewers):
    run = run_now(workshop, cast["chair"], k=2)
    services.commit_run(run=run, by=cast["chair"])

    with pytest.raises(services.AssignmentRefused, match="already committed"):
        services.commit_run(run=run, by=cast["chair"])

    assert Assignment.objects.count() == 6
    assert OutboxEmail.objects.filter(template="reviewer_assignment").count() == len(
        set(Assignment.objects.values_list("reviewer_id", flat=True))
    )


def test_commit_queries_do_not_grow_with_its_pairs_and_reviewers(
    workshop, cast, papers, extra_reviewers, django_assert_max_num_queries
):
    first = run_now(workshop, cast["chair"], k=1)
    with django_assert_max_num_queries(24):  # the emails' papers are one insert
        small = services.commit_run(run=first, by=cast["chair"])
    second = run_now(workshop, cast["chair"], k=3)  # keeps the first's pairs, adds six more

    with django_assert_max_num_queries(24):
        large = services.commit_run(run=second, by=cast["chair"])

    assert (small["assignments"], large["assignments"]) == (3, 6) and large["reviewers"] > small["reviewers"]
    assert OutboxEmail.objects.filter(template="reviewer_assignment").count() == small["reviewers"] + large["reviewers"]


def test_commit_is_refused_while_a_pair_is_now_in_conflict(workshop, cast, papers, extra_reviewers):
    run = run_now(workshop, cast["chair"], k=2)
    pair = run.pairs.select_related("reviewer", "submission").first()
    papers[0].__class__.objects.get(pk=pair.submission_id).conflicted_members.add(pair.reviewer)

    with pytest.raises(services.AssignmentRefused, match="in conflict now"):
        services.commit_run(run=run, by=cast["chair"])

    assert not Assignment.objects.exists()


# --- manual assignment ---------------------------------------------------------------------------


def test_chair_assigns_by_hand_and_the_reviewer_is_told_once(chair_client, workshop, cast, papers):
    url = reverse("reviews:paper_reviewers", args=[workshop.slug, papers[2].pk])

    chair_client.post(url, {"reviewer": cast["reviewer"].pk, "action": "assign"})
    response = chair_client.post(url, {"reviewer": cast["reviewer"].pk, "action": "assign"}, follow=True)

    assert Assignment.objects.filter(submission=papers[2], reviewer=cast["reviewer"]).count() == 1
    assert OutboxEmail.objects.filter(template="reviewer_assignment", to=[cast["reviewer"].email]).count() == 1
    assert "Rita Reviewer was already assigned to paper #3." in response.content.decode()


def test_manual_assignment_of_a_conflicted_reviewer_is_refused(chair_client, workshop, cast, papers):
    url = reverse("reviews:paper_reviewers", args=[workshop.slug, papers[0].pk])

    response = chair_client.post(url, {"reviewer": cast["conflicted_reviewer"].pk, "action": "assign"}, follow=True)

    assert "Conrad Conflict is in conflict with paper #1, so cannot review it." in response.content.decode()
    assert not Assignment.objects.exists()


def test_chair_removes_an_assignment_and_the_reviewer_is_told(chair_client, workshop, cast, papers):
    services.assign_reviewer(submission=papers[2], reviewer=cast["reviewer"], by=cast["chair"])
    url = reverse("reviews:reviewer_papers", args=[workshop.slug, cast["reviewer"].pk])

    chair_client.post(url, {"submission": papers[2].pk, "action": "remove"})

    assert not Assignment.objects.exists()
    assert OutboxEmail.objects.filter(template="reviewer_unassigned", to=[cast["reviewer"].email]).count() == 1


def test_manual_pages_mark_conflicts_and_hide_them_from_a_conflicted_chair(client, workshop, cast, papers):
    client.force_login(cast["conflicted_chair"])

    paper_page = client.get(reverse("reviews:paper_reviewers", args=[workshop.slug, papers[0].pk]))
    reviewer_page = client.get(reverse("reviews:reviewer_papers", args=[workshop.slug, cast["reviewer"].pk]))

    assert paper_page.status_code == 404
    assert [c.paper.title for c in reviewer_page.context["rows"]] == ["LLMs for causal discovery"]


def test_paper_page_lists_conflicted_reviewers_without_an_assign_button(chair_client, workshop, cast, papers):
    page = chair_client.get(reverse("reviews:paper_reviewers", args=[workshop.slug, papers[0].pk]))

    row = next(c for c in page.context["rows"] if c.reviewer == cast["conflicted_reviewer"])
    assert row.parts.excluded == "conflict of interest"
    html = page.content.decode()
    block = html[html.index('data-reviewer="conflicted@uni-a.example"') :]
    assert "Assign" not in block[: block.index("</tr>")]


def test_reviewer_sees_their_assigned_papers_and_nothing_of_the_authors(client, workshop, cast, papers):
    services.assign_reviewer(submission=papers[2], reviewer=cast["reviewer"], by=cast["chair"])
    client.force_login(cast["reviewer"])

    page = client.get(reverse("reviews:my_papers", args=[workshop.slug])).content.decode()

    assert "#3 LLMs for causal discovery" in page
    assert "Causal parrots" not in page and "Otto Other" not in page and "uni-c" not in page


# --- query counts --------------------------------------------------------------------------------


def many_papers(workshop, cast, count):
    workshop.submission_deadline = timezone.now() + timedelta(days=1)
    workshop.save(update_fields=["submission_deadline"])
    for i in range(count):
        submitted_paper(workshop, cast["other_author"], title=f"Extra paper {i}")
    to_bidding(workshop)


@pytest.mark.parametrize("extra", [0, 6])
def test_assignment_pages_run_a_constant_number_of_queries(
    chair_client, client, workshop, cast, papers, extra_reviewers, extra, django_assert_max_num_queries
):
    many_papers(workshop, cast, extra)
    run = run_now(workshop, cast["chair"], k=2)
    for paper in papers:
        services.assign_reviewer(submission=paper, reviewer=extra_reviewers[0], by=cast["chair"])
    urls = [
        reverse("reviews:assignment", args=[workshop.slug]),
        reverse("reviews:run", args=[workshop.slug, run.pk]),
        reverse("reviews:paper_reviewers", args=[workshop.slug, papers[2].pk]),
        reverse("reviews:reviewer_papers", args=[workshop.slug, extra_reviewers[0].pk]),
    ]

    for url in urls:
        with django_assert_max_num_queries(24):
            assert chair_client.get(url).status_code == 200
    client.force_login(extra_reviewers[0])
    with django_assert_max_num_queries(11):
        page = client.get(reverse("reviews:my_papers", args=[workshop.slug])).content.decode()
    assert page.count("data-number=") == 3


def test_solver_input_matches_the_database_ids(workshop, cast, papers, extra_reviewers):
    table = score_table(workshop)

    assert [paper.number for paper in table.papers] == [1, 2, 3]
    assert table.affinity.shape == (3, 6) and table.affinity.dtype == np.float32
