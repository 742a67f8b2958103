"""Reviewer assignment: the best total score under demand, loads, conflicts and locked pairs.

`solve()` returns a papers x reviewers boolean array; `solve_with_report()` also says how it got there.

How it works (DESIGN.md §7):

1. Candidates come from the reviewer side: each reviewer's top papers (4 x their load), plus two
   round-robin assignments, so that the pruned problem is feasible whenever the full one is
   (almost always; when it is not, penalised slack arcs keep the flow feasible until step 3 adds
   the missing pairs).
2. OR-Tools' min-cost flow solves the pruned problem exactly on integer costs: scores are scaled
   so that the largest becomes 10^6..10^7 and rounded, which moves the total by less than 10^-6
   of a score per pair.
3. Node potentials of the optimal flow (shortest paths on its residual graph) give a price u_p per
   paper and v_r per reviewer. By LP duality the flow is optimal for the whole matrix when every
   pair left out has scaled score <= u_p + v_r; pairs that break this are added and the flow is
   solved again (column generation). `report.certified` says the loop ended that way; otherwise
   `report.gap_bound` bounds how far the total can be from the optimum.
4. `fair=True` starts from that optimum, raises the worst-off paper as far as a repair search can
   (see `_fair`), then maximises the total again with that floor kept.

The module is pure numpy/OR-Tools, so it can be used and benchmarked without Django.
"""

from __future__ import annotations

import heapq
import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

CANDIDATES_PER_LOAD = 4
FAIR_BUDGET = 0.005  # share of the max-sum total that fair mode may give up to raise the worst paper
MAX_ROUNDS = 30
NEAR = 0.01  # also add left-out pairs within NEAR x the largest score of breaking the bound
_CHUNK = 1 << 23  # scores one worker handles at once: 32 MB of float32
try:
    _WORKERS = max(1, min(2, len(os.sched_getaffinity(0))))
except AttributeError:  # not on Linux
    _WORKERS = max(1, min(2, os.cpu_count() or 1))


class AssignmentInfeasible(Exception):
    """The constraints admit no assignment. The message is written for the chair."""


@dataclass(frozen=True)
class FairReport:
    max_sum_total: float  # total score of the unconstrained optimum
    max_sum_worst: float  # its worst-off paper
    budget: float  # share of max_sum_total the fair assignment was allowed to give up
    floor: float  # every paper's total in the fair assignment is at least this
    floor_bound: float  # no assignment can lift every paper above this (each paper's best alone)
    moves: int  # repair moves in the accepted search
    polish_rounds: int  # flows solved to maximise the total under the floor


@dataclass(frozen=True)
class AssignmentReport:
    total_score: float
    worst_paper_score: float
    rounds: int  # flows solved for the max-sum assignment
    candidates: int  # pairs the final flow considered (of papers x reviewers)
    certified: bool  # proven optimal for the whole matrix by LP duality
    gap_bound: float  # the optimum is at most total + gap_bound (0 when certified; in score units)
    times: dict[str, float]
    fair: FairReport | None = None


def solve(
    scores,
    *,
    demand,
    max_load,
    min_load=0,
    conflicts=None,
    locked=None,
    fair=False,
    fair_budget: float = FAIR_BUDGET,
    paper_labels: Sequence[str] | None = None,
    reviewer_labels: Sequence[str] | None = None,
) -> np.ndarray:
    """The assignment (papers x reviewers, boolean) with the largest total score.

    `demand`: reviews per paper; `max_load`/`min_load`: papers per reviewer (ints or arrays).
    `conflicts`: pairs that must not be assigned; `locked`: pairs that must be.
    `fair=True` first raises the worst-off paper's total, as far as it can while the total stays
    within `fair_budget` (a share, default 0.5%) of the max-sum optimum, then maximises the sum.
    Raises AssignmentInfeasible, with a sentence for the chair, when no assignment exists.
    Labels name papers and reviewers in those sentences (default: 1-based numbers).
    """
    assignment, _ = solve_with_report(
        scores,
        demand=demand,
        max_load=max_load,
        min_load=min_load,
        conflicts=conflicts,
        locked=locked,
        fair=fair,
        fair_budget=fair_budget,
        paper_labels=paper_labels,
        reviewer_labels=reviewer_labels,
    )
    return assignment


def solve_with_report(
    scores,
    *,
    demand,
    max_load,
    min_load=0,
    conflicts=None,
    locked=None,
    fair=False,
    fair_budget: float = FAIR_BUDGET,
    paper_labels: Sequence[str] | None = None,
    reviewer_labels: Sequence[str] | None = None,
) -> tuple[np.ndarray, AssignmentReport]:
    """`solve()`, and an AssignmentReport: total, worst paper, rounds, candidates, certificate, times."""
    started = time.perf_counter()
    times: dict[str, float] = {}
    problem = _Problem.build(scores, demand, max_load, min_load, conflicts, locked, paper_labels, reviewer_labels)
    problem.check_feasible()
    times["read"] = time.perf_counter() - started  # checks, extremes and candidate thresholds: one pass

    flow = _max_sum(problem, problem.locked_p, problem.locked_r, times=times)
    pairs_p, pairs_r = flow.pairs_p, flow.pairs_r
    fair_report = None
    if fair:
        mark = time.perf_counter()
        if not 0 <= fair_budget < 1:
            raise ValueError("fair_budget must be a share of the total score, at least 0 and below 1")
        pairs_p, pairs_r, fair_report = _fair(problem, flow, fair_budget)
        times["fair"] = time.perf_counter() - mark

    assignment = np.zeros(problem.scores.shape, dtype=bool)
    assignment.reshape(-1)[pairs_p * problem.shape[1] + pairs_r] = True  # flat: much faster than [p, r]
    totals = problem.paper_totals(pairs_p, pairs_r)
    times["total"] = time.perf_counter() - started
    report = AssignmentReport(
        total_score=float(totals.sum()),
        worst_paper_score=_worst(totals, problem.demand > 0),
        rounds=flow.rounds,
        candidates=len(flow.candidates),
        certified=flow.certified,
        gap_bound=flow.gap_bound,
        times=times,
        fair=fair_report,
    )
    return assignment, report


# ---------------------------------------------------------------------------------------------
# The problem: validated inputs, infeasibility in plain words
# ---------------------------------------------------------------------------------------------


def _counts(value, size: int, name: str) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim == 0:
        array = np.full(size, array)
    if array.shape != (size,):
        raise ValueError(f"{name} must be an int or {size} ints, not an array of shape {array.shape}")
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer) or (np.issubdtype(array.dtype, np.floating) and (array % 1 == 0).all())
    ):
        raise ValueError(f"{name} must hold whole numbers")
    array = array.astype(np.int64)
    if (array < 0).any():
        raise ValueError(f"{name} must not be negative")
    return array


def _mask(value, shape: tuple[int, int], name: str) -> np.ndarray | None:
    if value is None:
        return None
    array = np.asarray(value)
    if array.shape != shape or array.dtype != bool:
        raise ValueError(f"{name} must be a boolean array of shape {shape}")
    return np.ascontiguousarray(array)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _listed(names: list[str], more: int) -> str:
    text = ", ".join(names)
    return f"{text} and {more} more" if more else text


