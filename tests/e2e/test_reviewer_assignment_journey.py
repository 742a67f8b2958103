"""A new reviewer's and the chair's journey through reviewing's first half: the chair invites a
reviewer, who accepts from the email, fills in their profile and bids; the chair computes the
affinity, runs, previews and commits an assignment, and the reviewers get their emails."""

from collections import defaultdict

import pytest
from playwright.sync_api import expect

from reviews.affinity import METHOD_LABELS, resolve_method
from reviews.models import Assignment, Bid
from reviews.services import reviewers as reviewer_services
from tests.factories import UserFactory, member
from tests.reviews.conftest import invitation_emails, links_in, to_bidding
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role
from workshop.models import OutboxEmail

PASSWORD = "correct horse battery staple"  # the factories' password
NEWCOMER = ("Nadia Newman", "nadia.newman@lab-n.example", "quiet-harbour-lantern-1937")
# MiniLM (CI's second leg) loads its model in the live server's thread on first use.
AFFINITY_TIMEOUT = 120_000


@pytest.fixture
def calm(workshop):
    """CaLM in its bidding phase: a chair, two reviewers and three papers on distinct topics by two
    authors, in both directions."""
    authors = [
        UserFactory(email="priya@uni-p.example", name="Priya Prakash", affiliation="Pemberton University"),
        UserFactory(email="tomas@uni-t.example", name="Tomas Tamm", affiliation="Tartu Institute"),
    ]
    papers = [
        submitted_paper(
            workshop,
            authors[0],
            title="Counterfactual reasoning in language models",
            abstract="We test whether language models answer counterfactual questions about causes and effects.",
            primary_direction="in",
        ),
        submitted_paper(
            workshop,
            authors[1],
            title="Causal discovery from attention graphs",
            abstract="We read causal graphs off the attention of transformers trained on interventional data.",
            primary_direction="for",
        ),
        submitted_paper(
            workshop,
            authors[1],
            title="Instrumental variables for fine-tuning",
            abstract="Instrumental variables remove confounding from the data used to fine-tune large models.",
            primary_direction="for",
        ),
    ]
    to_bidding(workshop)
    chair = member(workshop, Role.CHAIR, email="chair@uni-f.example", name="Clara Chair")
    reviewers = [
        member(workshop, Role.REVIEWER, email="rita@uni-d.example", name="Rita Reviewer"),
        member(workshop, Role.REVIEWER, email="bea@uni-e.example", name="Bea Bystander"),
    ]
    for reviewer, expertise in zip(reviewers, ["Causal discovery and graphs.", "Instrumental variables."], strict=True):
        reviewer_services.update_reviewer_profile(
            workshop=workshop, user=reviewer, expertise=expertise, directions=[workshop.directions.get(slug="for")]
        )
    return {"chair": chair, "authors": authors, "papers": papers}


