from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from workshop import demo, services
from workshop.enums import Role
from workshop.models import User, Workshop
from workshop.phases import AOE


class Command(BaseCommand):
    help = "Create the Causality and Large Models demo workshop and its demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on a real site).")

    @transaction.atomic
    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs only with DEBUG on "
                "(or with --force on a throwaway database)."
            )
        workshop = Workshop.objects.filter(slug=demo.CALM_SLUG).first()
        if workshop is None:
            workshop = services.create_workshop(
                slug=demo.CALM_SLUG,
                name="Causality and Large Models",
                short_name="CaLM",
                call_for_papers=demo.CALM_CFP,
                contact_email="chair@calm.example",
                directions=demo.CALM_DIRECTIONS,
                **demo.schedule_from(timezone.now().astimezone(AOE).date()),
            )
            self.stdout.write(f"Created the workshop {workshop.name} at /{workshop.slug}/")
        else:
            self.stdout.write(f"The workshop {workshop.name} exists; left as it is.")

        for email, name, affiliation in demo.DEMO_PEOPLE:
            user = User.objects.filter(email=email).first() or services.create_account(
                email=email, password=demo.DEMO_PASSWORD, name=name, affiliation=affiliation, verified=True
            )
            if email == demo.CHAIR_EMAIL:
                services.add_member(workshop=workshop, user=user, role=Role.CHAIR)
            elif email in demo.REVIEWER_EMAILS:
                services.add_member(workshop=workshop, user=user, role=Role.REVIEWER)
        self.stdout.write(
            f"Demo accounts: {demo.CHAIR_EMAIL}, reviewer1..8@calm.example, author1..5@calm.example; "
            f"password {demo.DEMO_PASSWORD}"
        )
