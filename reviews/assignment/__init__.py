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
   (see `fair._fair`), then maximises the total again with that floor kept.

The package is pure numpy/OR-Tools, so it can be used and benchmarked without Django. Its
modules, each importing only from those listed before it:

- `scan`: parallel passes over the score matrix, and the candidate thresholds.
- `problem`: validated inputs (_Problem) and AssignmentInfeasible's sentences for the chair.
- `candidates`: each reviewer's best papers and round-robin assignments.
- `flow`: the pruned problem as an OR-Tools min-cost flow, and its node prices.
- `certificate`: the LP-duality certifier and column generation (max-sum, step 3).
- `repair`, `fair`: fair mode (step 4).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .certificate import _max_sum
from .fair import FAIR_BUDGET, FairReport, _fair
from .problem import AssignmentInfeasible, _Problem, _worst
from .scan import _true_positions

__all__ = ["AssignmentInfeasible", "AssignmentReport", "FairReport", "pairs_of", "solve", "solve_with_report"]


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


def pairs_of(assignment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (paper, reviewer) indices of an assignment's pairs, as np.nonzero gives them, but
    without reading a conference's 300 million pairs one by one (a hundred times faster)."""
    return _true_positions(np.ascontiguousarray(assignment))
