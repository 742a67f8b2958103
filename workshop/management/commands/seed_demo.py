from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from workshop import demo, services
from workshop.enums import Role
from workshop.models import User, Workshop
from workshop.phases import AOE


class Command(BaseCommand):
    help = (
        "Create the Causality and Large Models demo workshop, its demo accounts and papers, and bring it to a "
        "phase: submission (the default), bidding or reviewing. Idempotent; a later phase brings the demo forward."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on a real site).")
        parser.add_argument(
            "--phase",
            choices=demo.PHASES,
            default="submission",
            help="The phase to bring the demo to (default: submission).",
        )

    @transaction.atomic
    def handle(self, *args, force=False, phase="submission", **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs only with DEBUG on "
                "(or with --force on a throwaway database)."
            )
        if phase not in demo.BUILT_PHASES:
            raise CommandError(
                f"Phase {phase} arrives with reviews and decisions; use {', '.join(demo.BUILT_PHASES[:-1])} "
                f"or {demo.BUILT_PHASES[-1]}."
            )
        # The papers belong to the submissions app and the reviewing to the reviews app, which sit
        # above this one (workshop ← submissions ← reviews): imported here, when the command runs,
        # so that no module of the workshop app imports them.
        from reviews import demo as reviews_demo
        from submissions import demo as submissions_demo

        self.today = timezone.now().astimezone(AOE).date()
        workshop = self.seed_workshop()
        chair = self.seed_accounts(workshop)
        if demo.is_past(workshop, phase):
            self.stdout.write(f"The workshop is in its {workshop.phase} phase, past {phase}: left as it is.")
            self.report(workshop, submissions_demo, reviews_demo)
            return

        if submissions_demo.missing_papers(workshop):
            self.bring_to(workshop, "submission")
            made = submissions_demo.submit_papers(workshop=workshop)
            self.stdout.write(f"Submitted {len(made)} demo papers.")
        if phase in ("bidding", "reviewing"):
            reviews_demo.set_up_reviewers(workshop=workshop)
            reviews_demo.compute_affinity(workshop=workshop)
            if reviews_demo.missing_bids(workshop):
                self.bring_to(workshop, "bidding")  # bids are taken only while bidding is open
                self.stdout.write(f"Placed {reviews_demo.place_bids(workshop=workshop)} bids.")
        if phase == "reviewing":
            made = reviews_demo.assign_papers(workshop=workshop, by=chair)
            if made:
                self.stdout.write(f"Committed an automatic assignment: {made} assignments, emails in the outbox.")
        self.bring_to(workshop, phase)
        self.report(workshop, submissions_demo, reviews_demo)

    def seed_workshop(self):
        workshop = Workshop.objects.filter(slug=demo.CALM_SLUG).first()
        if workshop is not None:
            self.stdout.write(f"The workshop {workshop.name} exists at /{workshop.slug}/.")
            return workshop
        workshop = services.create_workshop(
            slug=demo.CALM_SLUG,
            name="Causality and Large Models",
            short_name="CaLM",
            call_for_papers=demo.CALM_CFP,
            contact_email=demo.CHAIR_EMAIL,
            directions=demo.CALM_DIRECTIONS,
            **demo.schedule_from(self.today),
        )
        self.stdout.write(f"Created the workshop {workshop.name} at /{workshop.slug}/")
        return workshop

    def seed_accounts(self, workshop):
        """The demo accounts and their roles; returns the chair."""
        for email, name, affiliation in demo.DEMO_PEOPLE:
            user = User.objects.filter(email=email).first() or services.create_account(
                email=email, password=demo.DEMO_PASSWORD, name=name, affiliation=affiliation, verified=True
            )
            if email == demo.CHAIR_EMAIL:
                services.add_member(workshop=workshop, user=user, role=Role.CHAIR)
            elif email in demo.REVIEWER_EMAILS:
                services.add_member(workshop=workshop, user=user, role=Role.REVIEWER)
        return User.objects.get(email=demo.CHAIR_EMAIL)

    def bring_to(self, workshop, phase):
        """Move the workshop's dates into `phase`, unless it is there already."""
        if workshop.phase == phase:
            return
        demo.move_to_phase(workshop, phase, self.today)
        if workshop.phase != phase:  # only a grace period of days can hold a deadline open
            raise CommandError(
                f"Moving the dates did not bring the workshop to {phase} (it is {workshop.phase}): "
                f"its grace period of {workshop.grace_minutes} minutes keeps a deadline open."
            )
        self.stdout.write(f"Moved the dates: the workshop is in its {phase} phase.")

    def report(self, workshop, submissions_demo, reviews_demo):
        self.stdout.write(f"\nThe demo at /{workshop.slug}/ is in its {workshop.phase} phase. It holds:")
        for line in [*submissions_demo.describe(workshop), *reviews_demo.describe(workshop)]:
            self.stdout.write(line)
        reviewers = {
            "submission": "reviewer1..8@calm.example (bidding opens after the submission deadline)",
            "bidding": "reviewer1..4@calm.example have bid; reviewer5..8@calm.example have not: try bidding as one",
            "reviewing": "reviewer1..8@calm.example (see each one's assigned papers)",
        }.get(workshop.phase, "reviewer1..8@calm.example")
        self.stdout.write(
            f"\nAccounts (password {demo.DEMO_PASSWORD}):\n"
            f"  Chair:     {demo.CHAIR_EMAIL}\n"
            f"  Reviewers: {reviewers}\n"
            "  Authors:   author1..5@calm.example (see each one's papers)"
        )
