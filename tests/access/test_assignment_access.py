"""Who may open each assignment URL: every URL, every persona of STYLE.md.

Chair pages answer the workshop's chairs; a conflicted chair reaches the pages but not the manual
page of a paper they are in conflict with (404), nor its reviewers anywhere. "My papers" answers
reviewers, each seeing only their own. Denied signed-in users get 404; anonymous visitors are sent
to log in. Denied POSTs change nothing.
"""

import pytest
from django.urls import reverse

from reviews.models import Assignment, AssignmentRun
from reviews.services import assignments as services
from tests.conftest import PERSONAS
from tests.reviews.conftest import run_now, to_bidding
from tests.submissions.conftest import submitted_paper
from workshop.models import OutboxEmail

pytestmark = pytest.mark.django_db

CHAIRS, CHAIRS_NOT_CONFLICTED, REVIEWERS = "chairs", "chairs_not_conflicted", "reviewers"
ALLOWED = {
    CHAIRS: {"chair", "conflicted_chair"},
    CHAIRS_NOT_CONFLICTED: {"chair"},
    REVIEWERS: {"reviewer", "bystander_reviewer", "conflicted_reviewer"},
}


@pytest.fixture
def setup(workshop, cast):
    paper = submitted_paper(workshop, cast["author"], title="Causal parrots")
    other = submitted_paper(workshop, cast["other_author"], title="LLMs for causal discovery")
    to_bidding(workshop)
    services.assign_reviewer(submission=other, reviewer=cast["reviewer"], by=cast["chair"])
    run = run_now(workshop, cast["chair"], k=1)
    return paper, other, run


@pytest.fixture
def urls(workshop, cast, setup):
    paper, _, run = setup
    url = lambda name, *args: reverse(f"reviews:{name}", args=["calm", *args])  # noqa: E731
    return [
        ("get", url("assignment"), CHAIRS, 200),
        ("get", url("run", run.pk), CHAIRS, 200),
        ("get", url("paper_reviewers", paper.pk), CHAIRS_NOT_CONFLICTED, 200),
        ("get", url("reviewer_papers", cast["reviewer"].pk), CHAIRS, 200),
        ("get", url("my_papers"), REVIEWERS, 200),
    ]


def expected_status(rule, persona, allowed_status):
    if persona == "anonymous":
        return 302
    return allowed_status if persona in ALLOWED[rule] else 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_assignment_url_answers_each_persona_as_designed(client, cast, urls, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    responses = {url: getattr(client, method)(url) for method, url, _, _ in urls}

    assert {url: r.status_code for url, r in responses.items()} == {
        url: expected_status(rule, persona, allowed) for _, url, rule, allowed in urls
    }
    if persona == "anonymous":
        assert all(r["Location"].startswith(reverse("account_login")) for r in responses.values())


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ALLOWED[CHAIRS]])
def test_denied_assignment_posts_change_nothing(client, cast, workshop, setup, persona):
    _, other, run = setup
    if cast[persona] is not None:
        client.force_login(cast[persona])
    before = (list(Assignment.objects.values_list("pk", flat=True)), OutboxEmail.objects.count())
    url = lambda name, *args: reverse(f"reviews:{name}", args=["calm", *args])  # noqa: E731

    client.post(url("start_run"), {"reviews_per_paper": 1, "affinity_weight": 1, "bid_weight": 1})
    client.post(url("edit_run", run.pk), {"action": "remove", "pair": run.pairs.first().pk})
    client.post(url("commit_run", run.pk))
    client.post(url("discard_run", run.pk))
    client.post(url("paper_reviewers", other.pk), {"reviewer": cast["bystander_reviewer"].pk})
    client.post(url("reviewer_papers", cast["reviewer"].pk), {"submission": other.pk, "action": "remove"})

    assert (list(Assignment.objects.values_list("pk", flat=True)), OutboxEmail.objects.count()) == before
    assert AssignmentRun.objects.get().status == run.status and run.pairs.count() == 2


def test_conflicted_chair_cannot_assign_to_their_conflicted_paper(client, cast, setup):
    paper, _, _ = setup
    client.force_login(cast["conflicted_chair"])

    response = client.post(
        reverse("reviews:reviewer_papers", args=["calm", cast["bystander_reviewer"].pk]), {"submission": paper.pk}
    )

    assert response.status_code == 404
    assert not Assignment.objects.filter(submission=paper).exists()


def test_my_papers_lists_only_the_reviewers_own(client, cast, setup):
    client.force_login(cast["bystander_reviewer"])

    page = client.get(reverse("reviews:my_papers", args=["calm"])).content.decode()

    assert "No papers are assigned to you yet." in page and "LLMs for causal discovery" not in page


def test_conflicted_chair_reads_no_assignment_email_naming_their_conflicted_paper(client, cast, setup):
    paper, _, _ = setup
    services.assign_reviewer(submission=paper, reviewer=cast["bystander_reviewer"], by=cast["chair"])
    services.unassign_reviewer(submission=paper, reviewer=cast["bystander_reviewer"], by=cast["chair"])
    services.assign_reviewer(submission=paper, reviewer=cast["bystander_reviewer"], by=cast["chair"])
    client.force_login(cast["conflicted_chair"])

    page = client.get(reverse("workshop:outbox", args=["calm"])).content.decode()

    assert cast["bystander_reviewer"].email not in page
    assert cast["reviewer"].email in page  # assigned to the other paper only
