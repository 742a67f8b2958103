"""Max-sum: pruned min-cost flow, certified by LP duality, with column generation.

`_max_sum` solves the flow on the candidates (`flow`), asks the `_Certifier` for left-out pairs
that break the LP-duality bound, adds them and solves again, until none is left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .candidates import _clean, _reviewer_top, _round_robin
from .flow import _solve_pruned
from .problem import AssignmentInfeasible, _Problem
from .scan import _WORKERS, _in_parallel

MAX_ROUNDS = 30
NEAR = 0.01  # also add left-out pairs within NEAR x the largest score of breaking the bound
# ... and in later rounds within NEAR_LATER x it: on seed_scale's scores (bids and directions tie
# many pairs) a round that added only the broken pairs was followed by one more round finding a
# few; 3 rounds instead of 4, each a flow of 700,000 pairs.
NEAR_LATER = NEAR / 10


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
        # Also take pairs that nearly break the bound (more in the first round): prices move when
        # the flow is solved again, and the next round then usually only confirms.
        near = 0.0 if slack else (NEAR if rounds == 1 else NEAR_LATER) * problem.largest
        slack_used = bool(pruned.slack_papers.any() or pruned.slack_reviewers.any())
        limit = None if slack_used else 2 * demand + 2  # pairs added per paper and round
        found = certifier.violations(pruned.u, pruned.v, candidates, near, precise=slack, limit=limit)
        found_p, found_r, found, left_excess = found
        broken = found > 0
        viol_p, amount = found_p[broken], found[broken]
        _add_time(times, "certify", mark)
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
        keep = _per_row_best(found_p, found, limit)
        candidates = _merged(candidates, found_p[keep] * reviewers + found_r[keep])

    chosen = candidates[pruned.assigned]
    gap = 0.0 if certified else (float(amount.sum()) + left_excess) / problem.scale
    return _Flow(
        pairs_p=np.concatenate([fixed_p, chosen // reviewers]),
        pairs_r=np.concatenate([fixed_r, chosen % reviewers]),
        candidates=candidates,
        rounds=rounds,
        certified=certified,
        gap_bound=gap,
    )


def _merged(ids: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Sorted unique ids with the new ones inserted: np.union1d sorts everything again, half a
    second a round at 700,000 candidates, for a few thousand new pairs."""
    new = np.unique(new)
    at = np.searchsorted(ids, new)
    fresh = ids[np.minimum(at, len(ids) - 1)] != new if len(ids) else np.ones(len(new), dtype=bool)
    return np.insert(ids, at[fresh], new[fresh])


