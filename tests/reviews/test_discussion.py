"""A paper's discussion: the thread as each participant reads it, posting, and the emails about
new comments (at most one per paper per hour to each participant)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import Comment, DiscussionNotice
from reviews.services import assignments as assignment_services
from reviews.services import discussion as services
from tests.factories import member
from tests.reviews.conftest import submit_review, to_reviewing
from tests.submissions.conftest import submitted_paper
from workshop.enums import EmailKind, Role
from workshop.models import DigestItem, OutboxEmail
from workshop.services import set_notification_preferences

pytestmark = pytest.mark.django_db


class Clock:
    """timezone.now, frozen and moved by hand: comments, notices and tasks all read it."""

    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def people(workshop, cast):
    """A second reviewer who submitted, and a third assigned one who has not."""
    return {
        "second": member(workshop, Role.REVIEWER, email="second@uni-h.example", name="Sam Second"),
        "late": member(workshop, Role.REVIEWER, email="late@uni-i.example", name="Lee Late"),
    }


@pytest.fixture
def paper(workshop, cast, people):
    paper = submitted_paper(workshop, cast["author"], title="Causal parrots")
    to_reviewing(workshop)
    submit_review(paper, cast["reviewer"])  # Reviewer 1
    submit_review(paper, people["second"])  # Reviewer 2
    assignment_services.assign_reviewer(submission=paper, reviewer=people["late"], by=cast["chair"])
    OutboxEmail.objects.all().delete()  # assignment emails are not what these tests read
    return paper


def url(paper):
    return reverse("reviews:discussion", args=["calm", paper.pk])


def page_of(client, user, paper):
    client.force_login(user)
    return client.get(url(paper)).content.decode()


def writers(page):
    """The writers of the thread's comments, in the page's order."""
    import re

    return re.findall(r'<span class="comment-writer">([^<]*)</span>', page)


def discussion_emails(user):
    return list(OutboxEmail.objects.filter(to=[user.email], template="discussion_comment").order_by("id"))


def test_reviewers_read_each_other_as_numbers_and_the_chair_as_chair(client, cast, people, paper):
    services.post_comment(submission=paper, author=cast["chair"], text="Can you two agree on novelty?")
    services.post_comment(submission=paper, author=people["second"], text="I think it is novel.")
    services.post_comment(submission=paper, author=cast["reviewer"], text="Not quite.")

    page = page_of(client, cast["reviewer"], paper)

    assert writers(page) == ["Chair", "Reviewer 2", "Reviewer 1 (you)"]
    assert page.index("Can you two agree") < page.index("I think it is novel") < page.index("Not quite")
    for name in ("Clara Chair", "Sam Second", "Ada Author", "Lee Late"):  # Rita Reviewer is the reader
        assert name not in page


def test_chairs_read_everyones_name(client, cast, people, paper):
    services.post_comment(submission=paper, author=people["second"], text="I think it is novel.")
    services.post_comment(submission=paper, author=cast["chair"], text="Thanks.")

    page = page_of(client, cast["chair"], paper)

    assert writers(page) == ["Reviewer 2 (Sam Second)", "Clara Chair (chair)"]


def test_a_reviewer_who_has_not_submitted_is_asked_to_submit_and_reads_nothing(client, cast, people, paper):
    services.post_comment(submission=paper, author=people["second"], text="A secret opinion.")

    page = page_of(client, people["late"], paper)

    assert "opens to you once you have submitted your review" in page
    assert "A secret opinion" not in page and "Reviewer 2" not in page and 'id="comment-form"' not in page


def test_a_reviewer_who_has_not_submitted_cannot_post(client, cast, people, paper):
    client.force_login(people["late"])

    client.post(url(paper), {"text": "Let me in."})

    assert not Comment.objects.exists()
    with pytest.raises(services.CommentRefused):
        services.post_comment(submission=paper, author=people["late"], text="Let me in.")


def test_posting_a_comment_shows_it_in_the_thread(client, cast, paper):
    client.force_login(cast["reviewer"])

    response = client.post(url(paper), {"text": "  The proof of Lemma 2 has a gap.  "}, follow=True)

    page = response.content.decode()
    assert "Your comment is posted." in page and "The proof of Lemma 2 has a gap." in page
    assert list(Comment.objects.values_list("author__email", "text")) == [
        (cast["reviewer"].email, "The proof of Lemma 2 has a gap.")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "Write a comment first."), ("x" * (services.MAX_COMMENT_LENGTH + 1), "at most 5000 characters")],
)
def test_an_empty_or_overlong_comment_is_refused_with_the_text_kept(client, cast, paper, text, message):
    client.force_login(cast["reviewer"])

    page = client.post(url(paper), {"text": text}).content.decode()

    assert message in page
    assert not Comment.objects.exists()


def test_a_new_comment_emails_every_other_participant_once(cast, people, paper):
    services.post_comment(submission=paper, author=cast["reviewer"], text="The proof has a gap.")

    recipients = sorted(email for row in OutboxEmail.objects.filter(template="discussion_comment") for email in row.to)

    # Not the writer, not the reviewer who has not submitted, not the chair in conflict.
    assert recipients == sorted([cast["chair"].email, people["second"].email])
    assert set(OutboxEmail.objects.values_list("topic", flat=True)) == {f"submission:{paper.pk}"}


def test_an_email_to_a_reviewer_names_nobody(cast, people, paper):
    services.post_comment(submission=paper, author=cast["chair"], text="Please discuss.")
    services.post_comment(submission=paper, author=cast["reviewer"], text="The proof has a gap.")

    (email,) = discussion_emails(people["second"])

    assert "Chair, " in email.body_text and "The proof has a gap." not in email.body_text  # hour not passed
    for name in ("Clara Chair", "Rita Reviewer", "Ada Author", cast["author"].email, cast["reviewer"].email):
        assert name not in email.body_text and name not in email.subject
    assert f"#{paper.number} “Causal parrots”" in email.body_text


def test_an_email_to_a_chair_names_the_reviewer(cast, paper):
    services.post_comment(submission=paper, author=cast["reviewer"], text="The proof has a gap.")

    (email,) = discussion_emails(cast["chair"])

    assert "Reviewer 1 (Rita Reviewer)" in email.body_text and "The proof has a gap." in email.body_text
    assert email.subject == f"[CaLM] A new comment on paper #{paper.number}"


def test_comments_within_the_hour_wait_for_one_email(clock, cast, people, paper):
    services.post_comment(submission=paper, author=cast["reviewer"], text="First.")
    clock.advance(minutes=10)
    services.post_comment(submission=paper, author=cast["reviewer"], text="Second.")
    clock.advance(minutes=10)
    services.post_comment(submission=paper, author=cast["reviewer"], text="Third.")

    sent_now = [email.body_text for email in discussion_emails(people["second"])]
    early = services.send_discussion_notices()
    clock.advance(minutes=41)
    late = services.send_discussion_notices()

    emails = discussion_emails(people["second"])
    assert len(sent_now) == 1 and "First." in sent_now[0]
    assert early == 0 and late == 2  # the chair's and the second reviewer's
    assert len(emails) == 2
    assert "Second." in emails[1].body_text and "Third." in emails[1].body_text
    assert "First." not in emails[1].body_text
    assert emails[1].subject == f"[CaLM] 2 new comments on paper #{paper.number}"


def test_the_periodic_task_run_twice_sends_once(clock, cast, people, paper):
    services.post_comment(submission=paper, author=cast["reviewer"], text="First.")
    clock.advance(minutes=5)
    services.post_comment(submission=paper, author=cast["reviewer"], text="Second.")
    clock.advance(hours=1)

    services.send_discussion_notices()
    services.send_discussion_notices()

    assert len(discussion_emails(people["second"])) == 2
    assert not DiscussionNotice.objects.filter(pending_since__isnull=False).exists()


def test_a_comment_after_a_quiet_hour_is_emailed_at_once(clock, cast, people, paper):
    services.post_comment(submission=paper, author=cast["reviewer"], text="First.")
    clock.advance(minutes=61)

    services.post_comment(submission=paper, author=cast["reviewer"], text="Second.")

    emails = discussion_emails(people["second"])
    assert len(emails) == 2 and "Second." in emails[1].body_text and "First." not in emails[1].body_text


def test_a_comment_waiting_for_the_hour_goes_with_the_next_comment_after_it(clock, cast, people, paper):
    services.post_comment(submission=paper, author=cast["reviewer"], text="First.")
    clock.advance(minutes=30)
    services.post_comment(submission=paper, author=cast["reviewer"], text="Second.")
    clock.advance(minutes=31)

    services.post_comment(submission=paper, author=cast["reviewer"], text="Third.")
    services.send_discussion_notices()

    emails = discussion_emails(people["second"])
    assert len(emails) == 2
    assert "Second." in emails[1].body_text and "Third." in emails[1].body_text


def test_a_participant_who_left_gets_no_waiting_email(clock, cast, people, paper):
    services.post_comment(submission=paper, author=cast["reviewer"], text="First.")
    clock.advance(minutes=5)
    services.post_comment(submission=paper, author=cast["reviewer"], text="Second.")
    assignment_services.unassign_reviewer(submission=paper, reviewer=people["second"], by=cast["chair"])
    clock.advance(hours=1)

    services.send_discussion_notices()

    assert len(discussion_emails(people["second"])) == 1


def test_a_participant_who_takes_discussion_digests_finds_the_comment_there(cast, people, paper):
    set_notification_preferences(user=people["second"], digest_kinds={EmailKind.DISCUSSION})

    services.post_comment(submission=paper, author=cast["reviewer"], text="The proof has a gap.")

    assert discussion_emails(people["second"]) == []
    (item,) = DigestItem.objects.filter(user=people["second"])
    assert item.kind == EmailKind.DISCUSSION and "The proof has a gap." in item.body_text
    assert len(discussion_emails(cast["chair"])) == 1


@pytest.mark.parametrize("reader", ["chair", "reviewer"])
def test_the_discussion_page_costs_the_same_queries_for_one_or_many_comments(
    client, django_assert_max_num_queries, cast, people, paper, reader
):
    client.force_login(cast[reader])
    services.post_comment(submission=paper, author=cast["chair"], text="One.")
    with django_assert_max_num_queries(20):
        one = client.get(url(paper)).content.decode()
    for number in range(6):
        author = [cast["reviewer"], people["second"], cast["chair"]][number % 3]
        services.post_comment(submission=paper, author=author, text=f"Comment {number}.")

    with django_assert_max_num_queries(20):
        many = client.get(url(paper)).content.decode()

    assert len(writers(one)) == 1 and len(writers(many)) == 7
