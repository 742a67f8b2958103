"""The chairs' review dashboard and its CSV export (the same rows, filters and order)."""

import csv

from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat

from reviews.selectors.dashboard import LIST_LENGTH, review_dashboard
from reviews.selectors.dashboard_papers import TableQuery, dashboard_scope, export_rows, table_columns, table_page
from workshop.views import workshop_permission_required

PAPERS_PER_PAGE = 50
CSV_HEADER = [
    "number",
    "title",
    "primary direction",
    "reviews submitted",
    "reviews assigned",
    "mean overall score",
    "confidence-weighted mean",
    "spread",
    "decision",
]


@workshop_permission_required("reviews.view_dashboard")
def dashboard(request, workshop):
    scope = dashboard_scope(request.user, workshop)
    # Thousands are late at conference size: the page names the most behind, the remind page all.
    figures = review_dashboard(scope, list_length=LIST_LENGTH)
    query = TableQuery.from_params(request.GET, workshop)
    page = table_page(scope, query, request.GET.get("page"), per_page=PAPERS_PER_PAGE)
    return render(
        request,
        "reviews/chair/dashboard.html",
        {
            "workshop": workshop,
            "dashboard": figures,
            "query": query,
            "page": page,
            "columns": table_columns(query.sort),
        },
    )


def _csv_cell(value):
    """A spreadsheet must not run a cell as a formula: text starting like one gets a quote."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def _figure(value):
    """Two decimals, rounded as the page rounds them (floatformat: half up)."""
    return "" if value is None else floatformat(value, 2)


class _Echo:
    """A file-like object whose write() hands back the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def _csv_lines(rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for row in rows:
        cells = [
            row.number,
            row.title,
            row.direction.name if row.direction else "",
            row.submitted,
            row.assigned,
            _figure(row.mean),
            _figure(row.weighted_mean),
            "" if row.spread is None else row.spread,
            row.decision,
        ]
        yield writer.writerow([_csv_cell(cell) for cell in cells])


@workshop_permission_required("reviews.view_dashboard")
def dashboard_csv(request, workshop):
    scope = dashboard_scope(request.user, workshop)
    rows = export_rows(scope, TableQuery.from_params(request.GET, workshop))
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{workshop.slug}-reviews.csv"'
    return response
