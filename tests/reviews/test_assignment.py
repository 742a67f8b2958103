import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from reviews.assignment import FAIR_BUDGET, AssignmentInfeasible, certificate, scan, solve, solve_with_report

SMALL = settings(max_examples=250, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def lp_optimum(scores, demand, max_load, min_load=0, conflicts=None, locked=None):
    """The exact optimum, by HiGHS on the dense LP (totally unimodular, so integral); None if infeasible."""
    papers, reviewers = scores.shape
    demand = np.broadcast_to(demand, (papers,))
    max_load = np.broadcast_to(max_load, (reviewers,))
    min_load = np.broadcast_to(min_load, (reviewers,))
    pairs = np.arange(papers * reviewers)
    per_paper = coo_matrix((np.ones(len(pairs)), (pairs // reviewers, pairs)), shape=(papers, len(pairs)))
    per_reviewer = coo_matrix((np.ones(len(pairs)), (pairs % reviewers, pairs)), shape=(reviewers, len(pairs)))
    lower = np.zeros(len(pairs)) if locked is None else locked.ravel().astype(float)
    upper = np.ones(len(pairs)) if conflicts is None else (~conflicts.ravel()).astype(float)
    result = linprog(
        -scores.astype(np.float64).ravel(),
        A_ub=vstack([per_reviewer, -per_reviewer]),
        b_ub=np.concatenate([max_load, -min_load]),
        A_eq=per_paper,
        b_eq=demand,
        bounds=np.column_stack([lower, upper]),
        method="highs",
    )
    return -result.fun if result.status == 0 else None


def assert_respects(x, demand, max_load, min_load=0, conflicts=None, locked=None):
    assert x.dtype == bool
    assert (x.sum(axis=1) == demand).all()
    assert (x.sum(axis=0) <= max_load).all()
    assert (x.sum(axis=0) >= min_load).all()
    if conflicts is not None:
        assert not (x & conflicts).any()
    if locked is not None:
        assert x[locked].all()


def skewed_scores(papers, reviewers, seed):
    """Topic affinity plus a reviewer quality that few reviewers have: a few reviewers suit every paper."""
    rng = np.random.default_rng(seed)
    topics_p = rng.normal(size=(papers, 8))
    topics_r = rng.normal(size=(reviewers, 8))
    topics_p /= np.linalg.norm(topics_p, axis=1, keepdims=True)
    topics_r /= np.linalg.norm(topics_r, axis=1, keepdims=True)
    return 0.3 * (1 + topics_p @ topics_r.T) + rng.beta(0.6, 6.0, size=reviewers)


@st.composite
def instances(draw):
    papers = draw(st.integers(1, 8))
    reviewers = draw(st.integers(1, 8))
    shape = (papers, reviewers)
    scores = draw(arrays(np.float64, shape, elements=st.floats(-1, 1, width=32)))
    demand = draw(arrays(np.int64, papers, elements=st.integers(0, min(reviewers, 3))))
    max_load = draw(arrays(np.int64, reviewers, elements=st.integers(0, papers)))
    min_load = np.minimum(draw(arrays(np.int64, reviewers, elements=st.integers(0, 2))), max_load)
    conflicts = draw(st.none() | arrays(bool, shape))
    locked = draw(st.none() | arrays(bool, shape))
    if locked is not None and conflicts is not None:
        locked &= ~conflicts
    if locked is not None:  # keep locks sparse, so that instances are often feasible
        locked &= np.add.outer(np.arange(papers), np.arange(reviewers)) % 3 == 0
    return scores, demand, max_load, min_load, conflicts, locked


@SMALL
@given(instances())
def test_solve_small_instances_reach_the_exact_optimum(instance):
    scores, demand, max_load, min_load, conflicts, locked = instance
    optimum = lp_optimum(scores, demand, max_load, min_load, conflicts, locked)

    if optimum is None:
        with pytest.raises(AssignmentInfeasible):
            solve(scores, demand=demand, max_load=max_load, min_load=min_load, conflicts=conflicts, locked=locked)
        return
    x, report = solve_with_report(
        scores, demand=demand, max_load=max_load, min_load=min_load, conflicts=conflicts, locked=locked
    )

    assert_respects(x, demand, max_load, min_load, conflicts, locked)
    assert report.certified
    assert scores[x].sum() == pytest.approx(optimum, abs=1e-5 * (demand.sum() + 1))
    assert report.total_score == pytest.approx(scores[x].sum())


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_fair_small_instances_keep_every_constraint_and_never_lower_the_worst_paper(instance):
    scores, demand, max_load, min_load, conflicts, locked = instance
    try:
        x, report = solve_with_report(
            scores,
            demand=demand,
            max_load=max_load,
            min_load=min_load,
            conflicts=conflicts,
            locked=locked,
            fair=True,
            fair_budget=0.5,
        )
    except AssignmentInfeasible:
        return

    assert_respects(x, demand, max_load, min_load, conflicts, locked)
    totals = (scores * x).sum(axis=1)
    worst = totals[demand > 0].min() if (demand > 0).any() else 0.0
    assert worst == pytest.approx(report.fair.floor)
    assert worst >= report.fair.max_sum_worst - 1e-9
    assert worst <= report.fair.floor_bound + 1e-9
    assert totals.sum() >= report.fair.max_sum_total - 0.5 * abs(report.fair.max_sum_total) - 1e-9


def test_solve_pruned_pairs_are_brought_back_by_the_certificate():
    # Every reviewer's own best papers are the ten "popular" ones, so the first round sees the
    # other thirty papers only through the round-robin pairs; their best reviewers are elsewhere.
    rng = np.random.default_rng(3)
    scores = rng.uniform(0.0, 0.9, size=(40, 20))
    scores[:10] = 1.0 + rng.uniform(0.0, 0.01, size=(10, 20))

    x, report = solve_with_report(scores, demand=1, max_load=2)

    assert report.rounds >= 2
    assert report.certified
    assert_respects(x, 1, 2)
    assert scores[x].sum() == pytest.approx(lp_optimum(scores, 1, 2), abs=1e-5)


@SMALL
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(-3, 3)), max_size=60),
    st.lists(st.integers(0, 4), min_size=6, max_size=6),
    st.booleans(),
)
def test_per_row_best_keeps_the_largest_amounts_of_each_row_up_to_its_limit(found, limit, grouped):
    # The reference: everything sorted by row, then by amount (largest first), ties by position.
    found = sorted(found, key=lambda pair: pair[0]) if grouped else found
    rows = np.array([row for row, _ in found], dtype=np.int64)
    amount = np.array([value for _, value in found], dtype=np.float64)
    order = np.lexsort((-amount, rows))
    rank = np.arange(len(order)) - np.searchsorted(rows[order], rows[order])
    expected = order[rank < np.array(limit)[rows[order]]]

    kept = certificate._per_row_best(rows, amount, np.array(limit))

    assert sorted(kept.tolist()) == sorted(expected.tolist())


def test_solve_when_the_candidates_admit_no_assignment_slack_finds_the_missing_pairs(monkeypatch):
    monkeypatch.setattr(scan, "CANDIDATES_PER_LOAD", 0)  # only the round-robin pairs...
    scores = np.random.default_rng(5).uniform(size=(6, 6))
    conflicts = np.eye(6, dtype=bool)  # ...which pair paper i with reviewer i: all in conflict

    x, report = solve_with_report(scores, demand=1, max_load=1, conflicts=conflicts)

    assert report.certified
    assert_respects(x, 1, 1, conflicts=conflicts)
    assert scores[x].sum() == pytest.approx(lp_optimum(scores, 1, 1, conflicts=conflicts), abs=1e-5)


def test_solve_sampled_thresholds_give_the_same_optimum_as_whole_columns(monkeypatch):
    # Over 2,048 papers the reviewers' candidates come from sampled thresholds.
    rng = np.random.default_rng(8)
    scores = skewed_scores(2100, 40, seed=8).astype(np.float32)
    conflicts = rng.random(scores.shape) < 0.05
    sampled, sampled_report = solve_with_report(scores, demand=1, max_load=60, min_load=20, conflicts=conflicts)
    monkeypatch.setattr(scan, "_SAMPLE", 4096)

    _, exact_report = solve_with_report(scores, demand=1, max_load=60, min_load=20, conflicts=conflicts)

    assert sampled_report.certified and exact_report.certified
    assert_respects(sampled, 1, 60, 20, conflicts)
    assert sampled_report.total_score == pytest.approx(exact_report.total_score, rel=1e-6)


def test_solve_float32_scores_give_the_optimum_of_those_scores():
    scores = skewed_scores(60, 40, seed=2).astype(np.float32)

    x, report = solve_with_report(scores, demand=3, max_load=6)

    assert x.shape == (60, 40)
    assert report.certified
    assert_respects(x, 3, 6)
    assert scores.astype(np.float64)[x].sum() == pytest.approx(lp_optimum(scores, 3, 6), abs=1e-4)


def test_solve_per_paper_demand_and_per_reviewer_loads():
    scores = np.random.default_rng(4).uniform(size=(5, 4))
    demand = np.array([1, 2, 3, 0, 2])
    max_load = np.array([3, 3, 1, 3])
    min_load = np.array([2, 0, 1, 0])

    x = solve(scores, demand=demand, max_load=max_load, min_load=min_load)

    assert_respects(x, demand, max_load, min_load)
    assert scores[x].sum() == pytest.approx(lp_optimum(scores, demand, max_load, min_load), abs=1e-5)


def test_solve_with_report_describes_the_run():
    scores = skewed_scores(50, 30, seed=1)

    x, report = solve_with_report(scores, demand=3, max_load=6)

    assert report.total_score == pytest.approx(scores[x].sum())
    assert report.worst_paper_score == pytest.approx((scores * x).sum(axis=1).min())
    assert report.certified and report.gap_bound == 0.0
    assert report.rounds >= 1
    assert 150 <= report.candidates <= 50 * 30
    assert {"read", "candidates", "flow", "certify", "total"} <= set(report.times)
    assert report.fair is None


def test_fair_raises_the_worst_paper_on_skewed_scores_within_the_budget():
    scores = skewed_scores(300, 200, seed=1)
    _, plain_report = solve_with_report(scores, demand=3, max_load=5)

    fair, fair_report = solve_with_report(scores, demand=3, max_load=5, fair=True)

    assert_respects(fair, 3, 5)
    assert fair_report.worst_paper_score >= 1.05 * plain_report.worst_paper_score
    assert fair_report.total_score >= (1 - FAIR_BUDGET) * plain_report.total_score - 1e-9
    assert fair_report.fair.max_sum_total == pytest.approx(plain_report.total_score)
    assert fair_report.fair.floor == pytest.approx(fair_report.worst_paper_score)


def test_fair_keeps_locked_pairs_and_avoids_conflicts():
    scores = skewed_scores(80, 50, seed=6)
    rng = np.random.default_rng(6)
    conflicts = rng.random(scores.shape) < 0.1
    locked = np.zeros(scores.shape, dtype=bool)
    locked[np.arange(0, 80, 8), np.arange(10)] = True
    locked &= ~conflicts

    x = solve(scores, demand=3, max_load=6, conflicts=conflicts, locked=locked, fair=True, fair_budget=0.05)

    assert_respects(x, 3, 6, conflicts=conflicts, locked=locked)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"demand": 3, "max_load": 6}, "120 papers need 360 reviews; the reviewers offer 300."),
        (
            {"demand": 3, "max_load": 8, "min_load": 8},
            "The reviewers' minimum loads add up to 400 reviews, but the 120 papers need only 360.",
        ),
        (
            {"demand": 3, "max_load": 8, "min_load": np.r_[9, np.zeros(49, int)]},
            "Reviewer 1 has a minimum load of 9, above their maximum of 8.",
        ),
    ],
)
def test_solve_impossible_totals_are_explained(kwargs, message):
    scores = np.zeros((120, 50))

    with pytest.raises(AssignmentInfeasible) as raised:
        solve(scores, **kwargs)

    assert str(raised.value) == message


