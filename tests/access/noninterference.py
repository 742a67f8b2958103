"""Machinery of the non-interference tests (tests/access/test_noninterference.py).

A world is built by tests/access/conftest.build_world at a frozen instant, with seeded randomness,
in a transaction that is rolled back afterwards (and on PostgreSQL with its sequences put back),
so that two worlds built one after the other have the same ids, the same clock and the same
"random" choices. What an observer sees of a world is a dictionary: one entry per request
(every GET URL of the access policy, its htmx fragment where the view answers htmx, and the
URL with each query parameter the view reads set to each probe), and one entry for the emails
they received. Entries are compared after normalising what must differ between any two
requests (CSRF tokens, CSP nonces).
"""

import difflib
import itertools
import random
import secrets
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parseaddr
from urllib.parse import urlencode

import factory
import time_machine
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client, override_settings

from tests import factories
from tests.access.conftest import build_world
from tests.access.test_url_matrix import concrete_url, planned_cells, read
from tests.utils import page_as_seen
from workshop.models import DigestItem, OutboxEmail

# Every world lives at this instant (its deadlines are set around it by set_phase).
INSTANT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
SEED = 20260601

# A request that records which query parameters the view read and whether it asked if the
# request came from htmx: the harness then tries each parameter with each probe, and the htmx
# fragment, on exactly the views that have them.
_reads = {"keys": set(), "get_consulted": False, "htmx_consulted": False}


class RecordingQueryDict(QueryDict):
    def _note(self, key):
        _reads["keys"].add(key)

    def __len__(self):
        _reads["get_consulted"] = True
        return super().__len__()

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)


class RecordingHtmx:
    def __init__(self, details):
        self._details = details

    def __bool__(self):
        _reads["htmx_consulted"] = True
        return bool(self._details)

    def __getattr__(self, name):
        _reads["htmx_consulted"] = True
        return getattr(self._details, name)


class RecordReadsMiddleware:
    """Test-only: wraps request.GET and request.htmx so that the harness learns what the view reads."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = RecordingQueryDict(request.META.get("QUERY_STRING", ""))
        if hasattr(request, "htmx"):
            request.htmx = RecordingHtmx(request.htmx)
        return self.get_response(request)


def recording_middleware(middleware):
    """The project's middleware with the recorder right after django-htmx's (or last)."""
    name = f"{__name__}.RecordReadsMiddleware"
    middleware = list(middleware)
    htmx = "django_htmx.middleware.HtmxMiddleware"
    at = middleware.index(htmx) + 1 if htmx in middleware else len(middleware)
    return [*middleware[:at], name, *middleware[at:]]


def answer_of(response) -> str:
    """Status, the headers a person's browser acts on, and the body, as one comparable text."""
    headers = [
        f"{name}: {response[name]}"
        for name in ("Location", "Content-Type", "Content-Disposition", "HX-Redirect", "HX-Trigger")
        if response.has_header(name)
    ]
    return page_as_seen("\n".join([str(response.status_code), *headers, "", read(response)]))


# --- worlds with the same ids, clock and chance ----------------------------------------------------


def sequence_state():
    """PostgreSQL's sequences are not rolled back with a transaction: their values, to put back."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences")
        return cursor.fetchall()


def restore_sequences(state):
    if not state:
        return
    with connection.cursor() as cursor:
        for name, last_value in state:
            if last_value is None:
                cursor.execute("SELECT setval(%s, 1, false)", [name])
            else:
                cursor.execute("SELECT setval(%s, %s, true)", [name, last_value])


@contextmanager
def same_chance():
    """Seed every source of chance a world uses: the random module, uuid4, the secrets module
    (tokens, Django's random strings), the reviewer numbering's generator, and the test
    factories' sequences."""
    from reviews.services import numbering

    generator = random.Random(SEED)
    state = random.getstate()
    random.seed(SEED)
    ticks = itertools.count()
    patches = [
        # Durations shown to chairs (the solver's time) are measured, not chosen: a clock that
        # advances by one millisecond each time it is read makes them the same in both worlds.
        (time, "perf_counter", lambda: next(ticks) / 1000),
        (uuid, "uuid4", lambda: uuid.UUID(int=generator.getrandbits(128), version=4)),
        (secrets, "token_bytes", lambda nbytes=32: generator.randbytes(nbytes)),
        (secrets, "_sysrand", random.Random(SEED + 1)),
        (numbering, "NUMBERING_RANDOM", random.Random(SEED + 2)),
    ]
    saved = [(module, name, getattr(module, name, None)) for module, name, _ in patches]
    for module, name, value in patches:
        setattr(module, name, value)
    for maker in vars(factories).values():
        if isinstance(maker, type) and issubclass(maker, factory.Factory) and maker is not factory.Factory:
            maker.reset_sequence(0, force=True)
    try:
        yield
    finally:
        for module, name, value in saved:
            if value is None:
                delattr(module, name)
            else:
                setattr(module, name, value)
        random.setstate(state)


@contextmanager
def isolated_world(settings):
    """A frozen clock, fresh cache keys and seeded chance around one world, rolled back after it."""
    sequences = sequence_state()
    caches = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"ni-{uuid.uuid4().hex}"}}
    with (
        time_machine.travel(INSTANT, tick=False),
        override_settings(CACHES=caches, MIDDLEWARE=recording_middleware(settings.MIDDLEWARE)),
        same_chance(),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)
    restore_sequences(sequences)


