"""The repair search of fair mode: moves, swaps and chains that lift papers below a target.

See `fair._fair` for how the search is used.
"""

from __future__ import annotations

import heapq

import numpy as np

from .problem import _Problem, _worst
from .scan import _CHUNK

_FULL_CHOICES = 256  # full reviewers a paper below the floor may take, its best ones first


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
