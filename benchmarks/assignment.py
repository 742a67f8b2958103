"""Reviewer assignment at workshop and conference sizes: time, optimality, fairness.

Run: .venv/bin/python benchmarks/assignment.py [--quick]   (--quick: only the two small instances)

Scores are skewed, as they are in practice: topic affinity (0 to 0.6) plus a reviewer quality
drawn from Beta(0.6, 6), which a few reviewers have in plenty, so a few reviewers suit every
paper. The exact optimum comes from scipy's HiGHS on the dense LP where that fits in memory and
time (up to 3 million pairs); the assignment LP is totally unimodular, so it is the integer optimum.
"""

import argparse
import ctypes
import resource
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reviews.assignment import solve_with_report

INSTANCES = [  # papers, reviewers, reviews per paper, load
    (500, 300, 3, 6),
    (2_000, 1_200, 3, 6),
    (20_000, 15_000, 4, 6),
    (20_000, 15_000, 6, 8),
]
LP_LIMIT = 3_000_000  # pairs


def skewed_scores(papers: int, reviewers: int, seed: int = 0) -> np.ndarray:
    """float32 scores, built in blocks of rows so that no float64 copy of the matrix exists."""
    rng = np.random.default_rng(seed)
    topics_p = rng.standard_normal((papers, 16), dtype=np.float32)
    topics_r = rng.standard_normal((reviewers, 16), dtype=np.float32)
    topics_p /= np.linalg.norm(topics_p, axis=1, keepdims=True)
    topics_r /= np.linalg.norm(topics_r, axis=1, keepdims=True)
    quality = rng.beta(0.6, 6.0, size=reviewers).astype(np.float32)
    scores = np.empty((papers, reviewers), dtype=np.float32)
    for start in range(0, papers, 2048):
        block = scores[start : start + 2048]
        np.matmul(topics_p[start : start + 2048], topics_r.T, out=block)
        block += 1.0
        block *= 0.3
        block += quality
    return scores


def lp_optimum(scores: np.ndarray, demand: int, load: int) -> float:
    papers, reviewers = scores.shape
    pairs = np.arange(papers * reviewers)
    ones = np.ones(len(pairs))
    per_paper = coo_matrix((ones, (pairs // reviewers, pairs)), shape=(papers, len(pairs)))
    per_reviewer = coo_matrix((ones, (pairs % reviewers, pairs)), shape=(reviewers, len(pairs)))
    result = linprog(
        -scores.astype(np.float64).ravel(),
        A_ub=per_reviewer,
        b_ub=np.full(reviewers, load),
        A_eq=per_paper,
        b_eq=np.full(papers, demand),
        bounds=(0, 1),
        method="highs",
    )
    assert result.status == 0, result.message
    return -result.fun


def _status(field: str) -> float:
    """A field of /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def peak_memory_of(action):
    """(how far resident memory rose above its level before `action`, in MB, OR-Tools included;
    what action returned). Linux: freed memory is first handed back to the system (malloc_trim)
    and writing 5 to /proc/self/clear_refs resets the peak (VmHWM); elsewhere the MB are None."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        Path("/proc/self/clear_refs").write_text("5")
        before = _status("VmRSS")
    except OSError:
        return None, action()
    result = action()
    return _status("VmHWM") - before, result


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the two small instances")
    instances = INSTANCES[:2] if parser.parse_args().quick else INSTANCES

    rows, notes = [], []
    for papers, reviewers, demand, load in instances:
        name = f"{papers:,} x {reviewers:,}, k={demand}, load {load}"
        print(f"{name}: generating…", file=sys.stderr, flush=True)
        scores = skewed_scores(papers, reviewers)

        memory, (plain_time, (_, plain)) = peak_memory_of(
            partial(timed, solve_with_report, scores, demand=demand, max_load=load)
        )
        print(f"{name}: max-sum {plain_time:.1f} s; fair…", file=sys.stderr, flush=True)
        start = time.perf_counter()
        _, fair = solve_with_report(scores, demand=demand, max_load=load, fair=True)
        fair_time = time.perf_counter() - start

        if papers * reviewers <= LP_LIMIT:
            print(f"{name}: LP…", file=sys.stderr, flush=True)
            start = time.perf_counter()
            optimum = lp_optimum(scores, demand, load)
            ratio = f"{plain.total_score / optimum:.9f}"
            lp_note = f"LP {time.perf_counter() - start:.0f} s"
        else:
            ratio, lp_note = "n/a (too big)", "no LP"
        rows.append(
            [
                name,
                f"{plain_time:.2f}",
                f"{plain.total_score:,.3f}",
                ratio,
                "yes" if plain.certified else "no",
                f"{plain.worst_paper_score:.4f}",
                f"{fair_time:.2f}",
                f"{fair.total_score:,.3f}",
                f"{fair.worst_paper_score:.4f}",
                f"{100 * (fair.worst_paper_score / plain.worst_paper_score - 1):+.2f}%",
                f"{100 * (fair.total_score / plain.total_score - 1):+.3f}%",
            ]
        )
        phases = ", ".join(f"{key} {value:.2f}" for key, value in plain.times.items())
        notes.append(
            f"{name}: scores {scores.nbytes / 2**20:,.0f} MB; the solve's peak memory beyond them "
            f"{'n/a' if memory is None else f'{memory:,.0f} MB'} (the {papers * reviewers / 2**20:,.0f} MB "
            f"answer included); {plain.rounds} rounds, "
            f"{plain.candidates:,} candidate pairs ({100 * plain.candidates / (papers * reviewers):.2f}% of all); "
            f"phases (s): {phases}; fair: floor bound {fair.fair.floor_bound:.4f}, {fair.fair.moves} moves, "
            f"{fair.fair.polish_rounds} polish rounds; {lp_note}"
        )
        del scores

    header = [
        "instance",
        "solve (s)",
        "total",
        "ratio to LP optimum",
        "certified",
        "worst paper",
        "fair (s)",
        "fair total",
        "fair worst",
        "worst vs max-sum",
        "total vs max-sum",
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("| " + " | ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
    print()
    for note in notes:
        print(f"- {note}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"- peak memory of this process: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