def test_solve_paper_with_too_few_reviewers_without_conflict_is_named():
    conflicts = np.zeros((20, 5), dtype=bool)
    conflicts[16, :3] = True

    with pytest.raises(AssignmentInfeasible) as raised:
        solve(np.ones((20, 5)), demand=3, max_load=20, conflicts=conflicts)

    assert str(raised.value) == "Paper 17 needs 3 reviewers but only 2 are not in conflict with it."


def test_solve_messages_use_the_labels_given():
    conflicts = np.zeros((3, 4), dtype=bool)
    conflicts[1, :2] = True

    with pytest.raises(AssignmentInfeasible) as raised:
        solve(np.ones((3, 4)), demand=3, max_load=3, conflicts=conflicts, paper_labels=["#4", "#9", "#12"])

    assert str(raised.value) == "Paper #9 needs 3 reviewers but only 2 are not in conflict with it."


def test_solve_reviewer_whose_minimum_load_conflicts_cannot_meet_is_named():
    conflicts = np.zeros((4, 3), dtype=bool)
    conflicts[1:, 2] = True

    with pytest.raises(AssignmentInfeasible) as raised:
        solve(np.ones((4, 3)), demand=1, max_load=4, min_load=[0, 0, 2], conflicts=conflicts, reviewer_labels="ABC")

    assert str(raised.value) == "Reviewer C must review at least 2 papers but only 1 is not in conflict with them."


