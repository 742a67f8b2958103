"""The score of a paper-reviewer pair, as the automatic assignment and the chairs' pages see it.

score = affinity weight * affinity + bid weight * bid + direction weight * direction match

- affinity: the workshop's stored matrix (0 to 1; 0 until it is computed or for a newcomer);
- bid: eager 1, willing 0.5, neutral or no bid 0; "not willing" and "conflict" exclude the pair;
- direction match: 1 when the paper's primary direction is one of the reviewer's directions of
  expertise, 0.5 when only a secondary one is, else 0.

Conflicts (submissions.selectors) exclude a pair everywhere. The whole table is read in a
constant number of queries, whatever the workshop's size.
"""

from dataclasses import dataclass

import numpy as np

from reviews import selectors
from reviews.enums import EXCLUDING_BIDS, BidValue
from reviews.models import Assignment, Bid, ReviewerProfile
from submissions import selectors as submission_selectors
from submissions.enums import SubmissionStatus
from submissions.models import Submission

BID_POINTS = {BidValue.EAGER: 1.0, BidValue.WILLING: 0.5, BidValue.NEUTRAL: 0.0}
PRIMARY_MATCH, SECONDARY_MATCH = 1.0, 0.5


@dataclass(frozen=True)
class Weights:
    affinity: float = 1.0
    bid: float = 1.0
    direction: float = 0.3

    def combine(self, affinity, bid_points, direction_match):
        return self.affinity * affinity + self.bid * bid_points + self.direction * direction_match


@dataclass(frozen=True)
class Breakdown:
    """One pair's score in parts, for "why this reviewer"."""

    affinity: float
    bid: str
    direction_match: float
    score: float
    excluded: str = ""  # why the pair may not be assigned ("" when it may)

    @property
    def bid_points(self) -> float:
        return BID_POINTS.get(self.bid, 0.0)


@dataclass
class ScoreTable:
    """Everything the solver needs about a workshop, aligned on `papers` (rows) and `reviewers` (columns)."""

    papers: list
    reviewers: list
    affinity: np.ndarray  # float32
    bid_points: np.ndarray  # float32
    direction_match: np.ndarray  # float32
    conflicted: np.ndarray  # bool
    not_willing: np.ndarray  # bool: "not willing" or "conflict" bids
    assigned: np.ndarray  # bool: committed assignments
    bids: dict  # (paper id, reviewer id) -> BidValue
    method: str

    @property
    def excluded(self) -> np.ndarray:
        return self.conflicted | self.not_willing

    def scores(self, weights: Weights) -> np.ndarray:
        return weights.combine(self.affinity, self.bid_points, self.direction_match).astype(np.float32)

    def max_loads(self) -> np.ndarray:
        return np.array([reviewer.profile.effective_max_load for reviewer in self.reviewers], dtype=np.int64)


def live_papers(workshop):
    """The papers that take part in assignment: submitted (numbered, not withdrawn or rejected)."""
    return (
        Submission.objects.filter(workshop=workshop, status=SubmissionStatus.SUBMITTED, number__isnull=False)
        .select_related("primary_direction")
        .prefetch_related("secondary_directions")
        .order_by("number")
    )


def _directions_of(workshop, reviewers) -> list[set[int]]:
    """Each reviewer's directions of expertise for this workshop, as sets of ids (one query)."""
    through = ReviewerProfile.directions.through.objects.filter(reviewerprofile__workshop=workshop)
    by_user = {}
    for user_id, direction_id in through.values_list("reviewerprofile__user_id", "direction_id"):
        by_user.setdefault(user_id, set()).add(direction_id)
    return [by_user.get(reviewer.pk, set()) for reviewer in reviewers]


