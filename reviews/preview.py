"""Reads for the chairs' assignment pages: a run's preview with its statistics, the assignment
overview, and the candidates of manual assignment. Each reads a constant number of queries.

A chair in conflict with a paper sees its number and title, never who reviews it; no figure
shown to them (count, total, load, histogram) counts it.
"""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from django.core.paginator import Paginator

from reviews import selectors
from reviews.affinity import METHOD_LABELS
from reviews.models import Assignment, ProposedPair
from reviews.scoring import BID_POINTS, Breakdown, breakdown, live_papers, score_table
from reviews.services.assignments import DEFAULT_WEIGHTS, weights_of
from submissions import selectors as submission_selectors


@dataclass
class PaperRow:
    paper: object
    pairs: list = field(default_factory=list)
    hidden: bool = False  # the viewing chair is in conflict with the paper
    total: float = 0.0

    @property
    def mean(self) -> float:
        return self.total / len(self.pairs) if self.pairs else 0.0


@dataclass(frozen=True)
class Bar:
    """One bar of the load histogram, with its SVG geometry (a 100-wide slot, 100 high)."""

    load: int
    count: int
    height: int

    @property
    def x(self) -> int:
        return 100 * self.load + 5

    @property
    def y(self) -> int:
        return 100 - self.height

    @property
    def middle(self) -> int:
        return 100 * self.load + 50


def _histogram(loads) -> list[Bar]:
    """Reviewers by number of papers, from 0 to the largest load."""
    counts = Counter(loads)
    top = max(counts.values(), default=1)
    return [Bar(load, counts[load], round(100 * counts[load] / top)) for load in range(max(counts, default=0) + 1)]


def run_preview(viewer, run, *, page_number, per_page) -> dict:
    """A run's proposal: statistics, and one page of papers with their pairs.

    Every figure (pairs, paper totals, the load histogram, the short, weak and overloaded lists)
    is computed over the pairs of the papers `viewer` may see, the rows the page can show them: a
    total that counted a paper the viewing chair is in conflict with would tell them something of
    who reviews it (its score, or a reviewer's load less the rows they see)."""
    workshop = run.workshop
    hidden = selectors.papers_hidden_from(viewer, workshop)
    rows = [
        row
        for row in ProposedPair.objects.filter(run=run).values_list("submission_id", "reviewer_id", "score")
        if row[0] not in hidden
    ]
    papers = list(live_papers(workshop))
    visible = [paper for paper in papers if paper.pk not in hidden]
    reviewers = selectors.reviewers_of(workshop)
    per_paper = {paper.pk: [] for paper in visible}
    for paper_id, _, score in rows:
        per_paper.setdefault(paper_id, []).append(score)
    totals = np.array([sum(scores) for scores in per_paper.values()], dtype=float)
    load_of = Counter(reviewer_id for _, reviewer_id, _ in rows)
    short = [paper for paper in visible if len(per_paper.get(paper.pk, [])) < run.reviews_per_paper]
    below = [
        paper
        for paper in visible
        if per_paper.get(paper.pk) and sum(per_paper[paper.pk]) / len(per_paper[paper.pk]) < run.threshold
    ]
    overloaded = [r for r in reviewers if load_of.get(r.pk, 0) > r.profile.effective_max_load]
    stats = {
        "pairs": len(rows),
        "worst": float(totals.min()) if len(totals) else 0.0,
        "median": float(np.median(totals)) if len(totals) else 0.0,
        "mean": float(totals.mean()) if len(totals) else 0.0,
        "total": float(totals.sum()),
        "histogram": _histogram([load_of.get(r.pk, 0) for r in reviewers]),
    }

    page = Paginator(papers, per_page).get_page(page_number)
    on_page = {paper.pk: PaperRow(paper, hidden=paper.pk in hidden) for paper in page}
    shown = [pk for pk, row in on_page.items() if not row.hidden]
    pairs = ProposedPair.objects.filter(run=run, submission_id__in=shown).select_related("reviewer")
    pairs = list(pairs.order_by("submission__number", "-score"))
    conflicted = submission_selectors.conflict_pairs(
        workshop, [row.paper for row in on_page.values() if not row.hidden], [p.reviewer for p in pairs]
    )
    weights = weights_of(run)
    for pair in pairs:
        pair.conflicted = (pair.submission_id, pair.reviewer_id) in conflicted
        pair.contributions = (
            weights.affinity * pair.affinity,
            weights.bid * BID_POINTS.get(pair.bid, 0.0),
            weights.direction * pair.direction_match,
        )
        row = on_page[pair.submission_id]
        row.total += pair.score
        row.pairs.append(pair)
    return {
        "stats": stats,
        "hidden_count": len(hidden),
        "page": page,
        "rows": list(on_page.values()),
        "short": short,
        "below": below,
        "overloaded": [(r, load_of.get(r.pk, 0)) for r in overloaded],
        "weights": weights,
        "method_label": METHOD_LABELS.get(run.affinity_method, "no affinity (not computed: it counted 0)"),
        "histogram_width": 100 * len(stats["histogram"]),
        "reviewer_choices": reviewers,
    }


