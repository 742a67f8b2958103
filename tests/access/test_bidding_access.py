"""Who may open the bidding page and bid: every URL, every persona of STYLE.md.

The workshop's reviewers open the page; the paper's authors declared the conflicted reviewer, who
neither sees the paper nor may bid on it (404). Chairs who are not reviewers, authors and other
workshops' chairs get 404; anonymous visitors are sent to log in. Denied POSTs change nothing.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import Bid
from tests.conftest import PERSONAS
from tests.factories import member
from tests.submissions.conftest import submitted_paper
from workshop import services as workshop_services
from workshop.enums import Role

pytestmark = pytest.mark.django_db

PAGE, BID = "page", "bid"
REVIEWER_PERSONAS = {"reviewer", "bystander_reviewer", "conflicted_reviewer"}


@pytest.fixture
def paper(workshop, cast):
    paper = submitted_paper(
        workshop,
        cast["author"],
        authors=[cast["author"], cast["coauthor"]],
        title="A paper with a declared conflict",
        conflicted_members=[cast["conflicted_reviewer"]],
    )
    workshop.submission_deadline = timezone.now() - timedelta(days=1)
    workshop.bidding_deadline = timezone.now() + timedelta(days=7)
    workshop.save()
    return paper


def expected_status(rule, persona, allowed_status):
    if persona == "anonymous":
        return 302
    if persona not in REVIEWER_PERSONAS:
        return 404
    if rule == BID and persona == "conflicted_reviewer":
        return 404  # the paper does not exist for them
    return allowed_status


@pytest.fixture
def urls(paper):
    return [
        ("get", reverse("reviews:bidding", args=["calm"]), PAGE, 200),
        ("post", reverse("reviews:bid", args=["calm", paper.pk]), BID, 302),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_bidding_url_answers_each_persona_as_designed(client, cast, urls, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    responses = {
        url: getattr(client, method)(url, {"value": "eager"} if method == "post" else None)
        for method, url, _, _ in urls
    }

    assert {url: r.status_code for url, r in responses.items()} == {
        url: expected_status(rule, persona, allowed) for _, url, rule, allowed in urls
    }
    if persona == "anonymous":
        assert all(r["Location"].startswith(reverse("account_login")) for r in responses.values())


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_paper_is_on_the_bidding_page_only_for_reviewers_not_in_conflict(client, cast, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    html = client.get(reverse("reviews:bidding", args=["calm"])).content.decode()

    listed = "A paper with a declared conflict" in html
    assert listed == (persona in {"reviewer", "bystander_reviewer"})
    if persona in REVIEWER_PERSONAS:
        assert cast["author"].name not in html and cast["coauthor"].name not in html


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in {"reviewer", "bystander_reviewer"}])
def test_denied_bids_change_nothing(client, cast, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    for value in ["eager", "conflict", "not_willing"]:
        client.post(reverse("reviews:bid", args=["calm", paper.pk]), {"value": value})
        client.post(reverse("reviews:bid", args=["calm", paper.pk]), {"value": value}, HTTP_HX_REQUEST="true")

    assert not Bid.objects.exists()
    assert not paper.conflicts.exists()


def test_a_reviewer_who_wrote_the_paper_cannot_see_it_or_bid_on_it(client, workshop, cast, paper):
    workshop_services.add_member(workshop=workshop, user=cast["coauthor"], role=Role.REVIEWER)
    client.force_login(cast["coauthor"])

    html = client.get(reverse("reviews:bidding", args=["calm"])).content.decode()
    response = client.post(reverse("reviews:bid", args=["calm", paper.pk]), {"value": "eager"})

    assert "A paper with a declared conflict" not in html
    assert response.status_code == 404
    assert not Bid.objects.exists()


def test_a_reviewer_of_another_workshop_cannot_bid_on_this_workshops_paper(client, other_workshop, paper):
    elsewhere = member(other_workshop, Role.REVIEWER, email="elsewhere.reviewer@uni-h.example")
    client.force_login(elsewhere)

    responses = [
        client.post(reverse("reviews:bid", args=["other", paper.pk]), {"value": "eager"}),
        client.post(reverse("reviews:bid", args=["calm", paper.pk]), {"value": "eager"}),
    ]
    page = client.get(reverse("reviews:bidding", args=["other"])).content.decode()

    assert [r.status_code for r in responses] == [404, 404]
    assert "A paper with a declared conflict" not in page
    assert not Bid.objects.exists()


def test_bids_need_post(client, cast, paper):
    client.force_login(cast["reviewer"])

    response = client.get(reverse("reviews:bid", args=["calm", paper.pk]), {"value": "eager"})

    assert response.status_code == 405
    assert not Bid.objects.exists()
