"""Checking uploaded papers and supplementary material (DESIGN.md §10), and preparing the copy reviewers get.

Plain functions on binary file objects (a Django UploadedFile or anything seekable): no models, no database.
Every refusal is an UploadRefused whose text is shown on the form as it is.

Uploads are hostile until checked (tests/submissions/test_hostile_uploads.py tries each case):
- A file that is a PDF and something else too (a polyglot: HTML or a ZIP before the header, a ZIP or anything
  else after the end) is refused; an editor never writes one, and the other half could be served as itself.
- Decompression is bounded: the checks inflate at most _PAGE_DECODE_BUDGET of page 1 (its text feeds the
  anonymity check) and refuse a page that would inflate to more; images and later pages are never inflated.
  The text extraction itself is bounded in size, tokens and time (see _first_page_text).
- The page limit is checked on the page tree's declared count before any page is read.
- JavaScript, automatic actions and attached files are kept in the author's own file but stripped from the copy
  that reviewers and chairs download (strip_metadata): they could run on, or call home from, a reviewer's
  machine, revealing who reviews the paper.
"""

import contextlib
import hashlib
import html
import io
import os
import re
import time
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

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
_XMP_BUDGET = 4 * 1024 * 1024
# Actions that only move within the document or open a link when clicked; every other kind (JavaScript, Launch,
# SubmitForm, ImportData, GoToR, GoToE, Rendition, ...) is removed from reviewers' copies.
_PASSIVE_ACTIONS = {"/GoTo", "/URI", "/Named"}
_ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}


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
            reader, page_count = _open_pdf(fileobj, size, max_pages=max_pages)
            content_size = _inflate_first_page(reader)
            metadata_text = _metadata_text(reader)
            first_page_text = _first_page_text(reader) if content_size <= _TEXT_CONTENT_BUDGET else ""
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
        fileobj.seek(0)
        # A ZIP must start like one: zipfile.is_zipfile alone accepts anything with a ZIP appended (self-extracting
        # programs, for instance), and a ZIP cut short is still recognised, to be called damaged. Checked before the
        # PDF header, which a ZIP holding an uncompressed PDF has within its first kilobyte.
        if fileobj.read(4) in (b"PK\x03\x04", b"PK\x05\x06"):
            _check_zip(fileobj, size)
            return "zip", _sha256(fileobj), size
        if _is_pdf(fileobj):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _open_pdf(fileobj, size)
            return "pdf", _sha256(fileobj), size
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
    that reviewers get. Also without active content (see _remove_active_content): JavaScript, automatic actions,
    forms and attached files. Names in the content itself (page text, authors of annotations) stay. Leaves fileobj
    at position 0.
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
            _remove_active_content(reader.root_object, pages)
            writer = PdfWriter(clone_from=reader)
            # The original /ID could link the copy to the author's file; pypdf has no public way to replace it.
            writer._ID = None
            writer.generate_file_identifiers()
            output = io.BytesIO()
            writer.write(output)
        return output.getvalue()
    finally:
        fileobj.seek(0)


def public_copy(fileobj) -> bytes | None:
    """The camera-ready PDF as the public page serves it: without active content (see _remove_active_content),
    which would otherwise run from this site for anyone who opens it; metadata and names kept, since the paper is
    public and names its authors. None when there is no active content: the file is served as uploaded, byte for
    byte. Leaves fileobj at position 0."""
    try:
        fileobj.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(fileobj)
            pages = [page.indirect_reference.get_object() if page.indirect_reference else page for page in reader.pages]
            if not _remove_active_content(reader.root_object, pages):
                return None
            output = io.BytesIO()
            PdfWriter(clone_from=reader).write(output)
        return output.getvalue()
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


