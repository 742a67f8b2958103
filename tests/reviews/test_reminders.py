"""Review reminders: the periodic ones on the workshop's reminder days, exactly once, and the
chairs' preview and "remind now"."""

from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.models import RESEND_INTERVAL, Assignment
from reviews.services import assignments as assignment_services
from reviews.services import reminders as services
from tests.factories import member
from tests.reviews.conftest import submit_review, to_reviewing
from tests.submissions.conftest import submitted_paper
from tests.utils import page_as_seen
from workshop.enums import EmailKind, Role
from workshop.models import DigestItem, OutboxEmail
from workshop.services import set_notification_preferences

pytestmark = pytest.mark.django_db

DEADLINE_IN = timedelta(days=10)


@pytest.fixture
def people(workshop):
    return {
        "done": member(workshop, Role.REVIEWER, email="done@uni-h.example", name="Dana Done"),
        "late": member(workshop, Role.REVIEWER, email="late@uni-i.example", name="Lee Late"),
    }


@pytest.fixture
def papers(workshop, cast, people):
    """Paper A (by the author, whom the conflicted chair conflicts with) and paper B (by another
    author). The reviewer has A to do and B submitted; Lee Late has a draft-less B; Dana Done is done."""
    a = submitted_paper(workshop, cast["author"], title="Causal parrots")
    b = submitted_paper(workshop, cast["other_author"], title="Interventions in transformers")
    to_reviewing(workshop, review_deadline=timezone.now() + DEADLINE_IN)
    assignment_services.assign_reviewer(submission=a, reviewer=cast["reviewer"], by=cast["chair"])
    submit_review(b, cast["reviewer"])
    assignment_services.assign_reviewer(submission=b, reviewer=people["late"], by=cast["chair"])
    submit_review(a, people["done"])
    submit_review(b, people["done"])
    OutboxEmail.objects.all().delete()
    return a, b


def days_before(workshop, days):
    return workshop.review_deadline - timedelta(days=days)


def reminders_to(user):
    return list(OutboxEmail.objects.filter(to=[user.email], template="review_reminder").order_by("id"))


def test_reminders_go_on_the_reminder_days_only(workshop, cast, people, papers):
    for days in range(7, -1, -1):
        services.send_review_reminders(now=days_before(workshop, days) + timedelta(minutes=1))

    topics = sorted(OutboxEmail.objects.filter(template="review_reminder").values_list("topic", flat=True))
    assert topics == sorted(
        f"reminder:{workshop.pk}:{user.pk}:{days}" for user in (cast["reviewer"], people["late"]) for days in (3, 1)
    )


def test_a_reminder_day_counts_in_calendar_days_anywhere_on_earth(workshop, cast, papers):
    workshop.review_deadline = timezone.datetime(2031, 3, 10, 23, 59, 59, tzinfo=timezone.get_fixed_timezone(-720))
    workshop.save(update_fields=["review_deadline"])
    day_before_early = timezone.datetime(2031, 3, 9, 0, 5, tzinfo=timezone.get_fixed_timezone(-720))
    two_days_before_late = timezone.datetime(2031, 3, 8, 23, 55, tzinfo=timezone.get_fixed_timezone(-720))

    services.send_review_reminders(now=two_days_before_late)
    none_yet = len(reminders_to(cast["reviewer"]))
    services.send_review_reminders(now=day_before_early)

    assert none_yet == 0
    assert [email.subject for email in reminders_to(cast["reviewer"])] == [
        "[CaLM] Reminder: your reviews are due tomorrow"
    ]


def test_a_reminder_task_run_twice_on_a_day_sends_once(workshop, cast, people, papers):
    now = days_before(workshop, 3)

    first = services.send_review_reminders(now=now)
    second = services.send_review_reminders(now=now + timedelta(hours=2))

    assert (first, second) == (2, 0)
    assert len(reminders_to(cast["reviewer"])) == 1 and len(reminders_to(people["late"])) == 1


def test_reviewers_who_submitted_everything_get_no_reminder(workshop, people, papers):
    services.send_review_reminders(now=days_before(workshop, 1))

    assert reminders_to(people["done"]) == []


