"""Bidding: the service's rules, the reviewer's page, the htmx and plain-form bids."""

import re
from dataclasses import astuple
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import affinity, selectors
from reviews.enums import BidValue
from reviews.models import Bid
from reviews.services.affinity import compute_affinity
from reviews.services.bids import BidRefused, place_bid
from reviews.services.reviewers import update_reviewer_profile
from submissions import services as submission_services
from submissions.enums import SubmissionStatus
from submissions.selectors import conflicted_submissions
from tests.submissions.conftest import submitted_paper
from workshop.templatetags.workshop_tags import aoe

pytestmark = pytest.mark.django_db

HIDDEN_AUTHOR = submission_services.AuthorEntry("Hester Hidden", "hester@secret-lab.example", "Secret Lab of Causality")
# Session, user, memberships, workshop and its directions, verified emails, ids, counts, cards
# (papers, secondary directions, bids), affinity: 14 today, whatever the number of papers.
PAGE_QUERY_BOUND = 16
# A bid adds the service's checks, the locked read and write of the pair's row (with savepoints)
# and the counter: 21 today, whatever the number of papers.
BID_QUERY_BOUND = 22


def open_bidding(workshop, now=None):
    """Move the workshop into its bidding phase (papers are submitted before this)."""
    now = now or timezone.now()
    workshop.submission_deadline = now - timedelta(days=1)
    workshop.bidding_deadline = now + timedelta(days=7)
    workshop.save()
    return workshop


def bidding_url(**query):
    url = reverse("reviews:bidding", args=["calm"])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def bid_url(paper):
    return reverse("reviews:bid", args=["calm", paper.pk])


def listed_numbers(response):
    return [int(number) for number in re.findall(r'data-number="(\d+)"', response.content.decode())]


def text_of(response):
    """The page's text without tags, spaces collapsed: what the reviewer reads."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def paper(workshop, cast):
    return submitted_paper(
        workshop, cast["author"], authors=[HIDDEN_AUTHOR, cast["author"]], title="Counterfactual LLMs"
    )


@pytest.fixture
def reviewer_client(client, cast):
    client.force_login(cast["reviewer"])
    return client


@pytest.fixture
def no_affinity(monkeypatch):
    monkeypatch.setattr(selectors, "affinities_of_reviewer", lambda workshop, user: {})


# --- the service -----------------------------------------------------------------------------


def test_place_bid_keeps_one_row_per_reviewer_and_paper(workshop, cast, paper):
    open_bidding(workshop)

    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.EAGER)
    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.WILLING)
    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.WILLING)

    assert list(Bid.objects.values_list("workshop", "submission", "reviewer", "value")) == [
        (workshop.pk, paper.pk, cast["reviewer"].pk, BidValue.WILLING)
    ]


def test_place_bid_stores_a_neutral_bid_as_a_row(workshop, cast, paper):
    open_bidding(workshop)

    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.NEUTRAL)

    assert Bid.objects.get().value == BidValue.NEUTRAL
    assert selectors.bidding_progress(workshop, cast["reviewer"]) == (1, 1)


@pytest.fixture
def deadlines(workshop, paper, monkeypatch):
    """Bidding ends at `end` with 10 minutes' grace; `at(instant)` sets the clock."""
    end = timezone.now().replace(microsecond=0) + timedelta(days=3)
    workshop.submission_deadline = end - timedelta(days=5)
    workshop.bidding_deadline = end
    workshop.grace_minutes = 10
    workshop.save()

    def at(instant):
        monkeypatch.setattr(timezone, "now", lambda: instant)

    return end, at


def test_place_bid_accepts_a_bid_in_the_last_second_of_the_grace_period(workshop, cast, paper, deadlines):
    end, at = deadlines
    at(end + timedelta(minutes=10))

    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.EAGER)

    assert Bid.objects.get().value == BidValue.EAGER


