"""The problem: validated inputs, infeasibility in plain words.

`_Problem.build` checks the caller's arrays and reads the scores once (see `scan`); `check_feasible`
and `unplaced` write the AssignmentInfeasible sentences for the chair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import scan
from .scan import _count_false, _sampled_thresholds, _scan, _true_positions


class AssignmentInfeasible(Exception):
    """The constraints admit no assignment. The message is written for the chair."""


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
        threshold = _sampled_thresholds(scores, np.minimum(scan.CANDIDATES_PER_LOAD * max_load, papers))
        row_max, row_min, hits = _scan(scores, threshold)
        low, high = (float(row_min.min()), float(row_max.max())) if scores.size else (0.0, 0.0)
        if not (math.isfinite(low) and math.isfinite(high)):
            raise ValueError("scores must be finite (no NaN or infinity)")
        largest = max(abs(low), abs(high))
        scale = 10.0 ** (6 - math.floor(math.log10(largest))) if largest > 0 else 1.0
        locked = _mask(locked, scores.shape, "locked")
        # Sparse: np.nonzero takes most of a second on 300 million pairs that are all False.
        locked_p, locked_r = _true_positions(locked) if locked is not None else (np.zeros(0, np.int64),) * 2
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


def _worst(totals: np.ndarray, wanting: np.ndarray) -> float:
    """The worst-off paper's total, among papers that need reviews."""
    return float(totals[wanting].min()) if wanting.any() else 0.0
