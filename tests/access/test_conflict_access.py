"""Who may set, lift and clear conflicts on a paper: every URL, every persona of STYLE.md.

Only the workshop's chairs who are not in conflict with the paper may; the conflicted chair and
everyone else get 404, and anonymous visitors are sent to log in. Denied POSTs change nothing.
"""

import pytest
from django.urls import reverse

from submissions import services
from submissions.enums import ConflictSource
from submissions.models import Conflict
from tests.conftest import PERSONAS
from tests.submissions.conftest import submitted_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(workshop, cast):
    paper = submitted_paper(
        workshop,
        cast["author"],
        authors=[cast["author"], cast["coauthor"]],
        conflicted_members=[cast["conflicted_chair"]],
    )
    services.set_conflict_ruling(submission=paper, user=cast["reviewer"], is_conflict=True, by=cast["chair"])
    return paper


def rows(paper):
    return set(Conflict.objects.filter(submission=paper).values_list("user_id", "source", "is_conflict", "note"))


@pytest.fixture
def posts(cast, paper):
    """Each conflict URL with a POST that would change something."""
    args = ["calm", paper.pk]
    return [
        (reverse("submissions:chair_set_conflict", args=args), {"member": cast["bystander_reviewer"].pk}),
        (
            reverse("submissions:chair_set_conflict", args=args),
            {"member": cast["conflicted_reviewer"].pk, "is_conflict": "no"},
        ),
        (reverse("submissions:chair_clear_conflict", args=args), {"member": cast["reviewer"].pk}),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_conflict_url_answers_each_persona_as_designed(client, cast, posts, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    statuses = [client.post(url, data).status_code for url, data in posts]

    expected = {"chair": 302, "anonymous": 302}.get(persona, 404)
    assert statuses == [expected] * len(posts)


def test_anonymous_visitors_are_sent_to_log_in(client, posts):
    responses = [client.post(url, data) for url, data in posts]

    assert all(r["Location"].startswith(reverse("account_login")) for r in responses)


def test_the_chairs_posts_change_the_rulings(client, cast, paper, posts):
    client.force_login(cast["chair"])

    for url, data in posts:
        client.post(url, data)

    assert rows(paper) == {
        (cast["bystander_reviewer"].pk, ConflictSource.CHAIR, True, ""),
        (cast["conflicted_reviewer"].pk, ConflictSource.CHAIR, False, ""),
    }


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "chair"])
def test_denied_conflict_posts_change_nothing(client, cast, paper, posts, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])
    before = rows(paper)

    for url, data in posts:
        client.post(url, data)

    assert rows(paper) == before == {(cast["reviewer"].pk, ConflictSource.CHAIR, True, "")}


def test_conflict_urls_need_post(client, cast, paper, posts):
    client.force_login(cast["chair"])

    statuses = [client.get(url, data).status_code for url, data in posts]

    assert statuses == [405] * len(posts)
    assert rows(paper) == {(cast["reviewer"].pk, ConflictSource.CHAIR, True, "")}


def test_other_workshops_chair_cannot_rule_through_their_own_workshop(client, cast, other_workshop, paper):
    client.force_login(cast["other_workshop_chair"])

    response = client.post(
        reverse("submissions:chair_set_conflict", args=["other", paper.pk]), {"member": cast["reviewer"].pk}
    )

    assert response.status_code == 404
    assert rows(paper) == {(cast["reviewer"].pk, ConflictSource.CHAIR, True, "")}
