"""Who may open each reviewing URL: every URL, every persona of STYLE.md.

A paper's review page, its autosave and its PDF answer only the reviewer assigned to it and not in
conflict with it; everyone else gets 404, chairs included (they read reviews on their own pages),
and anonymous visitors are sent to log in. "Papers to review" answers the workshop's reviewers,
each seeing only their own papers. The review form's criteria answer the workshop's chairs. No
reviewing page names an author, and another reviewer's text reaches only a reviewer of the paper
who submitted their own review, without its confidential comments. The decision on a paper reaches
its assigned reviewer only once released; the email telling a reviewer of another review names
nobody.
"""

import pytest
from django.urls import reverse

from reviews.enums import Outcome
from reviews.models import Review
from reviews.services import assignments as assignment_services
from reviews.services import reviews as services
from reviews.services.decisions import decide, release_decisions
from submissions import services as submission_services
from submissions.enums import Presentation
from tests.conftest import PERSONAS
from tests.factories import member
from tests.reviews.conftest import submit_review, to_reviewing
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role
from workshop.models import OutboxEmail

pytestmark = pytest.mark.django_db

ASSIGNED, REVIEWERS, CHAIRS = "assigned", "reviewers", "chairs"
ALLOWED = {
    ASSIGNED: {"reviewer"},
    REVIEWERS: {"reviewer", "bystander_reviewer", "conflicted_reviewer"},
    CHAIRS: {"chair", "conflicted_chair"},
}
AUTHOR_SECRETS = ("Ada Author", "author@uni-a.example", "Cole Coauthor", "coauthor@uni-b.example")


@pytest.fixture
def paper(workshop, cast):
    paper = submitted_paper(
        workshop, cast["author"], authors=[cast["author"], cast["coauthor"]], title="Causal parrots"
    )
    to_reviewing(workshop)
    assignment_services.assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])
    return paper


def url(name, *args):
    return reverse(f"reviews:{name}", args=["calm", *args])


@pytest.fixture
def urls(paper):
    return [
        ("get", url("my_papers"), REVIEWERS, 200),
        ("get", url("review", paper.pk), ASSIGNED, 200),
        ("post", url("autosave", paper.pk), ASSIGNED, 200),
        ("get", url("paper_pdf", paper.pk), ASSIGNED, 200),
        ("get", url("review_form"), CHAIRS, 200),
    ]