@pytest.mark.parametrize(
    ("locked_pairs", "conflict_pairs", "message"),
    [
        ([(1, 2)], [(1, 2)], "Paper 2 is locked to reviewer 3, who is in conflict with it."),
        ([(0, 0), (0, 1), (0, 2)], [], "Paper 1 has 3 locked reviewers but needs only 2."),
        ([(0, 3), (1, 3), (2, 3)], [], "Reviewer 4 is locked to 3 papers, above their maximum load of 2."),
    ],
)
def test_solve_impossible_locks_are_explained(locked_pairs, conflict_pairs, message):
    locked = np.zeros((4, 4), dtype=bool)
    conflicts = np.zeros((4, 4), dtype=bool)
    locked[tuple(np.array(locked_pairs).T)] = True
    if conflict_pairs:
        conflicts[tuple(np.array(conflict_pairs).T)] = True

    with pytest.raises(AssignmentInfeasible) as raised:
        solve(np.ones((4, 4)), demand=2, max_load=2, conflicts=conflicts, locked=locked)

    assert str(raised.value) == message


def test_solve_flow_that_ends_short_says_how_many_reviews_are_missing():
    # Each paper has two reviewers without conflict (reviewers 1 and 2), who can take four
    # reviews between them; the three papers need six.
    conflicts = np.zeros((3, 4), dtype=bool)
    conflicts[:, 2:] = True

    with pytest.raises(AssignmentInfeasible) as raised:
        solve(np.ones((3, 4)), demand=2, max_load=2, conflicts=conflicts)

    assert re.fullmatch(
        r"2 reviews cannot be placed within the reviewers' loads and conflicts; short: paper \d \(gets [01] of 2\)"
        r"(, paper \d \(gets 1 of 2\))?\.",
        str(raised.value),
    )