@dataclass
class _Problem:
    scores: np.ndarray  # the caller's array when C-ordered float32/float64 (not copied)
    demand: np.ndarray
    max_load: np.ndarray
    min_load: np.ndarray
    conflicts: np.ndarray | None
    locked_p: np.ndarray
    locked_r: np.ndarray
    paper_labels: Sequence[str] | None
    reviewer_labels: Sequence[str] | None
    scale: float  # scores x scale, rounded, are the flow's integer costs
    largest: float  # the largest |score|
    row_max: np.ndarray  # each paper's largest score, conflicts included
    top_hits: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # (p, r, score) at or above r's sampled threshold

    @classmethod
    def build(cls, scores, demand, max_load, min_load, conflicts, locked, paper_labels, reviewer_labels):
        # Rows are read in place: a C-ordered float32 or float64 array is never copied.
        scores = np.asarray(scores)
        if scores.ndim != 2:
            raise ValueError(f"scores must be a 2-D array (papers x reviewers), not {scores.ndim}-D")
        scores = np.ascontiguousarray(scores, dtype=scores.dtype if scores.dtype in (np.float32, np.float64) else float)
        papers, reviewers = scores.shape
        max_load = _counts(max_load, reviewers, "max_load")
        threshold = _sampled_thresholds(scores, np.minimum(CANDIDATES_PER_LOAD * max_load, papers))
        row_max, row_min, hits = _scan(scores, threshold)
        low, high = (float(row_min.min()), float(row_max.max())) if scores.size else (0.0, 0.0)
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError("scores must be finite (no NaN or infinity)")
        largest = max(abs(low), abs(high))
        scale = 10.0 ** (6 - math.floor(math.log10(largest))) if largest > 0 else 1.0
        locked = _mask(locked, scores.shape, "locked")
        locked_p, locked_r = np.nonzero(locked) if locked is not None else (np.zeros(0, np.int64),) * 2
        for labels, size, name in (
            (paper_labels, papers, "paper_labels"),
            (reviewer_labels, reviewers, "reviewer_labels"),
        ):
            if labels is not None and len(labels) != size:
                raise ValueError(f"{name} must name all {size}")
        return cls(
            scores=scores,
            demand=_counts(demand, papers, "demand"),
            max_load=max_load,
            min_load=_counts(min_load, reviewers, "min_load"),
            conflicts=_mask(conflicts, scores.shape, "conflicts"),
            locked_p=locked_p.astype(np.int64),
            locked_r=locked_r.astype(np.int64),
            paper_labels=paper_labels,
            reviewer_labels=reviewer_labels,
            scale=scale,
            largest=largest,
            row_max=row_max,
            top_hits=hits,
        )

    @property
    def shape(self) -> tuple[int, int]:
        return self.scores.shape

    def paper(self, index: int) -> str:
        return f"paper {self.paper_labels[index] if self.paper_labels is not None else index + 1}"

    def reviewer(self, index: int) -> str:
        return f"reviewer {self.reviewer_labels[index] if self.reviewer_labels is not None else index + 1}"

    def score(self, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Scores of pairs, as float64 (indexing the flat view is much faster than [p, r])."""
        return self.scores.reshape(-1)[p * self.shape[1] + r].astype(np.float64)

    def scaled(self, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.rint(self.score(p, r) * self.scale).astype(np.int64)

    def paper_totals(self, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.bincount(p, weights=self.score(p, r), minlength=self.shape[0])

    def allowed(self, p: np.ndarray, r: np.ndarray) -> np.ndarray:
        if self.conflicts is None:
            return np.ones(np.broadcast(p, r).shape, dtype=bool)
        return ~self.conflicts.reshape(-1)[p * self.shape[1] + r]

    def check_feasible(self) -> None:
        """Raise AssignmentInfeasible for the impossibilities that can be seen without solving."""
        papers, reviewers = self.shape
        if self.conflicts is not None and len(self.locked_p):
            clash = np.flatnonzero(~self.allowed(self.locked_p, self.locked_r))
            if len(clash):
                p, r = self.locked_p[clash[0]], self.locked_r[clash[0]]
                raise AssignmentInfeasible(
                    f"{_first_upper(self.paper(p))} is locked to {self.reviewer(r)}, who is in conflict with it."
                )
        locked_per_paper = np.bincount(self.locked_p, minlength=papers)
        over = np.flatnonzero(locked_per_paper > self.demand)
        if len(over):
            p = over[0]
            raise AssignmentInfeasible(
                f"{_first_upper(self.paper(p))} has {locked_per_paper[p]} locked reviewers "
                f"but needs only {self.demand[p]}."
            )
        locked_per_reviewer = np.bincount(self.locked_r, minlength=reviewers)
        over = np.flatnonzero(locked_per_reviewer > self.max_load)
        if len(over):
            r = over[0]
            raise AssignmentInfeasible(
                f"{_first_upper(self.reviewer(r))} is locked to {_plural(locked_per_reviewer[r], 'paper')}, "
                f"above their maximum load of {self.max_load[r]}."
            )
        inverted = np.flatnonzero(self.min_load > self.max_load)
        if len(inverted):
            r = inverted[0]
            raise AssignmentInfeasible(
                f"{_first_upper(self.reviewer(r))} has a minimum load of {self.min_load[r]}, "
                f"above their maximum of {self.max_load[r]}."
            )
        needed, offered, promised = int(self.demand.sum()), int(self.max_load.sum()), int(self.min_load.sum())
        if needed > offered:
            raise AssignmentInfeasible(
                f"{_plural(papers, 'paper')} {'needs' if papers == 1 else 'need'} {_plural(needed, 'review')}; "
                f"the reviewers offer {offered}."
            )
        if promised > needed:
            raise AssignmentInfeasible(
                f"The reviewers' minimum loads add up to {_plural(promised, 'review')}, "
                f"but the {_plural(papers, 'paper')} need only {needed}."
            )
        still_promised = int(np.maximum(self.min_load - locked_per_reviewer, 0).sum())
        if still_promised > needed - len(self.locked_p):
            raise AssignmentInfeasible(
                f"Beyond the locked pairs, the reviewers' minimum loads need {_plural(still_promised, 'review')}, "
                f"but only {needed - len(self.locked_p)} reviews remain to assign."
            )
        open_reviewers = self.max_load > 0
        if self.conflicts is None:
            available = np.full(papers, int(open_reviewers.sum()))
        else:
            available = _count_false(self.conflicts, open_reviewers, axis=1)
        short = np.flatnonzero(available < self.demand)
        if len(short):
            p = short[0]
            among = "" if open_reviewers.all() else " of the reviewers who take papers"
            raise AssignmentInfeasible(
                f"{_first_upper(self.paper(p))} needs {_plural(self.demand[p], 'reviewer')} "
                f"but only {available[p]}{among} {_are(available[p])} not in conflict with it."
            )
        if promised:
            wanting = self.demand > 0
            if self.conflicts is None:
                reachable = np.full(reviewers, int(wanting.sum()))
            else:
                reachable = _count_false(self.conflicts, wanting, axis=0)
            short = np.flatnonzero(reachable < self.min_load)
            if len(short):
                r = short[0]
                raise AssignmentInfeasible(
                    f"{_first_upper(self.reviewer(r))} must review at least {_plural(self.min_load[r], 'paper')} "
                    f"but only {reachable[r]} {_are(reachable[r])} not in conflict with them."
                )

    def unplaced(self, slack_papers: np.ndarray, slack_reviewers: np.ndarray, demand, min_load) -> str:
        """The sentence for a flow that ends short, naming the papers and reviewers left wanting."""
        sentences = []
        missing = int(slack_papers.sum())
        if missing:
            short = np.flatnonzero(slack_papers)
            names = [f"{self.paper(p)} (gets {demand[p] - slack_papers[p]} of {demand[p]})" for p in short[:5]]
            sentences.append(
                f"{_plural(missing, 'review')} cannot be placed within the reviewers' loads and conflicts; "
                f"short: {_listed(names, len(short) - len(names))}."
            )
        missing = int(slack_reviewers.sum())
        if missing:
            short = np.flatnonzero(slack_reviewers)
            names = [
                f"{self.reviewer(r)} (gets {min_load[r] - slack_reviewers[r]} of {min_load[r]})" for r in short[:5]
            ]
            sentences.append(
                f"The reviewers' minimum loads cannot all be met ({_plural(missing, 'review')} missing, "
                f"conflicts leave too few papers): {_listed(names, len(short) - len(names))}."
            )
        return " ".join(sentences)


_SAMPLE = 1024  # rows sampled to set each reviewer's candidate threshold


def _sampled_thresholds(scores: np.ndarray, wanted: np.ndarray) -> np.ndarray | None:
    """Per reviewer, a score that about 3 x wanted + 16 papers reach, estimated on sampled rows.

    None for small matrices, where each column is simply partitioned.
    """
    papers, reviewers = scores.shape
    if papers <= 2 * _SAMPLE or reviewers == 0:
        return None
    sample = np.sort(np.random.default_rng(0).choice(papers, _SAMPLE, replace=False))
    rank = np.clip(np.ceil((3 * wanted + 16) * _SAMPLE / papers).astype(np.int64), 1, _SAMPLE)
    by_reviewer = np.array(scores[sample].T, order="C")
    kth = np.unique(_SAMPLE - rank)
    threshold = np.partition(by_reviewer, kth, axis=1)[np.arange(reviewers), _SAMPLE - rank]
    threshold = threshold.astype(scores.dtype)
    threshold[wanted == 0] = np.inf
    return threshold


def _scan(scores: np.ndarray, threshold: np.ndarray | None):
    """One parallel pass over the matrix: each row's largest and smallest score (NaN propagates),
    and, given thresholds, the pairs at or above their reviewer's threshold."""
    papers, reviewers = scores.shape
    if reviewers == 0:
        return np.full(papers, -np.inf), np.full(papers, np.inf), None
    step_rows = max(1, (1 << 20) // (reviewers * scores.itemsize))

    def work(a: int, b: int):
        highs, lows, hit_p, hit_r, hit_v = [], [], [], [], []
        for i in range(a, b, step_rows):
            block = scores[i : min(i + step_rows, b)]
            highs.append(block.max(axis=1))
            lows.append(block.min(axis=1))
            if threshold is not None:
                rows, cols = _true_positions(block >= threshold)
                hit_p.append(rows + i)
                hit_r.append(cols)
                hit_v.append(block[rows, cols])
        return highs, lows, hit_p, hit_r, hit_v

    step = max(step_rows, -(-papers // (4 * _WORKERS)))
    parts = _in_parallel(work, papers, step)
    if not parts:
        return np.zeros(0), np.zeros(0), None
    row_max = np.concatenate([x for part in parts for x in part[0]]).astype(np.float64)
    row_min = np.concatenate([x for part in parts for x in part[1]]).astype(np.float64)
    if threshold is None:
        return row_max, row_min, None
    hit_p = np.concatenate([x for part in parts for x in part[2]]).astype(np.int64)
    hit_r = np.concatenate([x for part in parts for x in part[3]]).astype(np.int64)
    hit_v = np.concatenate([x for part in parts for x in part[4]])
    return row_max, row_min, (hit_p, hit_r, hit_v)


def _true_positions(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.nonzero for a sparse 2-D boolean array, faster: skip 8 bytes at a time while all False."""
    flat = mask.reshape(-1)
    whole = flat.size - flat.size % 8
    words = np.flatnonzero(flat[:whole].view(np.uint64))
    word_at, byte_at = np.nonzero(flat[:whole].reshape(-1, 8)[words])
    positions = np.concatenate([words[word_at] * 8 + byte_at, whole + np.flatnonzero(flat[whole:])])
    return np.divmod(positions, mask.shape[1])


def _count_false(mask: np.ndarray, keep: np.ndarray, axis: int) -> np.ndarray:
    """How many entries are False along `axis`, counting only the positions `keep` selects."""
    if not keep.all():
        mask = mask[:, keep] if axis == 1 else mask[keep]
    return int(keep.sum()) - np.count_nonzero(mask, axis=axis)


def _in_parallel(work: Callable[[int, int], object], size: int, step: int) -> list:
    """work(start, stop) over [0, size) in steps, on the machine's (at most two) cores, in order.

    numpy releases the GIL in the heavy loops used here (copies, comparisons, partitions).
    """
    bounds = [(a, min(a + step, size)) for a in range(0, size, step)]
    if _WORKERS == 1 or len(bounds) < 2:
        return [work(a, b) for a, b in bounds]
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        return list(pool.map(lambda ab: work(*ab), bounds))


# ---------------------------------------------------------------------------------------------
# Max-sum: pruned min-cost flow, certified by LP duality, with column generation
# ---------------------------------------------------------------------------------------------


@dataclass
class _Flow:
    pairs_p: np.ndarray  # the assignment, fixed pairs included
    pairs_r: np.ndarray
    candidates: np.ndarray  # pair ids (p x reviewers + r) the last flow considered
    rounds: int
    certified: bool
    gap_bound: float


def _max_sum(
    problem: _Problem,
    fixed_p: np.ndarray,
    fixed_r: np.ndarray,
    candidates: np.ndarray | None = None,
    times: dict[str, float] | None = None,
) -> _Flow:
    """The best assignment that keeps the fixed pairs, proven optimal for the whole matrix.

    `candidates`: pair ids to start from (a feasible assignment must be among them, with the
    fixed pairs); by default each reviewer's best papers and two round-robin assignments.
    """
    times = {} if times is None else times
    papers, reviewers = problem.shape
    fixed_load = np.bincount(fixed_r, minlength=reviewers)
    demand = problem.demand - np.bincount(fixed_p, minlength=papers)
    max_load = problem.max_load - fixed_load
    min_load = np.maximum(problem.min_load - fixed_load, 0)
    excluded = np.unique(fixed_p * reviewers + fixed_r)

    mark = time.perf_counter()
    if candidates is None:
        spread = _round_robin(demand, max_load, min_load, mandatory_first=True)
        parts = [_reviewer_top(problem, max_load), spread]
        if len(np.unique(spread)) < len(spread) or not problem.allowed(spread // reviewers, spread % reviewers).all():
            parts.append(_round_robin(demand, max_load, min_load, mandatory_first=False))  # a second chance
        candidates = np.concatenate(parts)
    candidates = _clean(problem, candidates, excluded)
    _add_time(times, "candidates", mark)

    certifier = _Certifier(problem, excluded)
    slack = False
    rounds = 0
    while True:
        rounds += 1
        mark = time.perf_counter()
        pruned = _solve_pruned(problem, candidates, demand, max_load, min_load, slack)
        if pruned is None:  # the candidates admit no assignment: let slack arcs carry the rest
            slack = True
            pruned = _solve_pruned(problem, candidates, demand, max_load, min_load, slack)
        _add_time(times, "flow", mark)
        mark = time.perf_counter()
        # In the first round also take pairs that nearly break the bound: prices move when the
        # flow is solved again, and the second round then usually only confirms.
        near = NEAR * problem.largest if rounds == 1 and not slack else 0.0
        found_p, found_r, found = certifier.violations(pruned.u, pruned.v, candidates, near, precise=slack)
        broken = found > 0
        viol_p, amount = found_p[broken], found[broken]
        _add_time(times, "certify", mark)
        slack_used = bool(pruned.slack_papers.any() or pruned.slack_reviewers.any())
        if len(viol_p) == 0:
            if slack_used:
                raise AssignmentInfeasible(
                    problem.unplaced(pruned.slack_papers, pruned.slack_reviewers, demand, min_load)
                )
            certified = True
            break
        if rounds >= MAX_ROUNDS and not slack_used:
            certified = False
            break
        keep = _per_row_best(found_p, found, None if slack_used else 2 * demand + 2)
        candidates = np.union1d(candidates, found_p[keep] * reviewers + found_r[keep])

    chosen = candidates[pruned.assigned]
    gap = 0.0 if certified else float(amount.sum()) / problem.scale
    return _Flow(
        pairs_p=np.concatenate([fixed_p, chosen // reviewers]),
        pairs_r=np.concatenate([fixed_r, chosen % reviewers]),
        candidates=candidates,
        rounds=rounds,
        certified=certified,
        gap_bound=gap,
    )


def _add_time(times: dict[str, float], name: str, mark: float) -> None:
    times[name] = times.get(name, 0.0) + time.perf_counter() - mark


def _clean(problem: _Problem, ids: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Unique pair ids without conflicts and without the fixed pairs."""
    ids = np.unique(ids)
    reviewers = problem.shape[1]
    keep = problem.allowed(ids // reviewers, ids % reviewers)
    if len(excluded):
        keep &= ~np.isin(ids, excluded, assume_unique=True)
    return ids[keep]


def _reviewer_top(problem: _Problem, max_load: np.ndarray) -> np.ndarray:
    """Each reviewer's best CANDIDATES_PER_LOAD x load papers (conflicts left out), as pair ids.

    On large matrices, the pass that checked the scores collected the pairs above each reviewer's
    sampled threshold (about three times the papers wanted); the best are picked from those, and
    the few reviewers for whom too few were collected are done exactly.
    """
    papers, reviewers = problem.shape
    wanted = np.minimum(CANDIDATES_PER_LOAD * max_load, papers)
    if problem.top_hits is None:
        return _reviewer_top_exact(problem, np.flatnonzero(wanted > 0), wanted)
    p, r, value = problem.top_hits
    if problem.conflicts is not None:
        keep = problem.allowed(p, r)
        p, r, value = p[keep], r[keep], value[keep]
    order = np.argsort(-value)  # best first, then grouped by reviewer (a stable, radix-fast sort)
    order = order[np.argsort(r[order].astype(np.uint16 if reviewers <= 1 << 16 else np.int64), kind="stable")]
    p, r = p[order], r[order]
    rank_in_reviewer = np.arange(len(r)) - np.searchsorted(r, r)
    keep = rank_in_reviewer < wanted[r]
    short = np.flatnonzero(np.bincount(r[keep], minlength=reviewers) < wanted)
    return np.concatenate([p[keep] * reviewers + r[keep], _reviewer_top_exact(problem, short, wanted)])


def _reviewer_top_exact(problem: _Problem, columns: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Each listed reviewer's best wanted[r] papers, by partitioning their whole column."""
    scores, conflicts = problem.scores, problem.conflicts
    papers, reviewers = scores.shape

    def work(a: int, b: int) -> np.ndarray:
        js = columns[a:b]
        want = wanted[js]
        kth = int(want.max(initial=0))
        if kth == 0:
            return np.zeros(0, np.int64)
        contiguous = js[-1] - js[0] + 1 == len(js)
        block = np.array((scores[:, js[0] : js[-1] + 1] if contiguous else scores[:, js]).T, order="C")
        if conflicts is not None:
            block[(conflicts[:, js[0] : js[-1] + 1] if contiguous else conflicts[:, js]).T] = -np.inf
        if kth < papers:
            top = np.argpartition(block, papers - kth, axis=1)[:, papers - kth :]
        else:
            top = np.broadcast_to(np.arange(papers), block.shape).copy()
        values = np.take_along_axis(block, top, axis=1)
        if (want < kth).any():
            order = np.argsort(-values, axis=1, kind="stable")
            top = np.take_along_axis(top, order, axis=1)
            values = np.take_along_axis(values, order, axis=1)
        keep = (np.arange(kth)[None, :] < want[:, None]) & np.isfinite(values)
        owners = np.broadcast_to(js[:, None], top.shape)
        return top[keep].astype(np.int64) * reviewers + owners[keep]

    step = max(1, _CHUNK // max(papers, 1))
    parts = _in_parallel(work, len(columns), step)
    return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _round_robin(
    demand: np.ndarray, max_load: np.ndarray, min_load: np.ndarray, *, mandatory_first: bool
) -> np.ndarray:
    """A round-robin assignment that respects loads (not conflicts), as pair ids.

    Each reviewer's places are spread evenly along a line of slots and papers take consecutive
    slots, so a paper rarely meets the same reviewer twice. With mandatory_first the minimum loads
    come first on the line, so they are all used; otherwise papers come in a shuffled order and
    take the last slots, for a second, different assignment.
    """
    reviewers = len(max_load)

    def spread(counts: np.ndarray) -> np.ndarray:
        owners = np.repeat(np.arange(reviewers), counts)
        within = np.arange(len(owners)) - np.repeat(np.cumsum(counts) - counts, counts)
        return owners[np.argsort((within + 0.5) / np.repeat(counts, counts), kind="stable")]

    slots = np.concatenate([spread(min_load), spread(max_load - min_load)]) if mandatory_first else spread(max_load)
    needed = int(demand.sum())
    if needed == 0 or len(slots) == 0:
        return np.zeros(0, np.int64)
    order = np.arange(len(demand)) if mandatory_first else np.random.default_rng(1).permutation(len(demand))
    papers = np.repeat(order, demand[order])
    offset = 0 if mandatory_first else len(slots) - needed
    return papers * reviewers + slots[offset : offset + needed]


@dataclass
class _Pruned:
    assigned: np.ndarray  # per candidate
    u: np.ndarray  # paper prices (scaled units; +inf: the paper takes no more reviewers)
    v: np.ndarray  # reviewer prices (+inf: the reviewer takes no more papers)
    slack_papers: np.ndarray  # reviews a paper did not get
    slack_reviewers: np.ndarray  # reviews a reviewer lacks for their minimum load


def _solve_pruned(
    problem: _Problem,
    candidates: np.ndarray,
    demand: np.ndarray,
    max_load: np.ndarray,
    min_load: np.ndarray,
    slack: bool,
) -> _Pruned | None:
    """Min-cost flow on the candidate pairs, and its node prices; None when infeasible without slack.

    Nodes: papers, reviewers, a sink t and (with slack) a node z. Minimum loads are lower bounds
    on reviewer→t, handled by making each reviewer a sink of its minimum load. Slack arcs
    paper→z and z→reviewer cost M each, more than any assignment can gain (with z→t and t→z
    free), so they carry flow only when no assignment on the candidates exists.
    """
    papers, reviewers = problem.shape
    cp, cr = candidates // reviewers, candidates % reviewers
    gain = problem.scaled(cp, cr)
    sink, spare = papers + reviewers, papers + reviewers + 1
    room = max_load - min_load
    open_r = np.flatnonzero(room > 0)
    needed = int(demand.sum())
    tails = [cp, papers + open_r, np.zeros(0, np.int64)]
    heads = [papers + cr, np.full(len(open_r), sink), np.zeros(0, np.int64)]
    caps = [np.ones(len(cp), np.int64), room[open_r], np.zeros(0, np.int64)]
    costs = [-gain, np.zeros(len(open_r), np.int64), np.zeros(0, np.int64)]
    penalty = 0
    if slack:
        largest = int(np.ceil(problem.scale * problem.largest)) + 1
        penalty = 2 * (needed + 1) * largest + 1
        wanting = np.flatnonzero(demand > 0)
        owed = np.flatnonzero(min_load > 0)
        tails[2] = np.concatenate([wanting, [spare, sink], np.full(len(owed), spare)])
        heads[2] = np.concatenate([np.full(len(wanting), spare), [sink, spare], papers + owed])
        caps[2] = np.concatenate([demand[wanting], [needed, min_load.sum()], min_load[owed]])
        costs[2] = np.concatenate([np.full(len(wanting), penalty), [0, 0], np.full(len(owed), penalty)])
    tail, head = np.concatenate(tails), np.concatenate(heads)
    cap, cost = np.concatenate(caps), np.concatenate(costs)

    network = min_cost_flow.SimpleMinCostFlow()
    arcs = network.add_arcs_with_capacity_and_unit_cost(
        tail.astype(np.int32), head.astype(np.int32), cap.astype(np.int64), cost.astype(np.int64)
    )
    nodes = np.arange(papers + reviewers + 2, dtype=np.int32)
    supply = np.concatenate([demand, -min_load, [-(needed - int(min_load.sum())), 0]]).astype(np.int64)
    network.set_nodes_supplies(nodes, supply)
    status = network.solve()
    if status == network.INFEASIBLE and not slack:
        return None
    if status != network.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    flow = np.asarray(network.flows(arcs), dtype=np.int64)

    # Residual graph: arcs with room forward at their cost, arcs with flow backward at minus it.
    forward, backward = flow < cap, flow > 0
    r_tail = np.concatenate([tail[forward], head[backward]])
    r_head = np.concatenate([head[forward], tail[backward]])
    r_cost = np.concatenate([cost[forward], -cost[backward]])
    dist = _shortest_distances(len(nodes), r_tail, r_head, r_cost).astype(np.float64)

    # Any potentials that leave every residual arc non-negative prove the flow optimal. Among them,
    # take reviewers as low and then papers as high as the arcs allow: the test of a left-out pair,
    # score <= dist[p] - dist[r], passes as often as it can.
    out_of_reviewer = r_tail >= papers
    out_of_reviewer &= r_tail < sink
    lowest = np.full(len(nodes), -np.inf)
    np.maximum.at(lowest, r_tail[out_of_reviewer], dist[r_head[out_of_reviewer]] - r_cost[out_of_reviewer])
    dist[papers:sink] = lowest[papers:sink]
    into_paper = r_head < papers
    highest = np.full(len(nodes), np.inf)
    np.minimum.at(highest, r_head[into_paper], dist[r_tail[into_paper]] + r_cost[into_paper])
    dist[:papers] = highest[:papers]

    n_cand = len(candidates)
    rest = flow[n_cand + len(open_r) :]
    slack_papers = np.zeros(papers, np.int64)
    slack_reviewers = np.zeros(reviewers, np.int64)
    if slack:
        wanting = np.flatnonzero(demand > 0)
        owed = np.flatnonzero(min_load > 0)
        slack_papers[wanting] = rest[: len(wanting)]
        slack_reviewers[owed] = rest[len(wanting) + 2 :]
    return _Pruned(
        assigned=flow[:n_cand] > 0,
        u=dist[:papers] - dist[sink],
        v=dist[sink] - dist[papers:sink],
        slack_papers=slack_papers,
        slack_reviewers=slack_reviewers,
    )


def _shortest_distances(n: int, tail: np.ndarray, head: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Distances from a virtual root joined to every node at cost 0 (Bellman-Ford, by frontier).

    Each pass relaxes only the arcs leaving nodes whose distance fell in the previous pass, so the
    work follows the changes; the graph has no negative cycle because the flow is optimal.
    """
    order = np.argsort(tail, kind="stable")
    tail, head, cost = tail[order], head[order], cost[order]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    dist = np.zeros(n, np.int64)
    frontier = np.arange(n)
    changed = np.zeros(n, dtype=bool)
    for _ in range(n + 1):
        starts = indptr[frontier]
        counts = indptr[frontier + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return dist
        arcs = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
        reach = dist[tail[arcs]] + cost[arcs]
        target = head[arcs]
        better = reach < dist[target]
        if not better.any():
            return dist
        target = target[better]
        np.minimum.at(dist, target, reach[better])
        changed[target] = True
        frontier = np.flatnonzero(changed)
        changed[frontier] = False
    raise RuntimeError("negative cycle in the residual graph: the flow was not optimal")


class _Certifier:
    """Finds the left-out pairs that break the LP-duality bound, re-reading as little as it can.

    For each paper it keeps an upper bound on max(score - v_r) over its left-out pairs; a paper
    whose bound is below its price u_p is certified without reading its row. Bounds stay valid
    from round to round by adding the largest fall of any reviewer price.
    """

    ROW_BYTES = 1 << 20  # rows read at once per worker: about 1 MB, to stay in cache

    def __init__(self, problem: _Problem, excluded: np.ndarray):
        self.problem = problem
        self.excluded = excluded
        self.bound = np.full(problem.shape[0], np.inf)
        self.previous_v: np.ndarray | None = None
        self.rows_read = 0

    def violations(
        self, u: np.ndarray, v: np.ndarray, candidates: np.ndarray, near: float, precise: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Left-out, allowed pairs with scaled score - u_p - v_r > -near x scale: (papers, reviewers, excess).

        The scan compares in the scores' own precision with a safety margin and keeps every pair
        that might qualify; the exact integer test then decides.
        """
        problem, scores = self.problem, self.problem.scores
        papers, reviewers = scores.shape
        scale = problem.scale
        dtype = np.dtype(np.float64) if precise else scores.dtype
        finite_u, finite_v = u[np.isfinite(u)], v[np.isfinite(v)]
        size = (np.abs(finite_u).max(initial=0) + np.abs(finite_v).max(initial=0)) / scale + problem.largest
        margin = (1e-5 if dtype == np.float32 else 1e-11) * size + 1.0 / scale
        threshold = (u + 0.5) / scale - margin - near

        if self.previous_v is not None:
            both = np.isfinite(self.previous_v) & np.isfinite(v)
            fall = (self.previous_v[both] - v[both]).max(initial=0.0) / scale
            if (np.isinf(self.previous_v) & np.isfinite(v)).any():
                fall = np.inf
            self.bound += max(fall, 0.0)
        np.minimum(self.bound, problem.row_max - float(v.min(initial=np.inf)) / scale, out=self.bound)
        self.previous_v = v.copy()
        rows = np.flatnonzero(self.bound > threshold)
        self.rows_read += len(rows)
        if len(rows) == 0:
            return (np.zeros(0, np.int64),) * 3

        v_cast = (v / scale).astype(dtype)
        row_starts = np.arange(papers + 1, dtype=np.int64) * reviewers
        masks = [(ids, np.searchsorted(ids, row_starts)) for ids in (candidates, self.excluded) if len(ids)]
        step_rows = max(1, self.ROW_BYTES // max(reviewers * dtype.itemsize, 1))
        conflicts = problem.conflicts

        def work(a: int, b: int):
            chosen = rows[a:b]
            bounds = np.empty(len(chosen))
            hit_p, hit_r = [], []
            for i in range(0, len(chosen), step_rows):
                sub = chosen[i : i + step_rows]
                contiguous = sub[-1] - sub[0] + 1 == len(sub)
                block = scores[sub[0] : sub[-1] + 1] if contiguous else scores[sub]
                excess = np.subtract(block, v_cast, dtype=dtype)
                for ids, indptr in masks:  # the pairs already in the flow are not left out
                    starts, stops = indptr[sub], indptr[sub + 1]
                    counts = stops - starts
                    total = int(counts.sum())
                    if total:
                        at = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
                        excess[np.repeat(np.arange(len(sub)), counts), ids[at] % reviewers] = -np.inf
                if conflicts is not None:
                    np.putmask(excess, conflicts[sub[0] : sub[-1] + 1] if contiguous else conflicts[sub], -np.inf)
                best = excess.max(axis=1)
                bounds[i : i + len(sub)] = best
                over = np.flatnonzero(best > threshold[sub])
                if len(over):
                    rr, cc = np.nonzero(excess[over] > threshold[sub[over]].astype(dtype)[:, None])
                    hit_p.append(sub[over][rr])
                    hit_r.append(cc)
            return bounds, hit_p, hit_r

        step = max(1, -(-len(rows) // (4 * _WORKERS)))
        parts = _in_parallel(work, len(rows), step)
        self.bound[rows] = np.concatenate([part[0] for part in parts])
        p = np.concatenate([x for part in parts for x in part[1]] + [np.zeros(0, np.int64)]).astype(np.int64)
        r = np.concatenate([x for part in parts for x in part[2]] + [np.zeros(0, np.int64)]).astype(np.int64)
        excess = problem.scaled(p, r) - (u[p] + v[r])
        keep = excess > -near * scale
        return p[keep], r[keep], excess[keep]


def _per_row_best(rows: np.ndarray, amount: np.ndarray, limit: np.ndarray | None) -> np.ndarray:
    """Indices of the largest amounts in each row, at most limit[row] of them (all when None)."""
    if limit is None:
        return np.arange(len(rows))
    order = np.lexsort((-amount, rows))
    sorted_rows = rows[order]
    first = np.searchsorted(sorted_rows, sorted_rows)
    rank = np.arange(len(order)) - first
    return order[rank < limit[sorted_rows]]


# ---------------------------------------------------------------------------------------------
# Fair mode
# ---------------------------------------------------------------------------------------------


_FAIR_STEP = 0.02  # first rise of the floor tried, as a share of the largest score
_FAIR_TOLERANCE = 2.5e-3  # stop when the step falls below 0.25% of the largest score
_FAIR_ATTEMPTS = 40
_FULL_CHOICES = 256  # full reviewers a paper below the floor may take, its best ones first
_POLISH_ROUNDS = 3


def _fair(problem: _Problem, flow: _Flow, budget: float) -> tuple[np.ndarray, np.ndarray, FairReport]:
    """Raise the worst-off paper's total, then maximise the sum with that floor kept.

    1. Repair (_Repair.raise_to): each paper below a target T takes a better reviewer by a move
       (a reviewer with room replaces its weakest), a swap (it exchanges reviewers with another
       paper) or a chain (it takes a full reviewer from another paper, which takes one with room
       instead). No move lowers another paper below T, or lowers one already below T; among
       moves that reach T the one that costs the total least is taken.
    2. T rises gallop-style from the max-sum floor: the step doubles after a success and halves
       after a failure, each attempt starting from the last success, until the step is below
       0.25% of the largest score.
    3. Polish: the papers the repair raised keep their reviewers; a certified min-cost flow
       re-assigns all the others for the largest total; papers it would leave below the floor
       join the kept ones, until none does.

    Guarantees: every constraint holds; the worst-off paper (among papers that need reviews) is
    never below the max-sum assignment's; the total is the largest possible with the kept
    papers' reviewers fixed. Max-min is NP-hard, so the floor is not proven best:
    FairReport.floor_bound (each paper's best total on its own) bounds it from above.
    """
    wanting = problem.demand > 0
    base_totals = problem.paper_totals(flow.pairs_p, flow.pairs_r)
    base = _Repair(problem, flow.pairs_p, flow.pairs_r)
    bound = _floor_bound(problem, base_totals)
    best, floor = base, base.floor()
    least_sum = base.sum - budget * abs(base.sum)
    size = max(abs(floor), problem.largest, 1e-300)
    step, tolerance = _FAIR_STEP * size, _FAIR_TOLERANCE * size
    attempts = 0
    while wanting.any() and step >= tolerance and attempts < _FAIR_ATTEMPTS and floor < bound:
        attempts += 1
        trial = best.copy()
        if trial.raise_to(min(floor + step, bound), least_sum):
            best, floor = trial, trial.floor()
            step *= 2
        else:
            step /= 2
    moves = best.moves

    polish_rounds = 0
    if best is not base:
        floor -= 1e-12 * size * base.reviewers_of.shape[1]  # totals summed in another order may differ in the last bit
        reviewers = problem.shape[1]
        kept = best.raised.copy()
        pairs_p, pairs_r = best.pairs()
        everything = np.union1d(flow.candidates, pairs_p * reviewers + pairs_r)
        while polish_rounds < _POLISH_ROUNDS:
            polish_rounds += 1
            mine = kept[pairs_p]
            theirs = ~kept[problem.locked_p]
            fixed_p = np.concatenate([pairs_p[mine], problem.locked_p[theirs]])
            fixed_r = np.concatenate([pairs_r[mine], problem.locked_r[theirs]])
            polished = _max_sum(problem, fixed_p, fixed_r, candidates=everything)
            trial = _Repair(problem, polished.pairs_p, polished.pairs_r)
            settled = trial.floor() >= floor
            if not trial.raise_to(floor, best.sum):  # lift the few the flow left below the floor
                break
            best = trial
            if settled:
                break
            kept |= trial.raised
            pairs_p, pairs_r = best.pairs()
            everything = np.union1d(everything, pairs_p * reviewers + pairs_r)
    pairs_p, pairs_r = best.pairs()

    report = FairReport(
        max_sum_total=float(base_totals.sum()),
        max_sum_worst=_worst(base_totals, wanting),
        budget=budget,
        floor=_worst(problem.paper_totals(pairs_p, pairs_r), wanting),
        floor_bound=float(bound),
        moves=moves,
        polish_rounds=polish_rounds,
    )
    return pairs_p, pairs_r, report


def _worst(totals: np.ndarray, wanting: np.ndarray) -> float:
    """The worst-off paper's total, among papers that need reviews."""
    return float(totals[wanting].min()) if wanting.any() else 0.0


def _floor_bound(problem: _Problem, base_totals: np.ndarray) -> float:
    """No assignment lifts every paper above this: the least, over papers, of a paper's best
    total on its own (its locked reviewers and its best others).

    A paper's max-sum total is at most its best alone, so papers are visited from the lowest
    max-sum total and the search stops when that exceeds the bound found so far.
    """
    scores, conflicts = problem.scores, problem.conflicts
    papers, reviewers = problem.shape
    wanting = np.flatnonzero(problem.demand > 0)
    if len(wanting) == 0:
        return 0.0
    order = wanting[np.argsort(base_totals[wanting], kind="stable")]
    closed = problem.max_load == 0
    position = np.full(papers, -1, np.int64)
    bound = np.inf
    batch = max(1, min(256, _CHUNK // max(reviewers, 1)))
    for start in range(0, len(order), batch):
        rows = order[start : start + batch]
        if base_totals[rows[0]] >= bound:
            break
        block = scores[rows].astype(np.float64)
        block[:, closed] = -np.inf
        if conflicts is not None:
            block[conflicts[rows]] = -np.inf
        position[rows] = np.arange(len(rows))
        owner = position[problem.locked_p]
        mine = owner >= 0
        owner, locked_r = owner[mine], problem.locked_r[mine]
        position[rows] = -1
        best = np.bincount(owner, weights=block[owner, locked_r], minlength=len(rows))
        block[owner, locked_r] = -np.inf
        need = problem.demand[rows] - np.bincount(owner, minlength=len(rows))
        kth = int(need.max(initial=0))
        if kth:
            top = -np.sort(-np.partition(block, reviewers - kth, axis=1)[:, reviewers - kth :], axis=1)
            top[np.arange(kth)[None, :] >= need[:, None]] = 0.0
            best = best + top.sum(axis=1)
        bound = min(bound, float(best.min()))
    return bound


class _Repair:
    """An assignment under repair: each paper's reviewers in slots, their scores, loads."""

    def __init__(self, problem: _Problem, pairs_p: np.ndarray, pairs_r: np.ndarray):
        self.problem = problem
        papers, reviewers = problem.shape
        order = np.lexsort((pairs_r, pairs_p))
        pp, rr = pairs_p[order], pairs_r[order]
        width = max(int(problem.demand.max(initial=0)), 1)
        slot = np.arange(len(pp)) - np.searchsorted(pp, pp)
        self.reviewers_of = np.full((papers, width), -1, np.int64)  # -1: an empty slot
        self.reviewers_of[pp, slot] = rr
        self.value_of = np.zeros((papers, width))
        self.value_of[pp, slot] = problem.score(pp, rr)
        self.total = self.value_of.sum(axis=1)
        self.sum = float(self.total.sum())
        self.load = np.bincount(rr, minlength=reviewers)
        # Locked pairs never move, so the slots that hold them stay the same.
        self.locked_slot = np.zeros((papers, width), dtype=bool)
        if len(problem.locked_p):
            locked = np.zeros(papers * reviewers, dtype=bool) if papers * reviewers <= _CHUNK else None
            ids = pp * reviewers + rr
            if locked is not None:
                locked[problem.locked_p * reviewers + problem.locked_r] = True
                self.locked_slot[pp, slot] = locked[ids]
            else:
                self.locked_slot[pp, slot] = np.isin(ids, problem.locked_p * reviewers + problem.locked_r)
        self.open = problem.max_load > 0
        self.wanting = problem.demand > 0
        self.raised = np.zeros(papers, dtype=bool)  # papers that took a better reviewer
        self.room_value = np.full(papers, np.nan)  # best reviewer with room per paper (NaN: not known)
        self.room_who = np.full(papers, -1, np.int64)
        self.room_seen = np.zeros(papers, np.int64)  # how much of `freed` each paper's entry has seen
        self.freed = np.zeros(64, np.int64)  # reviewers that gained room, in order: the first `freed_count`
        self.freed_count = 0
        self.moves = 0

    def copy(self) -> _Repair:
        twin = object.__new__(_Repair)
        twin.__dict__.update(self.__dict__)
        names = ("reviewers_of", "value_of", "total", "load", "raised", "room_value", "room_who", "room_seen", "freed")
        for name in names:
            setattr(twin, name, getattr(self, name).copy())
        return twin

    def floor(self) -> float:
        return _worst(self.total, self.wanting)

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        p, slot = np.nonzero(self.reviewers_of >= 0)
        return p.astype(np.int64), self.reviewers_of[p, slot]

    def raise_to(self, target: float, least_sum: float) -> bool:
        """Repair until every paper that needs reviews has a total of at least target.

        False if stuck, or if the sum of all totals would fall below least_sum.
        """
        below = np.flatnonzero(self.wanting & (self.total < target))
        heap = [(float(self.total[p]), int(p)) for p in below]
        heapq.heapify(heap)
        budget = 20 * len(heap) + 100
        while heap:
            total, p = heapq.heappop(heap)
            if total != self.total[p] or total >= target:
                continue  # stale: the paper moved since
            budget -= 1
            move = self._best_move(p, target)
            if move is None or budget < 0:
                return False
            for q in self._apply(p, *move):
                if self.total[q] < target:
                    heapq.heappush(heap, (float(self.total[q]), q))
            if self.sum < least_sum:
                return False
        return True

    def _best_move(self, p: int, target: float) -> tuple[int, int, int, int, int] | None:
        """(kind, dropped, taken, other paper, its new reviewer): kind 0 move, 1 swap, 2 chain."""
        problem, scores, conflicts = self.problem, self.problem.scores, self.problem.conflicts
        reviewers = problem.shape[1]
        row = scores[p].astype(np.float64)
        slots = self.reviewers_of[p] >= 0
        mine, values = self.reviewers_of[p][slots], self.value_of[p][slots]
        droppable = ~self.locked_slot[p][slots]
        if not droppable.any():
            return None
        allowed = self.open.copy() if conflicts is None else self.open & ~conflicts[p]
        allowed[mine] = False
        room = self.load < problem.max_load
        releasable = droppable & (self.load[mine] > problem.min_load[mine])
        total = self.total[p]
        found: list[tuple[np.ndarray, ...]] = []  # see _options

        if releasable.any():  # move: the best reviewer with room replaces the weakest releasable one
            pick = np.where(allowed & room, row, -np.inf)
            taken = int(np.argmax(pick))
            j = int(np.argmin(np.where(releasable, values, np.inf)))
            gain = pick[taken] - values[j]
            if np.isfinite(gain) and gain > 0:
                found.append(self._options([total + gain], [gain], 0, mine[j], [taken], [-1], [-1]))

        full = np.flatnonzero(allowed & ~room & (row > values[droppable].min()))
        if len(full) > _FULL_CHOICES:
            full = full[np.argpartition(row[full], len(full) - _FULL_CHOICES)[-_FULL_CHOICES:]]
        wanted = np.zeros(reviewers + 1, dtype=bool)  # index -1 (an empty slot) reads the last: False
        wanted[full] = True
        held = wanted[self.reviewers_of] & ~self.locked_slot
        qs, at = np.nonzero(held)
        if len(qs):
            rs = self.reviewers_of[qs, at]
            lost = self.value_of[qs, at]
            keep_at = np.minimum(target, self.total[qs])  # q may not fall below this
            before = self.total[qs] - lost
            room_value, room_reviewer = self._best_with_room(qs)
            for j in np.flatnonzero(droppable).tolist():
                dropped = int(mine[j])
                gain = row[rs] - values[j]
                useful = gain > 0
                given = problem.score(qs, dropped)  # swap: q takes the dropped reviewer
                fits = useful & (self.reviewers_of[qs] != dropped).all(axis=1) & (before + given >= keep_at)
                fits &= problem.allowed(qs, dropped)
                if fits.any():
                    change = gain[fits] - lost[fits] + given[fits]
                    found.append(self._options(total + gain[fits], change, 1, dropped, rs[fits], qs[fits], dropped))
                if releasable[j]:  # chain: q takes its best reviewer with room instead
                    fits = useful & (before + room_value >= keep_at)
                    if fits.any():
                        change = gain[fits] - lost[fits] + room_value[fits]
                        found.append(
                            self._options(
                                total + gain[fits], change, 2, dropped, rs[fits], qs[fits], room_reviewer[fits]
                            )
                        )
        if not found:
            return None
        new_total, change, kind, dropped, taken, other, other_new = (
            np.concatenate(x) for x in zip(*found, strict=True)
        )
        reach = new_total >= target
        if reach.any():  # the cheapest move that reaches the target
            pick = int(np.flatnonzero(reach)[np.argmax(change[reach])])
        else:  # otherwise the largest step towards it
            pick = int(np.lexsort((change, new_total))[-1])
            if new_total[pick] <= total:
                return None
        return int(kind[pick]), int(dropped[pick]), int(taken[pick]), int(other[pick]), int(other_new[pick])

    @staticmethod
    def _options(new_total, change, kind, dropped, taken, other, other_new) -> tuple[np.ndarray, ...]:
        """Moves as columns: p's new total, change of the sum, kind, p's dropped and taken reviewers,
        the other paper and its new reviewer."""
        size = len(new_total)
        return (
            np.asarray(new_total, dtype=np.float64),
            np.asarray(change, dtype=np.float64),
            np.full(size, kind),
            np.full(size, dropped),
            np.asarray(taken, dtype=np.int64),
            np.asarray(other, dtype=np.int64),
            np.broadcast_to(np.asarray(other_new, dtype=np.int64), (size,)),
        )

    def _best_with_room(self, qs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each paper in qs, the best reviewer with room it may take: (score, reviewer), or
        (-inf, -1) when there is none.

        Kept per paper: forgotten when the paper's reviewers change or its best fills up, and
        brought up to date with the reviewers that gained room since it was last looked at.
        """
        problem = self.problem
        reviewers = problem.shape[1]
        unique = np.unique(qs)
        news = self.freed_count - self.room_seen[unique]
        self.room_value[unique[news > max(64, reviewers // 8)]] = np.nan  # cheaper to read the row again
        known = unique[~np.isnan(self.room_value[unique])]
        news = self.freed_count - self.room_seen[known]
        total = int(news.sum())
        if total:
            owner = np.repeat(known, news)
            freed = self.freed[np.repeat(self.room_seen[known] - (np.cumsum(news) - news), news) + np.arange(total)]
            ok = (self.load[freed] < problem.max_load[freed]) & (self.reviewers_of[owner] != freed[:, None]).all(axis=1)
            ok &= problem.allowed(owner, freed)
            owner, freed = owner[ok], freed[ok]
            value = problem.score(owner, freed)
            order = np.lexsort((-value, owner))
            first = order[np.searchsorted(owner[order], np.unique(owner))]
            better = value[first] > self.room_value[owner[first]]
            self.room_value[owner[first][better]] = value[first][better]
            self.room_who[owner[first][better]] = freed[first][better]
        self.room_seen[known] = self.freed_count
        unknown = unique[np.isnan(self.room_value[unique])]
        batch = max(1, _CHUNK // max(reviewers, 1))
        for start in range(0, len(unknown), batch):
            rows = unknown[start : start + batch]
            block = problem.scores[rows].astype(np.float64)
            block[:, self.load >= problem.max_load] = -np.inf
            if problem.conflicts is not None:
                block[problem.conflicts[rows]] = -np.inf
            mine = self.reviewers_of[rows]
            owner, slot = np.nonzero(mine >= 0)
            block[owner, mine[owner, slot]] = -np.inf
            who = block.argmax(axis=1)
            value = block[np.arange(len(rows)), who]
            who[~np.isfinite(value)] = -1
            self.room_value[rows], self.room_who[rows] = value, who
            self.room_seen[rows] = self.freed_count
        return self.room_value[qs], self.room_who[qs]

    def _load_changed(self, reviewer: int) -> None:
        """Keep the best-with-room table right after a reviewer's load changed."""
        if self.load[reviewer] >= self.problem.max_load[reviewer]:  # now full: forget it where it was best
            self.room_value[self.room_who == reviewer] = np.nan
        else:  # has room: papers catch up when next asked
            if self.freed_count == len(self.freed):
                self.freed = np.concatenate([self.freed, np.zeros(len(self.freed), np.int64)])
            self.freed[self.freed_count] = reviewer
            self.freed_count += 1

    def _apply(self, p: int, kind: int, dropped: int, taken: int, other: int, other_new: int) -> list[int]:
        """Carry out a move found by _best_move; the papers whose totals changed."""
        self._replace(p, dropped, taken)
        self.raised[p] = True
        self.moves += 1
        if kind == 0:
            self.load[dropped] -= 1
            self.load[taken] += 1
            self._load_changed(dropped)
            self._load_changed(taken)
            return [p]
        self._replace(other, taken, other_new)
        if kind == 2:
            self.load[dropped] -= 1
            self.load[other_new] += 1
            self._load_changed(dropped)
            self._load_changed(other_new)
        return [p, other]

    def _replace(self, p: int, old: int, new: int) -> None:
        j = int(np.flatnonzero(self.reviewers_of[p] == old)[0])
        self.reviewers_of[p, j] = new
        self.value_of[p, j] = self.problem.scores[p, new]
        before, self.total[p] = self.total[p], self.value_of[p].sum()
        self.sum += self.total[p] - before
        self.room_value[p] = np.nan  # its reviewers changed: look again when asked
