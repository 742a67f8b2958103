"""Parallel passes over the score matrix, and the thresholds that pick reviewers' candidates.

`_scan` reads the whole matrix once, on the machine's (at most two) cores: each paper's largest
and smallest score and, on large matrices, the pairs at or above each reviewer's threshold, which
`_sampled_thresholds` estimates on sampled rows. `_in_parallel` runs such work in chunks.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

CANDIDATES_PER_LOAD = 4
_CHUNK = 1 << 23  # scores one worker handles at once: 32 MB of float32
try:
    _WORKERS = max(1, min(2, len(os.sched_getaffinity(0))))
except AttributeError:  # not on Linux
    _WORKERS = max(1, min(2, os.cpu_count() or 1))


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