def test_solve_rejects_malformed_input():
    scores = np.ones((3, 2))

    with pytest.raises(ValueError, match="demand must be an int or 3 ints"):
        solve(scores, demand=[1, 1], max_load=2)
    with pytest.raises(ValueError, match="finite"):
        solve(np.array([[np.nan, 1.0]]), demand=1, max_load=1)
    with pytest.raises(ValueError, match="conflicts must be a boolean array"):
        solve(scores, demand=1, max_load=2, conflicts=np.zeros((3, 2), dtype=int))
    with pytest.raises(ValueError, match="must not be negative"):
        solve(scores, demand=1, max_load=[2, -1])


def test_solve_nothing_to_assign_returns_an_empty_assignment():
    x, report = solve_with_report(np.ones((3, 2)), demand=0, max_load=0)

    assert x.shape == (3, 2)
    assert not x.any()
    assert report.total_score == 0.0
    assert report.certified


def crowded_instance():
    """Every reviewer's own best papers are the ten popular ones, so after the first flow each of
    the thirty other papers has many left-out pairs that break the bound, more than a round adds."""
    rng = np.random.default_rng(4)
    scores = rng.uniform(0.0, 0.9, size=(40, 60))
    scores[:10] = 1.0 + rng.uniform(0.0, 0.01, size=(10, 60))
    return scores


