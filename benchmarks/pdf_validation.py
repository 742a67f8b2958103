"""How long checking, storing and stripping a paper takes, against the floor of reading and hashing it: a 10 MB
paper (one large image), and a paper of many objects (60 included figures, each with its own XMP and pdfTeX record,
and 360 links), as pdfTeX writes them.

Run: .venv/bin/python benchmarks/pdf_validation.py   (no database; files go to a temporary folder, removed after)
"""

import hashlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from submissions.pdf import check_pdf, strip_metadata
from tests.submissions.pdf_samples import make_identity_pdf, make_pdf

RUNS = 10
SIZE = 10 * 1024 * 1024
PAGES = 9


def timings(action) -> list[float]:
    result = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        result.append(time.perf_counter() - start)
    return result


def main() -> None:
    from django.conf import settings

    settings.configure(FILE_UPLOAD_PERMISSIONS=0o640, FILE_UPLOAD_DIRECTORY_PERMISSIONS=0o750)
    data = make_pdf(
        pages=PAGES,
        text="Causal structure in large models, by Anonymous Authors",
        metadata={"/Author": "Ada Lovelace", "/Title": "Causal structure"},
        pad_to_bytes=SIZE,
    )
    print(f"PDF: {len(data):,} bytes, {PAGES} pages; best and median of {RUNS} runs\n")

    with tempfile.TemporaryDirectory(prefix="pdf-bench-") as folder:
        storage = FileSystemStorage(location=folder)

        def check_and_store():
            # What an upload costs the server: the checks, then the write through Django's storage API.
            check_pdf(io.BytesIO(data), max_bytes=SIZE + 1024 * 1024, max_pages=PAGES)
            storage.save("paper.pdf", ContentFile(data))

        rows = {
            "sha256 of the bytes (floor)": timings(lambda: hashlib.sha256(io.BytesIO(data).getvalue()).hexdigest()),
            "check_pdf": timings(lambda: check_pdf(io.BytesIO(data), max_bytes=SIZE + 1024 * 1024, max_pages=PAGES)),
            "check_pdf + store (storage API)": timings(check_and_store),
            "strip_metadata": timings(lambda: strip_metadata(io.BytesIO(data))),
        }
    floor = statistics.median(rows["sha256 of the bytes (floor)"])
    print(f"{'':40} {'best ms':>9} {'median ms':>10} {'x floor':>8}")
    for name, times in rows.items():
        median = statistics.median(times)
        print(f"{name:40} {min(times) * 1000:9.1f} {median * 1000:10.1f} {median / floor:8.1f}")

    many = make_identity_pdf(pages=PAGES, figures_per_page=60, links_per_page=40)
    stripped = strip_metadata(io.BytesIO(many))
    print(f"\nPaper of many objects: {len(many):,} bytes, {PAGES} pages; paper-N.pdf {len(stripped):,} bytes\n")
    for name, times in {
        "check_pdf": timings(lambda: check_pdf(io.BytesIO(many), max_bytes=SIZE, max_pages=PAGES)),
        "strip_metadata": timings(lambda: strip_metadata(io.BytesIO(many))),
    }.items():
        print(f"{name:40} {min(times) * 1000:9.1f} {statistics.median(times) * 1000:10.1f}")


if __name__ == "__main__":
    main()
