"""What a chair in conflict with a paper learns on the assignment pages: every figure (loads,
totals, the load histogram, "N papers", the messages after a change) is computed over the rows
they may see, so that nothing tells them who reviews the paper.

Papers #1 and #2 are by the author, whom the conflicted chair conflicts with (same domain);
paper #3 is by the other author. Each test reads a page as the conflicted chair, and either
recomputes its figures from the rows the page shows, or compares it with the same page after
the hidden paper's reviewers changed.
"""

import re
from collections import Counter

import pytest
from django.urls import reverse

from reviews.enums import BidValue
from reviews.models import Assignment, Bid, ProposedPair
from reviews.services import assignments as services
from reviews.services import reviewers as reviewer_services
from tests.factories import member
from tests.reviews.conftest import run_now, to_bidding
from tests.submissions.conftest import submitted_paper
from tests.utils import page_as_seen
from workshop.enums import Role
from workshop.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers(workshop, cast):
    made = [
        submitted_paper(workshop, cast["author"], title="Causal parrots"),
        submitted_paper(workshop, cast["author"], title="Interventions in transformers"),
        submitted_paper(workshop, cast["other_author"], title="LLMs for causal discovery"),
    ]
    to_bidding(workshop)
    return made


@pytest.fixture
def extra(workshop):
    return [member(workshop, Role.REVIEWER, email=f"extra{i}@lab{i}.example", name=f"Extra {i}") for i in range(3)]


@pytest.fixture
def conflicted_client(client, cast):
    client.force_login(cast["conflicted_chair"])
    return client


def get(client, name, *args, **params):
    return client.get(reverse(name, args=["calm", *args]), params).content.decode()


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def assign(paper, reviewer, cast):
    services.assign_reviewer(submission=paper, reviewer=reviewer, by=cast["chair"])


# --- the overview ----------------------------------------------------------------------------


LOAD_CELL = r'">([^<]+)</a></td>\s*<td class="text-end[^"]*">(\d+)</td>'
PAIR_ROW = r'<tr data-reviewer="([^"]+)">.*?<td class="text-end">([\d.-]+)</td>'


def overview_figures(html):
    """(reviewers listed on the visible paper rows, by name; each reviewer's "Papers" count)."""
    papers = html.split('id="assignment-papers"')[1].split("</table>")[0]
    listed = Counter()
    for cell in re.findall(r'<td class="small">(.*?)</td>', papers, re.S):
        if cell not in ("hidden",) and "none yet" not in cell:
            listed.update(cell.split(", "))
    reviewers = html.split('id="assignment-reviewers"')[1].split("</table>")[0]
    loads = {name: int(n) for name, n in re.findall(LOAD_CELL, reviewers)}
    return listed, loads


def test_overview_loads_count_only_the_rows_the_conflicted_chair_sees(conflicted_client, cast, papers, extra):
    hidden, _, visible = papers
    assign(hidden, cast["reviewer"], cast)
    assign(hidden, extra[0], cast)
    assign(visible, cast["reviewer"], cast)
    assign(visible, cast["bystander_reviewer"], cast)

    html = get(conflicted_client, "reviews:assignment")

    listed, loads = overview_figures(html)
    assert listed == {"Rita Reviewer": 1, "Bea Bystander": 1}
    assert loads == {name: listed.get(name, 0) for name in loads} and len(loads) == 6
    assert "The paper counts leave out the 2 papers you are in conflict with." in html


def test_overview_is_the_same_whoever_reviews_the_conflicted_paper(conflicted_client, cast, papers, extra):
    hidden, _, visible = papers
    assign(visible, cast["reviewer"], cast)
    assign(hidden, cast["reviewer"], cast)
    before = get(conflicted_client, "reviews:assignment")
    services.unassign_reviewer(submission=hidden, reviewer=cast["reviewer"], by=cast["chair"])
    assign(hidden, extra[1], cast)

    after = get(conflicted_client, "reviews:assignment")

    assert page_as_seen(after) == page_as_seen(before)


