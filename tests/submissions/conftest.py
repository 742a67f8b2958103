import itertools
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from submissions import services
from tests.submissions.pdf_samples import make_pdf

_titles = itertools.count(1)


def submitted_paper(
    workshop, author_user, *, pdf=None, authors=None, conflicted_members=(), secondary_directions=(), **fields
):
    """A paper submitted through the real services, as `author_user` would submit it.

    Overrides: `pdf` (bytes, default a one-page PDF), `authors` (users or AuthorEntry, default the
    author alone), `conflicted_members`, `secondary_directions`, and any field of the submission;
    `primary_direction` may be given as a direction's slug. Tests outside this folder import it.
    """
    upload = SimpleUploadedFile("paper.pdf", make_pdf() if pdf is None else pdf, content_type="application/pdf")
    primary = fields.pop("primary_direction", None) or workshop.directions.order_by("order", "id").first()
    if isinstance(primary, str):
        primary = workshop.directions.get(slug=primary)
    values = {
        "title": f"Paper {next(_titles)} on causal structure",
        "abstract": "We study what large models know about causes.",
        "primary_direction": primary,
        "agreed_anonymity": True,
        "agreed_dual_submission": bool(workshop.dual_submission_policy),
        **fields,
    }
    entries = [
        entry
        if isinstance(entry, services.AuthorEntry)
        else services.AuthorEntry(entry.name, entry.email, entry.affiliation)
        for entry in (authors or [author_user])
    ]
    return services.create_submission(
        workshop=workshop,
        by=author_user,
        creation_key=uuid.uuid4(),
        fields=values,
        authors=entries,
        conflicted_members=conflicted_members,
        secondary_directions=secondary_directions,
        paper=services.check_paper(upload, workshop=workshop),
        submit=True,
    )


@pytest.fixture
def submit_paper(db):
    """`submit_paper(workshop, author_user, **overrides)`: see submitted_paper."""
    return submitted_paper
