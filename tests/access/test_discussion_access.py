"""Who may open each discussion, reminder and notification URL: every URL, every persona.

A paper's discussion answers its assigned reviewers who submitted their review and the chairs not
in conflict with it; everyone else signed in gets 404 (an assigned reviewer who has not submitted
gets a page without the thread). The reminder page answers the workshop's chairs; the email
preferences answer anyone signed in. Denied POSTs change nothing; emails about the paper stay out
of the conflicted chair's outbox and never name the authors to a reviewer.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from reviews.models import Comment
from reviews.services import assignments as assignment_services
from reviews.services import discussion as discussion_services
from reviews.services import reminders as reminder_services
from submissions.models import Submission
from tests.conftest import PERSONAS
from tests.factories import member
from tests.reviews.conftest import submit_review, to_reviewing
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role
from workshop.models import OutboxEmail

pytestmark = pytest.mark.django_db

PARTICIPANTS, CHAIRS, SIGNED_IN = "participants", "chairs", "signed_in"
ALLOWED = {
    PARTICIPANTS: {"reviewer", "chair"},
    CHAIRS: {"chair", "conflicted_chair"},
    SIGNED_IN: set(PERSONAS) - {"anonymous"},
}
REMARK = "The second lemma does not hold."


@pytest.fixture
def paper(workshop, cast):
    """The author's paper (the conflicted reviewer and chair conflict with it), reviewed by the
    reviewer, with a chair's comment in its thread and Lee Late assigned without a review; and
    another author's paper, without reviewers."""
    paper = submitted_paper(workshop, cast["author"], title="Causal parrots")
    submitted_paper(workshop, cast["other_author"], title="Interventions in transformers")
    to_reviewing(workshop)
    submit_review(paper, cast["reviewer"])
    late = member(workshop, Role.REVIEWER, email="late@uni-i.example", name="Lee Late")
    assignment_services.assign_reviewer(submission=paper, reviewer=late, by=cast["chair"])
    discussion_services.post_comment(submission=paper, author=cast["chair"], text=REMARK)
    return paper


@pytest.fixture
def urls(paper):
    return [
        ("get", reverse("reviews:discussion", args=["calm", paper.pk]), PARTICIPANTS, 200),
        ("get", reverse("reviews:remind_late", args=["calm"]), CHAIRS, 200),
        ("get", reverse("notification_preferences"), SIGNED_IN, 200),
    ]


def expected_status(rule, persona, allowed_status):
    if persona == "anonymous":
        return 302
    return allowed_status if persona in ALLOWED[rule] else 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_discussion_url_answers_each_persona_as_designed(client, cast, urls, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    responses = {url: getattr(client, method)(url) for method, url, _, _ in urls}

    assert {url: r.status_code for url, r in responses.items()} == {
        url: expected_status(rule, persona, allowed) for _, url, rule, allowed in urls
    }
    if persona == "anonymous":
        assert all(r["Location"].startswith(reverse("account_login")) for r in responses.values())


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_participants_read_the_thread(client, cast, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    page = client.get(reverse("reviews:discussion", args=["calm", paper.pk])).content.decode()

    assert (REMARK in page) == (persona in ALLOWED[PARTICIPANTS])


def test_an_assigned_reviewer_who_has_not_submitted_reads_nothing_of_the_thread(client, paper):
    client.force_login(paper.assignments.get(reviewer__email="late@uni-i.example").reviewer)

    page = client.get(reverse("reviews:discussion", args=["calm", paper.pk])).content.decode()

    assert REMARK not in page and "Clara Chair" not in page and "submitted your review" in page


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ALLOWED[PARTICIPANTS]])
def test_denied_comments_change_nothing(client, cast, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])
    before = (Comment.objects.count(), OutboxEmail.objects.count())

    client.post(reverse("reviews:discussion", args=["calm", paper.pk]), {"text": "Let me in."})

    assert (Comment.objects.count(), OutboxEmail.objects.count()) == before


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ALLOWED[CHAIRS]])
def test_denied_reminders_send_nothing(client, cast, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    client.post(reverse("reviews:remind_late", args=["calm"]))

    assert not OutboxEmail.objects.filter(template="review_reminder").exists()


def test_the_conflicted_chair_reads_no_discussion_or_reminder_email_of_their_paper(client, workshop, cast, paper):
    discussion_services.post_comment(submission=paper, author=cast["reviewer"], text="I agree.")
    reminder_services.remind_late_reviewers(workshop=workshop, by=cast["chair"])
    reminder_services.send_review_reminders(now=workshop.review_deadline - timedelta(days=1))
    outbox = reverse("workshop:outbox", args=["calm"])
    client.force_login(cast["chair"])
    seen_by_chair = client.get(outbox).content.decode()
    client.force_login(cast["conflicted_chair"])

    seen_by_conflicted = client.get(outbox).content.decode()

    for subject in ("A new comment on paper", "A reminder from the chairs", "Reminder: your reviews are due"):
        assert subject in seen_by_chair and subject not in seen_by_conflicted


def test_no_email_to_a_reviewer_names_the_authors(workshop, cast, paper):
    discussion_services.post_comment(submission=paper, author=cast["reviewer"], text="I agree.")
    reminder_services.remind_late_reviewers(workshop=workshop, by=cast["chair"])
    reviewers = {cast["reviewer"].email, "late@uni-i.example"}

    emails = [row for row in OutboxEmail.objects.all() if set(row.to) & reviewers]

    assert {row.template for row in emails} >= {"discussion_comment", "review_reminder"}
    for row in emails:
        for secret in ("Ada Author", cast["author"].email, "uni-a"):
            assert secret not in row.subject and secret not in row.body_text


def test_the_conflicted_chair_reads_no_reminder_and_the_other_chair_reads_them_all(client, workshop, cast, paper):
    # A reminder lists a reviewer's papers: were only those naming the conflicted paper hidden, the
    # one missing would name a reviewer of it (workshop.selectors.outbox_of).
    other = Submission.objects.get(title="Interventions in transformers")
    assignment_services.assign_reviewer(submission=other, reviewer=cast["bystander_reviewer"], by=cast["chair"])
    reminder_services.remind_late_reviewers(workshop=workshop, by=cast["chair"])
    client.force_login(cast["conflicted_chair"])

    conflicted = client.get(reverse("workshop:outbox", args=["calm"])).content.decode()
    client.force_login(cast["chair"])
    unconflicted = client.get(reverse("workshop:outbox", args=["calm"])).content.decode()

    assert cast["bystander_reviewer"].email not in conflicted and "late@uni-i.example" not in conflicted
    assert cast["bystander_reviewer"].email in unconflicted and "late@uni-i.example" in unconflicted