# --- a run's preview -------------------------------------------------------------------------


def run_page_figures(html):
    """What the run page shows: its statistics, the histogram's bars, the lists of short, weak
    and overloaded, and the visible pairs as (paper number, reviewer email, score)."""
    stats = {name: html.split(f'id="stat-{name}">')[1].split("<")[0] for name in ("worst", "median", "mean", "pairs")}
    stats["total"] = re.search(r"· total ([\d.]+)</div>", html).group(1)
    bars = [tuple(map(int, bar)) for bar in re.findall(r'font-size="12">(\d+): (\d+)</text>', html)]
    pairs = []
    for number, body in re.findall(r'<tbody data-number="(\d+)">(.*?)</tbody>', html, re.S):
        for email, score in re.findall(PAIR_ROW, body, re.S):
            pairs.append((int(number), email, float(score)))
    lists = {name: re.search(rf'id="{name}">(.*?)</div>', html, re.S) for name in ("short-papers", "overloaded")}
    return stats, bars, pairs, {name: found.group(1) if found else "" for name, found in lists.items()}


@pytest.fixture
def run(workshop, cast, papers, extra):
    """A run of two reviewers per paper, with bids that make the pairs' scores differ."""
    for reviewer, paper, value in [
        (cast["reviewer"], papers[0], BidValue.EAGER),
        (extra[0], papers[0], BidValue.WILLING),
        (cast["bystander_reviewer"], papers[2], BidValue.EAGER),
        (extra[1], papers[2], BidValue.WILLING),
    ]:
        Bid.objects.create(workshop=workshop, submission=paper, reviewer=reviewer, value=value)
    reviewer_services.set_max_load(workshop=workshop, reviewer=cast["reviewer"], max_load=0, by=cast["chair"])
    made = run_now(workshop, cast["chair"], k=2)
    services.add_pair(run=made, submission=papers[0], reviewer=cast["reviewer"], by=cast["chair"])
    return made


def test_run_figures_are_computed_over_the_rows_the_conflicted_chair_sees(conflicted_client, workshop, papers, run):
    html = get(conflicted_client, "reviews:run", run.pk)

    stats, bars, pairs, lists = run_page_figures(html)
    visible = list(
        ProposedPair.objects.filter(run=run, submission=papers[2]).values_list(
            "submission__number", "reviewer__email", "score"
        )
    )
    assert sorted(pairs) == sorted((n, e, pytest.approx(s, abs=5e-4)) for n, e, s in visible)
    total = sum(score for _, _, score in visible)
    assert stats == {
        "worst": f"{total:.3f}",
        "median": f"{total:.3f}",
        "mean": f"{total:.3f}",
        "pairs": str(len(visible)),
        "total": f"{total:.2f}",
    }
    loads = Counter(email for _, email, _ in visible)
    reviewers = Membership.objects.filter(workshop=workshop, role=Role.REVIEWER).count()
    expected_bars = Counter([*loads.values(), *[0] * (reviewers - len(loads))])
    assert bars == [(load, expected_bars[load]) for load in range(max(expected_bars) + 1)]
    assert lists == {"short-papers": "", "overloaded": ""}  # Rita's one pair is on the hidden paper
    assert "You are in conflict with 2 papers" in html


def test_run_page_is_the_same_whoever_the_run_proposes_for_the_conflicted_paper(
    conflicted_client, client, workshop, cast, papers, extra, run
):
    before = get(conflicted_client, "reviews:run", run.pk)
    pair = ProposedPair.objects.get(run=run, submission=papers[0], reviewer=cast["reviewer"])

    services.replace_reviewer(run=run, pair_id=pair.pk, reviewer=extra[2], by=cast["chair"])
    after = get(conflicted_client, "reviews:run", run.pk)

    assert page_as_seen(after) == page_as_seen(before)
    client.force_login(cast["chair"])
    assert "Extra 2" in get(client, "reviews:run", run.pk)  # the change is real


