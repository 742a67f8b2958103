"""Who may open each decisions URL: every URL, every persona of STYLE.md, before and after release.

The decisions pages answer the workshop's chairs; a chair in conflict with a paper gets 404 on its
page and cannot decide it. The authors' decision page answers the paper's authors after the
release only (404 before: not even that a decision exists leaks), never its reviewers. Denied
signed-in users get 404; anonymous visitors are sent to log in. Denied POSTs change nothing.
"""

import pytest
from django.urls import reverse

from reviews.models import Decision
from reviews.services.decisions import decide, release_decisions
from tests.conftest import PERSONAS
from tests.reviews.conftest import submit_review
from tests.submissions.conftest import submitted_paper
from workshop.models import EmailTemplate, OutboxEmail

pytestmark = pytest.mark.django_db

CHAIRS, CHAIRS_NOT_CONFLICTED, NOBODY = "chairs", "chairs_not_conflicted", "nobody"
PAPER_AUTHORS, OTHER_AUTHORS = "paper_authors", "other_authors"
ALLOWED = {
    CHAIRS: {"chair", "conflicted_chair"},
    CHAIRS_NOT_CONFLICTED: {"chair"},
    NOBODY: set(),
    PAPER_AUTHORS: {"author", "coauthor"},
    OTHER_AUTHORS: {"other_author"},
}
SECRET = "Confidential: the chairs should know this."


def url(name, *args):
    return reverse(f"reviews:{name}", args=["calm", *args])


@pytest.fixture
def setup(workshop, cast):
    """Paper 1 by the author and coauthor (the conflicted chair and reviewer share the author's
    institution), reviewed by the reviewer; paper 2 by the other author. Both decided."""
    paper = submitted_paper(
        workshop, cast["author"], title="Causal parrots", authors=[cast["author"], cast["coauthor"]]
    )
    other = submitted_paper(workshop, cast["other_author"], title="LLMs for causal discovery")
    submit_review(paper, cast["reviewer"], summary="Careful and convincing.", confidential_comments=SECRET)
    decide(submission=paper, outcome="accept", presentation="poster", by=cast["chair"])
    decide(submission=other, outcome="reject", by=cast["chair"])
    return paper, other


def rows(setup, *, released):
    paper, other = setup
    return [
        ("get", url("decisions"), CHAIRS, 200),
        ("get", url("decisions") + "?sort=score&show=accept", CHAIRS, 200),
        ("get", url("chair_paper_reviews", paper.pk), CHAIRS_NOT_CONFLICTED, 200),
        ("get", url("chair_paper_reviews", other.pk), CHAIRS, 200),
        ("get", url("release"), CHAIRS, 200),
        ("get", url("email_template", "decision_accept"), CHAIRS, 200),
        ("get", url("email_template", "decision_reject"), CHAIRS, 200),
        ("get", url("email_template", "submission_received"), NOBODY, 404),
        ("get", url("author_reviews", paper.pk), PAPER_AUTHORS if released else NOBODY, 200),
        ("get", url("author_reviews", other.pk), OTHER_AUTHORS if released else NOBODY, 200),
    ]


def expected_status(rule, persona, allowed_status):
    if persona == "anonymous":
        return 302
    return allowed_status if persona in ALLOWED[rule] else 404


@pytest.mark.parametrize("released", [False, True], ids=["before_release", "after_release"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_decisions_url_answers_each_persona_as_designed(client, cast, workshop, setup, persona, released):
    if released:
        release_decisions(workshop=workshop, by=cast["chair"])
    if cast[persona] is not None:
        client.force_login(cast[persona])
    urls = rows(setup, released=released)

    responses = {url: getattr(client, method)(url) for method, url, _, _ in urls}

    assert {url: r.status_code for url, r in responses.items()} == {
        url: expected_status(rule, persona, allowed) for _, url, rule, allowed in urls
    }
    if persona == "anonymous":
        assert all(r["Location"].startswith(reverse("account_login")) for r in responses.values())
    for response in responses.values():
        page = response.content.decode()
        if persona not in ALLOWED[CHAIRS_NOT_CONFLICTED]:
            assert SECRET not in page  # confidential comments reach the unconflicted chairs only
        if persona not in ALLOWED[CHAIRS_NOT_CONFLICTED] | ALLOWED[PAPER_AUTHORS]:
            assert "Careful and convincing." not in page


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ALLOWED[CHAIRS]])
def test_denied_decisions_posts_change_nothing(client, cast, workshop, setup, persona):
    paper, other = setup
    if cast[persona] is not None:
        client.force_login(cast[persona])
    before = list(Decision.objects.values_list("pk", "outcome", "version", "released_at"))

    client.post(url("decisions"), {"paper": [f"{paper.pk}:1", f"{other.pk}:1"], "outcome": "reject"})
    client.post(url("chair_paper_reviews", paper.pk), {"outcome": "reject", "version": 1})
    client.post(url("release"))
    client.post(url("email_template", "decision_accept"), {"subject": "S", "body": "B", "action": "save"})

    assert list(Decision.objects.values_list("pk", "outcome", "version", "released_at")) == before
    assert not OutboxEmail.objects.filter(template__startswith="decision_").exists()
    assert not EmailTemplate.objects.exists()


