"""Placeholders for pages being built in parallel; each is replaced by its real view."""

from django.http import Http404


def not_built(request, *args, **kwargs):
    raise Http404("Not built yet.")
