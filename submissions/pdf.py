"""Checking uploaded papers and supplementary material (DESIGN.md §10), and preparing the copy reviewers get.

Plain functions on binary file objects (a Django UploadedFile or anything seekable): no models, no database.
Every refusal is an UploadRefused whose text is shown on the form as it is.
"""

import contextlib
import hashlib
import html
import io
import os
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, NameObject, StreamObject

_CHUNK_BYTES = 1024 * 1024
# The PDF header may follow some junk, and the %%EOF marker may be followed by some: the same 1 KB tolerance
# as Adobe's readers (PDF Reference 1.7, Appendix H).
_HEADER_WINDOW = 1024
_EOF_WINDOW = 1024
_MAX_ZIP_EXPANSION = 100


class UploadRefused(ValueError):
    """A file we will not store; str(exc) is a sentence the author understands, saying what to do."""


@dataclass(frozen=True)
class CheckedPDF:
    sha256: str  # hex digest of the whole file
    size: int  # bytes
    page_count: int
    metadata_text: str  # the document info + XMP metadata values joined, for the anonymity check
    first_page_text: str  # text extracted from page 1 (may be "")


def check_pdf(fileobj, *, max_bytes: int, max_pages: int) -> CheckedPDF:
    """Check an uploaded paper and describe it, or raise UploadRefused. Leaves fileobj at position 0."""
    try:
        size = _checked_size(fileobj, max_bytes)
        if not _is_pdf(fileobj):
            raise UploadRefused(
                "This file is not a PDF (it does not start with the PDF header). "
                "Export or print it as PDF from your editor and upload that."
            )
        with warnings.catch_warnings():
            # pypdf warns about many harmless quirks of real files; a broken file is detected below, not by warnings.
            warnings.simplefilter("ignore")
            reader, page_count = _open_pdf(fileobj, size)
            if page_count > max_pages:
                raise UploadRefused(
                    f"The PDF has {page_count} pages; the limit is {max_pages}. Shorten it and upload it again."
                )
            metadata_text = _metadata_text(reader)
            first_page_text = _first_page_text(reader)
        return CheckedPDF(
            sha256=_sha256(fileobj),
            size=size,
            page_count=page_count,
            metadata_text=metadata_text,
            first_page_text=first_page_text,
        )
    finally:
        fileobj.seek(0)


def check_supplementary(fileobj, *, max_bytes: int) -> tuple[str, str, int]:
    """Check supplementary material, a PDF (any length) or a ZIP archive; return (kind, sha256, size) with kind
    "pdf" or "zip", or raise UploadRefused. Leaves fileobj at position 0."""
    try:
        size = _checked_size(fileobj, max_bytes)
        if _is_pdf(fileobj):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _open_pdf(fileobj, size)
            return "pdf", _sha256(fileobj), size
        fileobj.seek(0)
        # A ZIP must start like one: zipfile.is_zipfile alone accepts anything with a ZIP appended (self-extracting
        # programs, for instance), and a ZIP cut short is still recognised, to be called damaged.
        if fileobj.read(4) in (b"PK\x03\x04", b"PK\x05\x06"):
            _check_zip(fileobj, size)
            return "zip", _sha256(fileobj), size
        raise UploadRefused(
            "Supplementary material must be a PDF or a ZIP archive, and this file is neither. "
            "Put your files in a ZIP archive and upload that."
        )
    finally:
        fileobj.seek(0)


def anonymity_findings(checked: CheckedPDF, authors: list[tuple[str, str]]) -> list[str]:
    """Sentences saying where the PDF's metadata or first page names one of the authors (by full name or email);
    [] when it names none. authors: (name, email) pairs."""
    places = [
        ("The PDF metadata names", _normalised(checked.metadata_text)),
        ("Page 1 shows", _normalised(checked.first_page_text)),
    ]
    findings: list[str] = []
    for name, email in authors:
        for needle in (" ".join(name.split()), email.strip()):
            if len(needle) < 2:
                continue
            pattern = _whole_word_pattern(_normalised(needle))
            for lead, haystack in places:
                finding = f"{lead} “{needle}”."
                if pattern.search(haystack) and finding not in findings:
                    findings.append(finding)
    return findings


