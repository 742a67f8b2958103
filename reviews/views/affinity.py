"""The chairs' affinity controls: compute a workshop's affinity and follow its progress."""

from django.http import Http404


def compute_affinity(request, slug):
    raise Http404("Not built yet.")


def affinity_status(request, slug):
    raise Http404("Not built yet.")