def test_place_bid_refuses_a_bid_one_second_after_the_grace_period(workshop, cast, paper, deadlines):
    end, at = deadlines
    at(end + timedelta(minutes=10, seconds=1))

    with pytest.raises(BidRefused) as refusal:
        place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.EAGER)

    assert str(refusal.value) == f"Bidding closed on {aoe(end)}."
    assert not Bid.objects.exists()


def test_place_bid_refuses_a_bid_before_the_submission_deadline(workshop, cast, paper, deadlines):
    _, at = deadlines
    at(workshop.submission_deadline + timedelta(minutes=10))  # the submission deadline's grace

    with pytest.raises(BidRefused) as refusal:
        place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.EAGER)

    assert str(refusal.value) == f"Bidding opens after the submission deadline, {aoe(workshop.submission_deadline)}."
    assert not Bid.objects.exists()


def test_place_bid_opens_one_second_after_the_submission_deadlines_grace(workshop, cast, paper, deadlines):
    _, at = deadlines
    at(workshop.submission_deadline + timedelta(minutes=10, seconds=1))

    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.EAGER)

    assert Bid.objects.get().value == BidValue.EAGER


def test_place_bid_refuses_in_a_workshop_without_bidding(workshop, cast, paper):
    workshop.submission_deadline = timezone.now() - timedelta(days=1)
    workshop.save()

    with pytest.raises(BidRefused) as refusal:
        place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.EAGER)

    assert str(refusal.value) == "CaLM has no bidding phase: the chairs assign papers without bids."


@pytest.mark.parametrize("persona", ["chair", "author", "other_workshop_chair"])
def test_place_bid_refuses_someone_who_is_not_a_reviewer(workshop, cast, paper, persona):
    open_bidding(workshop)

    with pytest.raises(BidRefused) as refusal:
        place_bid(workshop=workshop, reviewer=cast[persona], submission=paper, value=BidValue.EAGER)

    assert str(refusal.value) == "Only the reviewers of CaLM can bid on its papers."
    assert not Bid.objects.exists()


def test_place_bid_refuses_a_paper_the_reviewer_is_in_conflict_with(workshop, cast):
    paper = submitted_paper(workshop, cast["author"], conflicted_members=[cast["conflicted_reviewer"]])
    open_bidding(workshop)

    with pytest.raises(BidRefused) as refusal:
        place_bid(workshop=workshop, reviewer=cast["conflicted_reviewer"], submission=paper, value=BidValue.EAGER)

    assert str(refusal.value) == f"You are in conflict with paper #{paper.number}, so you cannot bid on it."
    assert not Bid.objects.exists()


def test_place_bid_refuses_a_withdrawn_paper(workshop, cast, paper):
    submission_services.transition(submission=paper, to=SubmissionStatus.WITHDRAWN, by=cast["author"])
    paper.refresh_from_db()
    open_bidding(workshop)

    with pytest.raises(BidRefused) as refusal:
        place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.EAGER)

    assert str(refusal.value) == f"Paper #{paper.number} is withdrawn; it takes no bids."
    assert not Bid.objects.exists()


def test_place_bid_refuses_a_paper_of_another_workshop(workshop, other_workshop, cast):
    elsewhere = submitted_paper(other_workshop, cast["author"])
    open_bidding(workshop)

    with pytest.raises(BidRefused) as refusal:
        place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=elsewhere, value=BidValue.EAGER)

    assert str(refusal.value) == "This paper is not one of CaLM's submissions."
    assert not Bid.objects.exists()


@pytest.mark.parametrize("value", ["maybe", "", "EAGER"])
def test_place_bid_refuses_a_value_that_is_not_a_bid(workshop, cast, paper, value):
    open_bidding(workshop)

    with pytest.raises(BidRefused) as refusal:
        place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=value)

    choices = "eager, willing, neutral, not willing, conflict"
    assert str(refusal.value) == f"“{value}” is not a bid; choose one of {choices}."
    assert not Bid.objects.exists()


