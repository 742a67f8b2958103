"""Web security: CSRF on every POST, the content security policy and other headers on every page,
production cookies, login throttling, no open redirect, sessions ended by a password change.

The URL walks below cover every pattern of the URL configuration: a new view is checked as soon
as it is routed. `check --deploy` is tested in test_settings.py.
"""

import functools
import itertools
import json
import re
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RoutePattern

from tests.factories import UserFactory
from tests.reviews.conftest import to_bidding
from tests.submissions.conftest import submitted_paper
from tests.workshop.test_settings import STRONG_KEY, run_manage
from workshop.models import OutboxEmail, User

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"
NEW_PASSWORD = "another long passphrase 77"

# --- the URL configuration, walked -----------------------------------------------------------

# Tried in order for each parameter of a pattern until the URL resolves to the pattern's view: the
# test workshop's slug, an id, the words regex patterns accept (admin app labels, export kinds).
SAMPLES = ["calm", "1", "workshop", "submissions", "csv"]
PARAMETER = re.compile(r"<(?:\w+:)?\w+>|\((?:\?P<\w+>)?[^()]*\)")


def url_patterns(resolver=None, prefix=()):
    """Every routed view of the site: (the patterns leading to it, the view)."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, (*prefix, entry.pattern))
        else:
            yield (*prefix, entry.pattern), entry.callback


def _pieces(patterns):
    """The literal text of a chain of patterns, split where a parameter goes."""
    pieces = [""]
    for pattern in patterns:
        text = str(pattern)
        if not isinstance(pattern, RoutePattern):
            text = re.sub(r"\\(.)", r"\1", text.removeprefix("^").removesuffix("$"))
        first, *rest = PARAMETER.split(text)
        pieces[-1] += first
        pieces += rest
    return pieces


def sample_url(patterns, view):
    pieces = _pieces(patterns)
    for values in itertools.product(SAMPLES, repeat=len(pieces) - 1):
        url = "/" + "".join(itertools.chain.from_iterable(itertools.zip_longest(pieces, values, fillvalue="")))
        try:
            if resolve(url).func is view:
                return url
        except Resolver404:
            continue
    return None


@functools.cache
def every_url():
    """One concrete URL per pattern of the site; fails loudly on a pattern it cannot fill in."""
    urls, unfilled = [], []
    for patterns, view in url_patterns():
        url = sample_url(patterns, view)
        (urls if url else unfilled).append(url or "".join(map(str, patterns)))
    assert unfilled == [], f"add a sample value to SAMPLES for: {unfilled}"
    return urls


def test_the_url_walk_covers_every_pattern_of_the_site():
    patterns = list(url_patterns())

    urls = every_url()

    assert len(urls) == len(patterns) > 150
    assert {"/calm/chair/decisions/release/", "/accounts/login/", "/admin/"} <= set(urls)


# --- CSRF --------------------------------------------------------------------------------------


def csrf_client(user=None):
    """A browser that holds a CSRF cookie (it visited the site) and, for `user`, a session."""
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    client.get(reverse("profile" if user else "account_login"))  # a page with a form sets the cookie
    return client


@pytest.mark.parametrize("persona", ["anonymous", "chair"])
def test_every_post_without_the_csrf_token_is_refused(cast, workshop, persona):
    client = csrf_client(cast[persona])
    assert django_settings.CSRF_COOKIE_NAME in client.cookies

    let_through = []
    for url in every_url():
        response = client.post(url, {"value": "eager", "next": "/"})
        if response.status_code != 403 or "CSRF verification failed" not in response.content.decode():
            let_through.append((url, response.status_code))

    assert let_through == []


def test_a_post_with_a_forged_csrf_token_is_refused(cast, workshop):
    client = csrf_client(cast["chair"])

    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": "x" * 64})

    assert response.status_code == 403 and "CSRF verification failed" in response.content.decode()
    assert "_auth_user_id" in client.session


def test_the_same_post_with_the_token_of_the_page_goes_through(cast, workshop):
    client = csrf_client(cast["chair"])
    token = client.cookies[django_settings.CSRF_COOKIE_NAME].value

    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})

    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_logging_out_needs_a_post(client, cast):
    client.force_login(cast["author"])

    page = client.get(reverse("account_logout")).content.decode()

    assert "_auth_user_id" in client.session
    assert 'method="post"' in page


# --- content security policy, framing and the other headers on every page -----------------------

# What the policy would block (and so must not be in a page): a JSON data block is not code.
INLINE_CODE = {
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "inline style": re.compile(r"<style|\sstyle=", re.I),
    "on* handler": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "javascript: URL": re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.I),
}


def inline_code(html):
    return [name for name, pattern in INLINE_CODE.items() if pattern.search(html)]


def strict_policy_problems(response):
    """What is wrong with a page's content security policy and framing headers ([] if nothing)."""
    problems = []
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    for directive in ("script-src", "style-src", "default-src"):
        sources = directives.get(directive, [])
        if sources != ["'self'"]:
            problems.append(f"{directive} {sources}")
    for directive in ("object-src", "frame-ancestors"):
        if directives.get(directive) != ["'none'"]:
            problems.append(f"{directive} {directives.get(directive)}")
    if "unsafe" in policy:
        problems.append("an 'unsafe-...' source")
    if response.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"X-Frame-Options {response.headers.get('X-Frame-Options')}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("X-Content-Type-Options")
    denied = permissions_denied(response)
    if POWERFUL_FEATURES - denied:
        problems.append(f"Permissions-Policy allows {sorted(POWERFUL_FEATURES - denied)}")
    return problems


