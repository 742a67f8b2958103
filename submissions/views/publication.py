"""Camera-ready versions, publication and the public accepted-papers page; the submissions export."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from submissions import exports, pdf, published, selectors, services
from submissions import publication as publication_services
from submissions.enums import FileKind
from submissions.forms import AuthorFormSet, CameraReadyForm
from submissions.views import _author_rows, _check_submitter_listed
from workshop.phases import format_aoe
from workshop.selectors import workshop_by_slug
from workshop.views import workshop_permission_required

# The public programme's rendering is cached under its version, so a change shows at once.
PROGRAMME_CACHE_SECONDS = 24 * 60 * 60
# A page of the programme: about 300 KB of HTML with the abstracts (5,000 papers were 13 MB).
PAPERS_PER_PAGE = 100
SEARCH_MAX_LENGTH = 200


@login_required
def camera_ready(request, slug, pk):
    workshop = workshop_by_slug(slug)
    submission = selectors.submission_for_author(request.user, workshop, pk)
    refusal = publication_services.camera_ready_refusal(submission)
    if refusal:
        messages.error(request, refusal)
        return redirect(submission.get_absolute_url())
    form = CameraReadyForm(request.POST or None, request.FILES or None, submission=submission)
    formset = AuthorFormSet(
        request.POST or None, initial=None if request.POST else _author_rows(submission), prefix="authors"
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and formset.is_valid()
        and _check_submitter_listed(formset, request.user)
    ):
        try:
            publication_services.update_camera_ready(
                submission=submission,
                by=request.user,
                base_version=form.cleaned_data["version"] or submission.version,
                title=form.cleaned_data["title"],
                abstract=form.cleaned_data["abstract"],
                authors=formset.entries(),
                paper=form.cleaned_data["paper"],
            )
        except services.StaleEdit as stale:
            form.add_error(None, str(stale))
            form.stale_changes = stale.changes
        except services.SubmissionRefused as refused:
            form.add_error(None, str(refused))
        else:
            if form.cleaned_data["paper"]:
                messages.success(request, "Your camera-ready PDF is saved; earlier versions are kept.")
            else:
                messages.success(request, "Your changes are saved.")
            return redirect("submissions:camera_ready", slug=workshop.slug, pk=submission.pk)
    return render(
        request,
        "submissions/camera_ready.html",
        {
            "workshop": workshop,
            "submission": submission,
            "form": form,
            "formset": formset,
            "files": [f for f in submission.files.all() if f.kind == FileKind.CAMERA_READY],
            "deadline": publication_services.camera_ready_deadline(workshop),
            "now": timezone.now(),
        },
    )


def accepted_papers(request, slug):
    """The public list of accepted papers, once the chairs have published them (404 before): a
    hundred a page, one direction or all, or those matching a search. A page of the programme is
    rendered once per version of it and then served from the cache; a search is not cached."""
    workshop = workshop_by_slug(slug)
    index = published.programme_index(workshop)
    direction = index.direction(request.GET.get("direction"))
    search = " ".join(request.GET.get("q", "").split())[:SEARCH_MAX_LENGTH]
    paginator = Paginator(published.programme(workshop, direction=direction, search=search), PAPERS_PER_PAGE)
    if not search:
        # Known from the index: no count query (Paginator.count is a cached property).
        paginator.count = index.count(direction)
    # The page's papers are read only when its cached rendering is missing (a lazy slice).
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "submissions/accepted.html",
        {
            "workshop": workshop,
            "index": index,
            "direction": direction,
            "search": search,
            "page": page,
            "cache_seconds": PROGRAMME_CACHE_SECONDS,
        },
    )


def camera_ready_pdf(request, slug, number):
    """The newest camera-ready PDF of an accepted paper, public after publication, as <slug>-N.pdf."""
    workshop = workshop_by_slug(slug)
    file = published.published_camera_ready(workshop, number)
    handle = file.file.open("rb")
    cleaned = pdf.public_copy(handle)
    if cleaned is not None:
        handle.close()
        handle = io.BytesIO(cleaned)
    return FileResponse(handle, filename=f"{workshop.slug}-{number}.pdf", content_type="application/pdf")


@require_http_methods(["GET", "POST"])
@workshop_permission_required("workshop.change_workshop")
def publish(request, workshop):
    if request.method == "POST":
        try:
            done = publication_services.publish_accepted_papers(workshop=workshop, by=request.user)
        except publication_services.PublicationRefused as refused:
            messages.error(request, str(refused))
        else:
            if done:
                messages.success(request, "The accepted papers are published: everyone can now see them.")
            else:
                published_on = format_aoe(workshop.published_at)
                messages.info(request, f"The accepted papers were already published on {published_on}.")
        return redirect("submissions:publish", slug=workshop.slug)
    return render(
        request,
        "submissions/chair/publish.html",
        {"workshop": workshop, "summary": published.publication_summary(workshop), "formats": list(exports.FORMATS)},
    )


@workshop_permission_required("workshop.change_workshop")
def export(request, workshop, what, fmt):
    """Every submission (authors and released decision included) as CSV or JSON. The reviews and
    decisions exports live in the reviews app (reviews:export_reviews, reviews:export_decisions)."""
    if what != "submissions":
        raise Http404("No such export.")
    return exports.export_response(
        fmt,
        workshop=workshop,
        what="submissions",
        records=exports.submission_records(workshop, request.user),
        header=exports.SUBMISSION_HEADER,
        flatten=exports.submission_row,
    )