def expected_status(rule, persona, allowed_status):
    if persona == "anonymous":
        return 302
    return allowed_status if persona in ALLOWED[rule] else 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_reviewing_url_answers_each_persona_as_designed(client, cast, urls, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    responses = {
        url: getattr(client, method)(url, {"summary": "Probing", "version": 0} if method == "post" else {})
        for method, url, _, _ in urls
    }

    assert {url: r.status_code for url, r in responses.items()} == {
        url: expected_status(rule, persona, allowed) for _, url, rule, allowed in urls
    }
    if persona == "anonymous":
        assert all(r["Location"].startswith(reverse("account_login")) for r in responses.values())


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ALLOWED[ASSIGNED]])
def test_denied_review_posts_change_nothing(client, cast, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])
    data = {"summary": "Not mine to write", "score_overall": "1", "version": 0, "action": "submit"}

    client.post(url("review", paper.pk), data)
    client.post(url("autosave", paper.pk), data)

    assert not Review.objects.exists()


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ALLOWED[CHAIRS]])
def test_denied_review_form_posts_change_nothing(client, cast, workshop, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    client.post(url("review_form"), {"form-TOTAL_FORMS": 0, "form-INITIAL_FORMS": 0})

    assert not workshop.review_criteria.exists()


def test_an_assigned_reviewer_found_in_conflict_loses_the_paper(client, cast, paper):
    submission_services.set_conflict_ruling(submission=paper, user=cast["reviewer"], is_conflict=True, by=cast["chair"])
    client.force_login(cast["reviewer"])

    statuses = [client.get(url(name, paper.pk)).status_code for name in ("review", "paper_pdf")]
    autosave = client.post(url("autosave", paper.pk), {"summary": "Still here?", "version": 0})
    listed = client.get(url("my_papers")).content.decode()

    assert statuses == [404, 404] and autosave.status_code == 404
    assert "Causal parrots" not in listed
    assert not Review.objects.exists()


@pytest.mark.parametrize("name", ["my_papers", "review"])
def test_reviewing_pages_never_name_an_author(client, cast, paper, name):
    submit_review(paper, cast["reviewer"])
    client.force_login(cast["reviewer"])

    page = client.get(url(name, paper.pk) if name == "review" else url(name)).content.decode()

    assert "Causal parrots" in page
    assert [secret for secret in AUTHOR_SECRETS if secret in page] == []


def test_the_pdf_of_a_paper_names_no_author(client, cast, paper):
    client.force_login(cast["reviewer"])

    response = client.get(url("paper_pdf", paper.pk))

    headers = " ".join(f"{key}: {value}" for key, value in response.headers.items())
    assert response["Content-Disposition"] == f'attachment; filename="paper-{paper.number}.pdf"'
    assert [secret for secret in AUTHOR_SECRETS if secret in headers] == []


@pytest.fixture
def peer_review(workshop, paper):
    peer = member(workshop, Role.REVIEWER, email="peer@uni-h.example", name="Petra Peer")
    return submit_review(
        paper, peer, summary="The peer finds the method sound", confidential_comments="Told only to the chairs"
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_another_reviewers_text_reaches_only_a_reviewer_who_submitted(client, cast, paper, peer_review, persona):
    submit_review(paper, cast["reviewer"])
    if cast[persona] is not None:
        client.force_login(cast[persona])

    page = client.get(url("review", paper.pk)).content.decode()

    assert ("The peer finds the method sound" in page) == (persona == "reviewer")
    assert "Told only to the chairs" not in page
    assert "Petra Peer" not in page and "peer@uni-h.example" not in page


def test_a_reviewer_with_a_draft_sees_no_other_review(client, cast, paper, peer_review):
    services.save_review(submission=paper, reviewer=cast["reviewer"], fields={"summary": "Mine"}, scores={})
    client.force_login(cast["reviewer"])

    page = client.get(url("review", paper.pk)).content.decode()

    assert "The peer finds the method sound" not in page and "Reviewer 2" not in page


@pytest.mark.parametrize("released", [False, True])
@pytest.mark.parametrize("persona", PERSONAS)
def test_the_decision_reaches_only_the_assigned_reviewer_after_release(
    client, cast, workshop, paper, persona, released
):
    submit_review(paper, cast["reviewer"])
    decide(submission=paper, outcome=Outcome.ACCEPT, presentation=Presentation.POSTER, by=cast["chair"])
    if released:
        release_decisions(workshop=workshop, by=cast["chair"])
    if cast[persona] is not None:
        client.force_login(cast[persona])

    pages = [client.get(url("my_papers")).content.decode(), client.get(url("review", paper.pk)).content.decode()]

    visible = released and persona == "reviewer"
    assert ["Decision:" in page for page in pages] == [visible, visible]
    assert [page.count("Decision: Accept (poster)") for page in pages] == ([1, 1] if visible else [0, 0])


def test_the_email_telling_a_reviewer_of_another_review_names_nobody(workshop, cast, paper, peer_review):
    submit_review(paper, cast["reviewer"])
    peer = member(workshop, Role.REVIEWER, email="third@uni-j.example", name="Theo Third")

    submit_review(paper, peer)

    emails = OutboxEmail.objects.filter(template="review_submitted_reviewer")
    reviewers = {"reviewer@uni-d.example": "Rita Reviewer", "peer@uni-h.example": "Petra Peer"}
    assert {email.to[0] for email in emails} == set(reviewers)
    for email in emails:  # each greets its reader by name, and names nobody else
        others = [*AUTHOR_SECRETS, "Theo Third", "third@uni-j.example"]
        others += [part for address, name in reviewers.items() if address != email.to[0] for part in (address, name)]
        assert [name for name in others if name in email.subject + email.body_text] == []
