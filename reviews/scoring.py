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
from functools import cached_property

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
    """Everything the solver needs about a workshop, aligned on `papers` (rows) and `reviewers` (columns).

    The parts are kept compact, as a conference's would be 1.2 GB each as dense float32 (and
    filling them took longer than solving): the affinity stays in the stored matrix, with each
    paper's row and each reviewer's column in it; the direction match is one row per combination
    of directions that papers have; bids are their cells. `scores()` combines them in one pass.
    The dense properties (`affinity`, `direction_match`, `bid_points`, `not_willing`, `assigned`)
    are computed on first use, for small tables and tests.
    """

    papers: list
    reviewers: list
    conflicted: np.ndarray  # bool, dense
    bids: dict  # (paper id, reviewer id) -> BidValue
    method: str
    stored: np.ndarray | None  # the stored affinity matrix (memory-mapped when in a file), or None
    stored_rows: np.ndarray  # each paper's row in `stored`; -1 when it came after the computation
    stored_columns: np.ndarray  # each reviewer's column in `stored`, or -1
    direction_kind: np.ndarray  # each paper's row of direction_by_kind
    direction_by_kind: np.ndarray  # float32, (combinations of directions) x reviewers
    bid_cells: tuple  # (rows, columns) of the bids
    bid_values: np.ndarray  # their points, float32
    bid_excluding: np.ndarray  # bool: "not willing" or "conflict"
    assigned_cells: tuple  # (rows, columns) of the committed assignments

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.papers), len(self.reviewers)

    def affinity_rows(self, rows: slice, out: np.ndarray | None = None) -> np.ndarray:
        """The affinities of a block of papers (float32), read from the stored matrix."""
        source = self.stored_rows[rows]
        out = np.empty((len(source), len(self.reviewers)), np.float32) if out is None else out
        if self.stored is None or not self.stored.size:
            out[:] = 0
            return out
        columns, known = self.stored_columns, source >= 0
        picked = self.stored[_as_slice(source[known])]  # a view of consecutive rows, else a copy
        if known.all() and (columns >= 0).all():
            columns = _as_slice(columns)
            if isinstance(columns, slice):  # the columns as they lie: a copy, not a gather
                np.copyto(out, picked[:, columns])
            else:
                np.take(picked, columns, axis=1, out=out)
            return out
        out[:] = 0
        block = np.take(picked, np.maximum(columns, 0), axis=1)
        block[:, columns < 0] = 0
        out[known] = block
        return out

    def affinity_of(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        """The affinities of pairs (paper rows, reviewer columns), float32."""
        values = np.zeros(len(rows), np.float32)
        if self.stored is not None:
            source_rows, source_columns = self.stored_rows[rows], self.stored_columns[columns]
            known = (source_rows >= 0) & (source_columns >= 0)
            values[known] = self.stored[source_rows[known], source_columns[known]]
        return values

    def direction_of(self, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
        return self.direction_by_kind[self.direction_kind[rows], columns]

    @cached_property
    def affinity(self) -> np.ndarray:
        return self.affinity_rows(slice(None))

    @cached_property
    def direction_match(self) -> np.ndarray:
        return self.direction_by_kind[self.direction_kind]

    @cached_property
    def bid_points(self) -> np.ndarray:
        return self._dense(np.float32, self.bid_cells, self.bid_values)

    @cached_property
    def not_willing(self) -> np.ndarray:
        return self._dense(bool, self.bid_cells, self.bid_excluding)

    @cached_property
    def assigned(self) -> np.ndarray:
        return self._dense(bool, self.assigned_cells, True)

    @property
    def excluded(self) -> np.ndarray:
        """Conflicts and excluding bids (a new array)."""
        excluded = self.conflicted.copy()
        rows, columns = self.bid_cells
        excluded[rows[self.bid_excluding], columns[self.bid_excluding]] = True
        return excluded

    def _dense(self, dtype, cells, values) -> np.ndarray:
        array = np.zeros(self.shape, dtype=dtype)
        array[cells] = values
        return array

    def scores(self, weights: Weights) -> np.ndarray:
        """Every pair's score, float32, computed block by block of rows into one array."""
        scores = np.empty(self.shape, dtype=np.float32)
        by_kind = (np.float32(weights.direction) * self.direction_by_kind).astype(np.float32)
        # One buffer for every block's direction rows: a new 60 MB array each time cost more in
        # fresh memory than the arithmetic.
        directions = np.empty((min(ROW_BLOCK, len(self.papers)), len(self.reviewers)), dtype=np.float32)
        for block in _row_blocks(len(self.papers)):
            rows = scores[block]
            self.affinity_rows(block, out=rows)
            rows *= np.float32(weights.affinity)
            np.take(by_kind, self.direction_kind[block], axis=0, out=directions[: len(rows)], mode="clip")
            rows += directions[: len(rows)]
        scores[self.bid_cells] += np.float32(weights.bid) * self.bid_values  # one bid per pair
        return scores

    def max_loads(self) -> np.ndarray:
        return np.array([reviewer.profile.effective_max_load for reviewer in self.reviewers], dtype=np.int64)


# Rows per block when whole-matrix arrays are combined: each temporary is then a few tens of MB.
ROW_BLOCK = 1024
FEW = 1000  # papers or reviewers named by id in score_table's queries


def _row_blocks(rows):
    return (slice(start, start + ROW_BLOCK) for start in range(0, rows, ROW_BLOCK))


def _as_slice(indices: np.ndarray):
    """A slice for consecutive indices (a view of the stored matrix, not a copy), else the indices."""
    if len(indices) and indices[-1] - indices[0] + 1 == len(indices) and (np.diff(indices) == 1).all():
        return slice(int(indices[0]), int(indices[-1]) + 1)
    return indices


def _positions(ids, index_of_id) -> np.ndarray:
    """For each id, its position through `index_of_id` (see _index_of), or -1."""
    ids = np.asarray(ids, dtype=np.int64)
    positions = np.full(len(ids), -1, dtype=np.int64)
    inside = ids < len(index_of_id)
    positions[inside] = index_of_id[ids[inside]]
    return positions


def _index_of(pks) -> np.ndarray:
    """An array from id to position in `pks` (-1 for ids not in it)."""
    pks = np.asarray(pks, dtype=np.int64)
    index = np.full(int(pks.max(initial=0)) + 1, -1, dtype=np.int64)
    index[pks] = np.arange(len(pks))
    return index


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
    """Read the workshop's affinities, bids, directions, conflicts and assignments into arrays.
    A constant number of queries, whatever the workshop's size."""
    if papers is None:  # the whole workshop, for a run: only what the run uses of each paper
        papers = list(
            live_papers(workshop)
            .select_related(None)
            .prefetch_related(None)
            .only("pk", "number", "workshop_id", "primary_direction_id")
        )
    stored = selectors.affinity_matrix_of(workshop)
    if reviewers is None:
        reviewers = selectors.reviewers_of(workshop)
        if stored is not None:
            # In the stored matrix's order (then by name, those who came after it): its columns are
            # then copied as they lie. Gathering them one by one took 5 s at a conference.
            place = stored.reviewer_column
            reviewers.sort(key=lambda reviewer: place.get(reviewer.pk, len(place)))
    paper_ids = np.array([paper.pk for paper in papers], dtype=np.int64)
    reviewer_ids = np.array([reviewer.pk for reviewer in reviewers], dtype=np.int64)
    row_of, column_of = _index_of(paper_ids), _index_of(reviewer_ids)
    shape = (len(papers), len(reviewers))
    # The rows of a few papers or reviewers (a page's) are asked for by id; those of many by
    # workshop (a list of 20,000 ids is slower to send and to plan than the rows it saves).
    few_papers, few_reviewers = len(papers) < FEW, len(reviewers) < FEW
    of_papers = {"submission_id__in": paper_ids.tolist()} if few_papers else {"submission__workshop": workshop}

    if stored is not None:
        stored_rows = _positions(paper_ids, _index_of(stored.paper_ids))
        stored_columns = _positions(reviewer_ids, _index_of(stored.reviewer_ids))
    else:
        stored_rows, stored_columns = np.full(shape[0], -1), np.full(shape[1], -1)

    # Bids, as cells: a conference has 190,000 of them.
    bids = {}
    cells = ([], [])
    points, excluding = [], []
    rows = Bid.objects.filter(workshop=workshop, **of_papers)
    if few_reviewers:
        rows = rows.filter(reviewer_id__in=reviewer_ids.tolist())
    found = list(rows.values_list("submission_id", "reviewer_id", "value"))
    if found:
        paper_col, reviewer_col, _ = zip(*found, strict=True)
        bid_rows, bid_columns = _positions(paper_col, row_of), _positions(reviewer_col, column_of)
        known = (bid_rows >= 0) & (bid_columns >= 0)
        cells = (bid_rows[known], bid_columns[known])
        found = [bid for bid, keep in zip(found, known.tolist(), strict=True) if keep]
        bids = {(paper_id, reviewer_id): value for paper_id, reviewer_id, value in found}
        points = [BID_POINTS.get(value, 0.0) for _, _, value in found]
        excluding = [value in EXCLUDING_BIDS for _, _, value in found]
    bid_cells = tuple(np.asarray(axis, dtype=np.intp) for axis in cells)

    # Direction match: papers' primary and secondary directions against reviewers' directions,
    # computed once for each combination of directions a paper has (a few dozen).
    expertise = _directions_of(workshop, reviewers)
    direction_ids = sorted(set().union(*expertise))
    index = {pk: k for k, pk in enumerate(direction_ids)}
    secondary_of = {}
    through = Submission.secondary_directions.through.objects.filter(**of_papers)
    for submission_id, direction_id in through.values_list("submission_id", "direction_id"):
        if direction_id in index:
            secondary_of.setdefault(submission_id, set()).add(index[direction_id])
    kinds, direction_kind = {}, np.empty(len(papers), dtype=np.intp)
    for i, paper in enumerate(papers):
        kind = (index.get(paper.primary_direction_id), frozenset(secondary_of.get(paper.pk, ())))
        direction_kind[i] = kinds.setdefault(kind, len(kinds))
    expert = np.zeros((len(reviewers), len(direction_ids)), dtype=np.float32)
    for j, directions in enumerate(expertise):
        expert[j, [index[pk] for pk in directions]] = 1
    primary = np.zeros((len(kinds), len(direction_ids)), dtype=np.float32)
    secondary = np.zeros_like(primary)
    for (first, others), kind in kinds.items():
        if first is not None:
            primary[kind, first] = 1
        secondary[kind, list(others)] = 1
    direction_by_kind = np.maximum(
        np.float32(PRIMARY_MATCH) * (primary @ expert.T > 0),
        np.float32(SECONDARY_MATCH) * (secondary @ expert.T > 0),
    ).astype(np.float32)

    # Conflicts come in groups (the people of an institution or an affiliation): each group's
    # columns are found once and set paper by paper; at a conference there are 15 million pairs in
    # conflict, too many to look up one by one.
    conflicted = np.zeros(shape, dtype=bool)
    members, by_paper = submission_selectors.conflicts_by_paper(workshop, papers, reviewers)

    def columns_of(users):
        columns = _positions(np.fromiter(users, dtype=np.int64, count=len(users)), column_of)
        return columns[columns >= 0]

    group_columns = {key: columns_of(users) for key, users in members.items()}
    for paper in by_paper:
        line = conflicted[row_of[paper.pk]]
        for key in paper.groups:
            line[group_columns[key]] = True
        for users, value in ((paper.found, True), (paper.lifted, False), (paper.forced, True)):
            if users:
                line[columns_of(users)] = value

    assignments = Assignment.objects.filter(workshop=workshop, **of_papers).values_list("submission_id", "reviewer_id")
    pairs = np.array(list(assignments), dtype=np.int64).reshape(-1, 2)
    assigned_rows, assigned_columns = _positions(pairs[:, 0], row_of), _positions(pairs[:, 1], column_of)
    known = (assigned_rows >= 0) & (assigned_columns >= 0)

    return ScoreTable(
        papers=papers,
        reviewers=reviewers,
        conflicted=conflicted,
        bids=bids,
        method=stored.method if stored is not None else "",
        stored=stored.matrix if stored is not None else None,
        stored_rows=stored_rows,
        stored_columns=stored_columns,
        direction_kind=direction_kind,
        direction_by_kind=direction_by_kind.reshape(len(kinds), len(reviewers)),
        bid_cells=bid_cells,
        bid_values=np.array(points, dtype=np.float32),
        bid_excluding=np.array(excluding, dtype=bool),
        assigned_cells=(assigned_rows[known], assigned_columns[known]),
    )


def breakdown(table: ScoreTable, weights: Weights, i: int, j: int) -> Breakdown:
    """Pair (paper i, reviewer j) of the table, in parts."""
    bid = table.bids.get((table.papers[i].pk, table.reviewers[j].pk), BidValue.NEUTRAL)
    excluded = ""
    if table.conflicted[i, j]:
        excluded = "conflict of interest"
    elif bid in EXCLUDING_BIDS:
        excluded = "bid “conflict”" if bid == BidValue.CONFLICT else "bid “not willing”"
    affinity, direction = float(table.affinity[i, j]), float(table.direction_by_kind[table.direction_kind[i], j])
    score = float(weights.combine(affinity, BID_POINTS.get(bid, 0.0), direction))
    return Breakdown(affinity, bid, direction, score, excluded)
