"""A chair rewords the acceptance email in the browser: the placeholders are listed beside the
editor, template code is refused with the list, a preview fills the placeholders, and the saved
wording is what the release sends."""

import pytest
from playwright.sync_api import expect

from reviews.services.decisions import decide, release_decisions
from tests.factories import UserFactory, member
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role
from workshop.models import OutboxEmail

PASSWORD = "correct horse battery staple"  # the factories' password


@pytest.fixture
def accepted(workshop):
    chair = member(workshop, Role.CHAIR, email="chair@uni-f.example", name="Clara Chair")
    author = UserFactory(email="priya@uni-p.example", name="Priya Prakash")
    paper = submitted_paper(workshop, author, title="Counterfactual probes of causal knowledge")
    decide(submission=paper, outcome="accept", presentation="oral", by=chair)
    return chair


def test_chair_rewords_the_acceptance_email_with_placeholders(live_server, page, workshop, accepted):
    chair = accepted
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(chair.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto(f"{live_server.url}/calm/chair/emails/decision_accept/")
    expect(page.locator("#placeholders dt").nth(3)).to_have_text("{paper_title}")
    expect(page.locator("#placeholders dd").nth(3)).to_have_text("The paper's title.")

    page.get_by_label("Message").fill(
        "Dear authors,\n\n{% for s in workshop.submissions.all %}{{ s.title }}{% endfor %}"
    )
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#template-form")).to_contain_text(
        "Line 3: {% for s in workshop.submissions.all %} is template code, which these emails do not run; "
        "use the placeholders."
    )
    expect(page.locator("#template-form")).to_contain_text("The placeholders of this email: {workshop_name},")

    page.get_by_label("Subject").fill("Good news: {paper_title}")
    page.get_by_label("Message").fill("Dear {author_names},\n\nyour paper is in, for {presentation} presentation.")
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("#preview")).to_contain_text("Subject: Good news: Counterfactual probes of causal knowledge")
    expect(page.locator("#preview")).to_contain_text("Dear Priya Prakash,\n\nyour paper is in, for oral presentation.")

    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert").first).to_have_text("Saved: the release sends this acceptance email.")
    release_decisions(workshop=workshop, by=chair)
    [email] = OutboxEmail.objects.filter(template="decision_accept")
    assert (email.subject, email.body_text) == (
        "Good news: Counterfactual probes of causal knowledge",
        "Dear Priya Prakash,\n\nyour paper is in, for oral presentation.",
    )