def test_a_conflict_bid_declares_a_conflict_and_another_bid_withdraws_it(workshop, cast, paper):
    open_bidding(workshop)
    reviewer = cast["reviewer"]

    place_bid(workshop=workshop, reviewer=reviewer, submission=paper, value=BidValue.CONFLICT)
    place_bid(workshop=workshop, reviewer=reviewer, submission=paper, value=BidValue.CONFLICT)  # a double click
    declared = list(conflicted_submissions(reviewer, workshop))
    listed_while_declared = list(selectors.papers_for_bidding(workshop, reviewer)[:])
    place_bid(workshop=workshop, reviewer=reviewer, submission=paper, value=BidValue.NOT_WILLING)

    assert declared == [paper]
    assert [p.pk for p in listed_while_declared] == [paper.pk]  # the reviewer may take it back
    assert listed_while_declared[0].my_bid == BidValue.CONFLICT
    assert list(conflicted_submissions(reviewer, workshop)) == []
    assert Bid.objects.get().value == BidValue.NOT_WILLING


def test_a_conflict_bid_does_not_hide_the_paper_from_other_reviewers(workshop, cast, paper):
    open_bidding(workshop)

    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.CONFLICT)

    assert list(conflicted_submissions(cast["bystander_reviewer"], workshop)) == []
    assert len(selectors.papers_for_bidding(workshop, cast["bystander_reviewer"])) == 1


# --- the page --------------------------------------------------------------------------------


def test_bidding_page_lists_papers_by_affinity_then_number(reviewer_client, workshop, cast, monkeypatch):
    papers = [submitted_paper(workshop, cast["author"]) for _ in range(4)]
    open_bidding(workshop)
    affinities = {papers[2].pk: 0.9, papers[0].pk: 0.4, papers[3].pk: 0.4}
    monkeypatch.setattr(
        selectors, "affinities_of_reviewer", lambda w, user: affinities if user == cast["reviewer"] else {}
    )

    response = reviewer_client.get(bidding_url())

    assert listed_numbers(response) == [papers[2].number, papers[0].number, papers[3].number, papers[1].number]
    assert "Papers that match your expertise best come first." in text_of(response)


def test_bidding_page_lists_papers_by_number_before_affinity_is_computed(reviewer_client, workshop, cast, no_affinity):
    papers = [submitted_paper(workshop, cast["author"]) for _ in range(3)]
    open_bidding(workshop)

    response = reviewer_client.get(bidding_url())

    assert listed_numbers(response) == [p.number for p in papers]
    assert "the match with your expertise is not computed yet" in text_of(response)


def test_bidding_page_orders_by_the_computed_affinity(reviewer_client, workshop, cast, monkeypatch):
    tokens = submitted_paper(workshop, cast["author"], title="Tokenisers", abstract="Byte pair encodings of text.")
    variables = submitted_paper(
        workshop, cast["author"], title="Instrumental variables", abstract="Instrumental variables for causal effects."
    )
    open_bidding(workshop)
    update_reviewer_profile(
        workshop=workshop, user=cast["reviewer"], expertise="Instrumental variables and causal effect estimation."
    )
    monkeypatch.setattr(affinity, "resolve_method", lambda method: "tfidf")  # no model download in this test
    compute_affinity(workshop=workshop)

    response = reviewer_client.get(bidding_url())

    assert listed_numbers(response) == [variables.number, tokens.number]
    assert "Papers that match your expertise best come first." in text_of(response)


def test_bidding_page_filters_by_primary_or_secondary_direction(reviewer_client, workshop, cast, no_affinity):
    for_direction = workshop.directions.get(slug="for")
    only_in = submitted_paper(workshop, cast["author"], primary_direction="in")
    primary_for = submitted_paper(workshop, cast["author"], primary_direction="for")
    secondary_for = submitted_paper(
        workshop, cast["author"], primary_direction="in", secondary_directions=[for_direction]
    )
    open_bidding(workshop)

    response = reviewer_client.get(bidding_url(direction="for"))
    everything = reviewer_client.get(bidding_url(direction="no-such-direction"))

    assert listed_numbers(response) == [primary_for.number, secondary_for.number]
    assert "2 papers match these filters." in text_of(response)
    assert listed_numbers(everything) == [only_in.number, primary_for.number, secondary_for.number]


