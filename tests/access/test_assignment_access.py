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
from reviews.services import bids as bid_services
from tests.conftest import PERSONAS
from tests.reviews.conftest import run_now, to_bidding
from tests.submissions.conftest import submitted_paper
from workshop.models import OutboxEmail
from workshop.services import send_test_email

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
    # Nor the email to a reviewer of the other paper only: see the next tests.
    assert cast["reviewer"].email not in page
    assert cast["reviewer"].email in outbox_page(client, cast["chair"])


def outbox_page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("workshop:outbox", args=["calm"]), params).content.decode()


def rows_listed(html):
    """The text of the outbox table's rows."""
    return " ".join(html.split("<tbody>")[1].split("</tbody>")[0].split())


def rows_counted(client, user):
    """How many emails the pager says the outbox holds for `user`: N of "Page 1 of N", one a page."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("workshop.views.OUTBOX_PAGE_SIZE", 1)
        html = outbox_page(client, user)
    return int(html.split("Page 1 of ")[1].split("<")[0])


def test_a_reviewer_taken_off_a_conflicted_paper_stays_out_of_the_conflicted_chairs_outbox(client, cast, workshop):
    paper = submitted_paper(
        workshop, cast["author"], title="Causal parrots", conflicted_members=[cast["conflicted_chair"]]
    )
    other = submitted_paper(workshop, cast["other_author"], title="LLMs for causal discovery")
    to_bidding(workshop)
    late = cast["bystander_reviewer"]
    bids = [(late, paper, "eager"), (late, other, "eager"), (cast["reviewer"], paper, "not_willing")]
    bids += [(cast["reviewer"], other, "not_willing"), (cast["conflicted_reviewer"], other, "not_willing")]
    for person, submission, value in bids:
        bid_services.place_bid(workshop=workshop, reviewer=person, submission=submission, value=value)
    services.commit_run(run=run_now(workshop, cast["chair"], k=1), by=cast["chair"])  # one email listing both
    assigned = OutboxEmail.objects.get(template="reviewer_assignment")
    send_test_email(workshop=workshop, to_user=cast["conflicted_chair"])
    counted_before = rows_counted(client, cast["conflicted_chair"])
    client.force_login(cast["chair"])
    client.post(reverse("reviews:paper_reviewers", args=["calm", paper.pk]), {"reviewer": late.pk, "action": "remove"})
    removed = OutboxEmail.objects.get(template="reviewer_unassigned")
    OutboxEmail.objects.filter(pk__in=[assigned.pk, removed.pk]).update(status="failed")

    listing = outbox_page(client, cast["conflicted_chair"])
    counted = rows_counted(client, cast["conflicted_chair"])
    searched = outbox_page(client, cast["conflicted_chair"], q=late.email)
    opened = [client.get(reverse("workshop:outbox_email", args=["calm", email.pk])) for email in (assigned, removed)]
    retried = client.post(
        reverse("workshop:outbox_retry", args=["calm"]), {"email": [assigned.pk, removed.pk]}, follow=True
    )
    client.force_login(cast["chair"])
    read_by_the_other_chair = client.get(reverse("workshop:outbox_email", args=["calm", assigned.pk]))

    assert "You have been assigned these 2 papers" in assigned.body_text
    assert late.email not in listing and "2 papers to review" not in listing
    assert counted == counted_before == rows_listed(listing).count("<tr>")
    assert rows_listed(searched) == '<tr><td colspan="7">No emails.</td></tr>'
    assert [response.status_code for response in opened] == [404, 404]
    assert "Nothing to retry: only failed emails can be sent again." in retried.content.decode()
    assert {email.status for email in OutboxEmail.objects.filter(pk__in=[assigned.pk, removed.pk])} == {"failed"}
    assert late.email in read_by_the_other_chair.content.decode()


def test_a_chair_in_conflict_reads_no_email_to_reviewers_whoever_they_review(client, cast, workshop):
    # Rita is assigned the conflicted paper and the other one (one email listing both); Bea, by
    # hand, the other one only. Were Bea's email shown and Rita's not, its absence would name Rita
    # as a reviewer of the chair's paper: a chair in conflict reads neither, a chair without both.
    paper = submitted_paper(workshop, cast["author"], conflicted_members=[cast["conflicted_chair"]])
    other = submitted_paper(workshop, cast["other_author"])
    to_bidding(workshop)
    rita, bea = cast["reviewer"], cast["bystander_reviewer"]
    for person, value in ((rita, "eager"), (bea, "not_willing")):
        for submission in (paper, other):
            bid_services.place_bid(workshop=workshop, reviewer=person, submission=submission, value=value)
    bid_services.place_bid(
        workshop=workshop, reviewer=cast["conflicted_reviewer"], submission=other, value="not_willing"
    )
    services.commit_run(run=run_now(workshop, cast["chair"], k=1), by=cast["chair"])
    services.assign_reviewer(submission=other, reviewer=bea, by=cast["chair"])
    emails = {email.to[0]: email for email in OutboxEmail.objects.filter(template="reviewer_assignment")}

    conflicted = outbox_page(client, cast["conflicted_chair"])
    opened = client.get(reverse("workshop:outbox_email", args=["calm", emails[bea.email].pk]))
    unconflicted = outbox_page(client, cast["chair"])

    assert "these 2 papers" in emails[rita.email].body_text
    assert bea.email not in conflicted
    assert rita.email not in conflicted
    assert opened.status_code == 404
    assert rita.email in unconflicted and bea.email in unconflicted