def strip_metadata(fileobj) -> bytes:
    """A copy of a checked PDF without the document information dictionary, the XMP metadata and private
    application data (/PieceInfo, of the catalog and the pages), and with a fresh file identifier: the paper-N.pdf
    that reviewers get. Names in the content itself (page text, authors of annotations) stay. Leaves fileobj at
    position 0.
    """
    try:
        fileobj.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(fileobj)
            # Removed from the reader, before cloning: the writer copies what the catalog reaches, but keeps every
            # object it has copied, so a /Metadata key deleted from the writer's catalog would leave the XMP
            # stream, names and all, in the output as an unreferenced object.
            reader.trailer.pop(NameObject("/Info"), None)
            # reader.pages gives copies of the page dictionaries; the clone reads the originals.
            pages = [page.indirect_reference.get_object() if page.indirect_reference else page for page in reader.pages]
            for dictionary in [reader.root_object, *pages]:
                for key in ("/Metadata", "/PieceInfo"):
                    dictionary.pop(NameObject(key), None)
            writer = PdfWriter(clone_from=reader)
            # The original /ID could link the copy to the author's file; pypdf has no public way to replace it.
            writer._ID = None
            writer.generate_file_identifiers()
            output = io.BytesIO()
            writer.write(output)
        return output.getvalue()
    finally:
        fileobj.seek(0)


def human_size(size: int) -> str:
    """Bytes as 980 bytes, 12.3 KB, 10 MB, 1.5 GB. Binary units (1 MB = 1024 KB), as workshop limits are set in
    those (max_upload_mb * 1024 * 1024): a limit of 10 MB reads "10 MB", not "10.5 MB"."""
    if size < 1024:
        return f"{size} bytes"
    for unit, factor in (("KB", 1024), ("MB", 1024**2), ("GB", 1024**3)):
        shown = round(size / factor, 1)
        if shown < 1024 or unit == "GB":
            break
    return f"{shown:.1f}".removesuffix(".0") + f" {unit}"


def _checked_size(fileobj, max_bytes: int) -> int:
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    if size == 0:
        raise UploadRefused("The file is empty (0 bytes). Check that you chose the right file and upload it again.")
    if size > max_bytes:
        shown, limit = human_size(size), human_size(max_bytes)
        if shown == limit:  # "10 MB; the limit is 10 MB" would puzzle anyone
            shown, limit = f"{size:,} bytes", f"{max_bytes:,} bytes"
        raise UploadRefused(
            f"The file is {shown}; the limit is {limit}. "
            "Make it smaller (for example, by compressing its images) and upload it again."
        )
    return size


def _is_pdf(fileobj) -> bool:
    fileobj.seek(0)
    return b"%PDF-" in fileobj.read(_HEADER_WINDOW)


