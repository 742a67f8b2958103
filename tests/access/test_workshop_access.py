"""Who may open each URL of the workshop app: every URL, every persona of STYLE.md.

Denied signed-in users get 404 (the page's existence does not leak); anonymous visitors of a
private page are sent to log in. POSTs that are denied must also change nothing.
"""

import pytest
from django.urls import reverse

from tests.conftest import PERSONAS
from tests.utils import outbox_row
from workshop.models import Direction, OutboxEmail

pytestmark = pytest.mark.django_db

PUBLIC, SIGNED_IN, CHAIRS = "public", "signed_in", "chairs"
CHAIR_PERSONAS = {"chair", "conflicted_chair"}


def expected_status(rule, persona, allowed_status):
    if rule == PUBLIC:
        return 200
    if persona == "anonymous":
        return 302
    if rule == SIGNED_IN or persona in CHAIR_PERSONAS:
        return allowed_status
    return 404


@pytest.fixture
def urls(workshop, cast):
    direction = workshop.directions.first()
    email = outbox_row(workshop=workshop)
    return [
        ("get", reverse("home"), PUBLIC, 200),
        ("get", reverse("workshop:detail", args=["calm"]), PUBLIC, 200),
        ("get", reverse("workshop:deadlines_ics", args=["calm"]), PUBLIC, 200),
        ("get", reverse("profile"), SIGNED_IN, 200),
        ("get", reverse("workshop:settings", args=["calm"]), CHAIRS, 200),
        ("get", reverse("workshop:directions", args=["calm"]), CHAIRS, 200),
        ("get", reverse("workshop:direction_edit", args=["calm", direction.pk]), CHAIRS, 200),
        ("post", reverse("workshop:direction_move", args=["calm", direction.pk]), CHAIRS, 302),
        ("get", reverse("workshop:outbox", args=["calm"]), CHAIRS, 200),
        ("get", reverse("workshop:outbox_email", args=["calm", email.pk]), CHAIRS, 200),
        ("post", reverse("workshop:outbox_retry", args=["calm"]), CHAIRS, 302),
        ("post", reverse("workshop:outbox_test", args=["calm"]), CHAIRS, 302),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_workshop_url_answers_each_persona_as_designed(client, cast, urls, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    seen = {
        url: getattr(client, method)(url, {"to": "down"} if method == "post" else None).status_code
        for method, url, _, _ in urls
    }

    expected = {url: expected_status(rule, persona, allowed) for _, url, rule, allowed in urls}
    assert seen == expected


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in CHAIR_PERSONAS])
def test_denied_posts_change_nothing(client, cast, workshop, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])
    first = workshop.directions.get(slug="in")

    client.post(reverse("workshop:direction_move", args=["calm", first.pk]), {"to": "down"})
    client.post(reverse("workshop:directions", args=["calm"]), {"slug": "new", "name": "New"})
    client.post(reverse("workshop:outbox_test", args=["calm"]))

    assert list(workshop.directions.values_list("slug", flat=True)) == ["in", "for"]
    assert OutboxEmail.objects.count() == 0


def test_other_workshops_chair_cannot_reach_this_workshops_objects_through_their_own(
    client, cast, workshop, other_workshop
):
    client.force_login(cast["other_workshop_chair"])
    ours = Direction.objects.get(workshop=workshop, slug="in")

    response = client.get(reverse("workshop:direction_edit", args=["other", ours.pk]))

    assert response.status_code == 404


def test_navigation_shows_each_person_what_they_can_do(client, cast):
    menus = {}
    for persona in ("chair", "reviewer", "author"):
        client.force_login(cast[persona])
        menus[persona] = client.get("/").content.decode()

    assert "Settings and dates" in menus["chair"] and "Email outbox" in menus["chair"]
    assert "As reviewer" in menus["reviewer"] and "Settings and dates" not in menus["reviewer"]
    assert "CaLM" not in menus["author"].split("<main")[0]


@pytest.mark.parametrize("model", ["user", "workshop", "direction", "membership", "outboxemail"])
def test_admin_is_for_superusers_only(client, cast, model):
    from workshop.models import User

    url = reverse(f"admin:workshop_{model}_changelist")
    client.force_login(cast["chair"])
    assert client.get(url).status_code == 302

    client.force_login(User.objects.create_superuser(email="root@site.example", password="x"))
    assert client.get(url).status_code == 200
