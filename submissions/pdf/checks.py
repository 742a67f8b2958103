"""Checking uploaded papers and supplementary material (DESIGN.md §10).

Plain functions on binary file objects (a Django UploadedFile or anything seekable): no models, no database.
Every refusal is an UploadRefused whose text is shown on the form as it is.

The file's structure is read with pikepdf (qpdf): whether it opens, is encrypted, how many pages its page tree
reaches, and every object where identity may hide (identity.py). Page 1's text is extracted with pypdf, which has
the text extraction qpdf lacks, within the bounds below.

Uploads are hostile until checked (tests/submissions/test_hostile_uploads.py tries each case):
- A file that is a PDF and something else too (a polyglot: HTML or a ZIP before the header, a ZIP or anything
  else after the end) is refused; an editor never writes one, and the other half could be served as itself.
- Decompression is bounded: the checks inflate at most _PAGE_DECODE_BUDGET of page 1 (its text feeds the
  anonymity check) and refuse a page that would inflate to more; images and later pages are never inflated.
  The text extraction itself is bounded in size, tokens and time (see _first_page_text). Metadata and attached
  files are inflated for the anonymity check within a budget of their own (identity.py).
- The page limit is checked on the pages the page tree reaches, and the tree's /Count must be a whole number that
  agrees with them: viewers trust /Count, so a file that lies in it (/Count 12.0, or a count of 3 over 12 pages)
  must not slip past the limit.
- JavaScript, automatic actions and attached files are kept in the author's own file but stripped from the copies
  we serve (sanitise.py).
"""

import hashlib
import os
import time
import unicodedata
import warnings
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass

import pikepdf
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from submissions.pdf import identity
from submissions.pdf.objects import is_dictionary

_CHUNK_BYTES = 1024 * 1024
# The PDF header may follow some white space, and the %%EOF marker may be followed by some: within the same 1 KB
# as Adobe's readers tolerate (PDF Reference 1.7, Appendix H). Anything else there is refused (a polyglot).
_HEADER_WINDOW = 1024
_EOF_WINDOW = 1024
_MAX_ZIP_EXPANSION = 100
# What PDF counts as white space: the only bytes allowed before the header and after the end marker.
_WHITESPACE = b"\x00\t\n\x0c\r "
# Page 1 is inflated for its text: its content, forms and fonts may expand to this much in all. pypdf caps each
# stream at 75 MB, but a page may draw a hundred such forms (20 of them took 20 s and 1.4 GB before this cap).
_PAGE_DECODE_BUDGET = 64 * 1024 * 1024
_PAGE_MAX_OBJECTS = 100_000
# pypdf parses content slowly (about 10 µs a token; 7 MB of blank content a second), all of a stream before
# extracting anything, and a form again each time the page draws it. So page 1's text is extracted only from at
# most this much content (the page's and its forms'), at most this many tokens a stream, and until this time has
# passed; past any of them the anonymity check goes without page 1's text. A page of text is about 10,000 tokens.
_TEXT_CONTENT_BUDGET = 8 * 1024 * 1024
_TEXT_TOKENS = 100_000
_TEXT_SECONDS = 1.0


class UploadRefused(ValueError):
    """A file we will not store; str(exc) is a sentence the author understands, saying what to do."""


@dataclass(frozen=True)
class CheckedPDF:
    sha256: str  # hex digest of the whole file
    size: int  # bytes
    page_count: int
    metadata_text: str  # the document info + XMP metadata values joined, for the anonymity check
    first_page_text: str  # text extracted from page 1 (may be "")
    # (place, text) for each other place where the file holds text a reader does not see (identity.HIDDEN_PLACES)
    hidden_text: tuple[tuple[str, str], ...] = ()


