"""Writes on bids: a reviewer says how much they want to review a paper, during the bidding phase.

A "neutral" bid is stored as a row like the others rather than deleted: it records that the
reviewer looked at the paper and chose, so "you have bid on X of Y papers" counts it, and every
bid is one update of one row whatever its value. The assignment reads a missing bid as neutral,
so the two mean the same to it.

A "conflict" bid is the reviewer's own conflict declaration (DESIGN §6): placing one declares the
conflict, and moving away from it withdraws the declaration, in the same transaction as the bid.
"""

from django.db import IntegrityError, transaction

from reviews.enums import BidValue
from reviews.models import Bid
from submissions import services as submission_services
from submissions.enums import LIVE
from submissions.selectors import conflicted_submissions
from workshop.enums import Phase, Role
from workshop.phases import format_aoe
from workshop.selectors import roles_in

# Phases before the submission deadline, when bidding has not opened yet.
BEFORE_BIDDING = {Phase.UPCOMING, Phase.SUBMISSION, Phase.FULL_PAPER}


class BidRefused(Exception):
    """The bid cannot be placed; str() tells the reviewer why."""


def bidding_closed_message(workshop) -> str:
    """Why bids are not taken now, for the reviewer; "" while the workshop is in its bidding phase."""
    phase = workshop.phase
    if phase == Phase.BIDDING:
        return ""
    if workshop.bidding_deadline is None:
        return f"{workshop.short_name} has no bidding phase: the chairs assign papers without bids."
    if phase in BEFORE_BIDDING:
        return f"Bidding opens after the submission deadline, {format_aoe(workshop.submission_deadline)}."
    return f"Bidding closed on {format_aoe(workshop.bidding_deadline)}."


def place_bid(*, workshop, reviewer, submission, value) -> Bid:
    """Record `reviewer`'s bid on `submission`, replacing their earlier bid on it.

    Refuses (BidRefused) unless the person reviews for the workshop, the workshop is in its bidding
    phase, the paper is a live paper of this workshop that the reviewer is not in conflict with
    (their own "conflict" bid aside, so that they can take it back), and `value` is a BidValue.
    A double click is harmless: the pair's row is locked, or created once, and set to the value.
    """
    if Role.REVIEWER not in roles_in(reviewer, workshop):
        raise BidRefused(f"Only the reviewers of {workshop.short_name} can bid on its papers.")
    closed = bidding_closed_message(workshop)
    if closed:
        raise BidRefused(closed)
    if submission.workshop_id != workshop.pk or submission.number is None:
        raise BidRefused(f"This paper is not one of {workshop.short_name}'s submissions.")
    if submission.status not in LIVE:
        raise BidRefused(f"Paper {submission.label} is {submission.get_status_display().lower()}; it takes no bids.")
    if conflicted_submissions(reviewer, workshop, ignore_own_declaration=True).filter(pk=submission.pk).exists():
        raise BidRefused(f"You are in conflict with paper {submission.label}, so you cannot bid on it.")
    if value not in BidValue.values:
        choices = ", ".join(label.lower() for label in BidValue.labels)
        raise BidRefused(f"“{value}” is not a bid; choose one of {choices}.")

    with transaction.atomic():
        bid, previous = _locked_bid(workshop=workshop, reviewer=reviewer, submission=submission, value=value)
        if previous is not None and previous != value:
            bid.value = value
            bid.save(update_fields=["value", "updated_at"])
        if value == BidValue.CONFLICT and previous != BidValue.CONFLICT:
            submission_services.declare_conflict(submission=submission, user=reviewer)
        elif previous == BidValue.CONFLICT and value != BidValue.CONFLICT:
            submission_services.withdraw_conflict_declaration(submission=submission, user=reviewer)
    return bid


def _locked_bid(*, workshop, reviewer, submission, value) -> tuple[Bid, str | None]:
    """The pair's bid row, locked, and its value before this bid (None when this call created it)."""
    pair = {"submission": submission, "reviewer": reviewer}
    bid = Bid.objects.select_for_update().filter(**pair).first()
    if bid is not None:
        return bid, bid.value
    try:
        with transaction.atomic():
            return Bid.objects.create(workshop=workshop, value=value, **pair), None
    except IntegrityError:
        # The other click of a double click created the row between our read and our insert:
        # take its row, whose value is the one to compare with.
        bid = Bid.objects.select_for_update().get(**pair)
        return bid, bid.value
