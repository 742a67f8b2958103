"""The declared access policy: for every URL name of workshop.urls, who gets what, in which phase.

tests/access/test_url_matrix.py walks the URL configuration and checks each URL against its row
here, for every persona of STYLE.md, GET and POST, in every phase of tests/access/conftest.py's
world (P is the paper of `author` and `coauthor`; Q is `other_author`'s; see that file). A new URL
without a row fails the matrix.

A row is a Rule (or a list of them, one per concrete URL worth telling apart). `get` and `post`
say who is let in and what they get: {personas: outcome}, the first entry naming the persona
wins; everyone else is denied, which is a 404 for a signed-in person and the login page for an
anonymous visitor (a 404 for them too where the page is `public`: a public page that does not
exist yet asks nobody to log in). An outcome is a status code, or LOGIN / ADMIN_LOGIN for a
redirect to those pages (302 means a redirect anywhere else). Where the answer depends on the
phase, `from_phase(submission=..., reviewing=...)` gives the answers from each named phase on.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from tests.access.conftest import (
    CONFIDENTIAL,
    NOTE,
    P_TITLE,
    PEER_CONFIDENTIAL,
    PEER_REVIEW_TEXT,
    PHASES,
    Q_TITLE,
    REMARK,
    REVIEW_TEXT,
)
from tests.conftest import PERSONAS
from workshop.enums import DIGESTIBLE
from workshop.phases import AOE

LOGIN, ADMIN_LOGIN = "login", "admin login"

EVERYONE = frozenset(PERSONAS)
SIGNED_IN = EVERYONE - {"anonymous"}
AUTHORS = frozenset({"author", "coauthor"})  # P's authors
OTHER_AUTHOR = frozenset({"other_author"})  # Q's author
CHAIRS = frozenset({"chair", "conflicted_chair"})  # of the workshop; the second is in conflict with P
CHAIR = frozenset({"chair"})  # the chair who may handle P
REVIEWERS = frozenset({"reviewer", "bystander_reviewer", "conflicted_reviewer"})
NOT_CONFLICTED_REVIEWERS = frozenset({"reviewer", "bystander_reviewer"})
ASSIGNED = frozenset({"reviewer"})  # reviews P and Q from the reviewing phase on


def from_phase(**answers):
    """Answers that change with the phase: each given phase's answers hold until the next one given."""
    unknown = set(answers) - set(PHASES)
    assert not unknown, f"no such phase: {unknown}"

    def answer(phase):
        given = [name for name in PHASES[: PHASES.index(phase) + 1] if name in answers]
        return answers[given[-1]] if given else {}

    return answer


Answers = Mapping | Callable[[str], Mapping]


@dataclass(frozen=True)
class Rule:
    """One concrete URL: its arguments besides the workshop's slug, taken from the world; who may
    GET and POST it; the POST data (what would change something if it were let through)."""

    kwargs: Callable = lambda world: {}
    get: Answers = field(default_factory=dict)
    post: Answers = field(default_factory=dict)
    data: Callable = lambda world: {}
    public: bool = False
    label: str = ""
    # The phases to check it in (a page that cannot depend on the workshop's phase: the first only).
    phases: tuple = PHASES
    # The request may sign the person in or out: the matrix signs them in again after it.
    touches_login: bool = False
    # The page lists the workshop's reviewers and chairs by name (the authors' conflict declaration).
    lists_committee: bool = False

    def expected(self, method, phase, persona):
        answers = self.get if method == "get" else self.post
        if callable(answers):
            answers = answers(phase)
        for who, outcome in answers.items():
            if persona == who or (isinstance(who, frozenset) and persona in who):
                return outcome
        if persona == "anonymous" and not self.public:
            return LOGIN
        return 404


def cases(*rules):
    """Several concrete URLs of one name (P and Q, a missing object, another workshop's slug)."""
    return list(rules)


def same(answers):
    """The same answers to GET and POST (views that ignore the method)."""
    return {"get": answers, "post": answers}


