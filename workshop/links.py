"""Absolute links, for text read outside a request (emails): the one place that joins the site's
address (settings.SITE_URL) and a path. Pages link by path; emails use this, or the
`absolute_url` filter that calls it."""

from django.conf import settings


def absolute_url(path: str = "") -> str:
    """`path` (from reverse() or get_absolute_url(), starting with "/") on this site; the site's
    address itself without one."""
    return settings.SITE_URL + path