def test_certifier_returns_each_papers_largest_violations_and_the_solve_stays_exact(monkeypatch):
    scores = crowded_instance()
    seen = []
    violations = certificate._Certifier.violations

    def spy(self, u, v, candidates, near, precise, limit=None):
        found = violations(self, u, v, candidates, near, precise, limit=limit)
        seen.append((found, limit))
        return found

    monkeypatch.setattr(certificate._Certifier, "violations", spy)

    x, report = solve_with_report(scores, demand=1, max_load=2)

    (p, _, excess, left), limit = seen[0]
    assert left > 0  # the first round left pairs out...
    assert (np.bincount(p, minlength=40) <= limit).all()  # ...kept at most `limit` per paper...
    assert (excess > 0).any()
    assert report.certified  # ...and the loop still ends on a true certificate
    assert scores[x].sum() == pytest.approx(lp_optimum(scores, 1, 2), abs=1e-5)


def test_uncertified_gap_bound_covers_the_pairs_left_out(monkeypatch):
    scores = crowded_instance()
    monkeypatch.setattr(certificate, "MAX_ROUNDS", 1)

    x, report = solve_with_report(scores, demand=1, max_load=2)

    assert not report.certified
    assert_respects(x, 1, 2)
    assert report.total_score + report.gap_bound >= lp_optimum(scores, 1, 2) - 1e-6


@SMALL
@given(st.lists(st.integers(0, 50), unique=True), st.lists(st.integers(0, 60)))
def test_merged_candidates_are_the_sorted_union(ids, new):
    ids = np.array(sorted(ids), dtype=np.int64)

    merged = certificate._merged(ids, np.array(new, dtype=np.int64))

    assert merged.tolist() == np.union1d(ids, np.array(new, dtype=np.int64)).tolist()


def test_pairs_of_an_assignment_are_those_np_nonzero_gives():
    from reviews.assignment import pairs_of

    assignment = np.random.default_rng(2).uniform(size=(37, 29)) > 0.9

    assert [a.tolist() for a in pairs_of(assignment)] == [a.tolist() for a in np.nonzero(assignment)]


@SMALL
@given(
    st.lists(st.tuples(st.integers(0, 4), st.integers(-20, 20)), max_size=80),
    st.lists(st.integers(1, 4), min_size=5, max_size=5),
)
def test_nearly_best_keeps_every_hit_within_twice_the_margin_of_the_rows_limit(hits, limit):
    hits = sorted(hits, key=lambda hit: hit[0])  # grouped by row, as np.nonzero gives them
    rows = np.array([row for row, _ in hits], dtype=np.int64)
    values = np.array([value for _, value in hits], dtype=np.float64) / 4
    limit = np.array(limit)

    kept_rows, kept_columns, dropped = certificate._nearly_best(values, rows, np.arange(len(rows)), limit, 0.5)

    for row in range(5):
        mine = np.sort(values[rows == row])[::-1]
        expected = mine if len(mine) <= limit[row] else mine[mine >= mine[limit[row] - 1] - 1.0]
        assert sorted(values[kept_columns][kept_rows == row]) == sorted(expected)
    assert sum(count for _, (count, _) in dropped) == len(rows) - len(kept_rows)
