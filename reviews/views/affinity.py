"""The chairs' affinity controls: compute a workshop's affinity and follow its progress."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from reviews import selectors
from reviews.affinity import METHOD_LABELS, resolve_method
from reviews.enums import AffinityStatus
from reviews.services import affinity as services
from workshop.views import workshop_permission_required

STATUS_TEMPLATE = "reviews/chair/_affinity_status.html"


def affinity_context(workshop) -> dict:
    """What templates/reviews/chair/_affinity_status.html needs: a page that includes the fragment
    adds this to its context."""
    scores = selectors.affinity_scores(workshop)
    ready = scores is not None and scores.status == AffinityStatus.READY
    method = scores.method if scores is not None and scores.method else resolve_method("auto")
    return {
        "workshop": workshop,
        "affinity": scores,
        "affinity_method": METHOD_LABELS.get(method, method),
        "affinity_busy": scores is not None and services.is_under_way(scores),
        "affinity_stale": ready and selectors.affinity_is_stale(workshop),
    }


@require_POST
@workshop_permission_required("reviews.manage_assignment")
def compute_affinity(request, workshop):
    queued = services.request_affinity(workshop=workshop, by=request.user)
    if request.htmx:
        return render(request, STATUS_TEMPLATE, affinity_context(workshop))
    if queued:
        messages.success(request, "The affinity is being computed; its progress shows below.")
    else:
        messages.info(request, "The affinity is already being computed.")
    return redirect("reviews:assignment", slug=workshop.slug)


@require_GET
@workshop_permission_required("reviews.manage_assignment")
def affinity_status(request, workshop):
    return render(request, STATUS_TEMPLATE, affinity_context(workshop))
