"""The chairs' exports of reviews and decisions, as CSV or JSON (submissions:export has the papers)."""

from reviews.selectors import exports as selectors
from submissions.exports import export_response
from workshop.views import workshop_permission_required


@workshop_permission_required("workshop.change_workshop")
def export_reviews(request, workshop, fmt):
    criteria, header = selectors.review_columns(workshop)
    return export_response(
        fmt,
        workshop=workshop,
        what="reviews",
        records=selectors.review_records(workshop, request.user, criteria),
        header=header,
        flatten=selectors.review_row,
    )


@workshop_permission_required("workshop.change_workshop")
def export_decisions(request, workshop, fmt):
    return export_response(
        fmt,
        workshop=workshop,
        what="decisions",
        records=selectors.decision_records(workshop, request.user),
        header=selectors.DECISION_HEADER,
        flatten=selectors.decision_row,
    )
