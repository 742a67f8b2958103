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
        """Every pair's score, float32, computed in blocks of rows: at 20,000 x 15,000 the whole
        expression at once would hold three more matrices of 1.2 GB while it is evaluated."""
        scores = np.empty(self.affinity.shape, dtype=np.float32)
        for block in _row_blocks(len(self.papers)):
            scores[block] = weights.combine(self.affinity[block], self.bid_points[block], self.direction_match[block])
        return scores

    def max_loads(self) -> np.ndarray:
        return np.array([reviewer.profile.effective_max_load for reviewer in self.reviewers], dtype=np.int64)


# Rows per block when whole-matrix arrays are combined: each temporary is then a few tens of MB.
ROW_BLOCK = 1024


def _row_blocks(rows):
    return (slice(start, start + ROW_BLOCK) for start in range(0, rows, ROW_BLOCK))


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
    if papers is None:  # the whole workshop, for a run: its texts are not needed, and 20,000 abstracts are big
        papers = list(live_papers(workshop).defer("abstract", "tldr", "keywords", "anonymity_findings"))
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
            source_rows, target_rows = (np.array(pks) for pks in zip(*rows, strict=True))
            source_cols, target_cols = (np.array(pks) for pks in zip(*cols, strict=True))
            # Block by block: the stored matrix may be a memory-mapped file of a gigabyte, and one
            # fancy-indexed copy of it would be a second gigabyte.
            for block in _row_blocks(len(source_rows)):
                affinity[np.ix_(target_rows[block], target_cols)] = stored.matrix[source_rows[block]][:, source_cols]

    bid_points = np.zeros(shape, dtype=np.float32)
    not_willing = np.zeros(shape, dtype=bool)
    bids, cells, points, excluding = {}, ([], []), [], []
    for paper_id, reviewer_id, value in Bid.objects.filter(workshop=workshop).values_list(
        "submission_id", "reviewer_id", "value"
    ):
        if paper_id in row and reviewer_id in column:
            bids[paper_id, reviewer_id] = value
            cells[0].append(row[paper_id])
            cells[1].append(column[reviewer_id])
            points.append(BID_POINTS.get(value, 0.0))
            excluding.append(value in EXCLUDING_BIDS)
    # All at once, from arrays: a conference has hundreds of thousands of bids.
    cells = (np.array(cells[0], dtype=np.intp), np.array(cells[1], dtype=np.intp))
    bid_points[cells] = np.array(points, dtype=np.float32)
    not_willing[cells] = np.array(excluding, dtype=bool)

    # Direction match: papers' primary and secondary directions against reviewers' directions,
    # computed once for each combination of directions a paper has (a few dozen), then copied.
    direction_ids = sorted(set().union(*expertise))
    direction_match = np.zeros(shape, dtype=np.float32)
    if direction_ids:
        index = {pk: k for k, pk in enumerate(direction_ids)}
        expert = np.zeros((len(reviewers), len(direction_ids)), dtype=np.float32)
        for j, directions in enumerate(expertise):
            expert[j, [index[pk] for pk in directions]] = 1
        kinds, kind_of_paper = {}, np.empty(len(papers), dtype=np.intp)
        for i, paper in enumerate(papers):
            secondary = frozenset(index[d.pk] for d in paper.secondary_directions.all() if d.pk in index)
            kind_of_paper[i] = kinds.setdefault((index.get(paper.primary_direction_id), secondary), len(kinds))
        primary = np.zeros((len(kinds), len(direction_ids)), dtype=np.float32)
        secondary = np.zeros_like(primary)
        for (first, others), kind in kinds.items():
            if first is not None:
                primary[kind, first] = 1
            secondary[kind, list(others)] = 1
        by_kind = np.maximum(
            np.float32(PRIMARY_MATCH) * (primary @ expert.T > 0),
            np.float32(SECONDARY_MATCH) * (secondary @ expert.T > 0),
        )
        for block in _row_blocks(len(papers)):  # by blocks: np.take(..., out=) of it all is ten times slower
            direction_match[block] = by_kind[kind_of_paper[block]]

    # Paper by paper, through an array from user id to column: at a conference there are millions
    # of pairs in conflict, too many to look up one by one.
    conflicted = np.zeros(shape, dtype=bool)
    column_of = np.full(max(column, default=0) + 1, -1, dtype=np.int64)
    column_of[list(column)] = list(column.values())
    for paper_id, users in submission_selectors.conflicts_by_paper(workshop, papers, reviewers):
        ids = np.fromiter(users, dtype=np.int64, count=len(users))
        columns = column_of[ids[ids < len(column_of)]]
        conflicted[row[paper_id], columns[columns >= 0]] = True

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
