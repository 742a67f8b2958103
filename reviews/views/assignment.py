"""The chairs' assignment pages: affinity, automatic runs with preview and edits, commit, and
manual assignment; and a reviewer's list of assigned papers."""

from django.http import Http404


def _not_yet(request, slug, **kwargs):
    raise Http404("Not built yet.")


overview = start_run = run_detail = edit_run = commit_run = discard_run = _not_yet
paper_reviewers = reviewer_papers = my_papers = _not_yet
