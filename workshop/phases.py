"""A workshop's phase as a pure function of its deadlines and the clock.

Deadlines are inclusive: work is accepted up to and including the deadline instant plus the
grace period, and refused one second later. Start dates (submissions open, notification) begin
their phase at the instant itself. Everything is in UTC; Anywhere on Earth is only a display.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from workshop.enums import Phase

AOE = timezone(timedelta(hours=-12), "AoE")


@dataclass(frozen=True)
class Deadlines:
    submission_deadline: datetime
    submissions_open_at: datetime | None = None
    abstract_deadline: datetime | None = None
    bidding_deadline: datetime | None = None
    review_deadline: datetime | None = None
    notification_date: datetime | None = None
    camera_ready_deadline: datetime | None = None
    grace: timedelta = timedelta(0)

    def is_open(self, deadline, now):
        """True while `now` is at or before `deadline` plus the grace period."""
        return now <= deadline + self.grace


@dataclass(frozen=True)
class ImportantDate:
    key: str
    label: str
    at: datetime

    @property
    def at_aoe(self):
        return self.at.astimezone(AOE)


# (field, label) in the order a workshop goes through them.
DATE_FIELDS = [
    ("submissions_open_at", "Submissions open"),
    ("abstract_deadline", "Abstract registration deadline"),
    ("submission_deadline", "Paper submission deadline"),
    ("bidding_deadline", "Bidding ends"),
    ("review_deadline", "Review deadline"),
    ("notification_date", "Notification of acceptance"),
    ("camera_ready_deadline", "Camera-ready deadline"),
]


def phase_at(deadlines: Deadlines, now: datetime) -> Phase:
    """The phase of a workshop with these deadlines at the instant `now` (aware)."""
    d = deadlines
    if d.submissions_open_at and now < d.submissions_open_at:
        return Phase.UPCOMING
    if d.abstract_deadline and d.is_open(d.abstract_deadline, now):
        return Phase.SUBMISSION
    if d.is_open(d.submission_deadline, now):
        return Phase.FULL_PAPER if d.abstract_deadline else Phase.SUBMISSION
    if d.bidding_deadline and d.is_open(d.bidding_deadline, now):
        return Phase.BIDDING
    if d.review_deadline is None or d.is_open(d.review_deadline, now):
        return Phase.REVIEWING
    if d.notification_date is None or now < d.notification_date:
        return Phase.DECISIONS
    if d.camera_ready_deadline is None or d.is_open(d.camera_ready_deadline, now):
        return Phase.CAMERA_READY
    return Phase.PUBLISHED


def important_dates(deadlines: Deadlines) -> list[ImportantDate]:
    """The dates that are set, in the order of the workshop's life."""
    return [
        ImportantDate(key, label, getattr(deadlines, key))
        for key, label in DATE_FIELDS
        if getattr(deadlines, key) is not None
    ]


def next_date(deadlines: Deadlines, now: datetime) -> ImportantDate | None:
    """The first important date still ahead of `now`, for the countdown."""
    return next((date for date in important_dates(deadlines) if date.at > now), None)


def format_aoe(moment: datetime | None) -> str:
    """'Wed 9 Dec 2026, 23:59 AoE': how every page and email states a deadline (the `aoe` filter).

    A deadline at 23:59:59 AoE is 11:59:59 UTC the next day: formatting it in UTC, or taking its
    UTC date, names a day too late."""
    if not moment:
        return ""
    return moment.astimezone(AOE).strftime("%a %-d %b %Y, %H:%M AoE")


def end_of_day_aoe(day) -> datetime:
    """23:59:59 Anywhere on Earth on `day`, in UTC: the usual way a workshop states a deadline."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=AOE).astimezone(UTC)
