import re

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import UserFactory, member
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
    assert "Hello New Person," in row.body_text
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