def check_pdf(fileobj, *, max_bytes: int, max_pages: int) -> CheckedPDF:
    """Check an uploaded paper and describe it, or raise UploadRefused. Leaves fileobj at position 0."""
    try:
        size = _checked_size(fileobj, max_bytes)
        if not _is_pdf(fileobj):
            raise UploadRefused(
                "This file is not a PDF (it does not start with the PDF header). "
                "Export or print it as PDF from your editor and upload that."
            )
        with _opened_pdf(fileobj, size, max_pages=max_pages) as (pdf, page_count):
            try:
                metadata_text, hidden_text = identity.hidden_text(pdf)
            except pikepdf.PdfError as exc:
                # The copies we serve go through the same objects: a file qpdf cannot walk could not be served.
                raise _damaged(f"the PDF reader says: {_short(exc)}") from exc
        with warnings.catch_warnings():
            # pypdf warns about many harmless quirks of real files; a broken file is detected below, not by warnings.
            warnings.simplefilter("ignore")
            reader = _pypdf_reader(fileobj, page_count)
            content_size = _inflate_first_page(reader)
            first_page_text = _first_page_text(reader) if content_size <= _TEXT_CONTENT_BUDGET else ""
        return CheckedPDF(
            sha256=_sha256(fileobj),
            size=size,
            page_count=page_count,
            metadata_text=metadata_text,
            first_page_text=first_page_text,
            hidden_text=hidden_text,
        )
    finally:
        fileobj.seek(0)


def check_supplementary(fileobj, *, max_bytes: int) -> tuple[str, str, int]:
    """Check supplementary material, a PDF (any length) or a ZIP archive; return (kind, sha256, size) with kind
    "pdf" or "zip", or raise UploadRefused. Leaves fileobj at position 0."""
    try:
        size = _checked_size(fileobj, max_bytes)
        fileobj.seek(0)
        # A ZIP must start like one: zipfile.is_zipfile alone accepts anything with a ZIP appended (self-extracting
        # programs, for instance), and a ZIP cut short is still recognised, to be called damaged. Checked before the
        # PDF header, which a ZIP holding an uncompressed PDF has within its first kilobyte.
        if fileobj.read(4) in (b"PK\x03\x04", b"PK\x05\x06"):
            _check_zip(fileobj, size)
            return "zip", _sha256(fileobj), size
        if _is_pdf(fileobj):
            with _opened_pdf(fileobj, size) as (_, page_count), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _pypdf_reader(fileobj, page_count)
            return "pdf", _sha256(fileobj), size
        raise UploadRefused(
            "Supplementary material must be a PDF or a ZIP archive, and this file is neither. "
            "Put your files in a ZIP archive and upload that."
        )
    finally:
        fileobj.seek(0)