P = lambda world: world.paper  # noqa: E731
Q = lambda world: world.other_paper  # noqa: E731
MISSING = 0  # no object has this id


def paper_kwarg(name, paper=P):
    return lambda world: {name: paper(world).pk}


def extension(world):
    later = max(world.workshop.submission_deadline, timezone.now()) + timedelta(days=3)
    return {"until": later.astimezone(AOE).strftime("%Y-%m-%dT%H:%M:%S")}


def review_data(world):
    return {
        "summary": "Not mine to write.",
        "strengths": "x",
        "weaknesses": "y",
        "score_overall": "1",
        "score_confidence": "1",
        "version": "1",
        "action": "submit",
    }


def decision_data(paper, outcome):
    decision = getattr(paper, "decision", None)
    return {"outcome": outcome, "presentation": "oral", "version": decision.version if decision else 0}


def run_kwargs(world):
    return {"run_id": world.run.pk if world.run else MISSING}


def first_pair(world):
    pair = world.run.pairs.order_by("pk").first() if world.run else None
    return {"action": "remove", "pair": pair.pk if pair else MISSING}


def new_account(world):
    return {"name": "Ivy", "password1": "a long enough passphrase", "password2": "a long enough passphrase"}


# From the reviewing phase on `reviewer` reviews P and Q; before, nobody does.
ASSIGNED_FROM_REVIEWING = from_phase(submission={}, reviewing={ASSIGNED: 200})
RELEASED_TO = lambda who: from_phase(submission={}, released={who: 200})  # noqa: E731
PUBLIC_AFTER_PUBLICATION = from_phase(submission={}, published={EVERYONE: 200})
POST_ONLY = {EVERYONE: 405}  # @require_POST answers a GET before anything else, to everyone
# The assignment pages handle live papers only: decided papers are gone from them once released.
UNTIL_RELEASE = lambda answers: from_phase(submission=answers, released={})  # noqa: E731
ELSEWHERE = "other"  # the other workshop's slug: its chair reaches nothing of this one through it


