"""Reads of accepted papers: the public programme (after publication only) and the chairs' summary."""

import hashlib
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Prefetch
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
class DirectionPapers:
    direction: object
    papers: list


def published_programme(workshop) -> list[DirectionPapers]:
    """The accepted papers grouped by primary direction, in the workshop's direction order, each
    with its authors (names and affiliations only) and `has_camera_ready`. 404 before publication.
    Two queries (papers, authors) besides the workshop's directions, whatever the number of papers."""
    _check_published(workshop)
    papers = (
        _with_camera_ready(accepted_papers(workshop))
        .only("pk", "number", "title", "abstract", "presentation", "primary_direction_id", "workshop_id")
        .prefetch_related(
            Prefetch(
                "authors",
                queryset=SubmissionAuthor.objects.order_by("order").only("submission_id", "name", "affiliation"),
            )
        )
        .order_by("number")
    )
    grouped = {}
    for paper in papers:
        grouped.setdefault(paper.primary_direction_id, []).append(paper)
    return [DirectionPapers(d, grouped[d.pk]) for d in workshop.directions.all() if d.pk in grouped]


def programme_version(workshop) -> str:
    """A hash that changes whenever the public programme would: publication, the accepted papers
    (every change to a paper, its authors or its camera-ready PDF saves it, raising updated_at) and
    the directions (prefetched by workshop_by_slug). One query, so that the rendered programme can be
    cached (5,000 accepted papers take over a second to render). 404 before publication."""
    _check_published(workshop)
    papers = accepted_papers(workshop).aggregate(count=Count("pk"), last=Max("updated_at"), top=Max("pk"))
    directions = [(d.pk, d.slug, d.name, d.order) for d in workshop.directions.all()]
    facts = repr((workshop.pk, workshop.published_at, papers, directions))
    return hashlib.sha256(facts.encode()).hexdigest()


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
