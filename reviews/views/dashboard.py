"""The chairs' review dashboard and its CSV export (the same rows, filters and order)."""

import csv

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat

from reviews.selectors.dashboard import LIST_LENGTH, TableQuery, paper_table, review_dashboard, table_columns
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
    figures = review_dashboard(request.user, workshop)
    query = TableQuery.from_params(request.GET, workshop)
    page = Paginator(paper_table(figures, query), PAPERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/chair/dashboard.html",
        {
            "workshop": workshop,
            "dashboard": figures,
            "missing": figures.missing[:LIST_LENGTH],
            # Thousands are late at conference size: the page names the most behind, the remind page all.
            "late": figures.late_reviewers[:LIST_LENGTH],
            "disputed": figures.disputed[:LIST_LENGTH],
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
    rows = paper_table(review_dashboard(request.user, workshop), TableQuery.from_params(request.GET, workshop))
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{workshop.slug}-reviews.csv"'
    return response