def test_bidding_page_searches_titles_abstracts_and_keywords(reviewer_client, workshop, cast, no_affinity):
    by_title = submitted_paper(workshop, cast["author"], title="Mediation in transformers")
    by_abstract = submitted_paper(workshop, cast["author"], abstract="A study of mediation analysis.")
    by_keyword = submitted_paper(workshop, cast["author"], keywords="mediation, probing")
    submitted_paper(workshop, cast["author"], title="Unrelated", abstract="Nothing here.")
    open_bidding(workshop)

    response = reviewer_client.get(bidding_url(q="MEDIATION"))
    two_words = reviewer_client.get(bidding_url(q="mediation+transformers"))
    by_number = reviewer_client.get(bidding_url(q=f"%23{by_keyword.number}"))

    assert listed_numbers(response) == [by_title.number, by_abstract.number, by_keyword.number]
    assert listed_numbers(two_words) == [by_title.number]
    assert listed_numbers(by_number) == [by_keyword.number]


def test_bidding_page_counts_the_reviewers_bids(reviewer_client, workshop, cast, no_affinity):
    papers = [submitted_paper(workshop, cast["author"]) for _ in range(3)]
    open_bidding(workshop)
    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=papers[1], value=BidValue.NEUTRAL)

    response = reviewer_client.get(bidding_url())

    assert "You have bid on 1 of 3 papers." in text_of(response)
    assert "Bidding ends" in text_of(response)


def test_bidding_page_shows_only_the_reviewers_own_bids(reviewer_client, workshop, cast, paper, no_affinity):
    open_bidding(workshop)
    place_bid(workshop=workshop, reviewer=cast["bystander_reviewer"], submission=paper, value=BidValue.CONFLICT)

    response = reviewer_client.get(bidding_url())

    assert "You have bid on 0 of 1 paper." in text_of(response)
    assert "No bid yet" in text_of(response)
    assert 'aria-pressed="true"' not in response.content.decode()


def test_bidding_page_marks_the_reviewers_bid(reviewer_client, workshop, cast, paper, no_affinity):
    open_bidding(workshop)
    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.WILLING)

    html = reviewer_client.get(bidding_url()).content.decode()

    assert re.findall(r'value="(\w+)" class="btn [^"]*" aria-pressed="true"', html) == ["willing"]


def test_bidding_page_never_shows_the_authors(reviewer_client, workshop, cast, paper, no_affinity):
    open_bidding(workshop)

    page = reviewer_client.get(bidding_url()).content.decode()
    card = reviewer_client.post(bid_url(paper), {"value": "eager"}, HTTP_HX_REQUEST="true").content.decode()

    assert "Counterfactual LLMs" in page and "Counterfactual LLMs" in card
    author = cast["author"]
    for secret in [*astuple(HIDDEN_AUTHOR), author.name, author.email, "uni-a.example", author.affiliation]:
        assert secret not in page
        assert secret not in card


def test_bidding_page_hides_papers_the_reviewer_is_in_conflict_with(client, workshop, cast, no_affinity):
    # The conflicted reviewer shares the author's email domain: the visible paper is by someone else.
    visible = submitted_paper(workshop, cast["other_author"], title="Visible paper")
    hidden = submitted_paper(
        workshop, cast["other_author"], title="Declared conflict", conflicted_members=[cast["conflicted_reviewer"]]
    )
    open_bidding(workshop)
    client.force_login(cast["conflicted_reviewer"])

    response = client.get(bidding_url())

    assert hidden.number not in listed_numbers(response)
    assert "Declared conflict" not in response.content.decode()
    assert listed_numbers(response) == [visible.number]
    assert "You have bid on 0 of 1 paper." in text_of(response)