def safe_file_name(name: str, extension: str) -> str:
    """An uploaded file's name as we keep it and offer it back: the last part of any path, without control,
    format or unassigned characters (a NUL, which PostgreSQL refuses; a right-to-left override, which makes
    "paper‮fdp.exe" read "paperexe.pdf"), at most 255 characters, ending in .`extension` (what the content is:
    "pdf" or "zip"). Files are stored under random names; this one is only shown and used for downloads."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    name = " ".join(name.split()).strip(" .")
    suffix = f".{extension}"
    stem = name[: -len(suffix)] if name.lower().endswith(suffix) else name
    return (stem or "upload")[: 255 - len(suffix)] + suffix


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
    """Whether the PDF header is in the first kilobyte; refuses a file with something else before it."""
    fileobj.seek(0)
    head = fileobj.read(_HEADER_WINDOW)
    position = head.find(b"%PDF-")
    if position == -1:
        return False
    if head[:position].strip(_WHITESPACE):
        raise _polyglot("it has other content before the PDF header")
    return True


def _polyglot(detail: str) -> UploadRefused:
    return UploadRefused(
        f"This file is a PDF combined with another kind of file ({detail}). Editors never write such files, and "
        "they can hide harmful content. Export the paper as PDF again from your editor and upload that file."
    )


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


@contextmanager
def _opened_pdf(fileobj, size: int, *, max_pages: int | None = None):
    """Open a PDF with pikepdf and check that it is whole, unencrypted, nothing else besides, and within max_pages
    (None: any number); yield the open pikepdf.Pdf and its page count, and close it after.

    qpdf repairs what it can: it rebuilds a broken cross-reference table and drops pages it cannot find from the page
    tree, so "it opens" does not prove that the file is whole. Two cheap checks here, and one in _pypdf_reader, do:
    1. %%EOF within the last 1 KB. An upload cut off anywhere loses the end of the file.
    2. The page tree's /Count is a whole number and equals the pages qpdf reaches from the tree: it leaves out
       pages whose objects are lost, viewers trust /Count, and the page limit applies to the pages viewers show.
       /Count is read before the tree, since qpdf rewrites it when it repairs the tree. Counting the pages reads
       the page tree, not the pages' content: 10,000 pages take about 0.15 s.
    """
    fileobj.seek(max(0, size - _EOF_WINDOW))
    tail = fileobj.read()
    end = tail.rfind(b"%%EOF")
    if end == -1:
        raise _damaged("its end is missing, so the upload or the export may have been cut off")
    if tail[end + len(b"%%EOF") :].strip(_WHITESPACE):
        raise _polyglot("it has other content after the end of the PDF")
    fileobj.seek(0)
    # A ZIP archive is read from its end, which may sit just before the marker (in the archive's comment).
    if zipfile.is_zipfile(fileobj):
        raise _polyglot("a ZIP archive is attached to it")
    fileobj.seek(0)
    try:
        # Inherited page attributes stay where the file has them: pushing them down to the pages would read (and
        # repair) the page tree, and its /Count with it, before check 2.
        pdf = pikepdf.open(fileobj, inherit_page_attributes=False)
    except pikepdf.PasswordError as exc:
        raise _password_protected() from exc
    except Exception as exc:
        # qpdf cannot open some encrypted files (certificate encryption, unknown security handlers): tell the author
        # about the password rather than about damage.
        if _mentions_encryption(fileobj):
            raise _password_protected() from exc
        raise _damaged(f"the PDF reader says: {_short(exc)}") from exc
    with pdf:
        if pdf.is_encrypted:  # opened without a password: only editing or printing is restricted
            raise _password_protected()
        try:
            page_count = _page_count(pdf, max_pages)
        except UploadRefused:
            raise
        except Exception as exc:
            raise _damaged(f"the PDF reader says: {_short(exc)}") from exc
        yield pdf, page_count


def _page_count(pdf: pikepdf.Pdf, max_pages: int | None) -> int:
    tree = pdf.Root.get("/Pages")
    declared = tree.get("/Count") if is_dictionary(tree) else None
    if declared is None:
        raise _damaged("its page tree does not say how many pages it has")
    if type(declared) is not int or declared < 0:  # pikepdf gives a real number as a Decimal, 12.0 included
        raise _damaged(f"its page tree gives the number of pages as {_shown(declared)}, not as a whole number")
    count = len(pdf.pages)
    if max_pages is not None and count > max_pages:
        raise UploadRefused(f"The PDF has {count} pages; the limit is {max_pages}. Shorten it and upload it again.")
    if declared != count:
        shortfall = f"only {count} can be read" if declared > count else f"it has {count}"
        raise _damaged(f"it declares {declared} pages but {shortfall}")
    if not count:
        raise UploadRefused("The PDF has no pages. Export it again from your editor and upload the new file.")
    return count


def _pypdf_reader(fileobj, page_count: int) -> PdfReader:
    """The file opened with pypdf (for page 1's text), once it has reached the same pages as qpdf, each with its
    content: check 3 of _opened_pdf. qpdf reads a lost object as null, as the PDF standard says of a reference to an
    object that does not exist, so to qpdf a page whose content is lost is blank; pypdf tells them apart.
    3. Every page's /Contents, where present, resolves to streams: this reads the raw content bytes (without
       decompressing them) and fails on objects that are missing or overwritten.
    Neither damage inside a stream (say, a corrupted image) nor harmless repairs are caught or refused; decoding
    every stream would catch more, at a cost that grows with the images rather than with the page count.
    Call with warnings silenced."""
    fileobj.seek(0)
    try:
        reader = PdfReader(fileobj)
        pages = list(reader.pages)
        if len(pages) != page_count:
            raise _damaged(f"it has {page_count} pages but only {len(pages)} can be read")
        for number, page in enumerate(pages, start=1):
            if not _contents_resolve(page.get("/Contents")):
                raise _damaged(f"the content of page {number} is missing")
    except UploadRefused:
        raise
    except Exception as exc:
        raise _damaged(f"the PDF reader says: {_short(exc)}") from exc
    return reader


def _contents_resolve(contents) -> bool:
    if contents is None:  # a blank page
        return True
    contents = contents.get_object()
    if isinstance(contents, ArrayObject):
        return all(isinstance(part.get_object(), StreamObject) for part in contents)
    return isinstance(contents, StreamObject)


def _shown(value) -> str:
    text = " ".join(str(value).split())
    return f"“{text if len(text) <= 20 else text[:19] + '…'}”"


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


def _output_limits(size: int) -> dict[str, int]:
    """pypdf settings that stop inflating any one stream past `size` bytes (LimitReachedError)."""
    names = ("zlib", "lzw", "run_length", "jbig2", "brotli")
    limits = {f"{name}_maximum_output_length": size for name in names}
    return {**limits, "array_based_stream_maximum_output_length": size}


def _inflate_first_page(reader: PdfReader) -> int:
    """Inflate what the text extraction of page 1 reads, and return the size of its content (the page's and its
    forms'). Refuses a page that inflates to more than _PAGE_DECODE_BUDGET (a decompression bomb), as soon as it
    does. What is inflated stays decoded in the reader, so the text extraction inflates nothing more. A stream
    that cannot be decoded is left to the text extraction (which then finds no text in it)."""
    total = content = 0
    try:
        with apply_configuration(**_output_limits(_PAGE_DECODE_BUDGET)):
            for stream, is_content in _streams_for_text(reader.pages[0]):
                try:
                    size = len(stream.get_data())
                except LimitReachedError:
                    raise
                except Exception:
                    continue  # damage inside a stream is not refused (see _open_pdf)
                total += size
                content += size if is_content else 0
                if total > _PAGE_DECODE_BUDGET:
                    raise LimitReachedError("over budget")
    except LimitReachedError:
        raise UploadRefused(
            f"Page 1 of this PDF expands to more than {human_size(_PAGE_DECODE_BUDGET)} when opened, far more "
            "than a paper needs (the file may be a “decompression bomb”). Export it again from your editor, or "
            "print it to a new PDF, and upload that."
        ) from None
    except Exception:
        return _TEXT_CONTENT_BUDGET + 1  # a broken object tree: no text extraction
    return content


def _streams_for_text(page):
    """(stream, is_content) for each stream the text extraction may inflate: the page's content and everything its
    resources reach (forms, fonts and their resources), each once; is_content for what is parsed as content (the
    page's and forms). Images are never inflated, so they are skipped."""
    seen = set()
    stack = [(page.get("/Contents"), True), (page.get("/Resources"), False)]
    while stack:
        item, is_content = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            if len(seen) > _PAGE_MAX_OBJECTS:
                raise LimitReachedError("too many objects")
            item = item.get_object()
        if isinstance(item, StreamObject):
            subtype = item.get("/Subtype")
            if subtype == "/Image":
                continue
            yield item, is_content or subtype == "/Form"
        if isinstance(item, DictionaryObject):
            # /Parent and /P lead back to the page tree: the other pages are not drawn on page 1.
            stack.extend((value, False) for key, value in item.items() if key not in ("/Parent", "/P"))
        elif isinstance(item, ArrayObject):
            stack.extend((value, is_content) for value in item)


def _first_page_text(reader: PdfReader) -> str:
    """Page 1's text, or "" when it cannot be extracted within the bounds above (checked between operators: the
    time runs over by at most one stream's parse, which _TEXT_TOKENS and _TEXT_CONTENT_BUDGET keep short)."""
    # Text extraction fails on some fonts that every viewer shows fine; the file is whole (checked above), so a
    # failure here only means the anonymity check sees no text.
    deadline = time.monotonic() + _TEXT_SECONDS

    def stop_when_late(*_):
        if time.monotonic() > deadline:
            raise TimeoutError("text extraction took too long")

    limits = {**_output_limits(_PAGE_DECODE_BUDGET), "stream_parsing_work_maximum_count": _TEXT_TOKENS}
    try:
        with apply_configuration(**limits):
            return reader.pages[0].extract_text(visitor_operand_before=stop_when_late)
    except Exception:
        return ""


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
        if _data_after_zip_end(fileobj, size):
            raise UploadRefused(
                "This ZIP archive has other data after its end (another file may be attached to it). "
                "Create it again and upload the new file."
            )
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


def _data_after_zip_end(fileobj, size: int) -> bool:
    # zipfile reads an archive from its end record and ignores what follows the record's comment.
    window = min(size, 65535 + 22)
    fileobj.seek(size - window)
    tail = fileobj.read()
    record = tail.rfind(b"PK\x05\x06")
    if record == -1 or record + 22 > len(tail):
        return False
    comment_length = int.from_bytes(tail[record + 20 : record + 22], "little")
    return record + 22 + comment_length < len(tail)
