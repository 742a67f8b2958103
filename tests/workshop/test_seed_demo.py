import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from workshop.enums import Phase, Role
from workshop.models import Membership, User, Workshop

pytestmark = pytest.mark.django_db


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("seed_demo")
    assert Workshop.objects.count() == 0


def test_seed_demo_builds_calm_with_its_directions_and_verified_accounts(settings):
    settings.DEBUG = True

    call_command("seed_demo")
    call_command("seed_demo")

    calm = Workshop.objects.get(slug="calm")
    assert calm.name == "Causality and Large Models"
    assert calm.phase == Phase.SUBMISSION
    assert list(calm.directions.values_list("slug", flat=True)) == ["in", "for", "with", "of"]
    assert User.objects.count() == 14
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 14
    assert User.objects.get(email="reviewer8@calm.example").check_password("calm-demo")
    roles = sorted(Membership.objects.values_list("user__email", "role"))
    assert roles[0] == ("chair@calm.example", Role.CHAIR)
    assert len([r for r in roles if r[1] == Role.REVIEWER]) == 8


def test_seed_demo_submission_deadline_is_two_weeks_ahead(settings):
    from django.utils import timezone

    call_command("seed_demo", force=True)

    days = (Workshop.objects.get(slug="calm").submission_deadline - timezone.now()).days
    assert days in (13, 14, 15)