def test_bidding_page_shows_the_gap_a_conflicted_paper_leaves_in_the_numbers(client, workshop, cast, no_affinity):
    # Declared in SECURITY.md's limits: a reviewer learns that some paper, its number and nothing
    # else, is in conflict with them (its authors named them or share their institution). Hiding
    # the gap would take renumbering papers per reviewer, and every page and email names papers
    # by their one number.
    first = submitted_paper(workshop, cast["other_author"], title="First paper")
    submitted_paper(
        workshop, cast["other_author"], title="Declared conflict", conflicted_members=[cast["conflicted_reviewer"]]
    )
    third = submitted_paper(workshop, cast["other_author"], title="Third paper")
    open_bidding(workshop)
    client.force_login(cast["conflicted_reviewer"])

    response = client.get(bidding_url())

    assert listed_numbers(response) == [first.number, third.number] == [1, 3]
    assert "Declared conflict" not in response.content.decode()


def test_bidding_page_hides_withdrawn_papers(reviewer_client, workshop, cast, paper, no_affinity):
    submission_services.transition(submission=paper, to=SubmissionStatus.WITHDRAWN, by=cast["author"])
    open_bidding(workshop)

    response = reviewer_client.get(bidding_url())

    assert listed_numbers(response) == []
    assert "There is no paper to bid on yet." in text_of(response)


def test_bidding_page_paginates_and_keeps_the_filters(reviewer_client, workshop, cast, no_affinity):
    papers = [submitted_paper(workshop, cast["author"], primary_direction="in") for _ in range(27)]
    open_bidding(workshop)

    first = reviewer_client.get(bidding_url(direction="in"))
    second = reviewer_client.get(bidding_url(direction="in", page=2))

    assert listed_numbers(first) == [p.number for p in papers[:25]]
    assert 'href="?direction=in&amp;page=2"' in first.content.decode()
    assert listed_numbers(second) == [p.number for p in papers[25:]]
    assert "Page 2 of 2" in text_of(second)


def test_bidding_page_is_read_only_after_bidding_closed(reviewer_client, workshop, cast, paper, no_affinity):
    open_bidding(workshop)
    place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.EAGER)
    workshop.bidding_deadline = timezone.now() - timedelta(hours=1)
    workshop.save()

    response = reviewer_client.get(bidding_url())

    assert f"Bidding closed on {aoe(workshop.bidding_deadline)}." in text_of(response)
    assert "Your bid: Eager" in text_of(response)
    assert 'name="value"' not in response.content.decode()
    assert listed_numbers(response) == [paper.number]


def test_bidding_page_is_read_only_before_the_submission_deadline(reviewer_client, workshop, cast, paper, no_affinity):
    workshop.bidding_deadline = workshop.submission_deadline + timedelta(days=7)
    workshop.save()

    response = reviewer_client.get(bidding_url())

    assert f"Bidding opens after the submission deadline, {aoe(workshop.submission_deadline)}." in text_of(response)
    assert 'name="value"' not in response.content.decode()
    assert "Your bid: none" in text_of(response)


# --- placing bids from the page --------------------------------------------------------------