def score_table(workshop, *, papers=None, reviewers=None) -> ScoreTable:
    """Read the workshop's affinities, bids, directions, conflicts and assignments into arrays."""
    papers = list(live_papers(workshop)) if papers is None else papers
    reviewers = selectors.reviewers_of(workshop) if reviewers is None else reviewers
    expertise = _directions_of(workshop, reviewers)
    shape = (len(papers), len(reviewers))
    row = {paper.pk: i for i, paper in enumerate(papers)}
    column = {reviewer.pk: j for j, reviewer in enumerate(reviewers)}

    affinity = np.zeros(shape, dtype=np.float32)
    method = ""
    stored = selectors.affinity_matrix_of(workshop)
    if stored is not None:
        method = stored.method
        rows = [(i, row[pk]) for i, pk in enumerate(stored.paper_ids) if pk in row]
        cols = [(j, column[pk]) for j, pk in enumerate(stored.reviewer_ids) if pk in column]
        if rows and cols:
            source_rows, target_rows = map(list, zip(*rows, strict=True))
            source_cols, target_cols = map(list, zip(*cols, strict=True))
            affinity[np.ix_(target_rows, target_cols)] = stored.matrix[np.ix_(source_rows, source_cols)]

    bid_points = np.zeros(shape, dtype=np.float32)
    not_willing = np.zeros(shape, dtype=bool)
    bids = {}
    for paper_id, reviewer_id, value in Bid.objects.filter(workshop=workshop).values_list(
        "submission_id", "reviewer_id", "value"
    ):
        if paper_id in row and reviewer_id in column:
            i, j = row[paper_id], column[reviewer_id]
            bids[paper_id, reviewer_id] = value
            bid_points[i, j] = BID_POINTS.get(value, 0.0)
            not_willing[i, j] = value in EXCLUDING_BIDS

    # Direction match: papers' primary and secondary directions against reviewers' directions.
    direction_ids = sorted(set().union(*expertise))
    direction_match = np.zeros(shape, dtype=np.float32)
    if direction_ids:
        index = {pk: k for k, pk in enumerate(direction_ids)}
        expert = np.zeros((len(reviewers), len(direction_ids)), dtype=np.float32)
        for j, directions in enumerate(expertise):
            expert[j, [index[pk] for pk in directions]] = 1
        primary = np.zeros((len(papers), len(direction_ids)), dtype=np.float32)
        secondary = np.zeros_like(primary)
        for i, paper in enumerate(papers):
            if paper.primary_direction_id in index:
                primary[i, index[paper.primary_direction_id]] = 1
            for direction in paper.secondary_directions.all():
                if direction.pk in index:
                    secondary[i, index[direction.pk]] = 1
        direction_match = np.maximum(
            PRIMARY_MATCH * (primary @ expert.T > 0), SECONDARY_MATCH * (secondary @ expert.T > 0)
        ).astype(np.float32)

    conflicted = np.zeros(shape, dtype=bool)
    for paper_id, user_id in submission_selectors.conflict_pairs(workshop, papers, reviewers):
        if paper_id in row and user_id in column:
            conflicted[row[paper_id], column[user_id]] = True

    assigned = np.zeros(shape, dtype=bool)
    for paper_id, reviewer_id in Assignment.objects.filter(workshop=workshop).values_list(
        "submission_id", "reviewer_id"
    ):
        if paper_id in row and reviewer_id in column:
            assigned[row[paper_id], column[reviewer_id]] = True

    return ScoreTable(
        papers, reviewers, affinity, bid_points, direction_match, conflicted, not_willing, assigned, bids, method
    )


def breakdown(table: ScoreTable, weights: Weights, i: int, j: int) -> Breakdown:
    """Pair (paper i, reviewer j) of the table, in parts."""
    bid = table.bids.get((table.papers[i].pk, table.reviewers[j].pk), BidValue.NEUTRAL)
    excluded = ""
    if table.conflicted[i, j]:
        excluded = "conflict of interest"
    elif table.not_willing[i, j]:
        excluded = "bid “conflict”" if bid == BidValue.CONFLICT else "bid “not willing”"
    affinity, direction = float(table.affinity[i, j]), float(table.direction_match[i, j])
    score = float(weights.combine(affinity, BID_POINTS.get(bid, 0.0), direction))
    return Breakdown(affinity, bid, direction, score, excluded)