def test_a_reminder_lists_the_unfinished_papers_and_no_author(workshop, cast, papers):
    a, _ = papers

    services.send_review_reminders(now=days_before(workshop, 3))

    (email,) = reminders_to(cast["reviewer"])
    assert email.subject == "[CaLM] Reminder: your reviews are due in 3 days"
    assert f"#{a.number} Causal parrots" in email.body_text
    assert "Interventions in transformers" not in email.body_text  # submitted already
    for name in ("Ada Author", "Otto Other", cast["author"].email):
        assert name not in email.body_text


def test_the_workshops_own_reminder_days_are_used(workshop, cast, papers):
    workshop.reminder_days = [5]
    workshop.save(update_fields=["reminder_days"])

    for days in (3, 1):
        services.send_review_reminders(now=days_before(workshop, days))
    services.send_review_reminders(now=days_before(workshop, 5))

    assert [email.topic for email in reminders_to(cast["reviewer"])] == [
        f"reminder:{workshop.pk}:{cast['reviewer'].pk}:5"
    ]


def test_a_reminder_for_a_digest_reader_waits_in_their_digest_once(workshop, cast, papers):
    set_notification_preferences(user=cast["reviewer"], digest_kinds={EmailKind.REMINDER})
    now = days_before(workshop, 3)

    services.send_review_reminders(now=now)
    services.send_review_reminders(now=now + timedelta(hours=1))

    assert reminders_to(cast["reviewer"]) == []
    assert list(DigestItem.objects.filter(user=cast["reviewer"]).values_list("kind", "subject")) == [
        (EmailKind.REMINDER, "[CaLM] Reminder: your reviews are due in 3 days")
    ]


def test_no_reminders_without_a_review_deadline_or_after_it(workshop, cast, papers):
    services.send_review_reminders(now=workshop.review_deadline + timedelta(days=1))
    workshop.review_deadline = None
    workshop.save(update_fields=["review_deadline"])
    services.send_review_reminders(now=timezone.now())

    assert not OutboxEmail.objects.filter(template="review_reminder").exists()


# --- the chairs' "remind now" --------------------------------------------------------------------


def remind_url():
    return reverse("reviews:remind_late", args=["calm"])


def test_the_chair_previews_the_reminder_and_sees_who_would_get_it(chair_client, cast, people, papers):
    _, b = papers

    page = chair_client.get(remind_url()).content.decode()

    assert "2 reviewers will get a reminder" in page
    assert "Lee Late" in page and "Rita Reviewer" in page and "Dana Done" not in page
    assert "Subject: [CaLM] A reminder from the chairs: reviews to submit" in page
    # The preview is the email to the first late reviewer by name, Lee Late: paper B only.
    assert "the email to Lee Late" in page and f"#{b.number} Interventions in transformers" in page
    assert not OutboxEmail.objects.exists()


def test_the_chair_sends_one_reminder_per_late_reviewer(chair_client, workshop, cast, people, papers):
    a, _ = papers

    page = chair_client.post(remind_url(), follow=True).content.decode()

    assert "Reminder sent to 2 reviewers." in page
    assert sorted(row.to[0] for row in OutboxEmail.objects.filter(template="review_reminder")) == sorted(
        [cast["reviewer"].email, people["late"].email]
    )
    (email,) = reminders_to(cast["reviewer"])
    assert f"#{a.number} Causal parrots" in email.body_text and "Interventions" not in email.body_text
    assert email.topic == f"reminder:{workshop.pk}:{cast['reviewer'].pk}:now"


def test_the_chairs_reminder_does_not_stop_the_periodic_one(chair_client, workshop, cast, papers):
    services.remind_late_reviewers(workshop=workshop, by=cast["chair"], now=days_before(workshop, 3))

    services.send_review_reminders(now=days_before(workshop, 3))

    assert len(reminders_to(cast["reviewer"])) == 2


def test_a_conflicted_chair_neither_sees_nor_reminds_the_reviewers_of_their_paper(client, cast, people, papers):
    client.force_login(cast["conflicted_chair"])

    page = client.get(remind_url()).content.decode()
    client.post(remind_url())

    assert "Lee Late" in page and "Rita Reviewer" not in page and "Causal parrots" not in page
    assert [row.to for row in OutboxEmail.objects.filter(template="review_reminder")] == [[people["late"].email]]


