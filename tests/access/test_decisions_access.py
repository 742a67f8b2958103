"""Who may open each decisions URL: every URL, every persona of STYLE.md, before and after release.

The decisions pages answer the workshop's chairs; a chair in conflict with a paper gets 404 on its
page and cannot decide it. The authors' decision page answers the paper's authors after the
release only (404 before: not even that a decision exists leaks), never its reviewers. Denied
signed-in users get 404; anonymous visitors are sent to log in. Denied POSTs change nothing.
"""

import pytest
from django.urls import reverse

from reviews.emails import PLACEHOLDERS
from reviews.models import Decision
from reviews.services.decisions import DecisionRefused, decide, release_decisions, save_email_template
from tests.conftest import PERSONAS
from tests.reviews.conftest import submit_review
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role
from workshop.models import EmailTemplate, OutboxEmail, User
from workshop.services import add_member

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


# --- the chairs' wording of the emails is never a template (issue 12) ---------------------------------------------

OWN_TITLE, WEAKNESS, ELSEWHERE_REVIEW = "My own causal paper", "Lemma 3 is wrong.", "Seen in another workshop only."
# The outside review's attacks, as a chair would paste them into the body of the acceptance email.
ATTACKS = {
    "reviews of every paper": "{% for s in workshop.submissions.all %}{% for r in s.reviews.all %}"
    "{{ r.reviewer.email }} {{ r.scores }} {{ r.weaknesses }} {{ s.decision.outcome }}{% endfor %}{% endfor %}",
    "password hash": "{{ submission.created_by.password }}",
    "another workshop": "{% for m in workshop.memberships.all %}{% for r in m.user.reviews.all %}"
    "{{ r.summary }}{% endfor %}{% endfor %}",
    "a file": '{% include "../../etc/hostname" %}',
}


@pytest.fixture
def chairs_own_paper(workshop, other_workshop, cast):
    """The conflicted chair co-authors paper 1, reviewed and accepted; paper 2 is another author's. The
    reviewer also reviews in another workshop."""
    own = submitted_paper(workshop, cast["author"], title=OWN_TITLE, authors=[cast["author"], cast["conflicted_chair"]])
    submitted_paper(workshop, cast["other_author"], title="LLMs for causal discovery")
    submit_review(own, cast["reviewer"], overall=2, weaknesses=WEAKNESS, confidential_comments=SECRET)
    decide(submission=own, outcome="accept", presentation="poster", by=cast["chair"])
    elsewhere = submitted_paper(other_workshop, cast["other_author"], title="Elsewhere")
    add_member(workshop=other_workshop, user=cast["reviewer"], role=Role.REVIEWER)
    submit_review(elsewhere, cast["reviewer"], summary=ELSEWHERE_REVIEW)
    return own


def assert_shows_nothing_secret(page, cast):
    for secret in (OWN_TITLE, WEAKNESS, SECRET, ELSEWHERE_REVIEW, cast["reviewer"].email, "&#x27;overall&#x27;"):
        assert secret not in page
    for user in User.objects.all():
        assert user.password not in page


@pytest.mark.parametrize("action", ["preview", "save"])
@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("persona", ["chair", "conflicted_chair"])
def test_template_code_in_the_wording_is_refused_and_shows_nothing(
    client, cast, chairs_own_paper, persona, attack, action
):
    client.force_login(cast[persona])

    response = client.post(
        url("email_template", "decision_accept"),
        {"subject": "Accepted: {paper_title}", "body": f"Dear authors,\n\n{ATTACKS[attack]}\n", "action": action},
    )

    page = response.content.decode()
    assert_shows_nothing_secret(page, cast)
    assert response.status_code == 200
    assert "is template code, which these emails do not run; use the placeholders." in page
    assert "The placeholders of this email: {workshop_name}, {workshop_short_name}, {paper_number}" in page
    assert "Fix the problems marked above to see the preview." in page
    assert not EmailTemplate.objects.exists()


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_template_code_is_refused_by_the_service_too(cast, workshop, attack):
    with pytest.raises(DecisionRefused, match="is template code"):
        save_email_template(
            workshop=workshop, name="decision_accept", subject="S", body=ATTACKS[attack], by=cast["chair"]
        )

    assert not EmailTemplate.objects.exists()


@pytest.mark.parametrize("name", ["decision_accept", "decision_reject"])
def test_conflicted_chair_previews_every_placeholder_without_their_paper(client, cast, chairs_own_paper, name):
    client.force_login(cast["conflicted_chair"])
    body = "\n".join(f"{placeholder}: {{{placeholder}}}" for placeholder in PLACEHOLDERS[name])

    page = client.post(url("email_template", name), {"subject": "{paper_title}", "body": body, "action": "preview"})

    preview = page.content.decode().split('id="preview"')[1]
    assert "With paper #2, as if it were" in preview and "paper_title: LLMs for causal discovery" in preview
    assert_shows_nothing_secret(page.content.decode(), cast)


def test_released_email_in_a_stored_wording_with_template_code_is_the_default(cast, workshop, chairs_own_paper):
    # A wording stored before the placeholder language (by the admin, or a migration that could not convert
    # it) is never rendered: the authors get the default wording.
    EmailTemplate.objects.create(
        workshop=workshop, name="decision_accept", subject="{{ submission.title }}", body=ATTACKS["password hash"]
    )

    release_decisions(workshop=workshop, by=cast["chair"])

    [email] = OutboxEmail.objects.filter(template="decision_accept")
    assert email.subject == f"[CaLM] Paper #1 accepted: {OWN_TITLE}"
    assert "We are delighted to tell you that your paper #1" in email.body_text
    for user in User.objects.all():
        assert user.password not in email.body_text
