"""Non-interference: what each observer sees is the same whatever a secret is.

For each secret of DESIGN.md §6, two worlds are built that differ only in that secret (same ids,
same clock, same chance; tests/access/noninterference.py). Each observer of the secret then
requests every GET URL of the access policy (tests/access/policy.py: a new URL without a row fails
the access matrix, and then is walked here too), in every phase where the secret exists: the plain
page, its htmx fragment where the view answers htmx, and the page with every query parameter the
view reads set to each probe (the names, addresses and words of the secret: a search or a filter
that behaves differently for them is an oracle). Exports and files are URLs like the others; the
emails each observer received are compared too. Every answer must be byte-identical in the two
worlds, after normalising CSRF tokens and CSP nonces; a difference prints its diff.

The chair, who may know each secret, is the witness: they must see a difference, or the two
worlds did not differ in the secret and the test would prove nothing.

Differences that are intended are declared in DECLARED, with the reason.
"""

from dataclasses import dataclass

import pytest

from tests.access.conftest import PHASES, Review, Variation
from tests.access.noninterference import DISCOVER, _get, differences, observe, recording_middleware
from tests.utils import page_as_seen

BEFORE_PUBLICATION = PHASES[: PHASES.index("published")]
FROM_REVIEWING = PHASES[PHASES.index("reviewing") :]
BEFORE_RELEASE = PHASES[: PHASES.index("released")]

# Every pair of worlds also goes through what an adversarial review tried (conftest.Variation).
ATTACKED = Variation(attacks=True)

OTHER_REVIEWS = (
    Review("The peer doubts every claim.", "Reject it quietly.", 1),
    Review("The graphs are unconvincing.", "Between us: reject it.", 2),
)


@dataclass(frozen=True)
class Secret:
    """One secret: the two worlds that differ in it (per phase), the phases in which it exists,
    who must not learn it (per phase), and the probes tried on every query parameter."""

    name: str
    slug: str
    phases: tuple
    observers: object  # phase -> personas
    probes: tuple
    worlds: object  # phase -> (Variation, Variation)


SECRETS = [
    # Who wrote P: names, addresses, affiliations and how many. Once P is published, its
    # authors are public.
    Secret(
        name="who wrote P",
        slug="authors",
        phases=BEFORE_PUBLICATION,
        observers=lambda phase: (
            "anonymous",
            "reviewer",
            "bystander_reviewer",
            "conflicted_reviewer",
            "conflicted_chair",
            "other_author",
            "other_workshop_chair",
        ),
        probes=("Ada Author", "author@uni-a.example", "Zara Zeta", "zara@uni-z.example", "Uni Z", "uni-y.example"),
        worlds=lambda phase: (ATTACKED, ATTACKED.but(p_authors=("zara", "yann", "xena"))),
    ),
    # Who reviews P: who is assigned, who submitted, their names.
    Secret(
        name="who reviews P",
        slug="reviewers",
        phases=FROM_REVIEWING,
        observers=lambda phase: ("author", "coauthor", "reviewer", "bystander_reviewer", "conflicted_chair"),
        probes=("Petra Peer", "peer@uni-h.example", "Quinn Quill", "quinn@uni-q.example"),
        worlds=lambda phase: (ATTACKED, ATTACKED.but(p_peer="quinn")),
    ),
    # P's reviews, scores, discussion and, before release, its decision. P's authors read the
    # released decision and reviews; from then on only the reviews' words and scores differ.
    Secret(
        name="P's reviews and decision",
        slug="reviews",
        phases=FROM_REVIEWING,
        observers=lambda phase: (
            *(("author", "coauthor") if phase in BEFORE_RELEASE else ()),
            "bystander_reviewer",
            "conflicted_reviewer",
            "conflicted_chair",
            "other_author",
        ),
        probes=("accept", "reject", "convincing", "1", "5"),
        worlds=lambda phase: (
            ATTACKED,
            ATTACKED.but(
                p_reviews=OTHER_REVIEWS,
                remark="The first lemma is false.",
                **({"p_decision": ("reject", "", "Please withdraw.")} if phase in BEFORE_RELEASE else {}),
            ),
        ),
    ),
]

# (secret, observer, request label) -> why the observer may see this difference.
DECLARED: dict[tuple[str, str, str], str] = {}

WITNESS = "chair"

CASES = [pytest.param(secret, phase, id=f"{secret.slug}-{phase}") for secret in SECRETS for phase in secret.phases]


@pytest.mark.parametrize(("secret", "phase"), CASES)
def test_observers_see_the_same_whatever_the_secret(secret, phase, settings, db, request):
    observers = secret.observers(phase)
    first_world, second_world = secret.worlds(phase)

    first = observe(settings, phase, first_world, observers, secret.probes, WITNESS)
    second = observe(settings, phase, second_world, observers, secret.probes, WITNESS)

    leaks, comparisons = [], 0
    for observer in observers:
        comparisons += len(first[observer])
        found = [
            diff
            for diff in differences(first[observer], second[observer])
            if (secret.name, observer, diff.split(":\n", 1)[0]) not in DECLARED
        ]
        leaks += [f"{observer} tells the worlds apart by {diff}" for diff in found]
    request.node.user_properties.append(("noninterference_comparisons", comparisons))
    assert differences(first[WITNESS], second[WITNESS]), (
        f"The chair sees no difference: the two worlds do not differ in {secret.name}, so this proves nothing."
    )
    if leaks:
        pytest.fail(f"{secret.name}, {phase}:\n" + "\n".join(leaks), pytrace=False)


# --- the harness itself ------------------------------------------------------------------------


def test_normalise_hides_only_csrf_tokens_and_nonces():
    page = (
        '<input type="hidden" name="csrfmiddlewaretoken" value="abc123">'
        '<script nonce="r4nd0m" src="/static/x.js"></script><p>Reviewer 2 by Petra Peer</p>'
    )

    normalised = page_as_seen(page)

    assert normalised == (
        '<input type="hidden" name="csrfmiddlewaretoken" value="<csrf>">'
        '<script nonce="<nonce>" src="/static/x.js"></script><p>Reviewer 2 by Petra Peer</p>'
    )


def test_differences_name_the_request_and_show_the_changed_line():
    first = {"GET outbox": "200\n\n<li>Petra Peer</li>", "emails received": ""}
    second = {"GET outbox": "200\n\n<li>Quinn Quill</li>", "emails received": ""}

    found = differences(first, second)

    assert len(found) == 1
    assert found[0].startswith("GET outbox:\n")
    assert "-<li>Petra Peer</li>" in found[0] and "+<li>Quinn Quill</li>" in found[0]


def test_the_recorder_learns_which_query_parameters_a_view_reads(client, settings, cast, workshop):
    settings.MIDDLEWARE = recording_middleware(settings.MIDDLEWARE)
    client.force_login(cast["chair"])

    _, keys, consulted, _ = _get(client, f"/{workshop.slug}/chair/outbox/", {DISCOVER: "1"})

    assert consulted
    assert {"q", "status", "page"} <= keys
