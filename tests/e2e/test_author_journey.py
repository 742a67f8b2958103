"""An author's journey on the demo: log in, submit a paper with a PDF, find the email in the
mail folder, upload a new version, withdraw the paper."""

from email import message_from_bytes, policy
from io import StringIO

from django.core.management import call_command
from playwright.sync_api import expect

from submissions.models import Submission
from tests.submissions.pdf_samples import make_pdf


def test_author_submits_revises_and_withdraws_a_paper(live_server, page, settings, tmp_path):
    settings.EMAIL_DELIVERY_BACKEND = "workshop.outbox.EmailFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    call_command("seed_demo", force=True, stdout=StringIO())
    number = Submission.objects.filter(workshop__slug="calm").count() + 1  # after the demo's own papers
    title = "Probing causal knowledge in large models"
    first, second = tmp_path / "causal-probing.pdf", tmp_path / "causal-probing-v2.pdf"
    first.write_bytes(make_pdf(pages=4))
    second.write_bytes(make_pdf(pages=5))

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("author1@calm.example")
    page.get_by_label("Password").fill("calm-demo")
    page.get_by_role("button", name="Sign In").click()
    page.goto(live_server.url + "/calm/")
    page.get_by_role("link", name="Submit a paper").click()

    page.get_by_label("Title").fill("Probing causal knowledge in large models")
    page.get_by_label("Abstract").fill("We probe what large models know about interventions.")
    page.get_by_label("Primary direction").select_option(label="Causality in large models")
    page.get_by_label("Causality of large models").check()
    page.get_by_label("Name of author 2").fill("Ada Coauthor")
    page.get_by_label("Email of author 2").fill("ada.coauthor@uni-z.example")
    page.get_by_label("Paper (PDF)").set_input_files(str(first))
    page.get_by_label("The paper is anonymised").check()
    page.get_by_role("button", name="Submit the paper").click()

    expect(page.get_by_role("alert").first).to_contain_text(f"Your paper is submitted as #{number}.")
    expect(page.locator("#status")).to_have_text("Submitted")
    expect(page.locator("#authors li")).to_have_text(
        [
            "Author 1 <author1@calm.example>, UCL",
            "Ada Coauthor <ada.coauthor@uni-z.example>",
        ]
    )
    received = [m for m in mail_folder(tmp_path) if m["Subject"].startswith(f"[CaLM] Submission #{number} received")]
    # Ada has no account: she gets one invitation to sign up, not the paper's own emails.
    assert [m["To"] for m in received] == ["author1@calm.example"]

    page.get_by_role("link", name="Edit or upload a new version").click()
    page.get_by_label("Paper (PDF)").set_input_files(str(second))
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("alert").first).to_contain_text("Your changes are saved")
    expect(page.locator("#files tbody tr")).to_have_count(2)
    expect(page.locator("#files tbody tr").first).to_contain_text("causal-probing-v2.pdf")

    page.get_by_role("link", name="Withdraw").click()
    page.get_by_role("button", name="Withdraw the paper").click()

    expect(page.locator("#status")).to_have_text("Withdrawn")
    submission = Submission.objects.get(title=title)
    assert (submission.status, submission.files.count()) == ("withdrawn", 2)
    assert sorted(m["Subject"].strip() for m in mail_folder(tmp_path) if title in m["Subject"]) == [
        f"[CaLM] Submission #{number} received: {title}",
        f"[CaLM] Submission #{number} updated: {title}",
        f"[CaLM] Submission #{number} withdrawn: {title}",
    ]
    # The invitation's subject leaves out the title, which the inviter typed.
    to_ada = [m for m in mail_folder(tmp_path) if m["To"] == "ada.coauthor@uni-z.example"]
    assert [m["Subject"].strip() for m in to_ada] == ["[CaLM] You are listed as an author of a paper"]


def mail_folder(tmp_path):
    """The emails written to the demo's mail folder, one file each, parsed."""
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in (tmp_path / "mail").iterdir()]
