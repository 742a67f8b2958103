"""How long checking and stripping a paper takes, against the floor of reading and hashing it.

Run: .venv/bin/python benchmarks/pdf_validation.py   (no Django, no database)
"""

import hashlib
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from submissions.pdf import check_pdf, strip_metadata
from tests.submissions.pdf_samples import make_pdf

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
    data = make_pdf(
        pages=PAGES,
        text="Causal structure in large models, by Anonymous Authors",
        metadata={"/Author": "Ada Lovelace", "/Title": "Causal structure"},
        pad_to_bytes=SIZE,
    )
    print(f"PDF: {len(data):,} bytes, {PAGES} pages; best and median of {RUNS} runs\n")

    rows = {
        "sha256 of the bytes (floor)": timings(lambda: hashlib.sha256(io.BytesIO(data).getvalue()).hexdigest()),
        "check_pdf": timings(lambda: check_pdf(io.BytesIO(data), max_bytes=SIZE + 1024 * 1024, max_pages=PAGES)),
        "strip_metadata": timings(lambda: strip_metadata(io.BytesIO(data))),
    }
    floor = statistics.median(rows["sha256 of the bytes (floor)"])
    print(f"{'':30} {'best ms':>9} {'median ms':>10} {'x floor':>8}")
    for name, times in rows.items():
        median = statistics.median(times)
        print(f"{name:30} {min(times) * 1000:9.1f} {median * 1000:10.1f} {median / floor:8.1f}")


if __name__ == "__main__":
    main()
