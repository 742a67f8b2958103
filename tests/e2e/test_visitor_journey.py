"""A visitor's first journey: read the CaLM call for papers, sign up, verify the email, log in."""

import re
from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from workshop.enums import EmailStatus
from workshop.models import OutboxEmail, Workshop
from workshop.templatetags.workshop_tags import aoe

CALM_DIRECTION_NAMES = [
    "Causality in large models",
    "Causality for large models",
    "Causality with large models",
    "Causality of large models",
]
CONFIRMATION_LINK = re.compile(r"http://localhost:\d+/accounts/confirm-email/[^/\s]+/")
COUNTDOWN = re.compile(r"^(\d+)d (\d+)h (\d+)m$")


def in_berlin_time(instant):
    """An instant as dates.js shows it in the page fixture's browser (Chromium, en-GB, Europe/Berlin)."""
    local = instant.astimezone(ZoneInfo("Europe/Berlin"))
    return local.strftime(f"%a, %-d %b %Y, %H:%M {local.tzname()}")


def test_visitor_reads_calm_page_signs_up_verifies_email_and_logs_in(live_server, page, mailoutbox):
    call_command("seed_demo", force=True, stdout=StringIO())
    deadline = Workshop.objects.get(slug="calm").submission_deadline
    name, email, password = "Nora Newcomer", "nora.newcomer@uni-x.example", "violet-kestrel-harbour-42"
    nav = page.get_by_role("navigation", name="Main")

    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Causality and Large Models").click()

    expect(page).to_have_url(live_server.url + "/calm/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Causality and Large Models")
    direction_names = page.locator("#directions h3").evaluate_all(
        "headings => headings.map(h => h.firstChild.textContent.trim())"
    )
    assert direction_names == CALM_DIRECTION_NAMES
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Europe/Berlin"
    submission_row = page.locator("#important-dates tbody tr").filter(
        has=page.get_by_role("rowheader", name="Paper submission deadline")
    )
    expect(submission_row.locator(".aoe")).to_have_text(aoe(deadline))
    expect(submission_row.locator("time.local-time")).to_have_text(in_berlin_time(deadline))
    assert aoe(deadline).endswith(" 23:59 AoE")
    countdown = page.locator("[data-countdown]")
    expect(countdown).to_have_text(COUNTDOWN)
    days, hours, minutes = map(int, COUNTDOWN.match(countdown.text_content()).groups())
    left = timedelta(days=days, hours=hours, minutes=minutes)
    assert abs(deadline - timezone.now() - left) < timedelta(minutes=2)

    nav.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    # Crispy marks required fields with an asterisk, which is part of each label.
    page.get_by_label("Full name*", exact=True).fill(name)
    page.get_by_label("Email*", exact=True).fill(email)
    page.get_by_label("Password*", exact=True).fill(password)
    page.get_by_label("Password (again)*", exact=True).fill(password)
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Verify Your Email Address")
    expect(page.get_by_text("We have sent an email to you for verification.")).to_be_visible()

    verification = OutboxEmail.objects.filter(to=[email]).first()
    assert verification.status == EmailStatus.SENT
    link = CONFIRMATION_LINK.search(verification.body_text).group()
    assert link.startswith(live_server.url + "/")
    delivered = [message for message in mailoutbox if email in message.to]
    assert len(delivered) == 1
    assert link in delivered[0].body

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Email Address")
    page.get_by_role("button", name="Confirm").click()

    # ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION: confirming in the browser that signed up logs in.
    expect(page.get_by_role("alert").filter(has_text=f"You have confirmed {email}.")).to_be_visible()
    expect(nav.get_by_role("link", name=name)).to_be_visible()
    nav.get_by_role("button", name="Log out").click()
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(nav.get_by_role("link", name=name)).to_have_count(0)

    nav.get_by_role("link", name="Log in").click()
    page.get_by_label("Email*", exact=True).fill(email)
    page.get_by_label("Password*", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()

    expect(nav.get_by_role("link", name=name)).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    expect(nav.get_by_role("link", name="Log in")).to_have_count(0)
