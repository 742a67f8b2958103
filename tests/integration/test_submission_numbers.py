"""Concurrent submits on PostgreSQL get consecutive numbers: no gaps, no duplicates."""

import threading
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from submissions import services
from submissions.models import Submission
from tests.submissions.pdf_samples import make_pdf


def test_concurrent_submissions_get_numbers_without_gaps_or_duplicates(transactional_db, workshop, cast):
    author = cast["author"]
    direction = workshop.directions.first()
    start = threading.Barrier(8)
    errors = []

    def submit(i):
        try:
            upload = SimpleUploadedFile("p.pdf", make_pdf(), "application/pdf")
            paper = services.check_paper(upload, workshop=workshop)
            start.wait()
            services.create_submission(
                workshop=workshop,
                by=author,
                creation_key=uuid.uuid4(),
                submit=True,
                paper=paper,
                fields={
                    "title": f"Paper {i}",
                    "abstract": "A.",
                    "primary_direction": direction,
                    "agreed_anonymity": True,
                },
                authors=[services.AuthorEntry(author.name, author.email)],
            )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(Submission.objects.values_list("number", flat=True)) == list(range(1, 9))
    workshop.refresh_from_db()
    assert workshop.last_submission_number == 8
