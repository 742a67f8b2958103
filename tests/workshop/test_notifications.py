"""Notification preferences: per kind of non-essential email, one email each or a daily digest;
essential emails always go at once; the daily task sends each person one digest, once."""

import html

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from workshop import services, tasks
from workshop.enums import DIGESTIBLE, EmailAudience, EmailKind
from workshop.mail import queue_email
from workshop.models import DigestItem, NotificationPreference, OutboxEmail

pytestmark = pytest.mark.django_db

URL = reverse("notification_preferences")


@pytest.fixture
def person(db):
    return UserFactory(email="pat@uni-p.example", name="Pat Person")


def test_the_profile_page_links_to_the_preferences(client, person):
    client.force_login(person)

    page = client.get(reverse("profile")).content.decode()

    assert f'href="{URL}"' in page and "Email notifications" in page


def test_the_preferences_page_offers_each_kind_one_by_one_by_default(client, person):
    client.force_login(person)

    page = html.unescape(client.get(URL).content.decode())

    for kind in DIGESTIBLE:
        assert kind.label in page
        assert f'name="{kind.value}" value="now"' in page
    assert "checked" in page.split(f'name="{EmailKind.REMINDER.value}" value="now"')[1].split(">")[0]


def test_choosing_a_digest_is_saved_and_shown(client, person):
    client.force_login(person)

    response = client.post(URL, {"discussion": "digest", "review_submitted": "now", "reminder": "digest"}, follow=True)

    page = response.content.decode()
    assert "Your email preferences are saved." in page
    assert dict(NotificationPreference.objects.filter(user=person).values_list("kind", "digest")) == {
        "discussion": True,
        "review_submitted": False,
        "reminder": True,
    }
    assert "checked" in page.split('name="discussion" value="digest"')[1].split(">")[0]


def test_an_unknown_choice_is_refused(client, person):
    client.force_login(person)

    page = client.post(URL, {"discussion": "hourly", "review_submitted": "now", "reminder": "now"}).content.decode()

    assert "Select a valid choice." in page and not NotificationPreference.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)

    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_a_digest_reader_gets_non_essential_emails_in_the_digest(person, workshop):
    services.set_notification_preferences(user=person, digest_kinds={EmailKind.DISCUSSION})

    held = queue_email(
        to=[person.email],
        template="outbox_test",
        audience=EmailAudience.PERSON,
        papers=(),
        context={"user": person},
        workshop=workshop,
        kind="discussion",
    )

    assert isinstance(held, DigestItem)
    assert not OutboxEmail.objects.exists()
    assert (held.user, held.workshop, held.kind, held.sent_at) == (person, workshop, EmailKind.DISCUSSION, None)
    assert "email from this workshop reaches you" in held.body_text


def test_essential_emails_and_other_kinds_still_go_at_once(person, workshop):
    services.set_notification_preferences(user=person, digest_kinds=set(DIGESTIBLE))

    services.send_test_email(workshop=workshop, to_user=person)  # essential: no kind given
    services.set_notification_preferences(user=person, digest_kinds={EmailKind.REMINDER})
    queue_email(
        to=[person.email],
        template="outbox_test",
        audience=EmailAudience.PERSON,
        papers=(),
        context={},
        workshop=workshop,
        kind=EmailKind.DISCUSSION,
    )

    assert OutboxEmail.objects.filter(to=[person.email]).count() == 2
    assert not DigestItem.objects.exists()


def test_an_email_to_several_people_is_never_held(person, workshop):
    services.set_notification_preferences(user=person, digest_kinds=set(DIGESTIBLE))

    queue_email(
        to=[person.email, "other@uni-q.example"],
        template="outbox_test",
        audience=EmailAudience.PERSON,
        papers=(),
        context={},
        kind=EmailKind.REMINDER,
    )

    assert OutboxEmail.objects.count() == 1 and not DigestItem.objects.exists()


def test_the_address_is_matched_whatever_its_case(person):
    services.set_notification_preferences(user=person, digest_kinds={EmailKind.REMINDER})

    queue_email(
        to=["PAT@uni-p.example"],
        template="outbox_test",
        audience=EmailAudience.PERSON,
        papers=(),
        context={},
        kind=EmailKind.REMINDER,
    )

    assert DigestItem.objects.filter(user=person).count() == 1


def test_the_digest_task_sends_each_person_one_email_once(
    person, workshop, mailoutbox, django_capture_on_commit_callbacks
):
    other = UserFactory(email="quinn@uni-q.example", name="Quinn")
    for user in (person, other):
        services.set_notification_preferences(user=user, digest_kinds=set(DIGESTIBLE))
    for kind in (EmailKind.DISCUSSION, EmailKind.REMINDER):
        queue_email(
            to=[person.email],
            template="outbox_test",
            audience=EmailAudience.PERSON,
            papers=(),
            context={"user": person},
            workshop=workshop,
            kind=kind,
        )
    queue_email(
        to=[other.email],
        template="outbox_test",
        audience=EmailAudience.PERSON,
        papers=(),
        context={"user": other},
        kind=EmailKind.REMINDER,
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.send_digests()
        second = tasks.send_digests()

    digests = OutboxEmail.objects.filter(template="digest").order_by("to")
    assert (first, second) == (2, 0)
    assert [(row.to, row.subject, row.workshop_id) for row in digests] == [
        ([person.email], "Your daily digest: 2 notifications", None),
        ([other.email], "Your daily digest: one notification", None),
    ]
    assert digests[0].body_text.count("email from this workshop reaches you") == 2
    assert not DigestItem.objects.filter(sent_at__isnull=True).exists()
    assert sorted(message.to[0] for message in mailoutbox) == sorted([person.email, other.email])


def test_a_new_item_after_the_digest_waits_for_the_next_one(person):
    services.set_notification_preferences(user=person, digest_kinds={EmailKind.REMINDER})
    queue_email(
        to=[person.email],
        template="outbox_test",
        audience=EmailAudience.PERSON,
        papers=(),
        context={},
        kind=EmailKind.REMINDER,
    )
    services.send_digests()

    queue_email(
        to=[person.email],
        template="outbox_test",
        audience=EmailAudience.PERSON,
        papers=(),
        context={},
        kind=EmailKind.REMINDER,
    )
    services.send_digests()

    assert OutboxEmail.objects.filter(template="digest", to=[person.email]).count() == 2
    assert DigestItem.objects.filter(sent_at__isnull=False).count() == 2


def test_only_digestible_kinds_can_be_chosen(person):
    with pytest.raises(ValueError, match="essential"):
        services.set_notification_preferences(user=person, digest_kinds={EmailKind.ESSENTIAL})