def test_conflicted_chair_cannot_decide_their_paper_by_any_route(client, cast, setup):
    paper, _ = setup
    client.force_login(cast["conflicted_chair"])

    page = client.post(url("chair_paper_reviews", paper.pk), {"outcome": "reject", "version": 1})
    bulk = client.post(url("decisions"), {"paper": [f"{paper.pk}:1"], "outcome": "reject"}, follow=True)

    assert page.status_code == 404
    assert "You are in conflict with paper #1; another chair must decide it." in bulk.content.decode()
    assert Decision.objects.get(submission=paper).outcome == "accept"


def test_conflicted_chair_sees_neither_score_nor_decision_of_their_paper(client, cast, setup):
    client.force_login(cast["conflicted_chair"])

    listed = client.get(url("decisions")).content.decode()
    accepted = client.get(url("decisions") + "?show=accept").content.decode()
    release = client.get(url("release")).content.decode()

    row = listed.split('id="paper-1"')[1].split("</tr>")[0]
    assert "Causal parrots" in row and "Accept" not in row and "conflict of interest" in row
    assert 'id="paper-1"' not in accepted
    assert "Causal parrots" not in release and "Careful and convincing." not in release


def test_conflicted_chair_learns_only_how_many_of_their_papers_are_undecided(client, cast, workshop, setup):
    # Whether their paper is still undecided is part of its decision: the release page and its refusal count
    # such papers without naming them; the other chair sees the numbers.
    paper, other = setup
    Decision.objects.filter(submission__in=[paper, other]).delete()
    client.force_login(cast["conflicted_chair"])

    release = client.get(url("release")).content.decode()
    decisions = client.get(url("decisions")).content.decode()
    refused = client.post(url("release"), follow=True).content.decode()
    client.force_login(cast["chair"])
    unconflicted = client.get(url("release")).content.decode()

    waiting = release.split('id="undecided"')[1].split("</p>")[0]
    assert "#2</a> and 1 paper you are in conflict with" in waiting and "#1<" not in waiting
    assert "1 paper and 1 paper you are in conflict with still undecided." in decisions
    assert "still undecided: paper #2 and 1 paper you are in conflict with." in refused
    assert "#1</a>, " in unconflicted.split('id="undecided"')[1] and "in conflict" not in unconflicted
    assert not Decision.objects.exists()


def test_author_emails_name_no_reviewer_and_carry_no_confidential_comment(cast, workshop, setup):
    release_decisions(workshop=workshop, by=cast["chair"])

    emails = list(OutboxEmail.objects.filter(template__startswith="decision_"))

    assert len(emails) == 2
    for email in emails:
        for hidden in (SECRET, cast["reviewer"].name, cast["reviewer"].email):
            assert hidden not in email.body_text and hidden not in email.subject
    assert "Careful and convincing." in next(e for e in emails if e.template == "decision_accept").body_text


def test_conflicted_chair_reads_no_decision_email_about_their_paper_in_the_outbox(client, cast, workshop, setup):
    release_decisions(workshop=workshop, by=cast["chair"])
    client.force_login(cast["conflicted_chair"])

    page = client.get(reverse("workshop:outbox", args=["calm"])).content.decode()

    assert "Causal parrots" not in page and cast["coauthor"].email not in page
    assert "LLMs for causal discovery" in page
