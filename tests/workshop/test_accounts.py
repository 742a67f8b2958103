import re
from contextlib import contextmanager
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.factories import UserFactory, member, unconfirmed_claim
from workshop.enums import Role
from workshop.models import OutboxEmail, User
from workshop.validators import parse_email_domains, validate_orcid

pytestmark = pytest.mark.django_db

PASSWORD = "a long and unusual passphrase"


def sign_up(client, email="new.person@uni.example"):
    return client.post(
        reverse("account_signup"),
        {"name": "New Person", "email": email, "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )


def link_in(body):
    return re.search(r"http://testserver(/\S+)", body).group(1)


def test_sign_up_sends_a_verification_email_through_the_outbox(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)

    assert "Verify Your Email Address" in response.content.decode()
    row = OutboxEmail.objects.get()
    assert (row.subject, row.to, row.status) == (
        "Confirm your email address to finish signing up",
        ["new.person@uni.example"],
        "sent",
    )
    # Whoever signs up types the name; the address may be someone else's: no name in the greeting.
    assert row.body_text.startswith("Hello,\n") and "New Person" not in row.body_text + row.body_html
    assert "/accounts/confirm-email/" in row.body_text and "Confirm my email address" in row.body_html
    assert [m.subject for m in mailoutbox] == [row.subject]


def test_unverified_account_cannot_log_in_until_the_link_is_followed(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, email="Mixed.Case@Uni.Example")
    client.logout()
    user = User.objects.get()
    assert user.email == "mixed.case@uni.example"

    refused = client.post(
        reverse("account_login"), {"login": "mixed.case@uni.example", "password": PASSWORD}, follow=True
    )
    assert "Verify Your Email Address" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    confirm_url = link_in(OutboxEmail.objects.latest("created_at").body_text)
    client.post(confirm_url)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "mixed.case@uni.example", "password": PASSWORD}, follow=True
    )

    assert EmailAddress.objects.get(user=user).verified is True
    assert int(client.session["_auth_user_id"]) == user.pk
    assert "New Person" in response.content.decode()


def test_password_reset_email_uses_our_template(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="forgetful@uni.example", name="Fay Forgetful")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "forgetful@uni.example"})

    row = OutboxEmail.objects.get(to=[user.email])
    assert row.subject == "Reset your password"
    assert "Hello Fay Forgetful," in row.body_text and "/accounts/password/reset/key/" in row.body_text


def test_repeated_wrong_passwords_lock_the_login_with_a_clear_page(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="target@uni.example", password=PASSWORD)

    for _ in range(3):
        client.post(reverse("account_login"), {"login": "target@uni.example", "password": "wrong guess"})
    response = client.post(reverse("account_login"), {"login": "target@uni.example", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_says_so(client):
    UserFactory(email="target@uni.example", password=PASSWORD)

    response = client.post(reverse("account_login"), {"login": "target@uni.example", "password": "wrong"})

    assert "The email address and/or password you specified are not correct." in response.content.decode()


def test_profile_saves_domains_orcid_and_directions(client, workshop):
    user = member(workshop, Role.REVIEWER)
    client.force_login(user)
    direction = workshop.directions.get(slug="in")

    response = client.post(
        reverse("profile"),
        {
            "name": "Pat Person",
            "affiliation": "MPI",
            "email_domains": "@MPG.de\ntuebingen.mpg.de, mpg.de",
            "orcid": "0000-0002-1825-0097",
            "expertise": "Causal representation learning.",
            "expertise_directions": [direction.pk],
        },
        follow=True,
    )

    user.refresh_from_db()
    assert "Your profile is saved." in response.content.decode()
    assert user.email_domains == ["mpg.de", "tuebingen.mpg.de"]
    assert user.orcid == "0000-0002-1825-0097"
    assert list(user.expertise_directions.all()) == [direction]


def test_profile_offers_only_the_directions_of_the_persons_workshops(client, workshop, other_workshop):
    client.force_login(member(workshop, Role.REVIEWER))
    reviewer_page = client.get(reverse("profile")).content.decode()
    client.force_login(UserFactory())
    author_page = client.get(reverse("profile")).content.decode()

    assert "CaLM: Causality in large models" in reviewer_page and "AW: " not in reviewer_page
    assert "Directions of expertise" not in author_page


def test_profile_refuses_a_bad_orcid_checksum_and_keeps_the_old_value(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("profile"), {"name": "Pat", "orcid": "0000-0002-1825-0098"})

    assert "check digit is wrong" in response.content.decode()
    user.refresh_from_db()
    assert user.orcid == ""


def test_profile_requires_login(client):
    response = client.get(reverse("profile"))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("orcid", ["0000-0002-1825-0097", "0000-0001-5109-3700", "0000-0002-1694-233X"])
def test_valid_orcids_pass(orcid):
    validate_orcid(orcid)


@pytest.mark.parametrize("orcid", ["0000-0002-1825-009", "0000000218250097", "0000-0002-1694-2330"])
def test_invalid_orcids_are_refused(orcid):
    with pytest.raises(ValidationError):
        validate_orcid(orcid)


def test_email_domains_refuse_garbage():
    with pytest.raises(ValidationError, match="not an email domain"):
        parse_email_domains("mpg.de, not a domain!")


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.9"),  # no proxy: a forged header is ignored
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the proxy appended the real client
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "", "10.0.0.9"),
    ],
)
def test_client_ip_trusts_only_what_our_proxies_wrote(rf, settings, proxies, forwarded_for, expected):
    from workshop.adapters import client_ip

    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == expected


