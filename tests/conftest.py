import uuid

import pytest

from tests.factories import UserFactory, WorkshopFactory, member
from workshop import settings as production_settings
from workshop.enums import Role

PERSONAS = [
    "anonymous",
    "author",
    "coauthor",
    "other_author",
    "reviewer",
    "bystander_reviewer",
    "conflicted_reviewer",
    "chair",
    "conflicted_chair",
    "other_workshop_chair",
]


@pytest.fixture(autouse=True)
def _outbox_email_backend(settings):
    # Django's test setup swaps EMAIL_BACKEND for locmem; put the outbox back, so tests see
    # what production does. Delivery (after the outbox) still goes to locmem: mailoutbox.
    settings.EMAIL_BACKEND = production_settings.EMAIL_BACKEND


@pytest.fixture(autouse=True)
def _fresh_cache_namespace(settings):
    # With Redis, the cache outlives a test (allauth's rate limits live there): give each test
    # keys of its own instead of flushing a database that other test processes share.
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": uuid.uuid4().hex}}


@pytest.fixture
def workshop(db):
    return WorkshopFactory(slug="calm", name="Causality and Large Models", short_name="CaLM")


@pytest.fixture
def other_workshop(db):
    return WorkshopFactory(slug="other", name="Another Workshop", short_name="AW")


@pytest.fixture
def cast(workshop, other_workshop):
    """The fixed cast of STYLE.md, as users (None for anonymous). Paper-level roles (author,
    assigned or conflicted reviewer) become real once submissions and assignments exist."""
    return make_cast(workshop, other_workshop)


def make_cast(workshop, other_workshop):
    """The cast fixture's users, for fixtures of a wider scope (tests/access builds one world per phase)."""
    return {
        "anonymous": None,
        "author": UserFactory(email="author@uni-a.example", name="Ada Author"),
        "coauthor": UserFactory(email="coauthor@uni-b.example", name="Cole Coauthor"),
        "other_author": UserFactory(email="other.author@uni-c.example", name="Otto Other"),
        "reviewer": member(workshop, Role.REVIEWER, email="reviewer@uni-d.example", name="Rita Reviewer"),
        "bystander_reviewer": member(workshop, Role.REVIEWER, email="bystander@uni-e.example", name="Bea Bystander"),
        "conflicted_reviewer": member(
            workshop, Role.REVIEWER, email="conflicted@uni-a.example", name="Conrad Conflict"
        ),
        "chair": member(workshop, Role.CHAIR, email="chair@uni-f.example", name="Clara Chair"),
        "conflicted_chair": member(workshop, Role.CHAIR, email="cochair@uni-a.example", name="Carl Cochair"),
        "other_workshop_chair": member(other_workshop, Role.CHAIR, email="elsewhere@uni-g.example", name="Elsa Else"),
    }


@pytest.fixture
def chair_client(client, cast):
    client.force_login(cast["chair"])
    return client


# Here, not in tests/access/conftest.py: under xdist the controlling process loads only the
# conftests of the paths it is given, so a hook of a deeper folder would print nothing on `make test`.
def _recorded(terminalreporter, name) -> int:
    """The sum of what the passed tests recorded under `name` (record_property-like user_properties)."""
    return sum(
        value
        for report in terminalreporter.stats.get("passed", [])
        for key, value in getattr(report, "user_properties", [])
        if key == name
    )


def pytest_terminal_summary(terminalreporter):
    """Print the size of the access matrix (cells recorded by test_url_matrix.py's tests) and the
    number of comparisons the non-interference tests made."""
    cells = _recorded(terminalreporter, "access_matrix_cells")
    if cells:
        terminalreporter.write_line(f"access matrix: {cells} cells checked (persona x URL x method x phase)")
    comparisons = _recorded(terminalreporter, "noninterference_comparisons")
    if comparisons:
        terminalreporter.write_line(f"non-interference: {comparisons} comparisons (URL x persona x phase x secret)")
