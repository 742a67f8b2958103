"""Where a PDF may name its authors out of sight, and the anonymity check that looks there (DESIGN.md §10).

Tools write the author's name and address into many places a reader never sees: the document information and its
XMP; an included figure's own XMP and pdfTeX's record of it (/PTEX.InfoDict with the figure's /Author,
/PTEX.FileName with the path it was read from, /home/<user>/...); the author of each annotation; form fields;
attached files (a main.tex with \\author{...}) and their names; bookmarks; page labels; JavaScript. The copy that
reviewers get drops all of them (sanitise.py); the check still tells the author, and flags to the chairs, so that
a name in the author's own file does not go unnoticed.
"""

import html
import re
import unicodedata

import pikepdf

from submissions.pdf.objects import dictionaries, is_dictionary, is_stream, stream_bytes, strings, text_of

# Each place, with the start of the sentence that reports a name found there. Document information and the
# document's XMP are "the PDF metadata", as the check has always called them.
METADATA = "The PDF metadata names"
OBJECT_XMP = "The metadata of a figure or another object in the PDF names"
PTEX = "pdfTeX's record of an included figure names"
ANNOTATION = "A comment (annotation) in the PDF names"
FORM = "A form field in the PDF names"
ATTACHMENT = "A file attached to the PDF names"
BOOKMARK = "A bookmark in the PDF names"
PAGE_LABEL = "A page label in the PDF names"
JAVASCRIPT = "JavaScript in the PDF names"
FIRST_PAGE = "Page 1 shows"
HIDDEN_PLACES = (OBJECT_XMP, PTEX, ANNOTATION, FORM, ATTACHMENT, BOOKMARK, PAGE_LABEL, JAVASCRIPT)

# Metadata, attachments and scripts are inflated for the check, each stream up to the first, all of them up to the
# second: a main.tex is about 100 KB, and a hostile file inflates no further.
_STREAM_BUDGET = 1024 * 1024
_TOTAL_BUDGET = 8 * 1024 * 1024
_ANNOTATION_TEXT = ("/T", "/Contents", "/RC", "/Subj")
_FIELD_TEXT = ("/T", "/TU", "/TM", "/V", "/DV")
_FILE_NAMES = ("/F", "/UF", "/DOS", "/Mac", "/Unix", "/Desc")


def hidden_text(pdf: pikepdf.Pdf) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The text of the PDF's metadata (document information and the document's XMP), and (place, text) for each
    other place above that holds any, place being the start of the finding's sentence. Each object is read once,
    streams within a budget; this only feeds a warning, so what cannot be read is skipped."""
    found: dict[str, list[str]] = {place: [] for place in (METADATA, *HIDDEN_PLACES)}
    budget = [_TOTAL_BUDGET]

    def read(stream) -> str:
        data = stream_bytes(stream, min(_STREAM_BUDGET, budget[0]))
        budget[0] -= len(data)
        return text_of(data)

    info = pdf.trailer.get("/Info")
    if is_dictionary(info):
        found[METADATA] += strings(info, depth=1)
    catalog = pdf.Root.objgen
    for dictionary in dictionaries(pdf):
        keys = set(dictionary.keys())  # one call into qpdf; a value is read only where it matters
        if "/Metadata" in keys and is_stream(xmp := dictionary.get("/Metadata")):
            place = METADATA if dictionary.is_indirect and dictionary.objgen == catalog else OBJECT_XMP
            found[place] += xml_text(read(xmp))
        found[PTEX] += [text for key in keys if key.startswith("/PTEX.") for text in strings(dictionary.get(key))]
        _read_dictionary(dictionary, keys, found, read)
    found[PAGE_LABEL] += _page_label_text(pdf)
    texts = {place: "\n".join(value.strip() for value in values if value.strip()) for place, values in found.items()}
    return texts.pop(METADATA), tuple((place, text) for place, text in texts.items() if text)


def _read_dictionary(dictionary, keys, found, read) -> None:
    get = dictionary.get

    def texts(names, depth=1) -> list[str]:
        return [text for key in names if key in keys for text in strings(get(key), depth=depth)]

    if "/Subtype" in keys and "/Rect" in keys:  # an annotation: both keys are required of one
        is_field = "/FT" in keys or get("/Subtype") == pikepdf.Name.Widget
        found[FORM if is_field else ANNOTATION] += texts(_FIELD_TEXT if is_field else _ANNOTATION_TEXT)
    elif "/FT" in keys:  # a form field that is not also its widget
        found[FORM] += texts(_FIELD_TEXT)
    if "/EF" in keys or ("/Type" in keys and get("/Type") == pikepdf.Name.Filespec):
        found[ATTACHMENT] += texts(_FILE_NAMES, depth=0)
        files = get("/EF")
        if is_dictionary(files):
            # /F and /UF usually hold the same stream.
            streams = {stream.objgen: stream for stream in files.values() if is_stream(stream)}
            found[ATTACHMENT] += [read(stream) for stream in streams.values()]
    if "/Title" in keys and "/Parent" in keys:  # a bookmark
        found[BOOKMARK] += texts(["/Title"], depth=0)
    if "/JS" in keys and get("/S") == pikepdf.Name.JavaScript:
        script = get("/JS")
        found[JAVASCRIPT] += [read(script)] if is_stream(script) else strings(script, depth=0)


def _page_label_text(pdf: pikepdf.Pdf) -> list[str]:
    labels = pdf.Root.get("/PageLabels")
    if not is_dictionary(labels):
        return []
    try:
        return [text for _, label in pikepdf.NumberTree(labels).items() for text in strings(label, depth=1)]
    except (pikepdf.PdfError, TypeError, ValueError):
        return []


def xml_text(text: str) -> list[str]:
    """The element text and attribute values of an XMP packet (some tools write dc:creator as an attribute): not a
    faithful XML parse, since a regular expression copes with packets that are not well formed."""
    pieces = re.findall(r">([^<]+)<", text)
    pieces += [
        value
        for name, value in re.findall(r'([\w:.-]+)="([^"]*)"', text)
        if not name.startswith(("xmlns", "rdf:", "xpacket")) and name not in ("begin", "id")
    ]
    return [html.unescape(piece).strip() for piece in pieces if piece.strip()]


def anonymity_findings(checked, authors: list[tuple[str, str]]) -> list[str]:
    """Sentences saying where the PDF (its metadata, the other places above, or its first page) names one of the
    authors by full name or email; [] when it names none. checked: a CheckedPDF; authors: (name, email) pairs."""
    places = [
        (METADATA, _normalised(checked.metadata_text)),
        *((place, _normalised(text)) for place, text in checked.hidden_text),
        (FIRST_PAGE, _normalised(checked.first_page_text)),
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


def _normalised(text: str) -> str:
    # NFKC turns ligatures (ﬁ) and full-width forms into plain letters; casefold handles ß and the like.
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _whole_word_pattern(needle: str) -> re.Pattern[str]:
    # "Li Wei" should not match "Li Weiss"; an email should not match inside a longer address.
    return re.compile(r"(?<![\w.@+-])" + re.escape(needle) + r"(?![\w@-]|\.\w)")
