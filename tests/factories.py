"""Test data made through the real services, so tests see what users would create."""

from datetime import timedelta

import factory
from django.utils import timezone

from workshop import services
from workshop.enums import Role


class UserFactory(factory.Factory):
    class Meta:
        model = dict

    email = factory.Sequence(lambda n: f"person{n}@uni{n}.example")
    password = "correct horse battery staple"
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