def test_htmx_bid_answers_with_the_card_and_the_counter_out_of_band(reviewer_client, workshop, cast, no_affinity):
    paper, other = submitted_paper(workshop, cast["author"]), submitted_paper(workshop, cast["author"])
    open_bidding(workshop)

    response = reviewer_client.post(bid_url(paper), {"value": "eager", "next": bidding_url()}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert Bid.objects.get().value == BidValue.EAGER
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<article class="card mb-3 bid-card" id="paper-{paper.pk}"')
    assert "Saved: Eager" in text_of(response)
    assert re.search(r'<p class="lead" id="bid-counter" hx-swap-oob="true">\s*You have bid on 1 of 2 papers\.', html)
    assert f"paper-{other.pk}" not in html


def test_htmx_bid_when_bidding_closed_answers_with_the_reason_in_the_card(reviewer_client, workshop, cast, paper):
    open_bidding(workshop)
    workshop.bidding_deadline = timezone.now() - timedelta(minutes=1)
    workshop.save()

    response = reviewer_client.post(bid_url(paper), {"value": "eager"}, HTTP_HX_REQUEST="true")

    assert f"Your bid is not saved: Bidding closed on {aoe(workshop.bidding_deadline)}." in text_of(response)
    assert 'name="value"' not in response.content.decode()
    assert not Bid.objects.exists()


def test_htmx_bid_with_a_bad_value_answers_with_the_reason_in_the_card(reviewer_client, workshop, paper, no_affinity):
    open_bidding(workshop)

    response = reviewer_client.post(bid_url(paper), {"value": "maybe"}, HTTP_HX_REQUEST="true")

    assert "Your bid is not saved: “maybe” is not a bid" in text_of(response)
    assert "No bid yet" in text_of(response)
    assert not Bid.objects.exists()


def test_plain_bid_redirects_back_to_the_page_with_its_filters(reviewer_client, workshop, paper, no_affinity):
    open_bidding(workshop)
    back = bidding_url(direction="in", q="causal", page=1)

    response = reviewer_client.post(bid_url(paper), {"value": "not_willing", "next": back})
    page = reviewer_client.get(response["Location"])

    assert response.status_code == 302 and response["Location"] == f"{back}#paper-{paper.pk}"
    assert f"Your bid on #{paper.number} is saved: Not willing." in text_of(page)
    assert Bid.objects.get().value == BidValue.NOT_WILLING


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/calm/reviewer/bids/", "//evil.example/calm/reviewer/bids/", "/calm/reviewer/profile/", ""],
)
def test_plain_bid_redirects_only_to_the_bidding_page(reviewer_client, workshop, paper, no_affinity, next_url):
    open_bidding(workshop)

    response = reviewer_client.post(bid_url(paper), {"value": "eager", "next": next_url})

    assert response["Location"] == f"{bidding_url()}#paper-{paper.pk}"


def test_plain_bid_refused_says_why_on_the_page(reviewer_client, workshop, paper, no_affinity):
    open_bidding(workshop)

    response = reviewer_client.post(bid_url(paper), {"value": "maybe", "next": bidding_url()}, follow=True)

    assert f"Your bid on #{paper.number} is not saved: “maybe” is not a bid" in text_of(response)
    assert not Bid.objects.exists()


def test_bid_on_a_withdrawn_paper_is_not_found(reviewer_client, workshop, cast, paper):
    submission_services.transition(submission=paper, to=SubmissionStatus.WITHDRAWN, by=cast["author"])
    open_bidding(workshop)

    response = reviewer_client.post(bid_url(paper), {"value": "eager"})

    assert response.status_code == 404
    assert not Bid.objects.exists()


def test_reviewer_menu_links_to_the_bidding_page(reviewer_client, workshop):
    html = reviewer_client.get(reverse("reviews:profile", args=["calm"])).content.decode()

    assert f'href="{bidding_url()}">Bid on papers</a>' in html


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 30])
def test_bidding_page_queries_do_not_grow_with_papers(
    reviewer_client, workshop, cast, count, no_affinity, django_assert_max_num_queries
):
    for_direction = workshop.directions.get(slug="for")
    papers = [
        submitted_paper(workshop, cast["author"], authors=[HIDDEN_AUTHOR], secondary_directions=[for_direction])
        for _ in range(count)
    ]
    open_bidding(workshop)
    for paper in papers[::2]:
        place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value=BidValue.WILLING)

    with django_assert_max_num_queries(PAGE_QUERY_BOUND):
        response = reviewer_client.get(bidding_url(direction="for", q="causal"))

    assert len(listed_numbers(response)) == min(count, 25)


@pytest.mark.parametrize("count", [1, 30])
def test_htmx_bid_queries_do_not_grow_with_papers(
    reviewer_client, workshop, cast, count, no_affinity, django_assert_max_num_queries
):
    papers = [submitted_paper(workshop, cast["author"]) for _ in range(count)]
    open_bidding(workshop)

    with django_assert_max_num_queries(BID_QUERY_BOUND):
        response = reviewer_client.post(bid_url(papers[0]), {"value": "eager"}, HTTP_HX_REQUEST="true")

    assert f"You have bid on 1 of {count} paper" in text_of(response)
