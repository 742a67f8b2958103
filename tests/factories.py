"""Test data made through the real services, so tests see what users would create."""

from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from workshop import services
from workshop.enums import Role

PASSWORD = "correct horse battery staple"


class UserFactory(factory.Factory):
    class Meta:
        model = dict

    email = factory.Sequence(lambda n: f"person{n}@uni{n}.example")
    password = PASSWORD
    name = factory.Faker("name")
    affiliation = factory.Sequence(lambda n: f"University {n}")
    verified = True

    @classmethod
    def _create(cls, model_class, **fields):
        return services.create_account(**fields)


class WorkshopFactory(factory.Factory):
    class Meta:
        model = dict

    slug = factory.Sequence(lambda n: f"ws-{n}")
    name = factory.Sequence(lambda n: f"Workshop {n}")
    short_name = factory.Sequence(lambda n: f"WS{n}")
    call_for_papers = "We invite papers."
    submission_deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    directions = (
        ("in", "Causality in large models", "What large models know about causes."),
        ("for", "Causality for large models", "Causal ideas that improve large models."),
    )

    @classmethod
    def _create(cls, model_class, **fields):
        return services.create_workshop(**fields)


def member(workshop, role=Role.REVIEWER, **user_fields):
    user = UserFactory(**user_fields)
    services.add_member(workshop=workshop, user=user, role=role)
    return user


def unconfirmed_claim(email, *, by=None):
    """`by` (made with the factory's password; a new "Mallory" by default) adds `email`, which is
    not theirs, to their account on allauth's page. The confirmation link goes to the address's
    real owner, who never follows it. Returns `by`."""
    by = by or UserFactory(email="mallory@evil.example", name="Mallory")
    client = Client()
    client.post(reverse("account_login"), {"login": by.email, "password": PASSWORD})
    client.post(reverse("account_email"), {"email": email, "action_add": ""})
    assert EmailAddress.objects.filter(user=by, email=email, verified=False).exists(), "the claim was not made"
    return by