# Browser features the site never uses; its pages switch them off (Permissions-Policy).
POWERFUL_FEATURES = {
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "serial",
    "hid",
    "bluetooth",
    "midi",
    "display-capture",
    "interest-cohort",
    "browsing-topics",
}


def permissions_denied(response):
    """The features a response's Permissions-Policy switches off for every origin (`feature=()`)."""
    policy = response.headers.get("Permissions-Policy", "")
    return {item.strip().removesuffix("=()") for item in policy.split(",") if item.strip().endswith("=()")}


@pytest.mark.parametrize("persona", ["anonymous", "author", "reviewer", "chair"])
def test_every_page_has_a_strict_policy_and_no_inline_code(client, cast, workshop, persona):
    submitted_paper(workshop, cast["author"], title="Causal parrots")
    if cast[persona]:
        client.force_login(cast[persona])

    bad, pages = [], 0
    for url in every_url():
        response = client.get(url)
        if response.streaming:  # a file download: read it to the end, which closes the file
            b"".join(response.streaming_content)
        if not response.get("Content-Type", "").startswith("text/html") or url.startswith("/admin/"):
            continue
        pages += response.status_code in (200, 404)
        html = response.content.decode()
        problems = strict_policy_problems(response) + inline_code(html)
        if problems:
            bad.append((url, response.status_code, problems))

    assert bad == []
    assert pages > (10 if persona == "anonymous" else 50)  # pages rendered in full, 404 pages included


def test_error_pages_have_the_same_policy(client, cast, workshop):
    client.force_login(cast["author"])

    response = client.get("/calm/papers/999999/files/1/")

    assert response.status_code == 404
    assert strict_policy_problems(response) == []


def without_comments(template):
    return re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", template, flags=re.S)


def test_project_templates_have_no_inline_script_style_or_handler():
    root = Path(django_settings.BASE_DIR)
    templates = [
        path
        for path in root.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and "emails" not in path.parts  # emails are not pages
    ]

    offending = {str(path.relative_to(root)): inline_code(without_comments(path.read_text())) for path in templates}

    assert len(templates) > 40
    assert {path: found for path, found in offending.items() if found} == {}


# --- production settings: cookies, HTTPS, HSTS, framing ----------------------------------------

SECURITY_SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
]


@functools.cache
def production_values():
    """The security settings as a production process computes them (DEBUG off, nothing else set)."""
    code = "import json; from django.conf import settings as s; "
    code += f"print(json.dumps({{name: getattr(s, name) for name in {SECURITY_SETTINGS!r}}}))"
    result = run_manage("shell", "-c", code, DEBUG="0", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="calm.example")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings):
    """This test process with the production values of the security settings."""
    for name, value in production_values().items():
        setattr(settings, name, value)
    return settings


def test_production_settings_protect_cookies_and_transport():
    values = production_values()

    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
    }


