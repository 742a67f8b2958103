"""A conference-sized workshop for benchmarks: `manage.py seed_scale --submissions 20000 --reviewers 15000`.

The rows are written in bulk (bulk_create in large batches), past the services: a service call per
paper would take hours. What it writes is what the services would have written for the same story,
so every page works on it: numbered submitted papers with authors (accounts with verified emails),
directions, one PDF row per paper pointing at one shared stored file, confirmation emails in the
outbox (sent), reviewers with memberships and profiles, 4 assignments per paper that avoid the
reviewers' conflicts, reviews (most submitted, some drafts), bids by a third of the reviewers, and a
quarter of the papers accepted, released and published with a camera-ready PDF. The workshop is in
its reviewing phase, two days before the review deadline (so the dashboard lists late reviewers).

Everything it creates is named after the slug: the workshop, and accounts whose email starts with
"<slug>." (a dot, which no slug has). It refuses to run when the workshop exists; --replace deletes
the workshop and those accounts first.
"""

import functools
import hashlib
import itertools
import random
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from workshop.affiliations import normalise_affiliation
from workshop.enums import EmailAudience, EmailStatus, Role
from workshop.models import Direction, Membership, OutboxEmail, OutboxEmailPaper, User, Workshop

BATCH = 5000
REVIEWS_PER_PAPER = 4
ACCEPTED_SHARE = 0.25
BIDDING_SHARE = 1 / 3  # of the reviewers, who bid on BIDS_EACH papers each
BIDS_EACH = 40
DIRECTIONS = [
    ("causality", "Causality"),
    ("llms", "Large language models"),
    ("rl", "Reinforcement learning"),
    ("theory", "Learning theory"),
    ("vision", "Computer vision"),
    ("optimisation", "Optimisation"),
    ("fairness", "Fairness and safety"),
    ("applications", "Applications"),
]
PUBLIC_DOMAINS = ["gmail.com", "outlook.com", "qq.com", "proton.me"]
WORDS = """
model models learning causal inference graph graphs neural network networks transformer attention
language large representation representations training data dataset datasets benchmark evaluation
robust robustness generalisation distribution shift intervention interventions counterfactual
structural equation estimation estimator identification identifiability latent variable variables
policy reward agent agents environment exploration offline online gradient descent stochastic convex
optimisation optimal bound bounds regret sample complexity kernel bayesian posterior prior uncertainty
calibration fairness bias safety alignment interpretability mechanistic circuits features sparse
autoencoder probing reasoning chain thought prompting retrieval augmented generation diffusion score
image images vision segmentation detection contrastive self supervised pretraining finetuning scaling
laws compute efficient efficiency memory inference token tokens context window embedding embeddings
method methods approach framework algorithm algorithms theory theorem empirical experiments results
show demonstrate propose novel simple effective state art baseline baselines improve improves
performance accuracy loss objective regularisation adversarial attack defence privacy federated
""".split()  # noqa: SIM905 (words read better as words)
FIRST_NAMES = "Ada Alan Grace Kurt Emmy Judea Yoshua Geoffrey Daphne Fei Li Ming Chen Wei Priya Arjun Sofia".split()  # noqa: SIM905
FIRST_NAMES += "Lucas Mia Noah Emma Amir Leila Kenji Yuki Olga Ivan Chiara Marco Ines Tomas Nadia Omar".split()  # noqa: SIM905
LAST_NAMES = "Lovelace Turing Hopper Goedel Noether Pearl Bengio Hinton Koller Zhang Wang Liu Chen Singh".split()  # noqa: SIM905
LAST_NAMES += "Patel Garcia Rossi Muller Schmidt Tanaka Sato Ivanova Kowalski Novak Silva Haddad Okafor".split()  # noqa: SIM905
PLACES = "Northbrook Eastvale Westmoor Southport Lakeside Hillcrest Riverton Oakridge Pinecrest Fairhaven".split()  # noqa: SIM905
PLACES += "Brookfield Stonebridge Ashford Kingsley Marlowe Redwood Clearwater Highgate Elmstead Foxley".split()  # noqa: SIM905


