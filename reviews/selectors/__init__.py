"""Reads of invitations and reviewer profiles, scoped to a workshop."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

import numpy as np
from django.core.files.storage import FileSystemStorage, default_storage
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from reviews.affinity import METHOD_LABELS, resolve_method
from reviews.enums import ACTIVE_RUNS, AffinityStatus, BidValue
from reviews.models import AffinityScores, Assignment, AssignmentRun, Bid, Invitation, ReviewerProfile, split_own_papers
from submissions.enums import LIVE
from submissions.models import Submission
from submissions.selectors import conflicted_submissions
from workshop.enums import Role
from workshop.models import Direction, User
from workshop.selectors import address_is_taken


def invitations_of(workshop):
    """The workshop's reviewer invitations, newest first."""
    return Invitation.objects.filter(workshop=workshop).order_by("-created_at", "-id")


def invitation_of(workshop, pk) -> Invitation:
    return get_object_or_404(invitations_of(workshop), pk=pk)


def invitation_for_link(workshop, token) -> Invitation | None:
    """The invitation an accept or decline link stands for, or None when the link does not
    (or no longer) work: unknown token, withdrawn, or older than its lifetime."""
    invitation = Invitation.objects.filter(workshop=workshop, token=token).select_related("workshop").first()
    if invitation is None or not invitation.link_works:
        return None
    return invitation


def reviewers_of(workshop) -> list[User]:
    """The workshop's reviewers by name, each with `.profile` (their ReviewerProfile here, or an
    unsaved one with the defaults) in two queries, whatever their number."""
    profiles = ReviewerProfile.objects.filter(workshop=workshop)
    reviewers = list(
        User.objects.filter(memberships__workshop=workshop, memberships__role=Role.REVIEWER)
        .prefetch_related(Prefetch("reviewer_profiles", queryset=profiles, to_attr="profiles_here"))
        .order_by("name", "email")
    )
    for reviewer in reviewers:
        reviewer.profile = reviewer.profiles_here[0] if reviewer.profiles_here else ReviewerProfile(user=reviewer)
        reviewer.profile.workshop = workshop
    return reviewers


def reviewer_of(workshop, pk) -> User:
    """A reviewer of the workshop; 404 for anyone else."""
    return get_object_or_404(
        User.objects.filter(memberships__workshop=workshop, memberships__role=Role.REVIEWER), pk=_id(pk)
    )


def reviewer_profile(workshop, user) -> ReviewerProfile:
    """The reviewer's profile for this workshop; unsaved, prefilled from their account's profile,
    when they have not saved one yet."""
    profile = ReviewerProfile.objects.filter(workshop=workshop, user=user).first()
    if profile is None:
        profile = ReviewerProfile(workshop=workshop, user=user, expertise=user.expertise)
    profile.workshop = workshop
    return profile


def account_exists(email) -> bool:
    """Whether an account owns this address (confirmed it, or signs in with it): then the invitee
    logs in to accept. An address someone else only claimed, unconfirmed, does not count."""
    return address_is_taken(email)


# --- bidding ---------------------------------------------------------------------------------

# What a bidding card shows: never the authors, nor the institutions they named as conflicts.
BIDDING_CARD_FIELDS = ("workshop", "number", "title", "abstract", "keywords", "status", "primary_direction")
# A search longer than this many words is cut: each word is one more condition in the query.
MAX_SEARCH_WORDS = 10


def _biddable(workshop, reviewer):
    """The papers `reviewer` may bid on: the workshop's live papers they are not in conflict with,
    except through their own "conflict" bid, which they may take back."""
    conflicted = conflicted_submissions(reviewer, workshop, ignore_own_declaration=True)
    return Submission.objects.filter(workshop=workshop, status__in=LIVE, number__isnull=False).exclude(
        pk__in=conflicted.values("pk")
    )


def _matching(papers, workshop, *, direction, query):
    """Papers with `direction` (a slug) as primary or secondary direction, and with every word of
    `query` in their title, abstract or keywords (or a word "#12" or "12" as their number)."""
    if direction:
        secondary = Submission.secondary_directions.through.objects.filter(
            direction__workshop=workshop, direction__slug=direction
        ).values("submission_id")
        papers = papers.filter(Q(primary_direction__slug=direction) | Q(pk__in=secondary))
    for word in query.split()[:MAX_SEARCH_WORDS]:
        rule = Q(title__icontains=word) | Q(abstract__icontains=word) | Q(keywords__icontains=word)
        if word.lstrip("#").isdigit():
            rule |= Q(number=int(word.lstrip("#")))
        papers = papers.filter(rule)
    return papers


