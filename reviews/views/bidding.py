"""The bidding page: a reviewer says which papers they want to review."""

from django.http import Http404


def bidding(request, slug):
    raise Http404("Not built yet.")


def bid(request, slug, submission_id):
    raise Http404("Not built yet.")
