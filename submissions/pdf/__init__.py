"""PDF uploads: their checks (checks.py), where they may name their authors out of sight and the anonymity check
that looks there (identity.py), and the copies of them that others get (sanitise.py). Callers import from here."""

from submissions.pdf.checks import (
    CheckedPDF,
    UploadRefused,
    check_pdf,
    check_supplementary,
    human_size,
    safe_file_name,
)
from submissions.pdf.identity import anonymity_findings
from submissions.pdf.sanitise import public_copy, strip_metadata

__all__ = [
    "CheckedPDF",
    "UploadRefused",
    "anonymity_findings",
    "check_pdf",
    "check_supplementary",
    "human_size",
    "public_copy",
    "safe_file_name",
    "strip_metadata",
]
