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
        "phase: submission (the default), bidding, reviewing, decisions or published. Idempotent; a later phase "
        "brings the demo forward."
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

        reached = demo.PHASES[: demo.PHASES.index(phase) + 1]
        if submissions_demo.missing_papers(workshop):
            self.bring_to(workshop, "submission")
            made = submissions_demo.submit_papers(workshop=workshop)
            self.stdout.write(f"Submitted {len(made)} demo papers.")
        # Each step runs while its phase is open, and only while the workshop has not gone past it:
        # a demo brought forward keeps what was done in the earlier phases (and what a person did).
        if "bidding" in reached and not demo.is_past(workshop, "reviewing"):  # what the assignment needs
            reviews_demo.set_up_reviewers(workshop=workshop)
            reviews_demo.compute_affinity(workshop=workshop)
            if not demo.is_past(workshop, "bidding") and reviews_demo.missing_bids(workshop):
                self.bring_to(workshop, "bidding")  # bids are taken only while bidding is open
                self.stdout.write(f"Placed {reviews_demo.place_bids(workshop=workshop)} bids.")
        if "reviewing" in reached and not demo.is_past(workshop, "reviewing"):
            made = reviews_demo.assign_papers(workshop=workshop, by=chair)
            if made:
                self.stdout.write(f"Committed an automatic assignment: {made} assignments, emails in the outbox.")
            if "decisions" in reached:
                self.bring_to(workshop, "reviewing")  # reviews are saved only until the review deadline
                submitted, drafts = reviews_demo.write_reviews(workshop=workshop)
                posted = reviews_demo.post_discussion(workshop=workshop, chair=chair)
                if submitted or drafts or posted:
                    self.stdout.write(
                        f"Submitted {submitted} reviews, left {drafts} as a draft, posted {posted} discussion comments."
                    )
        if "decisions" in reached and not demo.is_past(workshop, "decisions"):
            self.bring_to(workshop, "decisions")
            # The decisions phase leaves some papers for a person to decide and release; published decides all.
            every = phase == "published"
            decided = reviews_demo.decide_papers(workshop=workshop, by=chair, every=every)
            released = reviews_demo.release(workshop=workshop, by=chair) if every else 0
            if decided:
                self.stdout.write(f"Decided {decided} papers.")
            if released:
                self.stdout.write(
                    f"Released the decisions on {released} papers to their authors (emails in the outbox)."
                )
        if phase == "published":
            if not demo.is_past(workshop, "camera_ready"):
                self.bring_to(workshop, "camera_ready")  # authors upload until the camera-ready deadline
                made = submissions_demo.upload_camera_ready(workshop=workshop)
                if made:
                    self.stdout.write(f"Uploaded the camera-ready versions of {len(made)} accepted papers.")
            self.bring_to(workshop, "published")
            if submissions_demo.publish(workshop=workshop, by=chair):
                self.stdout.write(f"Published the accepted papers at /{workshop.slug}/papers/.")
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
        workshop.refresh_from_db()  # the release and publication saved their own copy of the workshop
        self.stdout.write(f"\nThe demo at /{workshop.slug}/ is in its {workshop.phase} phase. It holds:")
        for line in [*submissions_demo.describe(workshop), *reviews_demo.describe(workshop)]:
            self.stdout.write(line)
        chair, reviewers, authors = self.tips(workshop, reviews_demo)
        self.stdout.write(
            f"\nAccounts (password {demo.DEMO_PASSWORD}):\n"
            f"  Chair:     {demo.CHAIR_EMAIL}{chair}\n"
            f"  Reviewers: {reviewers}\n"
            f"  Authors:   author1..5@calm.example ({authors})"
        )

    def tips(self, workshop, reviews_demo):
        """What to try as each role in the workshop's phase: (after the chair's login, reviewers, authors)."""
        slug = workshop.slug
        if not demo.is_past(workshop, "reviewing"):
            reviewers = {
                "submission": "reviewer1..8@calm.example (bidding opens after the submission deadline)",
                "bidding": "reviewer1..4@calm.example have bid; reviewer5..8@calm.example have not: try bidding as one",
                "reviewing": "reviewer1..8@calm.example (see each one's assigned papers)",
            }.get(workshop.phase, "reviewer1..8@calm.example")
            return "", reviewers, "see each one's papers"
        late = "; ".join(
            f"{email.split('@')[0]} {'has a draft of' if state == 'draft' else 'has not started'} #{number}"
            for email, number, state in reviews_demo.late_work(workshop)
        )
        reviewers = "reviewer1..8@calm.example (read the other reviews of each one's papers and join the discussion)"
        if late and workshop.phase == "decisions":
            reviewers += f"; late: {late}"
        undecided = ", ".join(f"#{number}" for number in reviews_demo.undecided_numbers(workshop))
        if undecided:
            chair = (
                f" (see the dashboard at /{slug}/chair/reviews/; decide {undecided} and release at "
                f"/{slug}/chair/decisions/)"
            )
            return chair, reviewers, "the decisions are not released yet"
        if workshop.decisions_released_at is None:
            return f" (release the decisions at /{slug}/chair/decisions/)", reviewers, "decisions not released yet"
        authors = "read each paper's decision and reviews"
        if workshop.phase == "camera_ready":
            authors += "; upload the camera-ready version of an accepted one"
        if workshop.published_at is None:
            return f" (publish the accepted papers at /{slug}/chair/publish/)", reviewers, authors
        chair = f" (the accepted papers are public at /{slug}/papers/; exports at /{slug}/chair/publish/)"
        return chair, reviewers, authors
