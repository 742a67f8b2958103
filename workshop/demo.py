"""The demo workshop: Causality and Large Models, as DESIGN.md section 1 describes it.

This module holds the workshop's part of the demo (the workshop, its people and its dates); the
papers are in submissions/demo.py and the reviewers' profiles, bids and assignments in
reviews/demo.py, since the workshop app never imports the apps above it.
"""

from datetime import timedelta

from workshop.enums import Phase
from workshop.phases import end_of_day_aoe

CALM_SLUG = "calm"
DEMO_PASSWORD = "calm-demo"
CHAIR_EMAIL = "chair@calm.example"
REVIEWER_EMAILS = [f"reviewer{i}@calm.example" for i in range(1, 9)]
AUTHOR_EMAILS = [f"author{i}@calm.example" for i in range(1, 6)]

CALM_DIRECTIONS = [
    (
        "in",
        "Causality in large models",
        "The causal knowledge that large models capture, and their (causal) reasoning abilities.",
    ),
    ("for", "Causality for large models", "Ideas from causality applied to augment and improve large models."),
    ("with", "Causality with large models", "Large models used to improve causal inference and discovery."),
    ("of", "Causality of large models", "The causal structure of how large models work; interpretability and control."),
]

CALM_CFP = """\
Large models have changed how we think about reasoning, knowledge and intervention. This workshop
brings together researchers who study **causality and large models** from four directions:
whether large models capture causal knowledge and reason causally (*in*), how causal ideas can
improve them (*for*), how they can help causal inference and discovery (*with*), and what causal
structure explains how they work (*of*).

### Submissions
- Papers of up to **9 pages**, references and appendix included, as one PDF.
- Review is **double-blind**: remove your names and affiliations, and cite your own work in the
  third person.
- Work under review elsewhere is welcome; the workshop has no archival proceedings.

Each paper is tagged with one primary direction and, optionally, secondary ones.
"""

# The phases the demo can be brought to, in the workshop's order. The demo also passes through
# camera_ready on its way to published (the authors upload their final versions then), but a
# person cannot ask for it: it holds nothing that published does not.
PHASES = ["submission", "bidding", "reviewing", "decisions", "published"]

# Offsets in days from the day the demo is seeded, per phase; deadlines fall at 23:59:59 AoE.
SCHEDULES = {
    "submission": {
        "submission_deadline": 14,
        "bidding_deadline": 18,
        "review_deadline": 35,
        "notification_date": 42,
        "camera_ready_deadline": 56,
    },
    "bidding": {
        "submission_deadline": -1,
        "bidding_deadline": 4,
        "review_deadline": 21,
        "notification_date": 28,
        "camera_ready_deadline": 42,
    },
    "reviewing": {
        "submission_deadline": -5,
        "bidding_deadline": -1,
        "review_deadline": 14,
        "notification_date": 21,
        "camera_ready_deadline": 35,
    },
    "decisions": {
        "submission_deadline": -19,
        "bidding_deadline": -15,
        "review_deadline": -1,
        "notification_date": 4,
        "camera_ready_deadline": 18,
    },
    "camera_ready": {
        "submission_deadline": -24,
        "bidding_deadline": -20,
        "review_deadline": -6,
        "notification_date": -1,
        "camera_ready_deadline": 13,
    },
    "published": {
        "submission_deadline": -38,
        "bidding_deadline": -34,
        "review_deadline": -20,
        "notification_date": -15,
        "camera_ready_deadline": -1,
    },
}
# Real-sounding names, so that they are not mistaken for the "Reviewer N" labels of a paper's reviews.
REVIEWER_NAMES = [
    "Rosa Alvarez",
    "Ben Okafor",
    "Chen Wei",
    "Dana Novak",
    "Elif Kaya",
    "Farid Haddad",
    "Greta Lund",
    "Hiro Tanaka",
]

DEMO_PEOPLE = [
    (CHAIR_EMAIL, "Clara Chair", "Max Planck Institute for Intelligent Systems"),
    *[
        (email, REVIEWER_NAMES[i - 1], ["ETH Zürich", "University of Oxford", "Mila", "CMU"][i % 4])
        for i, email in enumerate(REVIEWER_EMAILS, start=1)
    ],
    *[
        (email, f"Author {i}", ["University of Amsterdam", "UCL", "Stanford University"][i % 3])
        for i, email in enumerate(AUTHOR_EMAILS, start=1)
    ],
]


def schedule_from(today, phase="submission"):
    """The workshop's dates that put it in `phase` on `today` (a date in AoE)."""
    return {key: end_of_day_aoe(today + timedelta(days=days)) for key, days in SCHEDULES[phase].items()}


def is_past(workshop, phase) -> bool:
    """Whether the workshop's dates already put it after `phase` (a Phase value)."""
    order = list(Phase)
    return order.index(workshop.phase) > order.index(Phase(phase))


def move_to_phase(workshop, phase, today):
    """Move the workshop's dates so that it is in `phase` (a key of SCHEDULES) on `today`.

    The phase is a pure function of the dates, so this is how the demo goes forward. The demo has
    no opening date or abstract deadline: one left from a chair's experiment is cleared, since it
    could hold the workshop in another phase. Only the date fields are saved: a stale instance
    saved whole would put back an old submission counter.
    """
    dates = {"submissions_open_at": None, "abstract_deadline": None, **schedule_from(today, phase)}
    for field, value in dates.items():
        setattr(workshop, field, value)
    workshop.save(update_fields=list(dates))
    return workshop