def _bidding_cards(reviewer, ids) -> list[Submission]:
    """The papers with these ids, in this order, each with `.directions` (primary first) and
    `.my_bid` (the reviewer's BidValue, or None): three queries, whatever the number of ids."""
    papers = (
        Submission.objects.filter(pk__in=ids)
        .only(*BIDDING_CARD_FIELDS, "primary_direction__slug", "primary_direction__name")
        .select_related("primary_direction")
        .prefetch_related(
            Prefetch("secondary_directions", queryset=Direction.objects.only("slug", "name").order_by("order", "id"))
        )
        .in_bulk()
    )
    bids = dict(Bid.objects.filter(reviewer=reviewer, submission_id__in=ids).values_list("submission_id", "value"))
    cards = []
    for pk in ids:
        paper = papers[pk]
        secondary = [d for d in paper.secondary_directions.all() if d.pk != paper.primary_direction_id]
        paper.directions = [paper.primary_direction, *secondary]
        paper.my_bid = BidValue(bids[pk]) if pk in bids else None
        cards.append(paper)
    return cards


class BiddingPapers:
    """The papers of the bidding page in order, as a sequence Django's Paginator can page: the ids
    are sorted once, and the cards are fetched only for the slice a page shows. `by_affinity`
    says whether affinities ordered them (False until the chairs compute them: by number then)."""

    def __init__(self, reviewer, ids, *, by_affinity):
        self.reviewer = reviewer
        self.ids = ids
        self.by_affinity = by_affinity

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return _bidding_cards(self.reviewer, self.ids[index])
        return _bidding_cards(self.reviewer, [self.ids[index]])[0]


def papers_for_bidding(workshop, reviewer, *, direction=None, query="") -> BiddingPapers:
    """The papers `reviewer` may bid on, filtered by direction slug and search words, best match
    first: by the reviewer's affinity with each paper (highest first), then by number.

    Each card (see _bidding_cards) has its directions and the reviewer's own bid, never another
    reviewer's bid nor anything about the authors. A page costs the same few queries whatever the
    number of papers: one for the ordered ids, three for the page's cards.
    """
    affinities = affinities_of_reviewer(workshop, reviewer)
    rows = _matching(_biddable(workshop, reviewer), workshop, direction=direction, query=query)
    ordered = sorted(rows.values_list("pk", "number"), key=lambda row: (-affinities.get(row[0], 0.0), row[1]))
    return BiddingPapers(reviewer, [pk for pk, _ in ordered], by_affinity=bool(affinities))


def paper_for_bidding(workshop, reviewer, pk) -> Submission:
    """One card of the bidding page; 404 when the reviewer may not bid on that paper (withdrawn,
    of another workshop, or in conflict), so that its existence does not leak."""
    if not _biddable(workshop, reviewer).filter(pk=pk).exists():
        raise Http404("No such paper.")
    return _bidding_cards(reviewer, [pk])[0]


class BiddingProgress(NamedTuple):
    bids: int
    papers: int


def bidding_progress(workshop, reviewer) -> BiddingProgress:
    """How many of the papers the reviewer may bid on have their bid (a neutral bid counts)."""
    papers = _biddable(workshop, reviewer)
    return BiddingProgress(
        bids=Bid.objects.filter(reviewer=reviewer, submission__in=papers).count(), papers=papers.count()
    )


# --- assignment ------------------------------------------------------------------------------


def reviewer_by_email(workshop, email) -> User | None:
    """The workshop's reviewer with this login email, or None."""
    return User.objects.filter(
        memberships__workshop=workshop, memberships__role=Role.REVIEWER, email__iexact=email
    ).first()


def runs_of(workshop):
    """The workshop's assignment runs, newest first."""
    return AssignmentRun.objects.filter(workshop=workshop).select_related("created_by", "committed_by")


def run_of(workshop, pk) -> AssignmentRun:
    return get_object_or_404(runs_of(workshop), pk=_id(pk))


def active_run_of(workshop) -> AssignmentRun | None:
    """The workshop's queued or running assignment run (there is at most one), unless abandoned
    (AssignmentRun.is_abandoned): a new run may then start, and sets it aside."""
    run = runs_of(workshop).filter(status__in=ACTIVE_RUNS).first()
    return None if run is None or run.is_abandoned else run


def assignments_of(workshop):
    return Assignment.objects.filter(workshop=workshop)


def assigned_papers(workshop, user):
    """The papers assigned to `user` in this workshop, by number, with their directions."""
    return (
        Submission.objects.filter(assignments__reviewer=user, assignments__workshop=workshop)
        .select_related("primary_direction")
        .prefetch_related("secondary_directions")
        .order_by("number")
    )