# --- the manual pages and the messages after a change ----------------------------------------


def test_paper_page_loads_count_only_the_papers_the_conflicted_chair_sees(conflicted_client, cast, papers, extra):
    hidden, _, visible = papers
    assign(hidden, cast["reviewer"], cast)
    assign(hidden, extra[0], cast)
    assign(visible, cast["reviewer"], cast)

    html = get(conflicted_client, "reviews:paper_reviewers", visible.pk)

    loads = dict(re.findall(r'<tr data-reviewer="([^"]+)".*?<td class="text-end">(\d+) / \d+</td>', html, re.S))
    seen = Counter(Assignment.objects.filter(submission=visible).values_list("reviewer__email", flat=True))
    assert loads == {email: str(seen.get(email, 0)) for email in loads} and len(loads) == 6
    assert "The paper counts leave out the 2 papers you are in conflict with." in html


def test_reviewer_page_is_the_same_whoever_reviews_the_conflicted_paper(conflicted_client, cast, papers):
    hidden, _, visible = papers
    assign(visible, cast["reviewer"], cast)
    before = get(conflicted_client, "reviews:reviewer_papers", cast["reviewer"].pk)

    assign(hidden, cast["reviewer"], cast)
    after = get(conflicted_client, "reviews:reviewer_papers", cast["reviewer"].pk)

    assert page_as_seen(after) == page_as_seen(before)
    assert "1 paper assigned" in after


def test_manual_assignment_warns_of_a_load_counted_over_the_papers_the_chair_sees(
    conflicted_client, workshop, cast, papers
):
    hidden, _, visible = papers
    reviewer_services.set_max_load(workshop=workshop, reviewer=cast["reviewer"], max_load=1, by=cast["chair"])
    assign(hidden, cast["reviewer"], cast)

    response = conflicted_client.post(
        reverse("reviews:paper_reviewers", args=["calm", visible.pk]),
        {"reviewer": cast["reviewer"].pk, "action": "assign"},
        follow=True,
    )

    assert messages_of(response) == ["Rita Reviewer reviews paper #3; they get an email."]


def test_the_conflicted_chair_cannot_edit_or_name_the_pairs_of_their_paper(
    conflicted_client, workshop, cast, papers, extra, run
):
    pair = ProposedPair.objects.get(run=run, submission=papers[0], reviewer=cast["reviewer"])
    url = reverse("reviews:edit_run", args=["calm", run.pk])

    answers = [
        messages_of(conflicted_client.post(url, {"action": action, "pair": pair.pk}, follow=True))
        for action in ("remove", "lock")
    ]
    swap = conflicted_client.post(
        url, {"action": "replace", "pair": pair.pk, "reviewer": f"Extra 2 <{extra[2].email}>"}, follow=True
    )
    add = conflicted_client.post(
        url, {"action": "add", "submission": papers[0].pk, "reviewer": f"Extra 2 <{extra[2].email}>"}
    )

    gone = "That pair is no longer in this proposal."
    assert answers == [[gone], [gone]] and messages_of(swap) == [gone]
    assert add.status_code == 404
    pair.refresh_from_db()
    assert not pair.is_locked
    assert not ProposedPair.objects.filter(run=run, submission=papers[0], reviewer=extra[2]).exists()


def test_commit_tells_the_conflicted_chair_the_counts_of_the_papers_they_see(
    conflicted_client, workshop, cast, papers, run
):
    visible = ProposedPair.objects.filter(run=run, submission=papers[2])

    response = conflicted_client.post(reverse("reviews:commit_run", args=["calm", run.pk]), follow=True)

    assert messages_of(response) == [
        f"Committed: {visible.count()} new assignments; {visible.values('reviewer').distinct().count()} reviewers "
        "get one email each with their papers (not counting the papers you are in conflict with)."
    ]
    assert Assignment.objects.count() == ProposedPair.objects.filter(run=run).count() == 7
