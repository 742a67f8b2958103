"""The world of the access matrix (tests/access/test_url_matrix.py) and the leak tests: one
workshop taken through its phases by the real services, built once per phase and module.

Paper P ("Causal parrots") is by `author` and `coauthor`; its authors declared the conflicted
reviewer and the conflicted chair, who also share the author's institution (uni-a). Paper Q is by
`other_author`. `reviewer` reviews both from the reviewing phase on (with Petra Peer on P); the
bystander reviewer reviews nothing. P is accepted, Q rejected.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from reviews.models import AssignmentRun
from reviews.services import assignments as assignment_services
from reviews.services import bids as bid_services
from reviews.services import decisions as decision_services
from reviews.services import discussion as discussion_services
from reviews.services import reviewers as reviewer_services
from submissions import publication
from submissions.services import AuthorEntry
from tests.conftest import make_cast
from tests.factories import UserFactory, WorkshopFactory, member
from tests.reviews.conftest import invite, run_now, submit_review
from tests.submissions.conftest import submitted_paper
from tests.submissions.pdf_samples import make_pdf
from tests.submissions.test_publication import upload_camera_ready
from workshop import settings as production_settings
from workshop.enums import Phase, Role
from workshop.models import OutboxEmail

# The phases the matrix visits, each a state of the world the answers may depend on.
PHASES = ("submission", "bidding", "reviewing", "decisions", "released", "published")
WORKSHOP_PHASE = {
    "submission": Phase.SUBMISSION,
    "bidding": Phase.BIDDING,
    "reviewing": Phase.REVIEWING,
    "decisions": Phase.DECISIONS,
    "released": Phase.CAMERA_READY,
    "published": Phase.PUBLISHED,
}
# Days from now of each deadline, per phase (submission, bidding, review, notification, camera-ready).
DEADLINE_DAYS = {
    "submission": (10, 15, 25, 30, 40),
    "bidding": (-1, 5, 15, 20, 30),
    "reviewing": (-5, -1, 7, 14, 30),
    "decisions": (-10, -5, -1, 7, 30),
    "released": (-20, -15, -10, -1, 10),
    "published": (-40, -35, -30, -20, -1),
}
DEADLINE_FIELDS = ("submission_deadline", "bidding_deadline", "review_deadline", "notification_date")

# Words that must only reach the people allowed to read them.
REVIEW_TEXT = "The causal graphs are convincing."
PEER_REVIEW_TEXT = "The peer finds the method sound."
CONFIDENTIAL = "Between us: accept it."
PEER_CONFIDENTIAL = "Told only to the chairs."
NOTE = "Please shorten section 3."
REMARK = "The second lemma does not hold."
P_TITLE, Q_TITLE = "Causal parrots", "Interventions in transformers"

# People who exist in every world but take part only where a Variation names them: the other
# possible authors of P (its secret authorship) and the other possible second reviewer of P.
EXTRA_PEOPLE = {
    # key: (email, name, affiliation, reviewer of the workshop?)
    "peer": ("peer@uni-h.example", "Petra Peer", "Uni H", True),
    "quinn": ("quinn@uni-q.example", "Quinn Quill", "Uni Q", True),
    "zara": ("zara@uni-z.example", "Zara Zeta", "Uni Z", False),
    "yann": ("yann@uni-y.example", "Yann Young", "Uni Y", False),
    "xena": ("xena@uni-x.example", "Xena Xu", "Uni X", False),
}


@dataclass(frozen=True)
class Review:
    text: str
    confidential: str
    overall: int


@dataclass(frozen=True)
class Variation:
    """What may differ between two worlds: who wrote P (keys of the cast or EXTRA_PEOPLE, the
    first submits it), who is P's second reviewer, P's two reviews (the peer's, then the
    reviewer's), the chair's remark in P's discussion and the decision on P (outcome,
    presentation, note). The default is the world of the access matrix."""

    p_authors: tuple = ("author", "coauthor")
    p_peer: str = "peer"
    p_reviews: tuple = (Review(PEER_REVIEW_TEXT, PEER_CONFIDENTIAL, 5), Review(REVIEW_TEXT, CONFIDENTIAL, 4))
    remark: str = REMARK
    p_decision: tuple = ("accept", "poster", NOTE)
    # What an adversarial review tried (the non-interference worlds do it; the matrix's world
    # does not): a second chair, Farid, who is not in conflict with P; the chair takes P's second
    # reviewer off P once the reviews are in; and at camera-ready P's authors list as co-authors
    # the addresses of Petra Peer (P's second reviewer in the default world) and Farid, hoping
    # to read the emails sent to them.
    attacks: bool = False

    def but(self, **changes):
        return replace(self, **changes)


@dataclass
class World:
    phase: str
    workshop: object
    other_workshop: object
    cast: dict
    peer: object
    paper: object  # P
    other_paper: object  # Q
    invitation: object
    direction: object
    email_about_paper: object
    email_about_other: object
    run: object = None
    extra: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)  # the cast and EXTRA_PEOPLE, by key
    variation: Variation = Variation()

    @property
    def paper_file(self):
        return self.paper.files.filter(kind="paper").order_by("-version").first()


def set_phase(workshop, phase):
    """Move the workshop's deadlines so that `phase` is now (see DEADLINE_DAYS)."""
    now = timezone.now()
    *dates, camera_ready = DEADLINE_DAYS[phase]
    for name, days in zip(DEADLINE_FIELDS, dates, strict=True):
        setattr(workshop, name, now + timedelta(days=days))
    workshop.camera_ready_deadline = now + timedelta(days=camera_ready)
    workshop.save(update_fields=[*DEADLINE_FIELDS, "camera_ready_deadline"])