def papers_hidden_from(viewer, workshop) -> set[int]:
    """The ids of the workshop's live papers `viewer` is in conflict with (one query): a chair
    sees their number and title on the assignment pages, never who reviews them."""
    papers = conflicted_submissions(viewer, workshop).filter(status__in=LIVE, number__isnull=False)
    return set(papers.values_list("pk", flat=True))


def loads_visible_to(viewer, workshop, *, hidden=None) -> dict[int, int]:
    """Reviewer id → how many of the live papers `viewer` may see are assigned to them (one
    query; `hidden`: papers_hidden_from, when the caller has it). The same papers as the rows of
    the assignment pages: counting a paper the viewing chair is in conflict with would let them
    subtract the rows they see from a reviewer's total and learn who reviews it."""
    hidden = papers_hidden_from(viewer, workshop) if hidden is None else hidden
    rows = assignments_of(workshop).filter(submission__status__in=LIVE, submission__number__isnull=False)
    return dict(
        rows.exclude(submission_id__in=hidden)
        .values("reviewer_id")
        .annotate(n=Count("id"))
        .values_list("reviewer_id", "n")
        .order_by()
    )


# --- affinity --------------------------------------------------------------------------------


def affinity_text(*parts) -> str:
    """One text to embed: the parts joined with whitespace collapsed, so that a paper and the same
    paper pasted among a reviewer's own papers are the same text (and share a cached vector)."""
    return " ".join(" ".join(parts).split())


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class AffinityInputs:
    """What a workshop's affinity is computed from, in id order: each live paper's text and each
    reviewer's texts (none for a reviewer who wrote nothing), for one method."""

    method: str
    paper_ids: list[int]
    paper_texts: list[str]
    reviewer_ids: list[int]
    reviewer_texts: list[list[str]]

    @cached_property
    def fingerprint(self) -> str:
        """Equal for equal inputs: sha256 over the method and every (id, text hashes) in order."""
        papers = [[pk, text_sha256(text)] for pk, text in zip(self.paper_ids, self.paper_texts, strict=True)]
        reviewers = [
            [pk, [text_sha256(text) for text in texts]]
            for pk, texts in zip(self.reviewer_ids, self.reviewer_texts, strict=True)
        ]
        return hashlib.sha256(json.dumps([self.method, papers, reviewers]).encode()).hexdigest()

    @property
    def text_count(self) -> int:
        return len(self.paper_texts) + sum(len(texts) for texts in self.reviewer_texts)


def affinity_inputs(workshop, *, method) -> AffinityInputs:
    """The workshop's live papers (title and abstract) and its reviewers (the expertise statement
    of their profile here, or of their account when they have no profile, and the own papers of
    their profile), in three queries."""
    papers = list(
        Submission.objects.filter(workshop=workshop, status__in=LIVE, number__isnull=False)
        .order_by("pk")
        .values_list("pk", "title", "abstract")
    )
    profiles = {
        user_id: (expertise, own_papers)
        for user_id, expertise, own_papers in ReviewerProfile.objects.filter(workshop=workshop).values_list(
            "user_id", "expertise", "own_papers"
        )
    }
    reviewers = list(
        User.objects.filter(memberships__workshop=workshop, memberships__role=Role.REVIEWER)
        .order_by("pk")
        .values_list("pk", "expertise")
    )
    reviewer_texts = []
    for pk, account_expertise in reviewers:
        expertise, own_papers = profiles.get(pk, (account_expertise, ""))
        texts = [affinity_text(expertise), *split_own_papers(own_papers)]
        reviewer_texts.append([text for text in texts if text])
    return AffinityInputs(
        method=method,
        paper_ids=[pk for pk, _, _ in papers],
        paper_texts=[affinity_text(title, abstract) for _, title, abstract in papers],
        reviewer_ids=[pk for pk, _ in reviewers],
        reviewer_texts=reviewer_texts,
    )


def affinity_scores(workshop) -> AffinityScores | None:
    """The workshop's affinity row (status, progress, method), or None before the first request.
    The matrix and its ids are deferred: a status poll must not load a matrix of a gigabyte."""
    return AffinityScores.objects.filter(workshop=workshop).defer("matrix", "paper_ids", "reviewer_ids").first()


@dataclass(frozen=True)
class AffinityMatrix:
    """A workshop's computed affinities: ``matrix[i, j]`` (float32 in [0, 1], read-only) is how
    well reviewer ``reviewer_ids[j]`` fits paper (submission) ``paper_ids[i]``."""

    matrix: np.ndarray
    paper_ids: list[int]
    reviewer_ids: list[int]
    method: str
    computed_at: datetime

    @property
    def method_label(self) -> str:
        return METHOD_LABELS.get(self.method, self.method)

    @cached_property
    def paper_row(self) -> dict[int, int]:
        return {pk: row for row, pk in enumerate(self.paper_ids)}

    @cached_property
    def reviewer_column(self) -> dict[int, int]:
        return {pk: column for column, pk in enumerate(self.reviewer_ids)}

    def affinity(self, submission_id, reviewer_id) -> float:
        """0 for a paper or a reviewer that came after the matrix was computed."""
        row, column = self.paper_row.get(submission_id), self.reviewer_column.get(reviewer_id)
        return 0.0 if row is None or column is None else float(self.matrix[row, column])


