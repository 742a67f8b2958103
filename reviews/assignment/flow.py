"""The pruned problem as an OR-Tools min-cost flow on integer costs, and its node prices.

The prices come from shortest distances on the optimal flow's residual graph; `certificate` tests
the left-out pairs against them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from .problem import _Problem


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
