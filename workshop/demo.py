"""The demo workshop: Causality and Large Models, as DESIGN.md section 1 describes it."""

from datetime import timedelta

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

# Offsets in days from the day the demo is seeded; deadlines fall at 23:59:59 AoE.
CALM_SCHEDULE = {
    "submission_deadline": 14,
    "bidding_deadline": 18,
    "review_deadline": 35,
    "notification_date": 42,
    "camera_ready_deadline": 56,
}

DEMO_PEOPLE = [
    (CHAIR_EMAIL, "Clara Chair", "Max Planck Institute for Intelligent Systems"),
    *[
        (email, f"Reviewer {i}", ["ETH Zürich", "University of Oxford", "Mila", "CMU"][i % 4])
        for i, email in enumerate(REVIEWER_EMAILS, start=1)
    ],
    *[
        (email, f"Author {i}", ["University of Amsterdam", "UCL", "Stanford University"][i % 3])
        for i, email in enumerate(AUTHOR_EMAILS, start=1)
    ],
]


def schedule_from(today):
    from workshop.phases import end_of_day_aoe

    return {key: end_of_day_aoe(today + timedelta(days=days)) for key, days in CALM_SCHEDULE.items()}
