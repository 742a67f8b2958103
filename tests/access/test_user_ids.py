"""No page that people outside the workshop's chairs see carries a user id: not in an option's
value, a link, a form's action or a data attribute. An id would tell authors which account a
reviewer has, the order in which people joined, and let them match a person across pages.

Users' ids are moved far from every other object's (70001 and on) before the world is built, so
that any five-digit id on a page is a person's, whatever it sits in.
"""

import re

import pytest
from django.db import connection, transaction

from tests.access.conftest import build_world
from tests.access.test_url_matrix import concrete_url, planned_cells, read
from tests.conftest import PERSONAS
from workshop import settings as production_settings
from workshop.models import User

pytestmark = pytest.mark.django_db

FIRST_USER_ID = 70001
# The phases whose pages differ for authors and reviewers: the submission form, the reviewing
# pages (bids, reviews, discussion) and the camera-ready form.
PHASES = ("submission", "reviewing", "released")


def number_users_from(first):
    table = User._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, first])
        else:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first - 1])


@pytest.mark.parametrize("phase", PHASES)
def test_no_page_outside_the_chairs_carries_a_user_id(client, settings, phase):
    settings.EMAIL_BACKEND = production_settings.EMAIL_BACKEND
    number_users_from(FIRST_USER_ID)
    world = build_world(phase)
    ids = {str(user.pk) for user in User.objects.all()}
    readers = [persona for persona in PERSONAS if persona not in ("chair", "conflicted_chair")]

    found = []
    for persona in readers:
        client.logout()
        if world.cast[persona] is not None:
            client.force_login(world.cast[persona])
        for name, route, rule in planned_cells():
            if phase not in rule.phases or name is None or name.startswith("admin:"):
                continue
            url = concrete_url(world, name, route, rule)
            with transaction.atomic():
                text = read(client.get(url))
                transaction.set_rollback(True)
            found += [(persona, url, n) for n in re.findall(r"(?<![0-9A-Za-z])\d+(?![0-9A-Za-z])", text) if n in ids]

    assert min(map(int, ids)) >= FIRST_USER_ID
    assert found == []