POLICY: dict[str, Rule | list[Rule]] = {
    # --- the site ------------------------------------------------------------------------------
    "home": Rule(**same({EVERYONE: 200}), public=True),
    "healthz": Rule(**same({EVERYONE: 200}), public=True),
    "profile": Rule(get={SIGNED_IN: 200}, post={SIGNED_IN: 302}, data=lambda w: {"name": "Renamed"}),
    "notification_preferences": Rule(
        get={SIGNED_IN: 200}, post={SIGNED_IN: 302}, data=lambda w: {kind.value: "digest" for kind in DIGESTIBLE}
    ),
    "my_submissions": Rule(**same({SIGNED_IN: 200})),
    # --- workshop ------------------------------------------------------------------------------
    "workshop:detail": Rule(**same({EVERYONE: 200}), public=True),
    "workshop:deadlines_ics": Rule(**same({EVERYONE: 200}), public=True),
    "workshop:settings": Rule(get={CHAIRS: 200}, post={CHAIRS: 200}, data=lambda w: {"name": "Hijacked"}),
    "workshop:directions": Rule(
        get={CHAIRS: 200}, post={CHAIRS: 302}, data=lambda w: {"slug": "new", "name": "New direction"}
    ),
    "workshop:direction_edit": Rule(
        kwargs=lambda w: {"direction_id": w.direction.pk},
        get={CHAIRS: 200},
        post={CHAIRS: 302},
        data=lambda w: {"slug": w.direction.slug, "name": "Hijacked", "description": ""},
    ),
    "workshop:direction_move": Rule(
        kwargs=lambda w: {"direction_id": w.direction.pk},
        get=POST_ONLY,
        post={CHAIRS: 302},
        data=lambda w: {"to": "down"},
    ),
    "workshop:outbox": Rule(**same({CHAIRS: 200})),
    "workshop:outbox_retry": Rule(
        get=POST_ONLY, post={CHAIRS: 302}, data=lambda w: {"email": [w.email_about_paper.pk]}
    ),
    "workshop:outbox_test": Rule(get=POST_ONLY, post={CHAIRS: 302}),
    "workshop:outbox_email": cases(
        Rule(label="about P", kwargs=lambda w: {"email_id": w.email_about_paper.pk}, **same({CHAIR: 200})),
        Rule(label="about Q", kwargs=lambda w: {"email_id": w.email_about_other.pk}, **same({CHAIRS: 200})),
        Rule(label="missing", kwargs=lambda w: {"email_id": MISSING}),
        Rule(label="elsewhere", kwargs=lambda w: {"slug": ELSEWHERE, "email_id": w.email_about_other.pk}),
    ),
    # --- submissions: authors ------------------------------------------------------------------
    "submissions:new": Rule(
        get=from_phase(submission={SIGNED_IN: 200}, bidding={SIGNED_IN: 302}),
        post=from_phase(submission={SIGNED_IN: 200}, bidding={SIGNED_IN: 302}),
        data=lambda w: {"title": "A new paper"},
        lists_committee=True,
    ),
    "submissions:detail": cases(
        Rule(label="P", kwargs=paper_kwarg("pk"), **same({AUTHORS: 200})),
        Rule(label="Q", kwargs=paper_kwarg("pk", Q), **same({OTHER_AUTHOR: 200})),
        Rule(label="missing", kwargs=lambda w: {"pk": MISSING}),
    ),
    "submissions:edit": Rule(
        kwargs=paper_kwarg("pk"),
        get=from_phase(submission={AUTHORS: 200}, bidding={AUTHORS: 302}),
        post=from_phase(submission={AUTHORS: 200}, bidding={AUTHORS: 302}),
        data=lambda w: {"title": "Hijacked"},
        lists_committee=True,
    ),
    "submissions:withdraw": Rule(kwargs=paper_kwarg("pk"), get={AUTHORS: 200}, post={AUTHORS: 302}),
    # Authors get their file as uploaded; the chair who may handle P the anonymous copy.
    "submissions:download": cases(
        Rule(
            label="P's PDF",
            kwargs=lambda w: {"pk": w.paper.pk, "file_id": w.paper_file.pk},
            **same({AUTHORS: 200, CHAIR: 200}),
        ),
        Rule(label="P's PDF under Q", kwargs=lambda w: {"pk": w.other_paper.pk, "file_id": w.paper_file.pk}),
        Rule(
            label="elsewhere",
            kwargs=lambda w: {"slug": ELSEWHERE, "pk": w.paper.pk, "file_id": w.paper_file.pk},
        ),
    ),
    "submissions:camera_ready": cases(
        Rule(
            label="P",
            kwargs=paper_kwarg("pk"),
            get=from_phase(submission={AUTHORS: 302}, released={AUTHORS: 200}, published={AUTHORS: 302}),
            post=from_phase(submission={AUTHORS: 302}, released={AUTHORS: 200}, published={AUTHORS: 302}),
            data=lambda w: {"title": "Hijacked"},
        ),
        Rule(label="Q, rejected", kwargs=paper_kwarg("pk", Q), **same({OTHER_AUTHOR: 302})),
    ),
    # --- submissions: chairs -------------------------------------------------------------------
    "submissions:chair_list": Rule(**same({CHAIRS: 200})),
    "submissions:chair_csv": Rule(**same({CHAIRS: 200})),
    "submissions:chair_detail": cases(
        Rule(label="P", kwargs=paper_kwarg("pk"), **same({CHAIR: 200})),
        Rule(label="Q", kwargs=paper_kwarg("pk", Q), **same({CHAIRS: 200})),
        Rule(label="missing", kwargs=lambda w: {"pk": MISSING}),
        Rule(label="elsewhere", kwargs=lambda w: {"slug": ELSEWHERE, "pk": w.other_paper.pk}),
    ),
    "submissions:chair_extend": Rule(kwargs=paper_kwarg("pk"), get=POST_ONLY, post={CHAIR: 302}, data=extension),
    "submissions:chair_desk_reject": Rule(
        kwargs=paper_kwarg("pk"), get=POST_ONLY, post={CHAIR: 302}, data=lambda w: {"reason": "Out of scope."}
    ),
    "submissions:chair_set_conflict": Rule(
        kwargs=paper_kwarg("pk"),
        get=POST_ONLY,
        post={CHAIR: 302},
        data=lambda w: {"member": w.cast["bystander_reviewer"].pk, "is_conflict": "yes"},
    ),
    "submissions:chair_clear_conflict": Rule(
        kwargs=paper_kwarg("pk"), get=POST_ONLY, post={CHAIR: 302}, data=lambda w: {"member": w.cast["reviewer"].pk}
    ),
    # --- publication ---------------------------------------------------------------------------
    "submissions:accepted": Rule(get=PUBLIC_AFTER_PUBLICATION, post=PUBLIC_AFTER_PUBLICATION, public=True),
    "submissions:camera_ready_pdf": cases(
        Rule(
            label="P",
            kwargs=lambda w: {"number": w.paper.number},
            get=PUBLIC_AFTER_PUBLICATION,
            post=PUBLIC_AFTER_PUBLICATION,
            public=True,
        ),
        Rule(label="Q, rejected", kwargs=lambda w: {"number": w.other_paper.number}, public=True),
    ),
    "submissions:publish": Rule(get={CHAIRS: 200}, post={CHAIRS: 302}),
    "submissions:export": cases(
        *[
            Rule(label=fmt, kwargs=lambda w, fmt=fmt: {"what": "submissions", "fmt": fmt}, **same({CHAIRS: 200}))
            for fmt in ("csv", "json")
        ]
    ),
    # --- reviewers -----------------------------------------------------------------------------
    "reviews:chair_reviewers": Rule(
        get={CHAIRS: 200}, post={CHAIRS: 302}, data=lambda w: {"invitees": "Eve <eve@evil.example>"}
    ),
    "reviews:chair_remind": Rule(get=POST_ONLY, post={CHAIRS: 302}),
    "reviews:chair_set_load": Rule(
        kwargs=lambda w: {"user_id": w.cast["reviewer"].pk},
        get=POST_ONLY,
        post={CHAIRS: 302},
        data=lambda w: {"max_load": "50"},
    ),
    "reviews:chair_resend": Rule(
        kwargs=lambda w: {"invitation_id": w.invitation.pk}, get=POST_ONLY, post={CHAIRS: 302}
    ),
    "reviews:chair_withdraw": Rule(
        kwargs=lambda w: {"invitation_id": w.invitation.pk}, get=POST_ONLY, post={CHAIRS: 302}
    ),
    "reviews:profile": Rule(
        get={REVIEWERS: 200}, post={REVIEWERS: 302}, data=lambda w: {"expertise": "Everything.", "max_load": "9"}
    ),
    # The link is the credential: whoever holds it reaches the page (what it offers depends on who
    # is signed in); a wrong token is a 404 for everyone.
    "reviews:invitation_accept": cases(
        Rule(
            label="pending",
            kwargs=lambda w: {"token": w.invitation.token},
            get={EVERYONE: 200},
            post={"anonymous": 302, SIGNED_IN: 200},
            data=new_account,
            public=True,
            touches_login=True,
        ),
        Rule(label="wrong token", kwargs=lambda w: {"token": "not-the-token"}, public=True),
    ),
    "reviews:invitation_decline": cases(
        Rule(
            label="pending",
            kwargs=lambda w: {"token": w.invitation.token},
            get={EVERYONE: 200},
            post={EVERYONE: 302},
            data=lambda w: {"reason": "Too busy this year."},
            public=True,
        ),
        Rule(label="wrong token", kwargs=lambda w: {"token": "not-the-token"}, public=True),
    ),
    # --- bidding -------------------------------------------------------------------------------
    "reviews:bidding": Rule(**same({REVIEWERS: 200})),
    "reviews:bid": cases(
        Rule(
            label="P",
            kwargs=paper_kwarg("submission_id"),
            get=POST_ONLY,
            post=from_phase(submission={NOT_CONFLICTED_REVIEWERS: 302}, released={}),
            data=lambda w: {"value": "eager"},
        ),
        Rule(
            label="Q",
            kwargs=paper_kwarg("submission_id", Q),
            get=POST_ONLY,
            post=from_phase(submission={REVIEWERS: 302}, released={}),
            data=lambda w: {"value": "not_willing"},
        ),
    ),
    # --- assignment ----------------------------------------------------------------------------
    "reviews:assignment": Rule(**same({CHAIRS: 200})),
    "reviews:compute_affinity": Rule(get=POST_ONLY, post={CHAIRS: 302}),
    "reviews:affinity_status": Rule(get={CHAIRS: 200}, post={EVERYONE: 405}),
    "reviews:start_run": Rule(
        get=POST_ONLY,
        post={CHAIRS: 302},
        data=lambda w: {"reviews_per_paper": 1, "affinity_weight": 1, "bid_weight": 1, "direction_weight": 1},
    ),
    "reviews:run": cases(
        Rule(kwargs=run_kwargs, **same(from_phase(submission={}, bidding={CHAIRS: 200}))),
        Rule(label="elsewhere", kwargs=lambda w: {"slug": ELSEWHERE, **run_kwargs(w)}),
    ),
    "reviews:edit_run": Rule(
        kwargs=run_kwargs, get=POST_ONLY, post=from_phase(submission={}, bidding={CHAIRS: 302}), data=first_pair
    ),
    "reviews:commit_run": Rule(kwargs=run_kwargs, get=POST_ONLY, post=from_phase(submission={}, bidding={CHAIRS: 302})),
    "reviews:discard_run": Rule(
        kwargs=run_kwargs, get=POST_ONLY, post=from_phase(submission={}, bidding={CHAIRS: 302})
    ),
    "reviews:paper_reviewers": cases(
        Rule(
            label="P",
            kwargs=paper_kwarg("submission_id"),
            get=UNTIL_RELEASE({CHAIR: 200}),
            post=UNTIL_RELEASE({CHAIR: 302}),
            data=lambda w: {"reviewer": w.cast["bystander_reviewer"].pk},
        ),
        Rule(
            label="Q",
            kwargs=paper_kwarg("submission_id", Q),
            get=UNTIL_RELEASE({CHAIRS: 200}),
            post=UNTIL_RELEASE({CHAIRS: 302}),
            data=lambda w: {"reviewer": w.cast["bystander_reviewer"].pk},
        ),
        Rule(label="elsewhere", kwargs=lambda w: {"slug": ELSEWHERE, "submission_id": w.other_paper.pk}),
    ),
    "reviews:reviewer_papers": cases(
        Rule(
            label="assigning P",
            kwargs=lambda w: {"user_id": w.cast["bystander_reviewer"].pk},
            get={CHAIRS: 200},
            post=UNTIL_RELEASE({CHAIR: 302}),
            data=lambda w: {"submission": w.paper.pk},
        ),
        Rule(label="not a reviewer", kwargs=lambda w: {"user_id": w.cast["author"].pk}),
    ),
    # --- reviewing -----------------------------------------------------------------------------
    "reviews:my_papers": Rule(**same({REVIEWERS: 200})),
    "reviews:review": cases(
        Rule(
            label="P",
            kwargs=paper_kwarg("submission_id"),
            get=ASSIGNED_FROM_REVIEWING,
            post=from_phase(submission={}, reviewing={ASSIGNED: 302}, decisions={ASSIGNED: 200}),
            data=review_data,
        ),
        Rule(
            label="Q",
            kwargs=paper_kwarg("submission_id", Q),
            get=ASSIGNED_FROM_REVIEWING,
            post=from_phase(submission={}, reviewing={ASSIGNED: 302}, decisions={ASSIGNED: 200}),
            data=review_data,
        ),
    ),
    "reviews:autosave": Rule(
        kwargs=paper_kwarg("submission_id"),
        get=POST_ONLY,
        post=from_phase(submission={}, reviewing={ASSIGNED: 200}, decisions={ASSIGNED: 400}),
        data=review_data,
    ),
    "reviews:paper_pdf": Rule(
        kwargs=paper_kwarg("submission_id"), get=ASSIGNED_FROM_REVIEWING, post=ASSIGNED_FROM_REVIEWING
    ),
    "reviews:review_form": Rule(
        get={CHAIRS: 200},
        post={CHAIRS: 200},
        data=lambda w: {"form-TOTAL_FORMS": 0, "form-INITIAL_FORMS": 0},
    ),
    # --- discussion and reminders --------------------------------------------------------------
    # P's thread: its unconflicted chair always; `reviewer` once their review is submitted.
    "reviews:discussion": cases(
        Rule(
            label="P",
            kwargs=paper_kwarg("submission_id"),
            get=from_phase(submission={CHAIR: 200}, reviewing={CHAIR: 200, ASSIGNED: 200}),
            post=from_phase(submission={CHAIR: 302}, reviewing={CHAIR: 302, ASSIGNED: 302}),
            data=lambda w: {"text": "Let me in."},
        ),
    ),
    "reviews:remind_late": Rule(get={CHAIRS: 200}, post={CHAIRS: 302}),
    # --- the dashboard, decisions, release -----------------------------------------------------
    "reviews:dashboard": Rule(**same({CHAIRS: 200})),
    "reviews:dashboard_csv": Rule(**same({CHAIRS: 200})),
    "reviews:decisions": Rule(
        get={CHAIRS: 200},
        post={CHAIRS: 302},
        data=lambda w: {"paper": [f"{w.other_paper.pk}:1"], "outcome": "accept", "presentation": "poster"},
    ),
    "reviews:chair_paper_reviews": cases(
        Rule(
            label="P",
            kwargs=paper_kwarg("submission_id"),
            get={CHAIR: 200},
            post=from_phase(submission={CHAIR: 302}, released={CHAIR: 200}),
            data=lambda w: decision_data(w.paper, "reject"),
        ),
        Rule(
            label="Q",
            kwargs=paper_kwarg("submission_id", Q),
            get={CHAIRS: 200},
            post=from_phase(submission={CHAIRS: 302}, released={CHAIRS: 200}),
            data=lambda w: decision_data(w.other_paper, "accept"),
        ),
        Rule(label="elsewhere", kwargs=lambda w: {"slug": ELSEWHERE, "submission_id": w.other_paper.pk}),
    ),
    "reviews:release": Rule(get={CHAIRS: 200}, post={CHAIRS: 302}),
    "reviews:email_template": cases(
        Rule(
            label="decision_accept",
            kwargs=lambda w: {"name": "decision_accept"},
            get={CHAIRS: 200},
            post={CHAIRS: 302},
            data=lambda w: {"subject": "S", "body": "B", "action": "save"},
        ),
        Rule(label="not editable", kwargs=lambda w: {"name": "submission_received"}),
    ),
    "reviews:author_reviews": cases(
        Rule(label="P", kwargs=paper_kwarg("submission_id"), **same(RELEASED_TO(AUTHORS))),
        Rule(label="Q", kwargs=paper_kwarg("submission_id", Q), **same(RELEASED_TO(OTHER_AUTHOR))),
    ),
    "reviews:export_reviews": cases(
        *[Rule(label=fmt, kwargs=lambda w, fmt=fmt: {"fmt": fmt}, **same({CHAIRS: 200})) for fmt in ("csv", "json")],
        Rule(label="xml", kwargs=lambda w: {"fmt": "xml"}),
    ),
    "reviews:export_decisions": cases(
        *[Rule(label=fmt, kwargs=lambda w, fmt=fmt: {"fmt": fmt}, **same({CHAIRS: 200})) for fmt in ("csv", "json")],
        Rule(label="xml", kwargs=lambda w: {"fmt": "xml"}),
    ),
}