def affinity_matrix_name(workshop_id, fingerprint) -> str:
    """Where in the default storage a matrix too large for its row is kept: named by its inputs."""
    return f"affinity/{workshop_id}-{fingerprint}.npy"


def _matrix_file(name, shape) -> np.ndarray:
    """A stored matrix file, read-only: memory-mapped from local storage (pages are read when
    used, and shared by the processes of a machine), else read whole (S3)."""
    if isinstance(default_storage, FileSystemStorage):
        matrix = np.load(default_storage.path(name), mmap_mode="r", allow_pickle=False)
    else:
        with default_storage.open(name, "rb") as file:
            matrix = np.load(file, allow_pickle=False)
        matrix.flags.writeable = False
    if matrix.shape != shape or matrix.dtype != np.dtype("<f4"):
        raise ValueError(f"The affinity file {name} holds {matrix.dtype} {matrix.shape}, not float32 {shape}.")
    return matrix


# Decoded matrices by AffinityScores pk, each valid while its row's computed_at is unchanged:
# pages that sort by affinity should not decode megabytes on every view.
_decoded_matrices: dict[int, AffinityMatrix] = {}


def affinity_matrix_of(workshop) -> AffinityMatrix | None:
    """The workshop's affinity matrix, or None unless it is computed and ready (not while it is
    being recomputed, nor after a failure). Decoded once per process for each computation."""
    row = (
        AffinityScores.objects.filter(workshop=workshop, status=AffinityStatus.READY, computed_at__isnull=False)
        .only("pk", "computed_at")
        .first()
    )
    if row is None:
        return None
    cached = _decoded_matrices.get(row.pk)
    if cached is not None and cached.computed_at == row.computed_at:
        return cached
    stored = (
        AffinityScores.objects.filter(pk=row.pk, status=AffinityStatus.READY, computed_at__isnull=False)
        .values("matrix", "paper_ids", "reviewer_ids", "method", "computed_at", "fingerprint")
        .first()
    )
    if stored is None:
        return None
    shape = (len(stored["paper_ids"]), len(stored["reviewer_ids"]))
    if stored["matrix"] or 0 in shape:
        matrix = np.frombuffer(bytes(stored["matrix"]), dtype="<f4").reshape(shape)
    else:  # too large for its row: in a file (reviews.services.affinity.MATRIX_IN_ROW_BYTES)
        matrix = _matrix_file(affinity_matrix_name(workshop.pk, stored["fingerprint"]), shape)
    decoded = AffinityMatrix(
        matrix=matrix,
        paper_ids=stored["paper_ids"],
        reviewer_ids=stored["reviewer_ids"],
        method=stored["method"],
        computed_at=stored["computed_at"],
    )
    _decoded_matrices[row.pk] = decoded
    return decoded


def affinities_of_reviewer(workshop, user) -> dict[int, float]:
    """Submission id -> the reviewer's affinity to it; empty before the affinity is ready, and for
    someone who was not a reviewer when it was computed."""
    scores = affinity_matrix_of(workshop)
    column = scores.reviewer_column.get(user.pk) if scores is not None else None
    if column is None:
        return {}
    return dict(zip(scores.paper_ids, scores.matrix[:, column].tolist(), strict=True))


def affinity_is_stale(workshop) -> bool:
    """Whether papers, reviewers' texts or the method this installation would use changed since the
    affinity was last computed (False when it never was): four small queries and hashing."""
    stored = AffinityScores.objects.filter(workshop=workshop, computed_at__isnull=False).values("fingerprint").first()
    if stored is None:
        return False
    return stored["fingerprint"] != affinity_inputs(workshop, method=resolve_method("auto")).fingerprint


def paper_for_assignment(viewer, workshop, pk) -> Submission:
    """A live paper of the workshop the viewing chair is not in conflict with; 404 otherwise."""
    papers = Submission.objects.filter(workshop=workshop, status__in=LIVE, number__isnull=False)
    papers = papers.exclude(pk__in=conflicted_submissions(viewer, workshop).values("pk"))
    return get_object_or_404(papers.select_related("primary_direction", "workshop"), pk=_id(pk))


def _id(value) -> int:
    """An id from the URL or a form; a malformed one is a 404, like a missing one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such object.") from None


from reviews.selectors.reviews import criteria_of, reviewer_numbers  # noqa: E402, F401
