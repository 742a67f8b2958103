"""Who may open each URL of the reviews app: every URL, every persona of STYLE.md.

Chair pages answer the workshop's chairs; the reviewer profile answers its reviewers; the
invitation links answer anyone holding them, and a bad token is a 404. Denied signed-in users get
404; anonymous visitors of a private page are sent to log in. Denied POSTs change nothing.
"""

import pytest
from django.urls import reverse

from reviews.enums import InvitationStatus
from reviews.models import Invitation, ReviewerProfile
from tests.conftest import PERSONAS
from tests.reviews.conftest import invite
from workshop.models import OutboxEmail

pytestmark = pytest.mark.django_db

CHAIRS, REVIEWERS, LINK, BAD_LINK = "chairs", "reviewers", "link", "bad_link"
CHAIR_PERSONAS = {"chair", "conflicted_chair"}
REVIEWER_PERSONAS = {"reviewer", "bystander_reviewer", "conflicted_reviewer"}


def expected_status(rule, persona, allowed_status):
    if rule == LINK:
        return allowed_status
    if rule == BAD_LINK:
        return 404
    if persona == "anonymous":
        return 302
    allowed = CHAIR_PERSONAS if rule == CHAIRS else REVIEWER_PERSONAS
    return allowed_status if persona in allowed else 404


@pytest.fixture
def invitation(workshop, cast):
    return invite(workshop, cast["chair"], "Ada <ada@uni.example>").invited[0]


@pytest.fixture
def urls(workshop, cast, invitation):
    chair = lambda name, *args: reverse(f"reviews:{name}", args=["calm", *args])  # noqa: E731
    return [
        ("get", chair("chair_reviewers"), CHAIRS, 200),
        ("post", chair("chair_remind"), CHAIRS, 302),
        ("post", chair("chair_set_load", cast["reviewer"].pk), CHAIRS, 302),
        ("post", chair("chair_resend", invitation.pk), CHAIRS, 302),
        ("get", chair("profile"), REVIEWERS, 200),
        ("get", invitation.get_accept_url(), LINK, 200),
        ("get", invitation.get_decline_url(), LINK, 200),
        ("get", chair("invitation_accept", "not-the-token"), BAD_LINK, 404),
        ("get", chair("invitation_decline", "not-the-token"), BAD_LINK, 404),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_reviews_url_answers_each_persona_as_designed(client, cast, urls, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    responses = {
        url: getattr(client, method)(url, {"max_load": "3"} if method == "post" else None) for method, url, _, _ in urls
    }

    assert {url: r.status_code for url, r in responses.items()} == {
        url: expected_status(rule, persona, allowed) for _, url, rule, allowed in urls
    }
    if persona == "anonymous":
        private = [r for (_, url, rule, _) in urls if rule in {CHAIRS, REVIEWERS} for r in [responses[url]]]
        assert all(r["Location"].startswith(reverse("account_login")) for r in private)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in CHAIR_PERSONAS])
def test_denied_chair_posts_change_nothing(client, cast, workshop, invitation, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])
    emails_before = OutboxEmail.objects.count()

    client.post(reverse("reviews:chair_reviewers", args=["calm"]), {"invitees": "eve@evil.example"})
    client.post(reverse("reviews:chair_remind", args=["calm"]))
    client.post(reverse("reviews:chair_resend", args=["calm", invitation.pk]))
    client.post(reverse("reviews:chair_withdraw", args=["calm", invitation.pk]))
    client.post(reverse("reviews:chair_set_load", args=["calm", cast["reviewer"].pk]), {"max_load": "50"})

    assert list(Invitation.objects.values_list("email", "status", "sent_count", "token")) == [
        ("ada@uni.example", InvitationStatus.PENDING, 1, invitation.token)
    ]
    assert not ReviewerProfile.objects.exists()
    assert OutboxEmail.objects.count() == emails_before


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in REVIEWER_PERSONAS])
def test_denied_profile_posts_change_nothing(client, cast, workshop, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    client.post(reverse("reviews:profile", args=["calm"]), {"expertise": "Everything.", "max_load": "9"})

    assert not ReviewerProfile.objects.exists()


def test_other_workshops_chair_cannot_reach_this_workshops_invitations_or_reviewers(
    client, cast, other_workshop, invitation
):
    client.force_login(cast["other_workshop_chair"])

    responses = [
        client.post(reverse("reviews:chair_resend", args=["other", invitation.pk])),
        client.post(reverse("reviews:chair_withdraw", args=["other", invitation.pk])),
        client.post(reverse("reviews:chair_set_load", args=["other", cast["reviewer"].pk]), {"max_load": "9"}),
    ]
    page = client.get(reverse("reviews:chair_reviewers", args=["other"])).content.decode()

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert "ada@uni.example" not in page and cast["reviewer"].email not in page
    assert Invitation.objects.get().sent_count == 1
    assert not ReviewerProfile.objects.exists()


def test_chair_posts_need_post(client, cast, invitation):
    client.force_login(cast["chair"])

    responses = [
        client.get(reverse("reviews:chair_remind", args=["calm"])),
        client.get(reverse("reviews:chair_resend", args=["calm", invitation.pk])),
        client.get(reverse("reviews:chair_withdraw", args=["calm", invitation.pk])),
        client.get(reverse("reviews:chair_set_load", args=["calm", cast["reviewer"].pk])),
    ]

    assert [r.status_code for r in responses] == [405, 405, 405, 405]
    assert Invitation.objects.get().sent_count == 1
