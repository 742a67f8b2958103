"""Candidate pairs for the pruned flow: each reviewer's best papers and round-robin assignments.

Pairs are ids, p x reviewers + r.
"""

from __future__ import annotations

import numpy as np

from . import scan
from .problem import _Problem
from .scan import _CHUNK, _in_parallel


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
    wanted = np.minimum(scan.CANDIDATES_PER_LOAD * max_load, papers)
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
