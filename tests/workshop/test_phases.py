from datetime import UTC, datetime, timedelta

import pytest

from workshop.enums import Phase
from workshop.phases import Deadlines, end_of_day_aoe, next_date, phase_at

SECOND = timedelta(seconds=1)
GRACE = timedelta(minutes=30)
T = {
    "submissions_open_at": datetime(2026, 3, 1, 12, tzinfo=UTC),
    "abstract_deadline": datetime(2026, 5, 1, 12, tzinfo=UTC),
    "submission_deadline": datetime(2026, 5, 8, 12, tzinfo=UTC),
    "bidding_deadline": datetime(2026, 5, 12, 12, tzinfo=UTC),
    "review_deadline": datetime(2026, 6, 1, 12, tzinfo=UTC),
    "notification_date": datetime(2026, 6, 10, 12, tzinfo=UTC),
    "camera_ready_deadline": datetime(2026, 6, 24, 12, tzinfo=UTC),
}
FULL = Deadlines(**T, grace=GRACE)

# (deadline, phase while it is open, phase once it has closed)
DEADLINE_EDGES = [
    ("abstract_deadline", Phase.SUBMISSION, Phase.FULL_PAPER),
    ("submission_deadline", Phase.FULL_PAPER, Phase.BIDDING),
    ("bidding_deadline", Phase.BIDDING, Phase.REVIEWING),
    ("review_deadline", Phase.REVIEWING, Phase.DECISIONS),
    ("camera_ready_deadline", Phase.CAMERA_READY, Phase.PUBLISHED),
]


@pytest.mark.parametrize(("key", "open_phase", "closed_phase"), DEADLINE_EDGES)
def test_phase_at_deadline_edges_with_grace(key, open_phase, closed_phase):
    deadline = T[key]

    seen = [
        phase_at(FULL, moment)
        for moment in (
            deadline - SECOND,
            deadline,
            deadline + SECOND,
            deadline + GRACE,
            deadline + GRACE + SECOND,
        )
    ]

    assert seen == [open_phase, open_phase, open_phase, open_phase, closed_phase]


@pytest.mark.parametrize(("key", "open_phase", "closed_phase"), DEADLINE_EDGES)
def test_phase_at_deadline_edges_without_grace(key, open_phase, closed_phase):
    deadlines = Deadlines(**T)
    deadline = T[key]

    seen = [phase_at(deadlines, moment) for moment in (deadline - SECOND, deadline, deadline + SECOND)]

    assert seen == [open_phase, open_phase, closed_phase]


@pytest.mark.parametrize(
    ("key", "before", "after"),
    [
        ("submissions_open_at", Phase.UPCOMING, Phase.SUBMISSION),
        ("notification_date", Phase.DECISIONS, Phase.CAMERA_READY),
    ],
)
def test_phase_at_start_dates_begin_at_the_instant(key, before, after):
    start = T[key]

    seen = [phase_at(FULL, moment) for moment in (start - SECOND, start, start + SECOND)]

    assert seen == [before, after, after]


def test_phase_at_without_abstract_deadline_is_plain_submission_until_the_deadline():
    deadlines = Deadlines(submission_deadline=T["submission_deadline"], grace=GRACE)

    assert phase_at(deadlines, T["submission_deadline"] + GRACE) == Phase.SUBMISSION
    assert phase_at(deadlines, T["submission_deadline"] + GRACE + SECOND) == Phase.REVIEWING


def test_phase_at_skips_bidding_when_no_bidding_deadline_is_set():
    deadlines = Deadlines(submission_deadline=T["submission_deadline"], review_deadline=T["review_deadline"])

    assert phase_at(deadlines, T["submission_deadline"] + SECOND) == Phase.REVIEWING


def test_next_date_is_the_first_date_still_ahead():
    upcoming = next_date(FULL, T["abstract_deadline"])

    assert (upcoming.key, upcoming.at) == ("submission_deadline", T["submission_deadline"])
    assert next_date(FULL, T["camera_ready_deadline"]) is None


def test_end_of_day_aoe_is_noon_utc_the_next_day():
    assert end_of_day_aoe(datetime(2026, 5, 8).date()) == datetime(2026, 5, 9, 11, 59, 59, tzinfo=UTC)