# --- nothing tells whether an address has an account (ACCOUNT_PREVENT_ENUMERATION) ---------------


@contextmanager
def password_hashes():
    """Counts the password hashes computed inside: in production each is an Argon2 hash of about a
    quarter of a second, so a path that skips one answers measurably faster."""
    with mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as spy:
        yield spy


def seen_by_a_stranger(response, email):
    """What a stranger learns from a response: where it led and the page, minus the address typed
    and the CSRF token."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()).replace(email, "EMAIL")
    return getattr(response, "redirect_chain", []), response.status_code, html


def test_sign_up_costs_the_same_hash_and_page_whether_or_not_the_address_has_an_account(
    django_capture_on_commit_callbacks,
):
    UserFactory(email="known@uni.example")
    seen, hashes = {}, {}

    for email in ("known@uni.example", "unknown@uni.example"):
        with password_hashes() as hashed, django_capture_on_commit_callbacks(execute=True):
            seen[email] = seen_by_a_stranger(sign_up(Client(), email), email)
        hashes[email] = hashed.call_count

    assert hashes == {"known@uni.example": 1, "unknown@uni.example": 1}
    assert seen["known@uni.example"] == seen["unknown@uni.example"]
    assert "Verify Your Email Address" in seen["known@uni.example"][2]
    assert User.objects.filter(email="unknown@uni.example").exists()
    emails = {email: OutboxEmail.objects.filter(to=[email]).count() for email in seen}
    assert emails == {"known@uni.example": 1, "unknown@uni.example": 1}


def test_a_wrong_password_costs_the_same_hash_and_page_for_known_and_unknown_addresses():
    UserFactory(email="known@uni.example", password=PASSWORD)
    seen, hashes = {}, {}

    for email in ("known@uni.example", "unknown@uni.example"):
        with password_hashes() as hashed:
            response = Client().post(reverse("account_login"), {"login": email, "password": "a wrong guess 42"})
        seen[email], hashes[email] = seen_by_a_stranger(response, email), hashed.call_count

    assert hashes == {"known@uni.example": 1, "unknown@uni.example": 1}
    assert seen["known@uni.example"] == seen["unknown@uni.example"]
    assert "The email address and/or password you specified are not correct." in seen["known@uni.example"][2]


def test_the_login_lock_comes_after_as_many_guesses_for_known_and_unknown_addresses(settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(email="known@uni.example", password=PASSWORD)
    seen = {}

    for email in ("known@uni.example", "unknown@uni.example"):
        client = Client()
        answers = [
            client.post(reverse("account_login"), {"login": email, "password": "a wrong guess 42"}) for _ in range(4)
        ]
        seen[email] = [seen_by_a_stranger(answer, email) for answer in answers]

    assert seen["known@uni.example"] == seen["unknown@uni.example"]
    assert [status for _, status, _ in seen["unknown@uni.example"]] == [200, 200, 429, 429]


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(django_capture_on_commit_callbacks):
    UserFactory(email="known@uni.example")
    seen, hashes = {}, {}

    for email in ("known@uni.example", "unknown@uni.example"):
        with password_hashes() as hashed, django_capture_on_commit_callbacks(execute=True):
            response = Client().post(reverse("account_reset_password"), {"email": email}, follow=True)
        seen[email], hashes[email] = seen_by_a_stranger(response, email), hashed.call_count

    assert hashes["known@uni.example"] == hashes["unknown@uni.example"]
    assert seen["known@uni.example"] == seen["unknown@uni.example"]
    subjects = {email: list(OutboxEmail.objects.filter(to=[email]).values_list("subject", flat=True)) for email in seen}
    assert subjects == {
        "known@uni.example": ["Reset your password"],
        "unknown@uni.example": ["No account uses this address"],
    }


# --- an address someone only claimed blocks nobody -----------------------------------------------


def latest_link(to):
    return link_in(OutboxEmail.objects.filter(to=[to]).latest("created_at", "id").body_text)


def minutes_later():
    """allauth sends one confirmation email per address every three minutes: let them pass."""
    cache.clear()


def test_adding_an_address_asks_its_owner_by_the_accounts_login_not_its_name(django_capture_on_commit_callbacks):
    spammer = UserFactory(email="spammer@spam.example", name="Free prize http://spam.example/win")

    with django_capture_on_commit_callbacks(execute=True):
        unconfirmed_claim("victim@uni.example", by=spammer)

    email = OutboxEmail.objects.get(to=["victim@uni.example"])
    assert email.body_text.startswith("Hello,\n")
    assert "prize" not in email.body_text + email.body_html
    assert "The account that logs in as spammer@spam.example asked to add victim@uni.example" in email.body_text
    assert "If you did not ask for this, ignore this email" in email.body_text


def test_a_confirmation_asked_at_log_in_confirms_the_accounts_own_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(Client())
    minutes_later()

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_login"), {"login": "new.person@uni.example", "password": PASSWORD})

    email = OutboxEmail.objects.filter(to=["new.person@uni.example"]).latest("created_at", "id")
    assert email.subject == "Confirm your email address"
    assert email.body_text.startswith("Hello,\n\nPlease confirm that new.person@uni.example is your email address")


def test_sign_up_works_with_an_address_another_account_claimed_unconfirmed(django_capture_on_commit_callbacks):
    claimer = unconfirmed_claim("victim@uni.example")
    stale_link = latest_link("victim@uni.example")
    minutes_later()

    newcomer = Client()
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(newcomer, email="victim@uni.example")
    owner = User.objects.get(email="victim@uni.example")
    newcomer.post(latest_link("victim@uni.example"))

    assert owner != claimer
    assert EmailAddress.objects.get(email="victim@uni.example", verified=True).user == owner
    assert not EmailAddress.objects.filter(user=claimer, email="victim@uni.example").exists()
    assert int(newcomer.session["_auth_user_id"]) == owner.pk
    assert "This email confirmation link expired or is invalid" in Client().get(stale_link).content.decode()


def test_sign_up_takes_the_place_of_an_unfinished_sign_up_with_the_same_address(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            reverse("account_signup"),
            {
                "name": "Mallory",
                "email": "victim@uni.example",
                "password1": "mallory's own 123",
                "password2": "mallory's own 123",
            },
        )
    stale_link = latest_link("victim@uni.example")
    minutes_later()

    with django_capture_on_commit_callbacks(execute=True):
        sign_up(Client(), email="victim@uni.example")
    Client().post(latest_link("victim@uni.example"))

    owner = User.objects.get(email="victim@uni.example")
    assert owner.name == "New Person" and owner.check_password(PASSWORD)
    assert EmailAddress.objects.get(email="victim@uni.example").verified is True
    assert "This email confirmation link expired or is invalid" in Client().get(stale_link).content.decode()
    mallory = Client().post(reverse("account_login"), {"login": "victim@uni.example", "password": "mallory's own 123"})
    assert "_auth_user_id" not in mallory.wsgi_request.session


def test_confirming_an_address_takes_it_off_every_account_that_only_claimed_it(django_capture_on_commit_callbacks):
    Client().post(
        reverse("account_signup"),
        {"name": "Eve", "email": "olga@home.example", "password1": "eve's own 12345", "password2": "eve's own 12345"},
    )
    unconfirmed_claim("olga@home.example")
    owner = UserFactory(email="olga@uni.example")
    minutes_later()

    with django_capture_on_commit_callbacks(execute=True):
        unconfirmed_claim("olga@home.example", by=owner)
    Client().post(latest_link("olga@home.example"))

    claims = EmailAddress.objects.filter(email="olga@home.example")
    assert list(claims.values_list("user", "verified")) == [(owner.pk, True)]
    assert not User.objects.filter(email="olga@home.example").exists()  # Eve's unfinished sign-up
    assert User.objects.filter(email="mallory@evil.example").exists()  # Mallory keeps her own account


def test_sign_up_with_a_confirmed_address_creates_no_second_account(django_capture_on_commit_callbacks):
    owner = UserFactory(email="owner@uni.example")

    with django_capture_on_commit_callbacks(execute=True):
        sign_up(Client(), email="owner@uni.example")

    assert list(User.objects.filter(email="owner@uni.example")) == [owner]
    assert OutboxEmail.objects.get(to=["owner@uni.example"]).subject == "You already have an account"


def test_password_reset_for_an_address_only_claimed_sends_no_reset_link(django_capture_on_commit_callbacks):
    unconfirmed_claim("victim@uni.example")

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": "victim@uni.example"})

    email = OutboxEmail.objects.get(
        to=["victim@uni.example"], subject__in=["Reset your password", "No account uses this address"]
    )
    assert email.subject == "No account uses this address"
    assert "/accounts/password/reset/key/" not in email.body_text


def test_password_reset_goes_only_to_the_account_that_confirmed_the_address(django_capture_on_commit_callbacks):
    owner = UserFactory(email="owner@uni.example", name="Olga Owner")
    unconfirmed_claim("owner@uni.example")

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": "owner@uni.example"})
    reset = Client()
    form_url = reset.get(latest_link("owner@uni.example"))["Location"]
    reset.post(form_url, {"password1": "olga's new passphrase", "password2": "olga's new passphrase"})

    [email] = OutboxEmail.objects.filter(to=["owner@uni.example"], subject="Reset your password")
    assert "Hello Olga Owner," in email.body_text
    owner.refresh_from_db()
    assert owner.check_password("olga's new passphrase")
    assert User.objects.get(email="mallory@evil.example").check_password(FACTORY_PASSWORD)