# --- the admin and the accounts (allauth) ---------------------------------------------------------
# Neither depends on the workshop's phase: checked in the first phase only.
FIRST_PHASE = PHASES[:1]
ADMIN_VALUES = {"app_label": "workshop", "content_type_id": "1", "object_id": "1", "url": "nowhere/"}


def admin_rule(name, route):
    """No persona is staff: every admin URL sends them to the admin's login page; logging out of
    the admin sends them to its index (which sends them to that login page)."""
    if name == "admin:login":
        return Rule(**same({EVERYONE: 200}), public=True, phases=FIRST_PHASE)
    if name == "admin:logout":
        return Rule(**same({EVERYONE: 302}), public=True, phases=FIRST_PHASE, touches_login=True)
    return Rule(**same({EVERYONE: ADMIN_LOGIN}), public=True, phases=FIRST_PHASE)


def admin_url(name, route):
    """A concrete admin URL: any id will do, the admin refuses before looking anything up."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ADMIN_VALUES.get(m[1], "1"), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: ADMIN_VALUES.get(m[1], "1"), path)
    return "/" + path.replace("^", "").replace("$", "")


NO_KWARGS = lambda w: {}  # noqa: E731
ACCOUNT_PAGES = {  # name: (its arguments, GET answers, POST answers)
    # Signed-in people are sent on from the login and signup pages.
    "account_login": (NO_KWARGS, {"anonymous": 200, SIGNED_IN: 302}, {"anonymous": 200, SIGNED_IN: 302}),
    "account_logout": (NO_KWARGS, {"anonymous": 302, SIGNED_IN: 200}, {EVERYONE: 302}),
    "account_inactive": (NO_KWARGS, {EVERYONE: 200}, {EVERYONE: 405}),
    "account_signup": (NO_KWARGS, {"anonymous": 200, SIGNED_IN: 302}, {"anonymous": 200, SIGNED_IN: 302}),
    "account_reauthenticate": (NO_KWARGS, {SIGNED_IN: 200}, {SIGNED_IN: 200}),
    "account_email": (NO_KWARGS, {SIGNED_IN: 200}, {SIGNED_IN: 302}),
    "account_email_verification_sent": (NO_KWARGS, {EVERYONE: 200}, {EVERYONE: 405}),
    "account_change_password": (NO_KWARGS, {SIGNED_IN: 200}, {SIGNED_IN: 200}),
    # Everyone in the cast has a password already: setting one sends them to change it.
    "account_set_password": (NO_KWARGS, {SIGNED_IN: 302}, {SIGNED_IN: 302}),
    "account_reset_password": (NO_KWARGS, {EVERYONE: 200}, {EVERYONE: 200}),
    # No login by code is under way: nothing to confirm.
    "account_confirm_login_code": (NO_KWARGS, {SIGNED_IN: 302}, {SIGNED_IN: 302}),
    "account_confirm_email": (lambda w: {"key": "not-a-key"}, {EVERYONE: 200}, {EVERYONE: 404}),
    "account_reset_password_from_key_done": (NO_KWARGS, {EVERYONE: 200}, {EVERYONE: 405}),
    "account_reset_password_from_key": (
        lambda w: {"uidb36": "1", "key": "not-a-key"},
        {EVERYONE: 200},
        {EVERYONE: 200},
    ),
    "account_reset_password_done": (NO_KWARGS, {EVERYONE: 200}, {EVERYONE: 405}),
}
ACCOUNT_POLICY: dict[str, Rule] = {
    name: Rule(kwargs=kwargs, get=get, post=post, phases=FIRST_PHASE, touches_login=True)
    for name, (kwargs, get, post) in ACCOUNT_PAGES.items()
}


# --- what each persona must never read (DESIGN.md section 6) ------------------------------------
# The matrix reads every answer it gets, allowed or not, and looks for these.

P_AUTHOR_NAMES, P_AUTHOR_EMAILS = ["Ada Author", "Cole Coauthor"], ["author@uni-a.example", "coauthor@uni-b.example"]
Q_AUTHOR_NAMES, Q_AUTHOR_EMAILS = ["Otto Other"], ["other.author@uni-c.example"]
REVIEWER_IDENTITIES = [  # who reviews P (Rita Reviewer reviews Q too), and the workshop's other reviewers
    "Rita Reviewer",
    "reviewer@uni-d.example",
    "Petra Peer",
    "peer@uni-h.example",
    "Bea Bystander",
    "bystander@uni-e.example",
    "Conrad Conflict",
    "conflicted@uni-a.example",
]
P_DISCUSSION = [REVIEW_TEXT, PEER_REVIEW_TEXT, CONFIDENTIAL, PEER_CONFIDENTIAL, REMARK]


def unreadable(persona, phase, *, public_page=False, lists_committee=False):
    """What `persona` must not find in any answer, in `phase`. Once published, the accepted paper's
    title and authors' names are public on the public pages (its authors' emails never are). The
    reviewers' names (never their papers) are on the authors' conflict declaration form."""
    released = PHASES.index(phase) >= PHASES.index("released")
    published_here = phase == "published" and public_page
    p_public = [] if published_here else [P_TITLE, *P_AUTHOR_NAMES]
    own = {"reviewer": 0, "bystander_reviewer": 4, "conflicted_reviewer": 6}.get(persona)
    listed = REVIEWER_IDENTITIES[::2] if lists_committee else []
    reviewers = [text for text in REVIEWER_IDENTITIES if text not in listed]
    others = [text for text in reviewers if own is None or text not in REVIEWER_IDENTITIES[own : own + 2]]
    authors = [*P_AUTHOR_EMAILS, *Q_AUTHOR_NAMES, *Q_AUTHOR_EMAILS, *([] if published_here else P_AUTHOR_NAMES)]
    secrets = {
        "anonymous": [*p_public, Q_TITLE, *authors, *reviewers, *P_DISCUSSION, NOTE],
        "author": [*reviewers, CONFIDENTIAL, PEER_CONFIDENTIAL, REMARK, Q_TITLE, *Q_AUTHOR_NAMES],
        "other_author": [*p_public, *P_AUTHOR_EMAILS, *reviewers, *P_DISCUSSION, NOTE],
        "reviewer": [*authors, *others, PEER_CONFIDENTIAL],
        "bystander_reviewer": [*authors, *others, *P_DISCUSSION, NOTE],
        "conflicted_reviewer": [*authors, *others, *P_DISCUSSION, NOTE, *([] if published_here else [P_TITLE])],
        "chair": [],
        "conflicted_chair": [*P_AUTHOR_EMAILS, *([] if published_here else P_AUTHOR_NAMES), *P_DISCUSSION, NOTE],
    }
    secrets["coauthor"] = secrets["author"]
    secrets["other_workshop_chair"] = secrets["anonymous"]
    if persona in {"author", "coauthor"} and not released:
        return [*secrets[persona], REVIEW_TEXT, PEER_REVIEW_TEXT, NOTE]
    return secrets[persona]


# Any name or address of the cast, or a paper's title: none belongs in an HTML comment.
NAMES = [*P_AUTHOR_NAMES, *P_AUTHOR_EMAILS, *Q_AUTHOR_NAMES, *Q_AUTHOR_EMAILS, *REVIEWER_IDENTITIES, P_TITLE, Q_TITLE]
