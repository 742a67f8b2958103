"""The "review submitted" emails: on a review's first submission, the paper's chairs not in conflict
with it learn who submitted, and its reviewers who have submitted learn that another review is in,
without a name. Later edits send nothing; a digest reader finds the email in their digest."""

import pytest
from django.urls import reverse

from reviews.services import assignments as assignment_services
from reviews.services import reviews as services
from tests.factories import member
from tests.reviews.conftest import submit_review, to_reviewing
from tests.submissions.conftest import submitted_paper
from workshop.enums import EmailKind, Role
from workshop.models import DigestItem, OutboxEmail
from workshop.services import set_notification_preferences

pytestmark = pytest.mark.django_db

AUTHOR_SECRETS = ("Ada Author", "author@uni-a.example", "Cole Coauthor", "coauthor@uni-b.example")


@pytest.fixture
def second(workshop):
    return member(workshop, Role.REVIEWER, email="second@uni-h.example", name="Sam Second")


@pytest.fixture
def paper(workshop, cast, second):
    """By the author and the coauthor (the conflicted chair shares the author's institution);
    assigned to the reviewer, the second reviewer and the bystander, none of whom has submitted."""
    paper = submitted_paper(
        workshop, cast["author"], authors=[cast["author"], cast["coauthor"]], title="Causal parrots"
    )
    to_reviewing(workshop)
    for reviewer in (cast["reviewer"], second, cast["bystander_reviewer"]):
        assignment_services.assign_reviewer(submission=paper, reviewer=reviewer, by=cast["chair"])
    return paper


def announcements(user=None):
    """The "review submitted" emails in the outbox (to `user` if given), oldest first."""
    rows = OutboxEmail.objects.filter(template__startswith="review_submitted_").order_by("id")
    return list(rows.filter(to=[user.email]) if user is not None else rows)


def test_a_first_submission_emails_each_unconflicted_chair_naming_the_reviewer(cast, paper):
    submit_review(paper, cast["reviewer"])

    (email,) = announcements()
    assert email.to == [cast["chair"].email] and email.template == "review_submitted_chair"
    assert email.topic == f"submission:{paper.pk}"
    assert email.subject == f"[CaLM] Rita Reviewer submitted a review of paper #{paper.number}"
    assert f"Reviewer Rita Reviewer submitted a review of paper #{paper.number} “Causal parrots”." in email.body_text
    assert "1 of the paper's 3 assigned reviewers has now submitted." in email.body_text
    assert f"/calm/chair/decisions/papers/{paper.pk}/" in email.body_text


def test_a_chair_in_conflict_with_the_paper_gets_no_email(cast, paper, second):
    submit_review(paper, cast["reviewer"])
    submit_review(paper, second)

    assert announcements(cast["conflicted_chair"]) == []
    assert len(announcements(cast["chair"])) == 2


def test_reviewers_who_submitted_hear_of_another_review_without_any_name(cast, paper, second):
    submit_review(paper, cast["reviewer"])

    submit_review(paper, second)

    (email,) = announcements(cast["reviewer"])
    assert email.template == "review_submitted_reviewer" and email.topic == f"submission:{paper.pk}"
    assert email.subject == f"[CaLM] Another review of paper #{paper.number} is in"
    assert (
        f"Another reviewer submitted a review of paper #{paper.number} “Causal parrots”; you can read it and "
        "discuss" in email.body_text
    )
    assert f"/calm/reviewer/papers/{paper.pk}/" in email.body_text
    assert f"/calm/discussion/{paper.pk}/" in email.body_text
    others = ("Sam Second", "second@uni-h.example", "Bea Bystander", "Clara Chair", "Carl Cochair")
    assert [name for name in (*others, *AUTHOR_SECRETS) if name in email.subject + email.body_text] == []


def test_the_writer_and_reviewers_who_have_not_submitted_get_nothing(cast, paper, second):
    services.save_review(
        submission=paper, reviewer=cast["bystander_reviewer"], fields={"summary": "Half"}, scores={}, submit=False
    )

    submit_review(paper, cast["reviewer"])
    submit_review(paper, second)

    assert announcements(cast["bystander_reviewer"]) == []
    assert announcements(second) == []
    assert [email.to for email in announcements(cast["reviewer"])] == [[cast["reviewer"].email]]


def test_drafts_and_edits_after_the_first_submission_send_nothing(cast, paper, second):
    submit_review(paper, second)
    services.save_review(submission=paper, reviewer=cast["reviewer"], fields={"summary": "Draft"}, scores={})
    assert announcements() == [announcements(cast["chair"])[0]]  # the second reviewer's submission only

    review = submit_review(paper, cast["reviewer"])
    sent = len(announcements())
    services.save_review(
        submission=paper,
        reviewer=cast["reviewer"],
        fields={"summary": "Edited after submitting"},
        scores={"overall": 2, "confidence": 3},
        version=review.version,
        submit=True,
    )
    services.save_review(
        submission=paper,
        reviewer=cast["reviewer"],
        fields={"weaknesses": "And again"},
        scores={"overall": 2, "confidence": 3},
    )

    assert sent == 3  # the chair and the second reviewer heard of the reviewer's first submission
    assert len(announcements()) == sent


@pytest.mark.parametrize("recipient", ["chair", "reviewer"])
def test_a_recipient_who_takes_digests_finds_it_in_the_digest(cast, paper, second, recipient):
    set_notification_preferences(user=cast[recipient], digest_kinds={EmailKind.REVIEW_SUBMITTED})
    submit_review(paper, cast["reviewer"])

    submit_review(paper, second)

    assert announcements(cast[recipient]) == []
    items = DigestItem.objects.filter(user=cast[recipient])
    assert {item.kind for item in items} == {EmailKind.REVIEW_SUBMITTED}
    assert items.count() == (2 if recipient == "chair" else 1)
    assert all(f"paper #{paper.number}" in item.subject for item in items)
    others = [name for name in ("chair", "reviewer") if name != recipient]
    assert all(announcements(cast[other]) for other in others)  # the others' preferences are their own


def test_a_discussion_digest_does_not_hold_review_emails(cast, paper, second):
    set_notification_preferences(user=cast["chair"], digest_kinds={EmailKind.DISCUSSION})

    submit_review(paper, second)

    assert len(announcements(cast["chair"])) == 1 and not DigestItem.objects.exists()


def test_authors_pages_do_not_list_emails_that_name_the_reviewers(client, workshop, cast):
    paper = submitted_paper(workshop, cast["author"], authors=[cast["author"], cast["coauthor"]])
    to_reviewing(workshop)
    submit_review(paper, cast["reviewer"])
    client.force_login(cast["author"])

    pages = [
        client.get(reverse("submissions:detail", args=[workshop.slug, paper.pk])).content.decode(),
        client.get(reverse("my_submissions")).content.decode(),
    ]

    assert OutboxEmail.objects.filter(subject__contains="Rita Reviewer").exists()  # the chair's email exists
    assert all("Rita Reviewer" not in page and "submitted a review" not in page for page in pages)