def page_messages(response):
    return [str(message) for message in response.context["messages"]]


def utc(moment):
    return moment.astimezone(UTC).strftime("%-d %b %H:%M UTC")


def test_the_chair_reminds_each_reviewer_of_a_paper_at_most_once_an_hour(chair_client, cast, people, papers):
    chair_client.post(remind_url(), follow=True)
    reminded_at = Assignment.objects.get(reviewer=people["late"]).reminded_at

    again = [chair_client.post(remind_url(), follow=True) for _ in range(10)]
    page = chair_client.get(remind_url()).content.decode()
    Assignment.objects.update(reminded_at=reminded_at - RESEND_INTERVAL)
    later = chair_client.post(remind_url(), follow=True)

    waiting = (
        "2 reviewers were reminded of every unfinished review less than an hour ago, so not again now. "
        f"You can remind them again from {utc(reminded_at + RESEND_INTERVAL)}."
    )
    assert [page_messages(response) for response in again] == [[waiting]] * 10
    assert waiting in page and "will get a reminder" not in page and "nobody to remind" not in page
    assert page_messages(later) == ["Reminder sent to 2 reviewers."]
    assert len(reminders_to(cast["reviewer"])) == 2 and len(reminders_to(people["late"])) == 2


def test_a_paper_assigned_since_the_last_reminder_is_reminded_alone(chair_client, workshop, cast, people, papers):
    a, _ = papers
    chair_client.post(remind_url(), follow=True)
    assignment_services.assign_reviewer(submission=a, reviewer=people["late"], by=cast["chair"])

    page = chair_client.get(remind_url()).content.decode()
    response = chair_client.post(remind_url(), follow=True)

    assert "1 reviewer will get a reminder" in page
    assert page_messages(response)[0] == "Reminder sent to 1 reviewer."
    first, second = reminders_to(people["late"])
    assert "Interventions in transformers" in first.body_text
    assert f"#{a.number} Causal parrots" in second.body_text and "Interventions" not in second.body_text


def test_the_conflicted_chair_reminds_of_the_papers_they_may_see_whoever_reviews_theirs(
    client, workshop, cast, people, papers
):
    a, b = papers
    client.force_login(cast["conflicted_chair"])
    alone = client.get(remind_url()).content.decode()
    assignment_services.assign_reviewer(submission=a, reviewer=people["late"], by=cast["chair"])

    with_hidden_paper = client.get(remind_url()).content.decode()
    client.post(remind_url())

    assert page_as_seen(with_hidden_paper) == page_as_seen(alone)
    assert "1 reviewer will get a reminder" in alone and "Lee Late" in alone and "Causal parrots" not in alone
    (email,) = reminders_to(people["late"])
    assert f"#{b.number} Interventions in transformers" in email.body_text and "Causal parrots" not in email.body_text
    assert Assignment.objects.get(submission=a, reviewer=people["late"]).reminded_at is None


def test_nobody_to_remind_says_so(chair_client, workshop, cast, people, papers):
    a, b = papers
    submit_review(a, cast["reviewer"])
    submit_review(b, people["late"])

    page = chair_client.get(remind_url()).content.decode()
    after = chair_client.post(remind_url(), follow=True).content.decode()

    assert "there is nobody to remind" in page
    assert "nobody was reminded" in after and not OutboxEmail.objects.filter(template="review_reminder").exists()


def test_the_remind_page_costs_the_same_queries_for_one_or_many_late_reviewers(
    chair_client, django_assert_max_num_queries, workshop, cast, papers
):
    with django_assert_max_num_queries(14):
        one = chair_client.get(remind_url()).content.decode()
    _, b = papers
    for number in range(5):
        late = member(workshop, Role.REVIEWER, email=f"more{number}@uni-z{number}.example", name=f"Zed {number}")
        assignment_services.assign_reviewer(submission=b, reviewer=late, by=cast["chair"])

    with django_assert_max_num_queries(14):
        many = chair_client.get(remind_url()).content.decode()

    assert "2 reviewers will get" in one and "7 reviewers will get" in many