class Command(BaseCommand):
    help = (
        "Create a conference-sized workshop for benchmarks (default slug 'scale'): papers, authors, reviewers, "
        "assignments, reviews, bids, decisions, written in bulk. Refuses when the workshop exists (--replace)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--submissions", type=int, default=20_000)
        parser.add_argument("--reviewers", type=int, default=15_000)
        parser.add_argument("--slug", default="scale")
        parser.add_argument("--replace", action="store_true", help="Delete the workshop and its accounts first.")
        parser.add_argument("--seed", type=int, default=0, help="Random seed (the same seed gives the same data).")
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off (never on a real site).")

    def handle(self, *args, submissions, reviewers, slug, replace, seed, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_scale fills the database with made-up people and papers; it runs only with DEBUG on "
                "(or with --force on a throwaway database)."
            )
        if submissions < 1 or reviewers < REVIEWS_PER_PAPER + 1:
            raise CommandError(f"Give at least 1 submission and {REVIEWS_PER_PAPER + 1} reviewers.")
        # Papers belong to the submissions app and reviewing to the reviews app, which sit above this
        # one (workshop ← submissions ← reviews): imported here, when the command runs, so that no
        # module of the workshop app imports them.
        from reviews import models as reviews_models
        from submissions import demo as submissions_demo
        from submissions import models as submissions_models

        self.s, self.r, self.pdf = submissions_models, reviews_models, submissions_demo.paper_pdf
        self.rng = random.Random(seed)
        self.slug = slug
        self.started = time.monotonic()
        existing = Workshop.objects.filter(slug=slug).first()
        if existing is not None and not replace:
            raise CommandError(f"The workshop /{slug}/ exists: use --replace to delete and rebuild it.")
        with transaction.atomic():
            if existing is not None or User.objects.filter(email__startswith=f"{slug}.").exists():
                self.delete_previous(existing)
            self.build(submissions, reviewers)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")  # fresh statistics, so the first benchmark plans like the later ones
        self.say(f"Done: /{slug}/ with {submissions} papers and {reviewers} reviewers.")

    def say(self, text):
        self.stdout.write(f"[{time.monotonic() - self.started:6.1f} s] {text}")

    # --- deleting a previous build -------------------------------------------------------------

    def delete_previous(self, workshop):
        """Delete the workshop, everything that hangs off it, and the accounts named after the slug,
        with one DELETE per table: Django's delete() would load every row (and write a history row
        for each paper and review) first."""
        if workshop is not None:
            _purge(Workshop.objects.filter(pk=workshop.pk))
        _purge(User.objects.filter(email__startswith=f"{self.slug}."))
        self.say(f"Deleted the previous /{self.slug}/ and its accounts.")

    # --- building ------------------------------------------------------------------------------

    def build(self, n_papers, n_reviewers):
        rng = self.rng
        self.sentences = [_sentence(rng) for _ in range(4000)]
        now = timezone.now()
        workshop = Workshop.objects.create(
            slug=self.slug,
            name=f"Scale test workshop ({self.slug})",
            short_name=self.slug.capitalize(),
            call_for_papers="A workshop of conference size, made by `manage.py seed_scale` for benchmarks.",
            submissions_open_at=now - timedelta(days=60),
            submission_deadline=now - timedelta(days=30),
            bidding_deadline=now - timedelta(days=20),
            review_deadline=now + timedelta(days=2),
            notification_date=now + timedelta(days=10),
            camera_ready_deadline=now + timedelta(days=20),
            reviews_per_paper=REVIEWS_PER_PAPER,
            default_reviewer_load=-(-n_papers * REVIEWS_PER_PAPER // n_reviewers) + 1,
            last_submission_number=n_papers,
            decisions_released_at=now - timedelta(days=1),
            published_at=now - timedelta(hours=1),
        )
        directions = Direction.objects.bulk_create(
            Direction(workshop=workshop, slug=slug, name=name, description=f"Papers on {name.lower()}.", order=i)
            for i, (slug, name) in enumerate(DIRECTIONS, start=1)
        )
        institutions = _institutions(max(50, (n_papers + n_reviewers) // 60))
        self.say(f"Workshop /{self.slug}/, {len(directions)} directions, {len(institutions)} institutions.")

        # The chair comes from a middling institution (the largest has a tenth of all authors).
        chair = self.make_users([("chair", "Scale Chair", institutions[len(institutions) // 20])], with_domains=True)[0]
        Membership.objects.create(workshop=workshop, user=chair, role=Role.CHAIR)
        authors = self.make_people("a", int(n_papers * 2.2), institutions, public_share=0.25)
        reviewers = self.make_people("r", n_reviewers, institutions, public_share=0.1)
        Membership.objects.bulk_create(
            (Membership(workshop=workshop, user=user, role=Role.REVIEWER) for user in reviewers), batch_size=BATCH
        )
        self.say(f"{len(authors)} author and {len(reviewers)} reviewer accounts with verified emails.")

        papers, paper_authors, blocked = self.make_papers(workshop, directions, authors, institutions, n_papers)
        self.make_files(workshop, papers, paper_authors)
        self.make_profiles(workshop, reviewers, directions)
        assignments = self.make_assignments(workshop, papers, blocked, reviewers, chair)
        self.make_reviews(workshop, papers, assignments)
        self.make_decisions(workshop, papers, chair)
        self.make_bids(workshop, papers, blocked, reviewers)

    def text(self, sentences):
        return " ".join(self.rng.choices(self.sentences, k=sentences))

    def make_users(self, people, *, with_domains):
        """Accounts for (local part, name, institution) triples, each with a verified primary email."""
        from allauth.account.models import EmailAddress

        password = make_password(None)  # unusable: the benchmark signs people in by session
        users = [
            User(
                email=f"{self.slug}.{local}@{institution.domain}",
                name=name,
                affiliation=institution.name,
                email_domains=[institution.institutional_domain] if with_domains else [],
                password=password,
            )
            for local, name, institution in people
        ]
        users = User.objects.bulk_create(users, batch_size=BATCH)
        EmailAddress.objects.bulk_create(
            (EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users),
            batch_size=BATCH,
        )
        return users

    def make_people(self, prefix, count, institutions, *, public_share):
        """`count` accounts; institutions drawn with a long tail (a few large ones), some people
        writing from a public mail provider."""
        rng = self.rng
        weights = [1 / (rank + 1) ** 0.8 for rank in range(len(institutions))]
        people = []
        for n, institution in enumerate(rng.choices(institutions, weights=weights, k=count)):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if rng.random() < public_share:
                institution = institution.with_public_domain(rng.choice(PUBLIC_DOMAINS))
            people.append((f"{prefix}{n}", name, institution))
        users = self.make_users(people, with_domains=prefix == "r")
        for user, (_, _, institution) in zip(users, people, strict=True):
            user.institution = institution.key
        return users

    def make_papers(self, workshop, directions, authors, institutions, n_papers):
        """The papers, their authors (accounts of the pool, a few prolific) and for each paper the
        institutions whose people are in conflict with it: its authors' and those the authors named."""
        rng = self.rng
        deadline = workshop.submission_deadline
        # A long tail: the most prolific author has about 30 papers at 20,000. Cumulative weights, or
        # every draw would sum 44,000 weights again.
        cumulative = list(itertools.accumulate(1 / (rank + 1) ** 0.3 for rank in range(len(authors))))
        papers, paper_authors, blocked = [], [], []
        for number in range(1, n_papers + 1):
            size = min(rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 8]), len(authors))
            chosen = []
            while len(chosen) < size:
                for person in rng.choices(authors, cum_weights=cumulative, k=size - len(chosen)):
                    if person not in chosen:
                        chosen.append(person)
            accepted = rng.random() < ACCEPTED_SHARE
            # Most papers come in during the last days before the deadline.
            submitted_at = deadline - timedelta(hours=rng.expovariate(1 / 30))
            named = rng.sample(institutions, rng.choice([0, 0, 0, 1, 2]))
            papers.append(
                self.s.Submission(
                    workshop=workshop,
                    number=number,
                    title=_title(rng),
                    abstract=self.text(rng.randint(8, 13)),
                    keywords=", ".join(rng.sample(WORDS, rng.randint(3, 6))),
                    tldr=self.text(1)[:300],
                    primary_direction=rng.choice(directions),
                    status="accepted" if accepted else "submitted",
                    presentation=rng.choice(["oral", "spotlight", "poster", "poster", "poster"]) if accepted else "",
                    conflict_domains=[institution.domain for institution in named],
                    agreed_anonymity=True,
                    anonymity_findings=["Page 1 shows “an author”."] if rng.random() < 0.02 else [],
                    created_by=chosen[0],
                    submitted_at=submitted_at,
                )
            )
            paper_authors.append(chosen)
            blocked.append({person.institution for person in chosen} | {institution.key for institution in named})
        papers = self.s.Submission.objects.bulk_create(papers, batch_size=BATCH)
        # created_at follows submitted_at (auto_now_add set it to now in bulk).
        self.s.Submission.objects.filter(workshop=workshop).update(created_at=F("submitted_at"))
        secondary = self.s.Submission.secondary_directions.through
        secondary.objects.bulk_create(
            (
                secondary(submission_id=paper.pk, direction_id=direction.pk)
                for paper in papers
                for direction in rng.sample(directions, rng.choice([0, 1, 1, 2]))
                if direction.pk != paper.primary_direction_id
            ),
            batch_size=BATCH,
        )
        self.s.SubmissionAuthor.objects.bulk_create(
            (
                self.s.SubmissionAuthor(
                    submission_id=paper.pk,
                    order=order,
                    name=person.name,
                    email=person.email,
                    affiliation=person.affiliation,
                    affiliation_key=_affiliation_key(person.affiliation),
                    reversed_domain=self.s.reversed_domain(person.email),
                )
                for paper, people in zip(papers, paper_authors, strict=True)
                for order, person in enumerate(people, start=1)
            ),
            batch_size=BATCH,
        )
        emails = OutboxEmail.objects.bulk_create(
            (
                OutboxEmail(
                    workshop=workshop,
                    template="submission_submitted",
                    topic=f"submission:{paper.pk}",
                    audience=EmailAudience.AUTHORS,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[person.email for person in people],
                    subject=f"[{workshop.short_name}] Submission #{paper.number} received: {paper.title}"[:998],
                    body_text=f"Your paper #{paper.number} “{paper.title}” is submitted.\n\n{paper.abstract}",
                    message_id=f"<{self.slug}-{paper.number}@scale.invalid>",
                    status=EmailStatus.SENT,
                    attempts=1,
                    sent_at=paper.submitted_at,
                )
                for paper, people in zip(papers, paper_authors, strict=True)
            ),
            batch_size=BATCH,
        )
        OutboxEmailPaper.objects.bulk_create(
            (
                OutboxEmailPaper(email_id=email.pk, paper_id=paper.pk)
                for email, paper in zip(emails, papers, strict=True)
            ),
            batch_size=BATCH,
        )
        self.say(f"{len(papers)} papers, {sum(map(len, paper_authors))} author entries, one email each.")
        return papers, paper_authors, blocked

    def make_files(self, workshop, papers, paper_authors):
        """One small PDF stored once; every paper's file row (and every accepted paper's camera-ready
        row) points at it."""
        content = self.pdf("A paper of the scale workshop", self.text(6))
        name = default_storage.save(f"submissions/{workshop.pk}/scale-shared.pdf", ContentFile(content))
        digest = hashlib.sha256(content).hexdigest()
        files = []
        for paper, people in zip(papers, paper_authors, strict=True):
            kinds = ["paper", "camera_ready"] if paper.status == "accepted" else ["paper"]
            for kind in kinds:
                files.append(
                    self.s.SubmissionFile(
                        submission_id=paper.pk,
                        kind=kind,
                        version=1,
                        file=name,
                        original_name=f"paper-{paper.number}.pdf",
                        sha256=digest,
                        size=len(content),
                        page_count=1,
                        uploaded_by_id=people[0].pk,
                    )
                )
        self.s.SubmissionFile.objects.bulk_create(files, batch_size=BATCH)
        self.say(f"{len(files)} file rows pointing at one stored PDF ({len(content)} bytes).")

    def make_profiles(self, workshop, reviewers, directions):
        rng = self.rng
        profiles = self.r.ReviewerProfile.objects.bulk_create(
            (
                self.r.ReviewerProfile(
                    workshop=workshop,
                    user=user,
                    expertise=self.text(rng.randint(2, 4)),
                    own_papers="\n\n".join(f"{_title(rng)}\n{self.text(8)}" for _ in range(rng.randint(1, 3))),
                )
                for user in reviewers
            ),
            batch_size=BATCH,
        )
        through = self.r.ReviewerProfile.directions.through
        through.objects.bulk_create(
            (
                through(reviewerprofile_id=profile.pk, direction_id=direction.pk)
                for profile in profiles
                for direction in rng.sample(directions, rng.randint(1, 3))
            ),
            batch_size=BATCH,
        )
        self.say(f"{len(profiles)} reviewer profiles with expertise, own papers and directions.")

    def make_assignments(self, workshop, papers, blocked, reviewers, chair):
        """REVIEWS_PER_PAPER reviewers per paper, loads balanced (at most the workshop's default
        load), none from an author's institution: the greedy walk round a shuffled circle of reviewers."""
        rng = self.rng
        circle = list(reviewers)
        rng.shuffle(circle)
        load, position = Counter(), 0
        cap = workshop.default_reviewer_load
        pairs = []
        for paper, institutions in zip(papers, blocked, strict=True):
            chosen = []
            for step in range(len(circle)):
                reviewer = circle[(position + step) % len(circle)]
                if load[reviewer.pk] < cap and reviewer.institution not in institutions:
                    chosen.append(reviewer)
                    load[reviewer.pk] += 1
                    if len(chosen) == REVIEWS_PER_PAPER:
                        break
            position = (position + len(chosen) + rng.randint(0, 3)) % len(circle)
            pairs.extend((paper, reviewer) for reviewer in chosen)
        assignments = self.r.Assignment.objects.bulk_create(
            (
                self.r.Assignment(
                    workshop=workshop, submission_id=paper.pk, reviewer=reviewer, source="automatic", created_by=chair
                )
                for paper, reviewer in pairs
            ),
            batch_size=BATCH,
        )
        # Each paper's reviewers numbered in a random order, as the assignment service numbers them.
        numbers = []
        for paper, group in itertools.groupby(pairs, key=lambda pair: pair[0]):
            order = list(range(1, REVIEWS_PER_PAPER + 1))
            rng.shuffle(order)
            numbers.extend(
                self.r.ReviewerNumber(workshop=workshop, submission_id=paper.pk, reviewer=reviewer, number=number)
                for (_, reviewer), number in zip(group, order, strict=False)
            )
        self.r.ReviewerNumber.objects.bulk_create(numbers, batch_size=BATCH)
        self.say(f"{len(assignments)} assignments, at most {max(load.values())} per reviewer.")
        return pairs

    def make_reviews(self, workshop, papers, pairs):
        """Every accepted paper's reviews submitted; of the others' assignments 65% submitted, 10% drafts."""
        rng = self.rng
        quality = {paper.pk: rng.gauss(3.0, 0.8) + (0.8 if paper.status == "accepted" else 0) for paper in papers}
        reviews = []
        for paper, reviewer in pairs:
            roll = 0 if paper.status == "accepted" else rng.random()
            if roll >= 0.75:
                continue
            submitted = roll < 0.65
            overall = min(5, max(1, round(rng.gauss(quality[paper.pk], 0.9))))
            reviews.append(
                self.r.Review(
                    workshop=workshop,
                    submission_id=paper.pk,
                    reviewer=reviewer,
                    status="submitted" if submitted else "draft",
                    summary=self.text(rng.randint(4, 7)),
                    strengths=self.text(rng.randint(3, 6)),
                    weaknesses=self.text(rng.randint(4, 9)) if submitted else "",
                    questions=self.text(rng.randint(2, 4)) if submitted else "",
                    confidential_comments=self.text(2) if rng.random() < 0.3 else "",
                    scores={"overall": overall, "confidence": rng.randint(2, 5)} if submitted else {},
                    submitted_at=paper.submitted_at + timedelta(days=rng.uniform(12, 28)) if submitted else None,
                )
            )
        for review in reviews:  # the integer copies the dashboard aggregates (the review service sets them)
            review.overall_score = review.scores.get("overall")
            review.confidence_score = review.scores.get("confidence")
        self.r.Review.objects.bulk_create(reviews, batch_size=BATCH)
        done = sum(review.status == "submitted" for review in reviews)
        self.say(f"{done} submitted reviews and {len(reviews) - done} drafts.")

    def make_decisions(self, workshop, papers, chair):
        released = workshop.decisions_released_at
        decisions = self.r.Decision.objects.bulk_create(
            (
                self.r.Decision(
                    workshop=workshop,
                    submission_id=paper.pk,
                    outcome="accept",
                    presentation=paper.presentation,
                    decided_by=chair,
                    released_at=released,
                )
                for paper in papers
                if paper.status == "accepted"
            ),
            batch_size=BATCH,
        )
        self.say(f"{len(decisions)} papers accepted, released and published.")

    def make_bids(self, workshop, papers, blocked, reviewers):
        rng = self.rng
        live = [pair for pair in zip(papers, blocked, strict=True) if pair[0].status == "submitted"]
        values = ["eager", "willing", "willing", "neutral", "not_willing", "not_willing", "conflict"]
        bids = []
        for reviewer in rng.sample(reviewers, int(len(reviewers) * BIDDING_SHARE)):
            for paper, institutions in rng.sample(live, min(BIDS_EACH, len(live))):
                if reviewer.institution not in institutions:
                    value = rng.choice(values)
                    bids.append(self.r.Bid(workshop=workshop, submission_id=paper.pk, reviewer=reviewer, value=value))
        self.r.Bid.objects.bulk_create(bids, batch_size=BATCH)
        self.say(f"{len(bids)} bids.")


class _Institution:
    def __init__(self, key, name, domain, institutional_domain):
        self.key, self.name, self.domain, self.institutional_domain = key, name, domain, institutional_domain

    def with_public_domain(self, domain):
        """The same institution (affiliation) for a person who writes from a public mail provider."""
        return _Institution(self.key, self.name, domain, self.institutional_domain)


def _institutions(count):
    kinds = ["University of {}", "{} Institute of Technology", "{} Research Lab", "{} College", "{} AI Centre"]
    institutions = []
    for n in range(count):
        place = f"{PLACES[n % len(PLACES)]}{'' if n < len(PLACES) else n // len(PLACES)}"
        domain = f"{place.lower()}.edu"
        institutions.append(_Institution(n, kinds[n % len(kinds)].format(place), domain, domain))
    return institutions


def _sentence(rng):
    words = rng.choices(WORDS, k=rng.randint(12, 26))
    return " ".join(words).capitalize() + "."


def _title(rng):
    return " ".join(rng.choices(WORDS, k=rng.randint(6, 12))).capitalize()


# A few hundred institutions' names, normalised once each rather than once per author entry.
_affiliation_key = functools.cache(normalise_affiliation)


def _purge(queryset):
    """Delete the rows of `queryset` and everything that points at them, one DELETE (or UPDATE, for
    SET_NULL) per table, children first. No signals, no history rows, no rows loaded."""
    model = queryset.model
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        children = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": queryset.values("pk")})
        if relation.on_delete.__name__ == "SET_NULL":
            children.update(**{relation.field.name: None})
        elif relation.on_delete.__name__ != "DO_NOTHING":
            _purge(children)
    queryset._raw_delete(queryset.db)