def build_world(phase, extras=None, variation=Variation()):
    """The workshop in `phase`, every step before it done through the services as people would.

    `extras`: {phase: function(world)}, more events to cause at the end of that phase's step.
    `variation`: what the world says about P's authors, reviewers, reviews and decision (the
    non-interference tests build pairs of worlds that differ in one of these)."""
    stop = PHASES.index(phase)
    extras = extras or {}
    workshop = WorkshopFactory(slug="calm", name="Causality and Large Models", short_name="CaLM")
    other_workshop = WorkshopFactory(slug="other", name="Another Workshop", short_name="AW")
    cast = make_cast(workshop, other_workshop)
    chair = cast["chair"]
    people = {key: user for key, user in cast.items() if user is not None}
    for key, (email, name, affiliation, reviews) in EXTRA_PEOPLE.items():
        if reviews:
            people[key] = member(workshop, Role.REVIEWER, email=email, name=name, affiliation=affiliation)
        else:
            people[key] = UserFactory(email=email, name=name, affiliation=affiliation)
    if variation.attacks:
        people["farid"] = member(
            workshop, Role.CHAIR, email="farid@uni-k.example", name="Farid Haddad", affiliation="Uni K"
        )
    peer = people[variation.p_peer]
    p_authors = [people[key] for key in variation.p_authors]
    set_phase(workshop, "submission")
    reviewer_services.update_reviewer_profile(
        workshop=workshop, user=cast["reviewer"], expertise="Causal discovery with language models."
    )
    first_author = p_authors[0]
    paper = submitted_paper(
        workshop,
        first_author,
        title=P_TITLE,
        authors=p_authors,
        conflicted_members=[cast["conflicted_reviewer"], cast["conflicted_chair"]],
        # The author's tools wrote their name into the PDF's metadata; reviewers must not get it.
        pdf=make_pdf(
            text="Anonymous submission",
            metadata={"/Author": first_author.name, "/Creator": f"{first_author.name.split()[0]}'s laptop"},
        ),
    )
    other_paper = submitted_paper(workshop, cast["other_author"], title=Q_TITLE)
    invitation = invite(workshop, chair, "Ivy Invitee <ivy@uni-i.example>").invited[0]
    world = World(
        phase=phase,
        workshop=workshop,
        other_workshop=other_workshop,
        cast=cast,
        peer=peer,
        paper=paper,
        other_paper=other_paper,
        invitation=invitation,
        direction=workshop.directions.order_by("order", "id").first(),
        email_about_paper=OutboxEmail.objects.filter(topic=f"submission:{paper.pk}").first(),
        email_about_other=OutboxEmail.objects.filter(topic=f"submission:{other_paper.pk}").first(),
        people=people,
        variation=variation,
    )
    if "submission" in extras:
        extras["submission"](world)
    if stop >= PHASES.index("bidding"):
        set_phase(workshop, "bidding")
        bid_services.place_bid(workshop=workshop, reviewer=cast["reviewer"], submission=paper, value="eager")
        bid_services.place_bid(
            workshop=workshop, reviewer=cast["bystander_reviewer"], submission=other_paper, value="willing"
        )
        world.run = run_now(workshop, chair, k=1)
        if "bidding" in extras:
            extras["bidding"](world)
    if stop >= PHASES.index("reviewing"):
        set_phase(workshop, "reviewing")
        for reviewer, review in zip((peer, cast["reviewer"]), variation.p_reviews, strict=True):
            submit_review(
                paper, reviewer, summary=review.text, confidential_comments=review.confidential, overall=review.overall
            )
        submit_review(other_paper, cast["reviewer"], overall=2)
        discussion_services.post_comment(submission=paper, author=chair, text=variation.remark)
        if "reviewing" in extras:
            extras["reviewing"](world)
    if stop >= PHASES.index("decisions"):
        set_phase(workshop, "decisions")
        outcome, presentation, note = variation.p_decision
        decision_services.decide(submission=paper, outcome=outcome, presentation=presentation, note=note, by=chair)
        if variation.attacks:
            assignment_services.unassign_reviewer(submission=paper, reviewer=peer, by=chair)
        decision_services.decide(submission=other_paper, outcome="reject", by=chair)
        if "decisions" in extras:
            extras["decisions"](world)
    if stop >= PHASES.index("released"):
        decision_services.release_decisions(workshop=workshop, by=chair)
        set_phase(workshop, "released")
        if "released" in extras:  # before P's camera-ready version, so that its authors are reminded
            extras["released"](world)
        if variation.p_decision[0] == "accept":
            upload_camera_ready(paper, first_author)
        if variation.attacks:
            list_as_authors(paper, first_author, [people["peer"], people["farid"]])
    if stop >= PHASES.index("published"):
        set_phase(workshop, "published")
        publication.publish_accepted_papers(workshop=workshop, by=chair)
        if "published" in extras:
            extras["published"](world)
    for name in ("paper", "other_paper", "workshop"):
        getattr(world, name).refresh_from_db()
    if world.run is not None:
        world.run = AssignmentRun.objects.get(pk=world.run.pk)
    assert workshop.phase == WORKSHOP_PHASE[phase]
    return world


