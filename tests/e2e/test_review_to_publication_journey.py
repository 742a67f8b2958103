"""Reviewing's second half, from the first draft of a review to the public list of accepted papers:
a reviewer writes a draft, leaves, returns to it and submits; the chair decides and releases the
decisions; the author reads the decision and the reviews and uploads the camera-ready version; the
chair publishes, and a visitor finds the paper under its direction."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reviews.services.assignments import assign_reviewer
from submissions.services import AuthorEntry
from tests.factories import UserFactory, member
from tests.reviews.conftest import submit_review, to_reviewing
from tests.submissions.conftest import submitted_paper
from tests.submissions.pdf_samples import make_pdf
from workshop.enums import Role
from workshop.models import OutboxEmail

PASSWORD = "correct horse battery staple"  # the factories' password
CONFIDENTIAL = "I reviewed an earlier version of this work for another venue."
OTHER_CONFIDENTIAL = "The second experiment may reuse the first one's test set."
NOTE = "Please add the ablation that the reviewers asked for."


@pytest.fixture
def calm(workshop):
    """CaLM in its reviewing phase: one paper in "Causality for large models" by an author and a
    coauthor, two reviewers assigned to it (Rita first, so she is Reviewer 1), and the second
    reviewer's review already submitted."""
    chair = member(workshop, Role.CHAIR, email="chair@uni-f.example", name="Clara Chair")
    author = UserFactory(email="priya@uni-p.example", name="Priya Prakash", affiliation="Pemberton University")
    coauthor = UserFactory(email="tomas@uni-t.example", name="Tomas Tamm", affiliation="Tartu Institute")
    paper = submitted_paper(
        workshop,
        author,
        title="Counterfactual probes of causal knowledge",
        abstract="We ask language models counterfactual questions and check their answers against causal graphs.",
        primary_direction="for",
        authors=[
            AuthorEntry(author.name, author.email, author.affiliation),
            AuthorEntry(coauthor.name, coauthor.email, coauthor.affiliation),
        ],
    )
    to_reviewing(workshop)
    reviewer = member(workshop, Role.REVIEWER, email="rita@uni-d.example", name="Rita Reviewer")
    other_reviewer = member(workshop, Role.REVIEWER, email="bruno@uni-e.example", name="Bruno Second")
    assign_reviewer(submission=paper, reviewer=reviewer, by=chair)
    submit_review(
        paper,
        other_reviewer,
        overall=3,
        confidence=4,
        summary="Probes counterfactual knowledge with a benchmark of causal graphs.",
        strengths="The benchmark is carefully built.",
        confidential_comments=OTHER_CONFIDENTIAL,
    )
    return {
        "chair": chair,
        "author": author,
        "coauthor": coauthor,
        "reviewer": reviewer,
        "other_reviewer": other_reviewer,
        "paper": paper,
    }


