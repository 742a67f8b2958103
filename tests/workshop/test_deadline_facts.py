"""Every page and email states a deadline the same way, in Anywhere on Earth (workshop.phases.format_aoe).

A deadline at 23:59:59 AoE is 11:59:59 UTC the next day: a date formatted in UTC names the day
after. Each test sets the deadlines on such an instant and reads the day printed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.enums import Outcome
from reviews.selectors.reminders import LateReviewer
from reviews.services.assignments import assign_reviewer
from reviews.services.decisions import decide, release_decisions
from reviews.services.reminders import preview_reminder
from submissions.publication import send_camera_ready_reminders
from tests.reviews.conftest import invite
from tests.submissions.conftest import submitted_paper
from workshop.models import OutboxEmail
from workshop.phases import AOE, end_of_day_aoe, format_aoe


def aoe_day(days):
    """The AoE calendar day `days` from today."""
    return timezone.now().astimezone(AOE).date() + timedelta(days=days)


def stated(day):
    """How a deadline at the end of `day` (AoE) must read: 'Fri 4 Dec 2026, 23:59 AoE'."""
    return f"{day:%a %-d %b %Y}, 23:59 AoE"


def utc_dates(day):
    """The ways a deadline at the end of `day` (AoE) reads when formatted in UTC without saying
    so: the day after. (A time labelled UTC, which dates.js turns into the visitor's time, is right.)"""
    after = day + timedelta(days=1)
    return [f"{after.day} {after:%B %Y}", f"{after:%a %-d %b %Y}, 23:59", f"{after:%a %-d %b %Y}, 11:59 AoE"]


def set_deadlines(workshop, **days):
    for key, day in days.items():
        setattr(workshop, key, end_of_day_aoe(day))
    workshop.save(update_fields=list(days))


def assert_states(text, day):
    assert stated(day) in text
    assert not [wrong for wrong in utc_dates(day) if wrong in text]


@pytest.fixture
def paper(workshop, cast):
    """A paper, submitted before the tests move the workshop past its submission deadline."""
    return submitted_paper(workshop, cast["author"])


@pytest.fixture
def reviewing(workshop, paper):
    """In its reviewing phase, reviews due at the end of the AoE day in a week."""
    day = aoe_day(7)
    set_deadlines(workshop, submission_deadline=aoe_day(-3), bidding_deadline=aoe_day(-1), review_deadline=day)
    paper.refresh_from_db()  # its cached workshop has the old dates
    return day


def test_format_aoe_states_the_aoe_day_of_a_deadline_at_the_end_of_it():
    deadline = end_of_day_aoe(aoe_day(0).replace(year=2026, month=12, day=4))

    text = format_aoe(deadline)

    assert (deadline.hour, text) == (11, "Fri 4 Dec 2026, 23:59 AoE")


# --- emails --------------------------------------------------------------------------------------


def test_reviewer_invitation_email_states_the_review_deadline_and_link_expiry_in_aoe(workshop, cast, reviewing):
    invite(workshop, cast["chair"], "new.reviewer@uni-h.example")

    email = OutboxEmail.objects.get(template="reviewer_invitation")

    for body in (email.body_text, email.body_html):
        assert_states(body, reviewing)
        assert "work until " + format_aoe(email_expiry(email)) in body


def email_expiry(email):
    from reviews.models import Invitation

    return Invitation.objects.get(email=email.to[0]).link_expires_at


def test_reviewer_assignment_email_states_the_review_deadline_in_aoe(workshop, cast, paper, reviewing):
    assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])

    assert_states(OutboxEmail.objects.get(template="reviewer_assignment").body_text, reviewing)


def test_review_reminder_email_states_the_review_deadline_in_aoe(workshop, cast, paper, reviewing):
    assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])

    _, text = preview_reminder(workshop=workshop, late=LateReviewer(cast["reviewer"], [paper]))

    assert_states(text, reviewing)


@pytest.fixture
def accepted(workshop, cast, paper):
    """An accepted paper, its decision released, with the camera-ready deadline in ten AoE days."""
    day = aoe_day(10)
    set_deadlines(
        workshop,
        submission_deadline=aoe_day(-9),
        bidding_deadline=aoe_day(-7),
        review_deadline=aoe_day(-5),
        camera_ready_deadline=day,
    )
    workshop.notification_date = timezone.now() - timedelta(days=1)
    workshop.save(update_fields=["notification_date"])
    paper.refresh_from_db()
    decide(submission=paper, outcome=Outcome.ACCEPT, presentation="poster", by=cast["chair"])
    release_decisions(workshop=workshop, by=cast["chair"])
    return paper, day


def test_acceptance_email_states_the_camera_ready_deadline_in_aoe(accepted):
    _, day = accepted

    email = OutboxEmail.objects.get(template="decision_accept")

    assert_states(email.body_text, day)


def test_camera_ready_reminder_email_states_the_camera_ready_deadline_in_aoe(workshop, accepted):
    _, day = accepted

    send_camera_ready_reminders(now=end_of_day_aoe(day) - timedelta(days=2))

    assert_states(OutboxEmail.objects.get(template="camera_ready_reminder").body_text, day)


# --- pages ---------------------------------------------------------------------------------------


def test_invitation_accept_page_states_the_review_deadline_in_aoe(client, workshop, cast, reviewing):
    report = invite(workshop, cast["chair"], "new.reviewer@uni-h.example")

    page = client.get(report.invited[0].get_accept_url()).content.decode()

    assert_states(page, reviewing)


def test_decision_page_states_the_camera_ready_deadline_in_aoe(client, workshop, cast, accepted):
    paper, day = accepted
    client.force_login(cast["author"])

    page = client.get(reverse("reviews:author_reviews", args=[workshop.slug, paper.pk])).content.decode()

    assert "Upload the camera-ready version" in page
    assert_states(page, day)


def test_paper_page_states_the_camera_ready_deadline_in_aoe(client, workshop, cast, accepted):
    paper, day = accepted
    client.force_login(cast["author"])

    page = client.get(paper.get_absolute_url()).content.decode()

    assert_states(page, day)


def test_reviewer_papers_page_states_the_review_deadline_in_aoe(client, workshop, cast, paper, reviewing):
    assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])
    client.force_login(cast["reviewer"])

    page = client.get(reverse("reviews:my_papers", args=[workshop.slug])).content.decode()

    assert_states(page, reviewing)