def _add_time(times: dict[str, float], name: str, mark: float) -> None:
    times[name] = times.get(name, 0.0) + time.perf_counter() - mark


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
        self,
        u: np.ndarray,
        v: np.ndarray,
        candidates: np.ndarray,
        near: float,
        precise: bool,
        limit: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Left-out, allowed pairs with scaled score - u_p - v_r > -near x scale: (papers, reviewers,
        excess, left excess).

        The scan compares in the scores' own precision with a safety margin and keeps every pair
        that might qualify; the exact integer test then decides. With `limit` (per paper), only
        each paper's `limit` pairs of largest exact excess are returned (the round adds no more),
        picked block by block as the rows are read: seed_scale's first round has 27 million pairs
        over the threshold, which took longer to gather and sort whole than the flow to solve. A
        paper that breaks the bound always returns a pair that does (its largest). `left excess`
        is the positive excess (scaled units) of the pairs not returned, for the gap bound.
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
            return (*(np.zeros(0, np.int64),) * 3, 0.0)

        v_cast = (v / scale).astype(dtype)
        row_starts = np.arange(papers + 1, dtype=np.int64) * reviewers
        masks = [(ids, np.searchsorted(ids, row_starts)) for ids in (candidates, self.excluded) if len(ids)]
        step_rows = max(1, self.ROW_BYTES // max(reviewers * dtype.itemsize, 1))
        conflicts = problem.conflicts

        def work(a: int, b: int):
            chosen = rows[a:b]
            bounds = np.empty(len(chosen))
            hit_p, hit_r, hit_excess, left = [], [], [], 0.0
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
                    rows_over = excess[over]
                    rr, cc = np.nonzero(rows_over > threshold[sub[over]].astype(dtype)[:, None])
                    if limit is not None and len(rr):
                        rr, cc, dropped = _nearly_best(rows_over[rr, cc], rr, cc, limit[sub[over]], margin)
                        for k, cutoff in dropped:  # what the pairs left out here can break the bound by
                            left += cutoff[0] * max((cutoff[1] + margin) * scale - u[sub[over[k]]], 0.0)
                    p = sub[over][rr]  # by paper, as rows come
                    exact = problem.scaled(p, cc) - (u[p] + v[cc])
                    keep = exact > -near * scale
                    p, cc, exact = p[keep], cc[keep], exact[keep]
                    if limit is not None and len(p):
                        picked = _per_row_best(p, exact, limit)
                        left += float(exact.sum(where=exact > 0)) - float(exact[picked].sum(where=exact[picked] > 0))
                        p, cc, exact = p[picked], cc[picked], exact[picked]
                    hit_p.append(p)
                    hit_r.append(cc)
                    hit_excess.append(exact)
            return bounds, hit_p, hit_r, hit_excess, left

        step = max(1, -(-len(rows) // (4 * _WORKERS)))
        parts = _in_parallel(work, len(rows), step)
        self.bound[rows] = np.concatenate([part[0] for part in parts])

        def joined(k, dtype):
            return np.concatenate([x for part in parts for x in part[k]] + [np.zeros(0, dtype)]).astype(dtype)

        left = sum(part[4] for part in parts)
        return joined(1, np.int64), joined(2, np.int64), joined(3, np.float64), left


def _nearly_best(values, rows, columns, limit, margin):
    """The hits of each row (rows grouped, as np.nonzero gives them) that can be among its
    limit[row] largest by exact excess, judged by their scan values (`values`, within `margin` of
    the exact excess scaled back): those within 2 x margin of the row's limit-th largest value.
    A first round at a conference has 27 million hits and adds 10 a paper: the exact test and the
    sort then run on a few per paper. Returns the kept (rows, columns) and, for each row that
    left some out, (row, (how many, the value they are below))."""
    starts = np.searchsorted(rows, np.arange(len(limit)))
    ends = np.r_[starts[1:], len(rows)]
    keep = np.ones(len(rows), dtype=bool)
    dropped = []
    for k in np.flatnonzero(ends - starts > limit).tolist():
        row = values[starts[k] : ends[k]]
        kth = np.partition(row, len(row) - limit[k])[len(row) - limit[k]]
        low = row < kth - 2 * margin
        if low.any():
            keep[starts[k] : ends[k]] = ~low
            dropped.append((k, (int(low.sum()), float(kth - 2 * margin))))
    return rows[keep], columns[keep], dropped


def _per_row_best(rows: np.ndarray, amount: np.ndarray, limit: np.ndarray | None) -> np.ndarray:
    """Indices of the largest amounts in each row, at most limit[row] of them (all when None)."""
    if limit is None:
        return np.arange(len(rows))
    if len(rows) == 0:
        return np.zeros(0, np.int64)
    # Sorted by row (they come so: one pass), then only the rows with more than their limit are
    # sorted by amount. One lexsort of everything took 15 s on seed_scale's 20,000 x 15,000, whose
    # first round finds 27 million pairs near the bound.
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    ends = np.r_[starts[1:], len(order)]
    wanted = limit[sorted_rows[starts]]
    crowded = ends - starts > wanted
    keep = [order[start:end] for start, end in zip(starts[~crowded], ends[~crowded], strict=True)]
    for start, end, count in zip(starts[crowded], ends[crowded], wanted[crowded], strict=True):
        row = order[start:end]
        keep.append(row[np.argsort(-amount[row], kind="stable")[:count]])
    return np.concatenate(keep)
