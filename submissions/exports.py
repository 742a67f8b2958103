"""The chairs' exports as CSV or JSON, streamed a batch of rows at a time (the reviews app builds
its own exports on the same helpers).

An export is a sequence of records (dicts, written as they are to JSON) and a `flatten` that turns
a record into the cells of one CSV row under `header`.
"""

import csv
import json
from collections import defaultdict
from datetime import UTC

from django.http import Http404, StreamingHttpResponse

from submissions.enums import Presentation, SubmissionStatus
from submissions.models import Submission, SubmissionAuthor
from submissions.selectors import conflicted_submissions

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
BATCH_SIZE = 500


def csv_cell(value):
    """A spreadsheet must not run a cell as a formula: text starting like one gets a quote."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return "" if value is None else value


class _Echo:
    """A file-like object whose write() hands back the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def _csv_lines(header, rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_cell(cell) for cell in row])


def _json_chunks(workshop, key, records):
    yield '{"workshop": ' + json.dumps(workshop.slug) + ", " + json.dumps(key) + ": ["
    for index, record in enumerate(records):
        yield ("," if index else "") + "\n  " + json.dumps(record, ensure_ascii=False)
    yield "\n]}\n"


def export_response(fmt, *, workshop, what, records, header, flatten) -> StreamingHttpResponse:
    """`records` as `<slug>-<what>.csv` (one row each) or `.json` ({"workshop": slug, what: [...]})."""
    if fmt not in FORMATS:
        raise Http404("No such export.")
    content = _csv_lines(header, map(flatten, records)) if fmt == "csv" else _json_chunks(workshop, what, records)
    response = StreamingHttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{workshop.slug}-{what}.{fmt}"'
    return response


def iso(moment):
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def batches(rows, size=BATCH_SIZE):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- submissions -----------------------------------------------------------------------------

SUBMISSION_HEADER = [
    "number",
    "title",
    "abstract",
    "primary direction",
    "secondary directions",
    "authors",
    "author emails",
    "affiliations",
    "status",
    "decision",
    "presentation",
    "conflict",
]
_DECISIONS = {SubmissionStatus.ACCEPTED: "accept", SubmissionStatus.REJECTED: "reject"}
_HIDDEN_SUBMISSION = dict.fromkeys(
    ["abstract", "primary_direction", "secondary_directions", "authors", "status", "decision", "presentation"]
)


def submission_records(workshop, user):
    """Every numbered submission of the workshop, by number, with its authors and released
    decision. A paper the chair is in conflict with keeps its number and title only (its other
    fields are None). Four queries per batch of papers, plus two."""
    conflicted = set(conflicted_submissions(user, workshop).values_list("pk", flat=True))
    direction_names = {d.pk: d.name for d in workshop.directions.all()}
    rows = (
        Submission.objects.filter(workshop=workshop, number__isnull=False)
        .order_by("number")
        .values_list("pk", "number", "title", "abstract", "primary_direction_id", "status", "presentation", named=True)
    )
    for batch in batches(rows.iterator(chunk_size=BATCH_SIZE)):
        visible = [row.pk for row in batch if row.pk not in conflicted]
        authors, secondary = defaultdict(list), defaultdict(list)
        for submission_id, name, email, affiliation in (
            SubmissionAuthor.objects.filter(submission_id__in=visible)
            .order_by("submission_id", "order")
            .values_list("submission_id", "name", "email", "affiliation")
        ):
            authors[submission_id].append({"name": name, "email": email, "affiliation": affiliation})
        # The through table's rows come in direction order when sorted by the direction's order.
        for submission_id, direction_id in (
            Submission.secondary_directions.through.objects.filter(submission_id__in=visible)
            .order_by("direction__order", "direction_id")
            .values_list("submission_id", "direction_id")
        ):
            secondary[submission_id].append(direction_names[direction_id])
        for row in batch:
            if row.pk in conflicted:
                yield {"number": row.number, "title": row.title, **_HIDDEN_SUBMISSION, "conflict": True}
                continue
            yield {
                "number": row.number,
                "title": row.title,
                "abstract": row.abstract,
                "primary_direction": direction_names[row.primary_direction_id],
                "secondary_directions": secondary[row.pk],
                "authors": authors[row.pk],
                "status": row.status,
                "decision": _DECISIONS.get(row.status, ""),
                "presentation": row.presentation,
                "conflict": False,
            }


def submission_row(record) -> list:
    """One CSV row of submission_records()."""
    authors = record["authors"] or []
    return [
        record["number"],
        record["title"],
        record["abstract"],
        record["primary_direction"],
        "; ".join(record["secondary_directions"] or []),
        "; ".join(a["name"] for a in authors),
        "; ".join(a["email"] for a in authors),
        "; ".join(a["affiliation"] for a in authors),
        SubmissionStatus(record["status"]).label if record["status"] else "",
        record["decision"],
        Presentation(record["presentation"]).label if record["presentation"] else "",
        "yes" if record["conflict"] else "",
    ]