def list_as_authors(paper, by, people):
    """P's authors add `people` to P's author list at camera-ready, by their addresses."""
    current = type(paper).objects.get(pk=paper.pk)
    authors = [AuthorEntry(a.name, a.email, a.affiliation) for a in current.authors.order_by("order")]
    extra = [AuthorEntry(person.name, person.email, "") for person in people]
    publication.update_camera_ready(
        submission=current,
        by=by,
        base_version=current.version,
        title=current.title,
        abstract=current.abstract,
        authors=[*authors, *extra],
    )


@pytest.fixture(scope="module", params=PHASES)
def world(request, django_db_setup, django_db_blocker):
    """The world in one phase, shared by a module's tests: built in a transaction that is rolled
    back once they are done (each test runs in a savepoint of it, as pytest-django's `db` does).
    Parametrized indirectly, the parameter may be (phase, extras) (see build_world)."""
    phase, extras = request.param if isinstance(request.param, tuple) else (request.param, None)
    outbox_backend = override_settings(EMAIL_BACKEND=production_settings.EMAIL_BACKEND)
    with django_db_blocker.unblock(), outbox_backend, transaction.atomic():
        yield build_world(phase, extras)
        transaction.set_rollback(True)


# --- what a request changed ---------------------------------------------------------------------

# Django's own bookkeeping, written by logging in, not by what a page does.
UNTRACKED_TABLES = {"django_session"}


def _tables():
    return sorted(set(connection.introspection.table_names()) - UNTRACKED_TABLES)


def row_counts() -> dict[str, int]:
    """Every table's number of rows, in one query."""
    tables = _tables()
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(f"SELECT '{table}', COUNT(*) FROM {quote(table)}" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def writes_so_far() -> int:
    """A counter that every INSERT, UPDATE and DELETE on a tracked table raises, even when rolled
    back: SQLite counts rows changed on the connection, PostgreSQL the rows changed by the
    transaction per table (so the session table can be left out)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_xact_user_tables "
                "WHERE relname <> ALL(%s)",
                [sorted(UNTRACKED_TABLES)],
            )
        else:
            cursor.execute("SELECT total_changes()")
        return int(cursor.fetchone()[0])


def outbox_state():
    return list(OutboxEmail.objects.order_by("pk").values_list("pk", "status", "attempts", "to", "subject"))


@pytest.fixture
def fingerprint():
    """`fingerprint()`: the database as far as a denied request must leave it alone: every table's
    row count, the write counter, and the outbox's rows."""

    def take():
        return {"rows": row_counts(), "writes": writes_so_far(), "outbox": outbox_state()}

    return take
