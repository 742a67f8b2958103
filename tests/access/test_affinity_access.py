"""Who may ask for a workshop's affinity and follow it: the workshop's chairs (a chair in conflict
with some papers included), nobody else. Denied signed-in users get 404, anonymous visitors are
sent to log in, and a denied request queues nothing."""

import pytest
from django.urls import reverse

from reviews.models import AffinityScores
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

CHAIR_PERSONAS = {"chair", "conflicted_chair"}
URLS = [
    ("post", "reviews:compute_affinity", 302),
    ("get", "reviews:affinity_status", 200),
]


def expected_status(persona, allowed_status):
    if persona == "anonymous":
        return 302
    return allowed_status if persona in CHAIR_PERSONAS else 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_affinity_urls_answer_each_persona_as_designed(client, cast, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])
    urls = {name: reverse(name, args=["calm"]) for _, name, _ in URLS}

    responses = {name: getattr(client, method)(urls[name]) for method, name, _ in URLS}

    assert {name: response.status_code for name, response in responses.items()} == {
        name: expected_status(persona, allowed) for _, name, allowed in URLS
    }
    if persona == "anonymous":
        assert all(response["Location"].startswith(reverse("account_login")) for response in responses.values())
    if persona in CHAIR_PERSONAS:
        assert responses["reviews:compute_affinity"]["Location"] == reverse("reviews:assignment", args=["calm"])
        assert "Affinity" in responses["reviews:affinity_status"].content.decode()


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in CHAIR_PERSONAS])
def test_denied_affinity_request_queues_nothing(client, cast, persona, django_capture_on_commit_callbacks):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("reviews:compute_affinity", args=["calm"]))

    assert callbacks == []
    assert not AffinityScores.objects.exists()


def test_other_workshops_chair_cannot_follow_this_workshops_affinity(client, cast, other_workshop):
    client.force_login(cast["other_workshop_chair"])

    mine = client.get(reverse("reviews:affinity_status", args=["other"]))
    theirs = client.get(reverse("reviews:affinity_status", args=["calm"]))

    assert "No affinity computed yet." in mine.content.decode()
    assert theirs.status_code == 404


def test_affinity_urls_need_their_method(client, cast):
    client.force_login(cast["chair"])

    responses = [
        client.get(reverse("reviews:compute_affinity", args=["calm"])),
        client.post(reverse("reviews:affinity_status", args=["calm"])),
    ]

    assert [response.status_code for response in responses] == [405, 405]
    assert not AffinityScores.objects.exists()
