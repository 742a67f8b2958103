"""Fair mode: raise the worst-off paper within a budget, then maximise the sum with that floor kept.

`_fair` drives the repair search (`repair`) and the polish by certified flows (`certificate`);
`_floor_bound` bounds from above how far any assignment could raise the floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .certificate import _Flow, _max_sum
from .problem import _Problem, _worst
from .repair import _Repair
from .scan import _CHUNK

FAIR_BUDGET = 0.005  # share of the max-sum total that fair mode may give up to raise the worst paper


@dataclass(frozen=True)
class FairReport:
    max_sum_total: float  # total score of the unconstrained optimum
    max_sum_worst: float  # its worst-off paper
    budget: float  # share of max_sum_total the fair assignment was allowed to give up
    floor: float  # every paper's total in the fair assignment is at least this
    floor_bound: float  # no assignment can lift every paper above this (each paper's best alone)
    moves: int  # repair moves in the accepted search
    polish_rounds: int  # flows solved to maximise the total under the floor


_FAIR_STEP = 0.02  # first rise of the floor tried, as a share of the largest score
_FAIR_TOLERANCE = 2.5e-3  # stop when the step falls below 0.25% of the largest score
_FAIR_ATTEMPTS = 40
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