def test_production_cookies_are_secure_httponly_and_samesite(production, client):
    UserFactory(email="careful@uni.example", password=PASSWORD)

    form = client.get(reverse("account_login"), secure=True)
    login = client.post(reverse("account_login"), {"login": "careful@uni.example", "password": PASSWORD}, secure=True)

    csrf, session = form.cookies["csrftoken"], login.cookies["sessionid"]
    assert (csrf["secure"], csrf["httponly"], csrf["samesite"]) == (True, True, "Lax")
    assert (session["secure"], session["httponly"], session["samesite"]) == (True, True, "Lax")


def test_production_sends_plain_http_to_https(production, client, workshop):
    response = client.get("/calm/")

    assert (response.status_code, response["Location"]) == (301, "https://testserver/calm/")


def test_production_pages_carry_hsts_and_refuse_to_be_framed(production, client, workshop):
    response = client.get("/calm/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["Referrer-Policy"] == "same-origin"
    assert strict_policy_problems(response) == []


def test_production_pages_switch_off_powerful_browser_features(production, client, workshop):
    response = client.get("/calm/", secure=True)

    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy
    assert "payment=()" in policy and "usb=()" in policy
    assert "interest-cohort=()" in policy and "browsing-topics=()" in policy
    assert permissions_denied(response) >= POWERFUL_FEATURES
    assert "=(*)" not in policy and "=*" not in policy


# --- login throttling (django-axes; the basic lock is tested in test_accounts.py) ----------------


def log_in(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


@pytest.fixture
def target(settings):
    settings.AXES_FAILURE_LIMIT = 3
    return UserFactory(email="target@uni.example", password=PASSWORD)


def test_login_lock_counts_an_address_in_any_spelling(client, target):
    for spelling in ("TARGET@uni.example", "target@UNI.EXAMPLE", " target@uni.example "):
        log_in(client, spelling, "wrong guess")

    response = log_in(client, "target@uni.example", PASSWORD)

    assert response.status_code == 429 and "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_lock_ignores_a_forged_forwarded_for_header(client, target):
    for n in range(3):
        log_in(client, "target@uni.example", "wrong guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    response = log_in(client, "target@uni.example", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_login_lock_binds_the_address_to_the_guessing_client_only(client, target):
    for _ in range(3):
        log_in(client, "target@uni.example", "wrong guess", REMOTE_ADDR="203.0.113.66")
    owner = Client(REMOTE_ADDR="192.0.2.10")

    response = log_in(owner, "target@uni.example", PASSWORD)

    # An attacker cannot lock the real person out from their own network.
    assert response.status_code == 302 and int(owner.session["_auth_user_id"]) == target.pk


def test_login_lock_lifts_after_the_cool_off(client, target, settings):
    for _ in range(3):
        log_in(client, "target@uni.example", "wrong guess")
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME)

    response = log_in(client, "target@uni.example", PASSWORD)

    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == target.pk


def test_a_successful_login_clears_the_earlier_failures(client, target):
    for _ in range(2):
        log_in(client, "target@uni.example", "wrong guess")
    log_in(client, "target@uni.example", PASSWORD)
    client.post(reverse("account_logout"))

    for _ in range(2):
        log_in(client, "target@uni.example", "wrong guess")
    response = log_in(client, "target@uni.example", PASSWORD)

    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == target.pk


def test_the_admin_login_is_throttled_too(client, target):
    for _ in range(3):
        client.post(reverse("admin:login"), {"username": "target@uni.example", "password": "wrong guess"})

    response = client.post(reverse("admin:login"), {"username": "target@uni.example", "password": PASSWORD})

    assert response.status_code == 429 and "Too many failed log-in attempts" in response.content.decode()


def test_password_reset_emails_to_one_address_are_rate_limited(client, target):
    for _ in range(8):
        client.post(reverse("account_reset_password"), {"email": "target@uni.example"})

    sent = OutboxEmail.objects.filter(to=["target@uni.example"]).count()

    assert sent == 5  # allauth's default: five a minute per address, so nobody can flood an inbox


# --- no open redirect ----------------------------------------------------------------------------

HOSTILE_TARGETS = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "http://testserver@evil.example/",
    "https://testserver.evil.example/",
    " //evil.example/",
    "\t//evil.example/",
    "javascript:alert(document.domain)",
]


def stays_here(response):
    location = response.get("Location", "")
    parts = urlsplit(location.strip())
    return (
        response.status_code in (301, 302, 303)
        and parts.netloc in ("", "testserver")
        and parts.scheme in ("", "http", "https")
        and "evil" not in location
        and "javascript" not in location
        and not re.match(r"\s*[/\\]{2}", location)
    )


@pytest.mark.parametrize("target_url", HOSTILE_TARGETS)
def test_login_does_not_follow_an_external_next(client, target_url):
    UserFactory(email="careful@uni.example", password=PASSWORD)

    in_query = client.post(
        reverse("account_login") + "?" + urlencode({"next": target_url}),
        {"login": "careful@uni.example", "password": PASSWORD},
    )
    client.post(reverse("account_logout"))
    in_form = client.post(
        reverse("account_login"), {"login": "careful@uni.example", "password": PASSWORD, "next": target_url}
    )

    assert stays_here(in_query), in_query.get("Location")
    assert stays_here(in_form), in_form.get("Location")


@pytest.mark.parametrize("target_url", HOSTILE_TARGETS)
def test_logout_does_not_follow_an_external_next(client, cast, target_url):
    client.force_login(cast["author"])

    response = client.post(reverse("account_logout"), {"next": target_url})

    assert stays_here(response), response.get("Location")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("target_url", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_admin_login_does_not_follow_an_external_next(client, target_url):
    UserFactory(email="staff@uni.example", password=PASSWORD)
    User.objects.filter(email="staff@uni.example").update(is_staff=True)

    response = client.post(
        reverse("admin:login"), {"username": "staff@uni.example", "password": PASSWORD, "next": target_url}
    )

    assert stays_here(response), response.get("Location")


def test_sign_up_then_confirmation_does_not_follow_an_external_next(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup") + "?next=https://evil.example/",
            {
                "name": "New Person",
                "email": "new.person@uni.example",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "next": "https://evil.example/",
            },
        )
    confirm = re.search(r"http://testserver(/\S+)", OutboxEmail.objects.get().body_text).group(1)

    response = client.post(confirm)

    assert stays_here(response), response.get("Location")
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("target_url", HOSTILE_TARGETS[2:])  # the first two are in tests/reviews/test_bidding.py
def test_a_bid_does_not_return_to_an_external_page(client, cast, workshop, target_url):
    paper = submitted_paper(workshop, cast["author"])
    to_bidding(workshop)
    client.force_login(cast["reviewer"])

    response = client.post(reverse("reviews:bid", args=["calm", paper.pk]), {"value": "eager", "next": target_url})

    assert stays_here(response), response.get("Location")
    assert response["Location"] == f"/calm/reviewer/bids/#paper-{paper.pk}"


# --- sessions ------------------------------------------------------------------------------------


@pytest.fixture
def person():
    return UserFactory(email="careful@uni.example", password=PASSWORD, name="Cara Careful")


def logged_in(email, password=PASSWORD):
    client = Client()
    response = log_in(client, email, password)
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def is_logged_in(client):
    return client.get(reverse("profile")).status_code == 200


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(person):
    here, laptop, phone = logged_in(person.email), logged_in(person.email), logged_in(person.email)

    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert (is_logged_in(here), is_logged_in(laptop), is_logged_in(phone)) == (True, False, False)
    assert logged_in(person.email, NEW_PASSWORD) is not None


def test_resetting_the_password_by_email_ends_every_session(person, django_capture_on_commit_callbacks):
    laptop, stranger = logged_in(person.email), Client()
    with django_capture_on_commit_callbacks(execute=True):
        stranger.post(reverse("account_reset_password"), {"email": person.email})
    reset_link = re.search(r"http://testserver(/\S+)", OutboxEmail.objects.get(to=[person.email]).body_text).group(1)
    form_url = stranger.get(reset_link)["Location"]

    stranger.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert is_logged_in(laptop) is False
    assert logged_in(person.email, NEW_PASSWORD) is not None


def test_a_session_id_planted_before_logging_in_does_not_become_the_logged_in_one(client, person):
    planted = client.session.session_key  # as an attacker who set the victim's cookie would know it

    log_in(client, person.email, PASSWORD)
    replay = Client()
    replay.cookies["sessionid"] = planted

    assert client.session.session_key != planted
    assert (is_logged_in(client), is_logged_in(replay)) == (True, False)


def test_a_session_cookie_is_dead_after_logging_out(person):
    browser = logged_in(person.email)
    stolen = browser.cookies["sessionid"].value

    browser.post(reverse("account_logout"))
    replay = Client()
    replay.cookies["sessionid"] = stolen

    assert is_logged_in(replay) is False