# --- what an observer sees ---------------------------------------------------------------------


def _get(client, url, params=None, htmx=False):
    _reads.update(keys=set(), get_consulted=False, htmx_consulted=False)
    full = f"{url}?{urlencode(params)}" if params else url
    headers = {"HX-Request": "true"} if htmx else {}
    with transaction.atomic():  # a page that writes (a last-seen time) must not change the next one
        response = client.get(full, headers=headers)
        answer = answer_of(response)
        transaction.set_rollback(True)
    return answer, set(_reads["keys"]), _reads["get_consulted"], _reads["htmx_consulted"]


# A parameter the harness adds to learn which parameters a view reads (a view that reads
# `request.GET or None`, as django-filter's do, reads nothing from an empty query).
DISCOVER = "ni"


def is_admin(name, route):
    """Django's admin: staff only, and no observer is staff (the access matrix proves that every
    admin URL sends anyone else to the admin's login page)."""
    return route.startswith("admin/") or (name or "").startswith("admin:")


def requests_seen(client, world, probes):
    """{request label: answer} for every GET URL of the access policy but the admin's, in every
    phase (a rule's phases say where the matrix checks it; a page that does not change with the
    phase may still change with a secret). No probes: the plain pages only."""
    seen = {}
    for name, route, rule in planned_cells():
        if is_admin(name, route):
            continue
        url = concrete_url(world, name, route, rule)
        label = f"GET {name or route}{f' [{rule.label}]' if rule.label else ''}"
        answer, keys, consulted, htmx = _get(client, url)
        seen[label] = answer
        if consulted:
            _, more_keys, _, more_htmx = _get(client, url, {DISCOVER: "1"})
            keys, htmx = keys | more_keys, htmx or more_htmx
        keys.discard(DISCOVER)
        if htmx:
            seen[f"{label} (htmx)"] = _get(client, url, dict.fromkeys(sorted(keys), "1"), htmx=True)[0]
        for key in sorted(keys):
            for probe in probes:
                seen[f"{label} ?{key}={probe}"] = _get(client, url, {key: probe})[0]
    return seen


def emails_seen(user) -> str:
    """Every email (and daily-digest item) the person received, in order, as one text."""
    if user is None:
        return ""
    address = user.email.lower()
    parts = []
    for email in OutboxEmail.objects.order_by("created_at", "id"):
        if address in {parseaddr(recipient)[1].lower() for recipient in email.recipients}:
            parts.append("\n".join([f"To: {', '.join(email.to)}", f"Subject: {email.subject}", email.body_text]))
            parts.append(email.body_html)
    for item in DigestItem.objects.filter(user=user).order_by("created_at", "id"):
        parts.append(f"Digest: {item.subject}\n{item.body_text}")
    return page_as_seen("\n\n".join(parts))


def observe(settings, phase, variation, observers, probes, witness):
    """{observer: {label: answer}} for one world; the witness sees the plain pages only."""
    views = {}
    with isolated_world(settings):
        world = build_world(phase, variation=variation)
        for persona in [*observers, witness]:
            client = Client()
            user = world.cast[persona]
            if user is not None:
                client.force_login(user)
            views[persona] = requests_seen(client, world, probes if persona != witness else ())
            views[persona]["emails received"] = emails_seen(user)
    return views


def differences(first, second, *, limit=40):
    """Readable differences between what one observer saw in two worlds."""
    found = []
    for label in sorted(set(first) | set(second)):
        a, b = first.get(label, "<not requested>"), second.get(label, "<not requested>")
        if a != b:
            diff = difflib.unified_diff(a.splitlines(), b.splitlines(), "world 1", "world 2", n=1, lineterm="")
            found.append(f"{label}:\n    " + "\n    ".join(list(diff)[2:limit]))
    return found
