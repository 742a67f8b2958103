"""Reads of accepted papers: the public programme (after publication only) and the chairs' summary."""

import hashlib
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q
from django.http import Http404

from submissions.enums import FileKind, SubmissionStatus
from submissions.models import Submission, SubmissionAuthor, SubmissionFile


def accepted_papers(workshop):
    return Submission.objects.filter(workshop=workshop, status=SubmissionStatus.ACCEPTED)


def _with_camera_ready(queryset):
    camera_ready = SubmissionFile.objects.filter(submission=OuterRef("pk"), kind=FileKind.CAMERA_READY)
    return queryset.annotate(has_camera_ready=Exists(camera_ready))


def _check_published(workshop):
    # Nothing about the papers is public before the chairs publish: not even whether a page exists.
    if workshop.published_at is None:
        raise Http404("No such page.")


@dataclass(frozen=True)
class ProgrammeIndex:
    """What the public page knows before reading any paper: a version that changes whenever the
    page would, and how many accepted papers each direction has (in the workshop's order)."""

    version: str
    directions: list  # [(Direction, count)], the directions with accepted papers

    @property
    def total(self) -> int:
        return sum(count for _, count in self.directions)

    def direction(self, slug):
        """The direction named `slug` when it has accepted papers, else None (all directions)."""
        return next((direction for direction, _ in self.directions if direction.slug == slug), None)

    def count(self, direction=None) -> int:
        return next((n for d, n in self.directions if d == direction), 0) if direction else self.total


def programme_index(workshop) -> ProgrammeIndex:
    """The programme's index, in one grouped query, so that a rendering of the page can be cached
    under the version (every change to a paper, its authors or its camera-ready PDF saves the
    paper, raising its updated_at; the directions were prefetched by workshop_by_slug).
    404 before publication."""
    _check_published(workshop)
    groups = {
        row["primary_direction_id"]: row
        for row in accepted_papers(workshop)
        .values("primary_direction_id")
        .annotate(count=Count("pk"), last=Max("updated_at"), top=Max("pk"))
        .order_by()
    }
    directions = list(workshop.directions.all())
    facts = (
        workshop.pk,
        workshop.published_at,
        sorted((pk, row["count"], row["last"], row["top"]) for pk, row in groups.items()),
        [(d.pk, d.slug, d.name, d.order) for d in directions],
    )
    return ProgrammeIndex(
        version=hashlib.sha256(repr(facts).encode()).hexdigest(),
        directions=[(d, groups[d.pk]["count"]) for d in directions if d.pk in groups],
    )


def programme(workshop, *, direction=None, search=""):
    """The accepted papers (of `direction`, or matching `search` in their title or an author's
    name), in the workshop's order of directions and then by number, each with its primary
    direction, its authors (names and affiliations only) and `has_camera_ready`: a queryset, to
    paginate (a page of it is two queries, whatever the number of papers). Call
    programme_index first: it refuses (404) before publication."""
    papers = accepted_papers(workshop)
    if direction is not None:
        papers = papers.filter(primary_direction=direction)
    if search:
        named = SubmissionAuthor.objects.filter(submission=OuterRef("pk"), name__icontains=search)
        papers = papers.filter(Q(title__icontains=search) | Exists(named))
    return (
        _with_camera_ready(papers)
        .select_related("primary_direction")
        .only("pk", "number", "title", "abstract", "presentation", "workshop_id", "primary_direction")
        .prefetch_related(
            Prefetch(
                "authors",
                queryset=SubmissionAuthor.objects.order_by("order").only("submission_id", "name", "affiliation"),
            )
        )
        .order_by("primary_direction__order", "primary_direction_id", "number")
    )


def published_camera_ready(workshop, number) -> SubmissionFile:
    """The newest camera-ready PDF of accepted paper `number`; 404 before publication, for a paper
    that is not accepted, or when its authors uploaded none."""
    _check_published(workshop)
    file = (
        SubmissionFile.objects.filter(
            submission__workshop=workshop,
            submission__number=number,
            submission__status=SubmissionStatus.ACCEPTED,
            kind=FileKind.CAMERA_READY,
        )
        .order_by("-version")
        .first()
    )
    if file is None:
        raise Http404("No such file.")
    return file


@dataclass(frozen=True)
class PublicationSummary:
    accepted: int
    with_camera_ready: int
    missing: list  # accepted papers without a camera-ready PDF (number and title only)


def publication_summary(workshop) -> PublicationSummary:
    """How ready the accepted papers are for publication, for the chairs (one query). Titles only:
    a chair in conflict with a paper may see its title."""
    papers = list(_with_camera_ready(accepted_papers(workshop)).only("pk", "number", "title").order_by("number"))
    missing = [p for p in papers if not p.has_camera_ready]
    return PublicationSummary(len(papers), len(papers) - len(missing), missing)