def test_invited_reviewer_bids_and_chair_commits_an_assignment(live_server, page, calm):
    name, email, password = NEWCOMER
    chair, authors = calm["chair"], calm["authors"]
    eager_paper, unwilling_paper, _ = calm["papers"]

    # The chair invites a new person.
    log_in(page, live_server, chair.email, PASSWORD)
    page.goto(live_server.url + "/calm/chair/reviewers/")
    page.get_by_label("People to invite").fill(f"{name} <{email}>")
    page.get_by_role("button", name="Send invitations").click()

    expect(page.get_by_role("alert").first).to_contain_text("Invitation sent to 1 person.")
    expect(page.locator(f'#invitations tr[data-email="{email}"]')).to_contain_text("Pending")

    # They accept from the email: no account yet, so they make one on the way.
    log_out(page)
    [invitation] = invitation_emails(email)
    accept_path, _ = links_in(invitation)
    page.goto(live_server.url + accept_path)
    expect(page.get_by_label("Full name")).to_have_value(name)
    page.get_by_label("Password*", exact=True).fill(password)  # required: crispy adds the asterisk
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Create my account and accept").click()

    expect(page.get_by_role("alert").first).to_contain_text("Welcome to the reviewers of Causality and Large Models!")
    expect(page).to_have_url(live_server.url + "/calm/reviewer/profile/")
    expect(page.get_by_role("link", name=name)).to_be_visible()  # signed in

    # They fill in their profile.
    page.get_by_label("Expertise statement").fill("Counterfactual reasoning and causal questions in language models.")
    page.get_by_label("Causality in large models", exact=True).check()
    page.get_by_label("Your papers").fill(
        "Do language models understand counterfactuals?\nWe ask language models counterfactual questions."
    )
    page.get_by_label("Affiliation").fill("Newcastle Language Lab")
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("alert").first).to_contain_text("Your reviewer profile for CaLM is saved.")
    expect(page.get_by_label("Affiliation")).to_have_value("Newcastle Language Lab")
    expect(page.get_by_label("Causality in large models", exact=True)).to_be_checked()

    # They bid: each bid is saved in the background, without leaving the page.
    page.goto(live_server.url + "/calm/reviewer/bids/")
    counter = page.locator("#bid-counter")
    expect(counter).to_have_text("You have bid on 0 of 3 papers.")
    page.evaluate("() => { window.journeyMarker = 'the same page'; }")
    eager_card, unwilling_card = page.locator(f"#paper-{eager_paper.pk}"), page.locator(f"#paper-{unwilling_paper.pk}")
    eager_card.get_by_role("button", name="Eager", exact=True).click()

    expect(eager_card.locator(".bid-state")).to_have_text("Saved: Eager")
    expect(eager_card.get_by_role("button", name="Eager", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(counter).to_have_text("You have bid on 1 of 3 papers.")

    unwilling_card.get_by_role("button", name="Not willing", exact=True).click()

    expect(unwilling_card.locator(".bid-state")).to_have_text("Saved: Not willing")
    expect(counter).to_have_text("You have bid on 2 of 3 papers.")
    assert page.evaluate("() => window.journeyMarker") == "the same page"
    assert page.url == live_server.url + "/calm/reviewer/bids/"
    for author in authors:  # double-blind
        for shown in (author.name, author.email, author.affiliation):
            expect(page.locator("body")).not_to_contain_text(shown)

    page.reload()

    expect(eager_card.locator(".bid-state")).to_have_text("Your bid: Eager")
    expect(unwilling_card.locator(".bid-state")).to_have_text("Your bid: Not willing")
    expect(counter).to_have_text("You have bid on 2 of 3 papers.")
    newcomer_bids = Bid.objects.filter(reviewer__email=email).values_list("submission__title", "value")
    assert sorted(newcomer_bids) == [(unwilling_paper.title, "not_willing"), (eager_paper.title, "eager")]

    # The chair computes the affinity.
    log_out(page)
    log_in(page, live_server, chair.email, PASSWORD)
    page.goto(live_server.url + "/calm/chair/assignment/")
    affinity = page.locator("#affinity-status")
    expect(affinity).to_contain_text("No affinity computed yet.")
    affinity.get_by_role("button", name="Compute affinity").click()

    expect(affinity).to_contain_text("Computed", timeout=AFFINITY_TIMEOUT)
    expect(page.locator("#affinity-method")).to_have_text(METHOD_LABELS[resolve_method("auto")])

    # The chair runs the assignment and previews it. The newcomer is surely on the paper they
    # are eager for: their bid (+1) and direction (+0.3) outweigh any difference in affinity
    # (within [0, 1]), and they have room for it; they are never on the one they will not review.
    page.get_by_label("Reviews per paper").fill("2")
    page.get_by_role("button", name="Run the assignment").click()

    expect(page.locator("#run-status")).to_have_text("Ready to review", timeout=30_000)
    expect(page.locator("#stat-pairs")).to_have_text("6")
    expect(page.locator("#proposal td.why")).to_have_count(6)
    newcomer_on_eager = page.locator(f'#proposal tbody[data-number="{eager_paper.number}"] tr[data-reviewer="{email}"]')
    expect(newcomer_on_eager.locator(".why")).to_contain_text("bid eager")
    unwilling_rows = page.locator(f'#proposal tbody[data-number="{unwilling_paper.number}"] tr[data-reviewer]')
    expect(unwilling_rows).to_have_count(2)
    expect(unwilling_rows.filter(has_text=name)).to_have_count(0)

    newcomer_on_eager.get_by_role("button", name="Lock").click()

    expect(page.get_by_role("alert").first).to_contain_text(f"{name} on paper #{eager_paper.number} is locked")
    expect(newcomer_on_eager).to_contain_text("locked")

    # The chair commits; each reviewer gets one email with their papers.
    page.get_by_role("button", name="Commit and email the reviewers").click()

    expect(page.get_by_role("alert").first).to_have_text(
        "Committed: 6 new assignments; 3 reviewers get one email each with their papers."
    )
    expect(page).to_have_url(live_server.url + "/calm/chair/assignment/")
    expect(page.locator("#runs .badge").first).to_have_text("Committed")
    papers_of = defaultdict(list)
    for assignment in Assignment.objects.select_related("submission", "reviewer").order_by("submission__number"):
        papers_of[assignment.reviewer.email].append(assignment.submission)
    assert eager_paper in papers_of[email] and unwilling_paper not in papers_of[email]
    emails = OutboxEmail.objects.filter(template="reviewer_assignment")
    assert sorted(address for message in emails for address in message.to) == sorted(papers_of)
    for message in emails:
        listed = [f"#{paper.number} {paper.title}" for paper in papers_of[message.to[0]]]
        assert all(line in message.body_text for line in listed), message.body_text
        assert not any(author.name in message.body_text for author in authors)

    # The newcomer finds their papers.
    log_out(page)
    log_in(page, live_server, email, password)
    page.goto(live_server.url + "/calm/reviewer/papers/")

    expect(page.locator("#my-papers li strong")).to_have_text(
        [f"#{paper.number} {paper.title}" for paper in papers_of[email]]
    )


def log_in(page, live_server, email, password):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