def _sha256(fileobj) -> str:
    fileobj.seek(0)
    digest = hashlib.sha256()
    while chunk := fileobj.read(_CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


def _damaged(reason: str) -> UploadRefused:
    return UploadRefused(
        f"This PDF is damaged or incomplete ({reason}); export it again from your editor and upload the new file."
    )


def _open_pdf(fileobj, size: int) -> tuple[PdfReader, int]:
    """Open a PDF with pypdf and check that it is whole and unencrypted; return the reader and the page count.

    Call with warnings silenced. pypdf, out of strict mode, repairs what it can: it rebuilds a broken cross-reference
    table and skips pages it cannot find, so "it opens" does not prove that the file is whole. Three cheap checks do:
    1. %%EOF within the last 1 KB. An upload cut off anywhere loses the end of the file. Checked before pypdf
       because pypdf, missing the marker, scans backwards through the whole file (about 0.4 s for 4 MB).
    2. The page tree's declared /Count equals the pages pypdf actually reaches: pypdf leaves out pages whose
       objects are lost, and viewers trust /Count.
    3. Every page's /Contents, where present, resolves to streams: this reads the raw content bytes (without
       decompressing them) and fails on objects that are missing or overwritten.
    Neither damage inside a stream (say, a corrupted image) nor harmless repairs are caught or refused; decoding
    every stream would catch more, at a cost that grows with the images rather than with the page count.
    """
    fileobj.seek(max(0, size - _EOF_WINDOW))
    if b"%%EOF" not in fileobj.read():
        raise _damaged("its end is missing, so the upload or the export may have been cut off")
    fileobj.seek(0)
    try:
        reader = PdfReader(fileobj)
    except Exception as exc:
        # pypdf cannot even open some encrypted files (AES without the cryptography package, certificate
        # encryption): tell the author about the password rather than about damage.
        if _mentions_encryption(fileobj):
            raise _password_protected() from exc
        raise _damaged(f"the PDF reader says: {_short(exc)}") from exc
    if reader.is_encrypted:
        raise _password_protected()
    try:
        pages = list(reader.pages)
        declared = reader.root_object["/Pages"].get_object().get("/Count")
        if declared != len(pages):
            raise _damaged(f"it declares {declared} pages but only {len(pages)} can be read")
        for number, page in enumerate(pages, start=1):
            if not _contents_resolve(page.get("/Contents")):
                raise _damaged(f"the content of page {number} is missing")
    except UploadRefused:
        raise
    except Exception as exc:
        raise _damaged(f"the PDF reader says: {_short(exc)}") from exc
    if not pages:
        raise UploadRefused("The PDF has no pages. Export it again from your editor and upload the new file.")
    return reader, len(pages)


def _contents_resolve(contents) -> bool:
    if contents is None:  # a blank page
        return True
    contents = contents.get_object()
    if isinstance(contents, ArrayObject):
        return all(isinstance(part.get_object(), StreamObject) for part in contents)
    return isinstance(contents, StreamObject)


def _password_protected() -> UploadRefused:
    return UploadRefused(
        "This PDF is password-protected or encrypted, so reviewers could not open it. "
        "Save a copy without a password (and without editing or printing restrictions) and upload that."
    )


def _mentions_encryption(fileobj) -> bool:
    # The /Encrypt key sits in the (uncompressed) trailer or cross-reference stream dictionary.
    fileobj.seek(0)
    tail = b""
    while chunk := fileobj.read(_CHUNK_BYTES):
        if b"/Encrypt" in tail + chunk:
            return True
        tail = chunk[-16:]
    return False


def _short(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _metadata_text(reader: PdfReader) -> str:
    """Document info and XMP values, one per line. Metadata only feeds a warning, so unreadable parts are skipped
    rather than refused."""
    values: list[str] = []
    with contextlib.suppress(Exception):
        info = reader.trailer.get("/Info")
        info = info.get_object() if info is not None else None
        if isinstance(info, dict):
            for key in info:
                value = info[key]  # resolves indirect objects
                if isinstance(value, bytes):
                    value = value.decode("latin-1")
                if isinstance(value, str) and value.strip():
                    values.append(value.strip())
    with contextlib.suppress(Exception):
        xmp = reader.root_object.get("/Metadata")
        xmp = xmp.get_object() if xmp is not None else None
        if isinstance(xmp, StreamObject):
            values.extend(_xml_text(xmp.get_data()))
    return "\n".join(values)


def _xml_text(data: bytes) -> list[str]:
    # XMP may be UTF-8 or UTF-16; we want the element text and attribute values (some tools write dc:creator
    # as an attribute), not a faithful XML parse: a regular expression copes with packets that are not well formed.
    encoding = "utf-16" if data[:2] in (b"\xfe\xff", b"\xff\xfe") else "utf-8"
    text = data.decode(encoding, errors="replace")
    pieces = re.findall(r">([^<]+)<", text)
    pieces += [
        value
        for name, value in re.findall(r'([\w:.-]+)="([^"]*)"', text)
        if not name.startswith(("xmlns", "rdf:", "xpacket")) and name not in ("begin", "id")
    ]
    return [html.unescape(piece).strip() for piece in pieces if piece.strip()]


def _first_page_text(reader: PdfReader) -> str:
    # Text extraction fails on some fonts that every viewer shows fine; the file is whole (checked above), so a
    # failure here only means the anonymity check sees no text.
    try:
        return reader.pages[0].extract_text()
    except Exception:
        return ""


def _normalised(text: str) -> str:
    # NFKC turns ligatures (ﬁ) and full-width forms into plain letters; casefold handles ß and the like.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _whole_word_pattern(needle: str) -> re.Pattern[str]:
    # "Li Wei" should not match "Li Weiss"; an email should not match inside a longer address.
    return re.compile(r"(?<![\w.@+-])" + re.escape(needle) + r"(?![\w@-]|\.\w)")


def _check_zip(fileobj, size: int) -> None:
    fileobj.seek(0)
    try:
        if not zipfile.is_zipfile(fileobj):
            raise zipfile.BadZipFile("its end is missing, so the upload may have been cut off")
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
            if not members:
                raise UploadRefused("The ZIP archive is empty. Add your files to it and upload it again.")
            for member in members:
                if member.flag_bits & 0x1:
                    raise UploadRefused(
                        f"The ZIP archive is password-protected (“{member.filename}” is encrypted). "
                        "Create it again without a password and upload that."
                    )
            # Checked before testzip(), which decompresses everything; zipfile stops each member at its declared
            # size, so this also bounds that work.
            expanded = sum(member.file_size for member in members)
            if expanded > _MAX_ZIP_EXPANSION * size:
                raise UploadRefused(
                    f"The ZIP archive would expand from {human_size(size)} to {human_size(expanded)}, more than "
                    f"{_MAX_ZIP_EXPANSION} times its size, so we refuse it as a precaution. "
                    "Upload the files in a ZIP that expands less."
                )
            bad_member = archive.testzip()
    except UploadRefused:
        raise
    except Exception as exc:
        raise UploadRefused(
            f"This ZIP archive is damaged or incomplete ({_short(exc)}); create it again and upload the new file."
        ) from exc
    if bad_member is not None:
        raise UploadRefused(
            f"This ZIP archive is damaged (“{bad_member}” fails its checksum); create it again and upload the new file."
        )