def _open_pdf(fileobj, size: int, *, max_pages: int | None = None) -> tuple[PdfReader, int]:
    """Open a PDF with pypdf and check that it is whole, unencrypted, nothing else besides, and within max_pages
    (None: any number); return the reader and the page count.

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
    The page limit is checked on the declared /Count before the page tree is read: a 10,000-page file is refused
    in about 0.1 s instead of 1.3 s, and a file that declares fewer pages than it has fails check 2.
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
        declared = reader.root_object["/Pages"].get_object().get("/Count")
        declared = declared.get_object() if declared is not None else None
        if max_pages is not None and isinstance(declared, int) and declared > max_pages:
            raise UploadRefused(
                f"The PDF has {declared} pages; the limit is {max_pages}. Shorten it and upload it again."
            )
        pages = list(reader.pages)
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
            with apply_configuration(**_output_limits(_XMP_BUDGET)):
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


def _remove_active_content(root, pages) -> bool:
    """Remove from a reader's catalog and pages (before cloning) what acts by itself or carries other files:
    JavaScript, actions on opening and on page or field events, forms (which may submit themselves), attached
    files, media, and every action of links and bookmarks but going to a page or opening a link when clicked.
    Returns whether anything was removed."""
    removed = False
    for key in ("/OpenAction", "/AA", "/AcroForm"):
        removed |= root.pop(NameObject(key), None) is not None
    names = root.get("/Names")
    names = names.get_object() if names is not None else None
    if isinstance(names, DictionaryObject):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            removed |= names.pop(NameObject(key), None) is not None
    for page in pages:
        removed |= page.pop(NameObject("/AA"), None) is not None
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if annotations is not None else None
        if not isinstance(annotations, ArrayObject):
            removed |= page.pop(NameObject("/Annots"), None) is not None
            continue
        kept = ArrayObject()
        for reference in annotations:
            annotation = reference.get_object()
            if not isinstance(annotation, DictionaryObject) or annotation.get("/Subtype") in _ACTIVE_ANNOTATIONS:
                removed = True
                continue
            removed |= annotation.pop(NameObject("/AA"), None) is not None
            removed |= _keep_passive_action(annotation)
            removed |= _remove_field_actions(annotation)
            kept.append(reference)
        page[NameObject("/Annots")] = kept
    outlines = root.get("/Outlines")
    outlines = outlines.get_object() if outlines is not None else None
    if isinstance(outlines, DictionaryObject):
        removed |= _clean_outline(outlines)
    return removed


def _remove_field_actions(widget) -> bool:
    # A form field's widget is drawn from its own appearance; the field it belongs to (its /Parent chain), still
    # copied through it, may run JavaScript on each keystroke or calculation (/AA).
    removed = False
    field = widget.get("/Parent")
    for _ in range(32):  # fields nest a few levels; a hostile file may loop
        field = field.get_object() if field is not None else None
        if not isinstance(field, DictionaryObject):
            break
        removed |= field.pop(NameObject("/AA"), None) is not None
        removed |= _keep_passive_action(field)
        field = field.get("/Parent")
    return removed


def _keep_passive_action(dictionary) -> bool:
    action = dictionary.get("/A")
    action = action.get_object() if action is not None else None
    if action is None:
        return False
    if not isinstance(action, DictionaryObject) or action.get("/S") not in _PASSIVE_ACTIONS:
        dictionary.pop(NameObject("/A"), None)
        return True
    return action.pop(NameObject("/Next"), None) is not None  # a chain of actions may go on with JavaScript


def _clean_outline(outlines) -> bool:
    # Bookmarks form a tree through /First and /Next; a hostile file may loop, hence the set of items seen.
    removed, seen, stack = False, set(), [outlines.get("/First")]
    while stack and len(seen) < _PAGE_MAX_OBJECTS:
        reference = stack.pop()
        if not isinstance(reference, IndirectObject) or (reference.idnum, reference.generation) in seen:
            continue
        seen.add((reference.idnum, reference.generation))
        item = reference.get_object()
        if isinstance(item, DictionaryObject):
            removed |= _keep_passive_action(item)
            stack.extend([item.get("/First"), item.get("/Next")])
    return removed


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