def overview_rows(viewer, workshop, *, page_number, per_page):
    """One page of the workshop's papers, each with its assigned reviewers (hidden where the chair
    is in conflict); `page.hidden` holds the ids of the papers they are in conflict with."""
    page = Paginator(live_papers(workshop), per_page).get_page(page_number)
    page.hidden = selectors.papers_hidden_from(viewer, workshop)
    rows = {paper.pk: PaperRow(paper, hidden=paper.pk in page.hidden) for paper in page}
    shown = [pk for pk, row in rows.items() if not row.hidden]
    for assignment in Assignment.objects.filter(submission_id__in=shown).select_related("reviewer").order_by("id"):
        rows[assignment.submission_id].pairs.append(assignment)
    page.rows = list(rows.values())
    return page


@dataclass
class Candidate:
    """A reviewer for a paper, or a paper for a reviewer, on the manual assignment pages."""

    paper: object
    reviewer: object
    parts: Breakdown
    assigned: bool
    load: int = 0


def candidates_for_paper(viewer, workshop, paper, *, hidden=None) -> list[Candidate]:
    """Every reviewer for this paper, assigned ones first, then by pair score; each with their
    load over the papers `viewer` may see (loads_visible_to; `hidden` as it takes it)."""
    table = score_table(workshop, papers=[paper])
    loads = selectors.loads_visible_to(viewer, workshop, hidden=hidden)
    candidates = [
        Candidate(
            paper,
            reviewer,
            breakdown(table, DEFAULT_WEIGHTS, 0, j),
            bool(table.assigned[0, j]),
            loads.get(reviewer.pk, 0),
        )
        for j, reviewer in enumerate(table.reviewers)
    ]
    return sorted(candidates, key=lambda c: (not c.assigned, bool(c.parts.excluded), -c.parts.score))


def candidates_for_reviewer(viewer, workshop, reviewer, *, hidden=None) -> list[Candidate]:
    """Every paper for this reviewer (but those the viewing chair is in conflict with: `hidden`,
    papers_hidden_from), assigned ones first, then by pair score."""
    hidden = selectors.papers_hidden_from(viewer, workshop) if hidden is None else hidden
    papers = [paper for paper in live_papers(workshop) if paper.pk not in hidden]
    reviewer.profile = selectors.reviewer_profile(workshop, reviewer)
    table = score_table(workshop, papers=papers, reviewers=[reviewer])
    candidates = [
        Candidate(paper, reviewer, breakdown(table, DEFAULT_WEIGHTS, i, 0), bool(table.assigned[i, 0]))
        for i, paper in enumerate(table.papers)
    ]
    return sorted(candidates, key=lambda c: (not c.assigned, bool(c.parts.excluded), -c.parts.score))
