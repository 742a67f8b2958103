"""Refuse a request body too large for its page before any of it is read (DESIGN.md §10).

Django streams uploaded files to disk however large they are (only the other fields count towards
DATA_UPLOAD_MAX_MEMORY_SIZE), so a 5 GB "paper" would be read and written whole before its form could say it is
too big. The Content-Length header gives the size up front: more than a workshop's paper and supplementary limits
together, plus room for the form's other fields, is refused at once with a page saying so. Outside a workshop no
page takes files. Without Content-Length Django reads no body at all, so the header bounds what it reads.
"""

from django.conf import settings
from django.shortcuts import render

from submissions.pdf import human_size
from workshop.models import Workshop

MB = 1024 * 1024
# Multipart boundaries and part headers, on top of the other fields' own limit.
FORM_OVERHEAD = MB


class RequestSizeLimitMiddleware:
    """Goes before CsrfViewMiddleware, whose process_view is the first to read the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        size = _content_length(request)
        limit = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) + FORM_OVERHEAD
        if size <= limit:
            return None
        workshop = Workshop.objects.filter(slug=view_kwargs.get("slug") or "").first()
        if workshop is not None:
            limit += (workshop.max_upload_mb + workshop.supplementary_max_mb) * MB
            if size <= limit:
                return None
        context = {"workshop": workshop, "size": human_size(size), "back": request.path}
        return render(request, "submissions/request_too_large.html", context, status=413)


def _content_length(request) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django reads no body then either