def test_review_decision_release_camera_ready_and_publication(live_server, page, calm, workshop, tmp_path):
    chair, author, coauthor, paper = calm["chair"], calm["author"], calm["coauthor"], calm["paper"]
    reviewer, other_reviewer = calm["reviewer"], calm["other_reviewer"]
    review_url = f"{live_server.url}/calm/reviewer/papers/{paper.pk}/"
    final_pdf = tmp_path / "counterfactual-probes-final.pdf"
    final_pdf.write_bytes(make_pdf(pages=2, text="Counterfactual probes, by Priya Prakash and Tomas Tamm"))

    # The reviewer finds the paper: its text and its anonymous PDF, nothing about its authors.
    log_in(page, live_server, reviewer.email)
    open_workshop_menu(page).get_by_role("link", name="Papers to review").click()
    paper_item = page.locator(f'#my-papers li[data-number="{paper.number}"]')
    expect(paper_item.locator(".review-status")).to_have_text("Not started")
    paper_item.get_by_role("link", name=f"#{paper.number} {paper.title}").click()

    expect(page).to_have_url(review_url)
    expect(page.locator("#paper")).to_contain_text(paper.title)
    expect(page.locator("#paper")).to_contain_text(paper.abstract)
    expect(page.get_by_role("link", name=f"Download paper-{paper.number}.pdf")).to_be_visible()
    expect(page.locator("#other-reviews")).to_contain_text("once you have submitted your own")
    assert_names_absent(page, [author, coauthor])

    # They write part of a draft and save it.
    page.get_by_label("Summary").fill("The paper probes counterfactual knowledge in language models.")
    page.get_by_label("Strengths").fill("A careful benchmark built from known causal graphs.")
    page.get_by_label("4 · Weak accept", exact=True).check()
    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("alert").first).to_contain_text("Draft saved at")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")

    # They leave for the workshop's page, come back through their list, and find the draft intact.
    page.goto(live_server.url + "/calm/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Causality and Large Models")
    open_workshop_menu(page).get_by_role("link", name="Papers to review").click()
    expect(paper_item.locator(".review-status")).to_have_text("Draft")
    paper_item.get_by_role("link", name=f"#{paper.number} {paper.title}").click()

    expect(page.get_by_label("Summary")).to_have_value("The paper probes counterfactual knowledge in language models.")
    expect(page.get_by_label("Strengths")).to_have_value("A careful benchmark built from known causal graphs.")
    expect(page.get_by_label("4 · Weak accept", exact=True)).to_be_checked()

    # They complete the review and submit it; now they read the other review, by number only.
    page.get_by_label("Weaknesses").fill("Only two model families are probed.")
    page.get_by_label("Questions for the authors").fill("Do the probes transfer to larger models?")
    page.get_by_label("3 · Fairly confident", exact=True).check()
    page.get_by_label("Confidential comments to the chairs").fill(CONFIDENTIAL)
    page.get_by_role("button", name="Submit the review").click()

    expect(page.get_by_role("alert").first).to_have_text(
        "Your review is submitted. You can now read the other reviews."
    )
    expect(page.get_by_role("button", name="Update the review")).to_be_visible()
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(page.get_by_label("Weaknesses")).to_have_value("Only two model families are probed.")
    other = page.locator("#other-reviews .other-review")
    expect(other).to_have_count(1)
    expect(other.get_by_role("heading", level=3)).to_have_text("Reviewer 2")
    expect(other).to_contain_text("Probes counterfactual knowledge with a benchmark of causal graphs.")
    expect(page.locator("#other-reviews")).not_to_contain_text(other_reviewer.name)
    expect(page.locator("#other-reviews")).not_to_contain_text(OTHER_CONFIDENTIAL)
    assert_names_absent(page, [author, coauthor])

    # The review deadline passes; the chair reads both reviews, with names and confidential comments.
    to_decisions(workshop)
    log_out(page)
    log_in(page, live_server, chair.email)
    page.goto(live_server.url + "/calm/chair/decisions/")
    row = page.locator(f"#paper-{paper.number}")
    expect(row).to_contain_text("undecided")
    row.get_by_role("link", name=paper.title).click()

    first, second = page.locator("#reviewer-1"), page.locator("#reviewer-2")
    expect(first.get_by_role("heading", level=4)).to_have_text("Reviewer 1: Rita Reviewer")
    expect(first).to_contain_text("Only two model families are probed.")
    expect(first).to_contain_text(CONFIDENTIAL)
    expect(second.get_by_role("heading", level=4)).to_have_text("Reviewer 2: Bruno Second")
    expect(second).to_contain_text(OTHER_CONFIDENTIAL)

    # The chair accepts the paper as a poster, with a note to the authors.
    decision = page.locator("#decision")
    decision.get_by_label("Accept", exact=True).check()
    decision.get_by_label("Presentation").select_option(label="Poster")
    decision.get_by_label("Note to the authors").fill(NOTE)
    decision.get_by_role("button", name="Save the decision").click()

    expect(page.get_by_role("alert").first).to_have_text(
        f"Paper #{paper.number}: accept (poster). Its authors learn it when the chairs release the decisions."
    )
    expect(decision).to_contain_text("Accept (poster)")
    expect(decision).to_contain_text(NOTE)

    # The chair previews the acceptance email: the reviews by number, no names, nothing confidential.
    page.get_by_role("link", name="← Decisions").click()
    expect(page.locator(f"#paper-{paper.number}")).to_contain_text("Accept poster")
    page.get_by_role("link", name="Release to authors").click()
    expect(page.locator("#release-summary")).to_contain_text("1 accepted paper: 2 author addresses")
    email = page.locator("#preview-accept .email-body")
    expect(email).to_contain_text(f'paper #{paper.number}, "{paper.title}", has been accepted')
    expect(email).to_contain_text("for poster presentation")
    expect(email).to_contain_text(NOTE)
    expect(email).to_contain_text("--- Reviewer 1 ---")
    expect(email).to_contain_text("--- Reviewer 2 ---")
    for hidden in (reviewer.name, other_reviewer.name, CONFIDENTIAL, OTHER_CONFIDENTIAL):
        expect(email).not_to_contain_text(hidden)

    # The chair releases; the same page left open in another tab releases again, and nothing more goes out.
    second_tab = page.context.new_page()
    second_tab.goto(page.url)
    page.get_by_role("button", name="Release 1 decision and email the authors").click()

    # The release is a task: the page says so, follows its progress and shows the result when done.
    expect(page.get_by_role("alert").first).to_have_text(
        "Releasing 1 decision: their emails to the authors are being written to the outbox."
    )
    expect(page.locator("#release-summary")).to_contain_text(
        "Nothing to release: every decision was released", timeout=30_000
    )

    second_tab.get_by_role("button", name="Release 1 decision and email the authors").click()

    expect(second_tab.get_by_role("alert").first).to_have_text(
        "Nothing to release: every decision was released already."
    )
    second_tab.close()
    sent = OutboxEmail.objects.filter(template="decision_accept")
    assert [message.to for message in sent] == [[author.email, coauthor.email]]
    [message] = sent
    assert NOTE in message.body_text and "Reviewer 2" in message.body_text
    for hidden in (reviewer.name, other_reviewer.name, CONFIDENTIAL, OTHER_CONFIDENTIAL):
        assert hidden not in message.body_text

    # The author reads the decision and the reviews: numbered, anonymous, nothing confidential.
    log_out(page)
    log_in(page, live_server, author.email)
    page.get_by_role("link", name="My submissions").click()
    page.get_by_role("link", name=f"{paper.label}: {paper.title}").click()
    expect(page.locator("#status")).to_have_text("Accepted")
    page.get_by_role("link", name="Decision and reviews").click()

    decision = page.locator("#decision")
    expect(decision.locator(".badge")).to_have_text("Accept")
    expect(decision).to_contain_text("for poster presentation")
    expect(decision).to_contain_text(NOTE)
    expect(page.locator("#reviewer-1 h3")).to_have_text("Reviewer 1")
    expect(page.locator("#reviewer-1")).to_contain_text("Only two model families are probed.")
    expect(page.locator("#reviewer-1")).to_contain_text("Do the probes transfer to larger models?")
    expect(page.locator("#reviewer-2 h3")).to_have_text("Reviewer 2")
    expect(page.locator("#reviewer-2")).to_contain_text("The benchmark is carefully built.")
    for hidden in (reviewer.name, reviewer.email, other_reviewer.name, other_reviewer.email):
        expect(page.locator("main")).not_to_contain_text(hidden)
    for hidden in (CONFIDENTIAL, OTHER_CONFIDENTIAL, "Confidential comments"):
        expect(page.locator("main")).not_to_contain_text(hidden)

    # The author uploads the camera-ready PDF.
    decision.get_by_role("link", name="Upload the camera-ready version").click()
    expect(page.locator("#no-camera-ready")).to_be_visible()
    page.get_by_label("Camera-ready PDF").set_input_files(str(final_pdf))
    page.get_by_role("button", name="Save the camera-ready version").click()

    expect(page.get_by_role("alert").first).to_have_text("Your camera-ready PDF is saved; earlier versions are kept.")
    expect(page.locator("#camera-ready-files tbody tr")).to_have_count(1)
    expect(page.locator("#camera-ready-files tbody tr")).to_contain_text(final_pdf.name)

    # The chair publishes the accepted papers.
    log_out(page)
    log_in(page, live_server, chair.email)
    page.goto(live_server.url + "/calm/chair/publish/")
    expect(page.locator("#accepted-count")).to_have_text("1")
    expect(page.locator("#camera-ready-count")).to_have_text("1")
    page.get_by_role("button", name="Publish the accepted papers").click()

    expect(page.get_by_role("alert").first).to_have_text(
        "The accepted papers are published: everyone can now see them."
    )

    # A visitor finds the paper under its direction, with its authors, its presentation and its PDF.
    log_out(page)
    page.goto(live_server.url + "/calm/papers/")

    section = page.get_by_role("region", name="Causality for large models")
    expect(section.get_by_role("heading", level=2)).to_have_text("Causality for large models")
    card = section.locator(f"#paper-{paper.number}")
    expect(card.get_by_role("heading", level=3)).to_have_text(f"{paper.title} Poster")
    expect(card.locator(".authors")).to_have_text("Priya Prakash (Pemberton University), Tomas Tamm (Tartu Institute)")
    expect(card).to_contain_text(paper.abstract)
    expect(page.locator(".accepted-paper")).to_have_count(1)
    pdf = page.request.get(live_server.url + card.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.status == 200
    assert pdf.body() == final_pdf.read_bytes()  # the camera-ready version, not the anonymous one
    assert pdf.body().startswith(b"%PDF")


def to_decisions(workshop):
    """Past the review deadline, before the notification date; the camera-ready deadline ahead."""
    now = timezone.now()
    workshop.review_deadline = now - timedelta(hours=1)
    workshop.notification_date = now + timedelta(days=2)
    workshop.camera_ready_deadline = now + timedelta(days=14)
    workshop.save(update_fields=["review_deadline", "notification_date", "camera_ready_deadline"])


def open_workshop_menu(page):
    """The navigation's CaLM menu, opened."""
    page.get_by_role("navigation", name="Main").get_by_role("button", name="CaLM").click()
    menu = page.locator(".dropdown-menu.show")
    expect(menu).to_be_visible()
    return menu


def assert_names_absent(page, people):
    """Double-blind: nothing on the page names these people."""
    for person in people:
        for shown in (person.name, person.email, person.affiliation):
            expect(page.locator("body")).not_to_contain_text(shown)


def log_in(page, live_server, email):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
