"""The access matrix, generated from the URL configuration: every URL pattern of workshop.urls,
for every persona of STYLE.md, GET and POST, in every phase of the workshop, against the policy
declared in tests/access/policy.py.

A URL without a policy row fails here, naming the row to add. A denied request must be a 404 for
a signed-in person and the login page for an anonymous one, and must change nothing in the
database: no row added or removed in any table, no row written at all (the database's own change
counter), no email queued. Every answer, allowed or denied, is also read for what its reader must
not learn (policy.unreadable: authors' names for reviewers, reviewers' names for authors, a
conflicted chair's paper...) and for HTML comments naming anyone. Each cell runs in a savepoint
that is rolled back, so every cell meets the same world; the world itself is built once per phase
and module (tests/access/conftest.py).
"""

import logging
import re

import pytest
from django.db import transaction
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.access import policy
from tests.access.conftest import writes_so_far
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

METHODS = ("get", "post")
DENIALS = {404, 405, policy.LOGIN, policy.ADMIN_LOGIN}
# The matrix must not shrink unnoticed (a walk that finds no URLs would pass otherwise).
MIN_CELLS = 10_000


def url_patterns(patterns=None, namespace="", prefix=""):
    """(name with namespace, route, callback's module) of every pattern, through the includes."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from url_patterns(pattern.url_patterns, inner or namespace, route)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, route, pattern.callback.__module__


def rules_for(name, route, module):
    """The policy's rules for one pattern, or None when it has none."""
    if route.startswith("admin/"):
        return [policy.admin_rule(name, route)]
    rules = (policy.ACCOUNT_POLICY if module.startswith("allauth.") else policy.POLICY).get(name)
    if rules is None:
        return None
    return rules if isinstance(rules, list) else [rules]


def test_every_url_has_a_policy_row():
    missing = [
        f"{name or route} ({module})"
        for name, route, module in url_patterns()
        if rules_for(name, route, module) is None
    ]
    names = {name for name, _, _ in url_patterns()}
    stale = sorted((set(policy.POLICY) | set(policy.ACCOUNT_POLICY)) - names)

    assert missing == [], (
        "These URLs have no access policy: add a row for each to POLICY in tests/access/policy.py, saying who may "
        "GET and POST it in which phase (an unnamed URL needs a name first):\n  " + "\n  ".join(missing)
    )
    assert stale == [], f"Policy rows for URLs that no longer exist; remove them from tests/access/policy.py: {stale}"


def planned_cells():
    """(name, route, rule) for every concrete URL the matrix checks."""
    for name, route, module in url_patterns():
        for rule in rules_for(name, route, module) or []:
            yield name, route, rule


def test_the_matrix_is_large_enough(capsys):
    cells = sum(len(rule.phases) * len(PERSONAS) * len(METHODS) for _, _, rule in planned_cells())

    with capsys.disabled():
        print(f"\naccess matrix: {cells} cells (URL x persona x method x phase)")
    assert cells >= MIN_CELLS


def concrete_url(world, name, route, rule):
    if name is None or name.startswith("admin:"):
        return policy.admin_url(name, route)
    kwargs = rule.kwargs(world)
    try:
        return reverse(name, kwargs={"slug": world.workshop.slug, **kwargs})
    except NoReverseMatch:  # a URL outside the workshops takes no slug
        return reverse(name, kwargs=kwargs)


def what_changed(before, after):
    tables = [table for table, count in after["rows"].items() if before["rows"].get(table) != count]
    parts = [f"row counts of {', '.join(tables)}"] if tables else []
    if after["writes"] != before["writes"]:
        parts.append(f"{after['writes'] - before['writes']} rows written")
    if after["outbox"] != before["outbox"]:
        parts.append("the outbox")
    return "; ".join(parts)


def read(response) -> str:
    """The answer's body as text (latin-1: a PDF's bytes too), read to the end: that closes a download's file."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("latin-1")


def leaks_in(text, secrets):
    found = [secret for secret in secrets if secret in text]
    comments = [
        comment for comment in re.findall(r"<!--(.*?)-->", text, re.S) if any(n in comment for n in policy.NAMES)
    ]
    return found + [f"<!--{comment}-->" for comment in comments]


def outcome_of(response):
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return policy.LOGIN
        if location.startswith(reverse("admin:login")):
            return policy.ADMIN_LOGIN
    return response.status_code


@pytest.fixture
def quiet_request_log():
    """Thousands of expected 404s and 405s would each be logged as a warning: keep errors only."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.usefixtures("quiet_request_log")
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_url_answers_each_persona_as_the_policy_says(client, world, persona, fingerprint, request):
    user = world.cast[persona]
    if user is not None:
        client.force_login(user)
    baseline = fingerprint()
    mismatches, changes, leaks, cells = [], [], [], 0

    for name, route, rule in planned_cells():
        if world.phase not in rule.phases:
            continue
        url = concrete_url(world, name, route, rule)
        for method in METHODS:
            expected = rule.expected(method, world.phase, persona)
            cell = f"{method.upper()} {name or route}{f' [{rule.label}]' if rule.label else ''} {url}"
            with transaction.atomic():
                writes = writes_so_far() if expected in DENIALS else None
                data = rule.data(world) if method == "post" else None
                response = getattr(client, method)(url, data)
                seen, text = outcome_of(response), read(response)
                if writes is not None:
                    change = what_changed({**baseline, "writes": writes}, fingerprint())
                    if change:
                        changes.append(f"{cell}: denied, yet it changed the database: {change}")
                transaction.set_rollback(True)
            if rule.touches_login:
                client.logout()
                if user is not None:
                    client.force_login(user)
                baseline = fingerprint()  # logging in writes: the last login, axes' access log
            cells += 1
            if seen != expected:
                mismatches.append(f"{cell}: expected {expected}, got {seen}")
            leaked = leaks_in(
                text,
                policy.unreadable(persona, world.phase, public_page=rule.public, lists_committee=rule.lists_committee),
            )
            if leaked:
                leaks.append(f"{cell}: {persona} reads {leaked}")

    request.node.user_properties.append(("access_matrix_cells", cells))
    problems = mismatches + changes + leaks
    assert problems == [], f"{world.phase}, {persona}:\n  " + "\n  ".join(problems)
