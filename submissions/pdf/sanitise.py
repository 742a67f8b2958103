"""The copies of an uploaded PDF that others get: paper-N.pdf for reviewers and chairs (strip_metadata), and the
public camera-ready (public_copy). The author always gets their own file as uploaded.

Both are rewritten with pikepdf (qpdf) after going through every object of the file (objects.dictionaries), not a
fixed list of paths from the catalog. qpdf writes only what the catalog still reaches, so an object that loses its
last reference (an XMP stream, an attached file, a script) leaves the file with it.

What each copy loses, and why:
- Both: what acts by itself or carries other files. JavaScript, actions on opening and on page or field events
  (/OpenAction, /AA), forms (/AcroForm: they may submit themselves), every action but going to a page, opening a
  web or mail link, or a viewer's named command (a Launch, a javascript: link, ...), attached and embedded files
  (/AF, the /EmbeddedFiles names, the file-attachment and media annotations, a file specification's embedded
  streams), reference XObjects (which load another file). They could run on, or call home from, the machine of
  whoever opens the file: a reviewer's, revealing who reviews the paper, or anyone's, from this site.
- paper-N.pdf also loses whatever may name the authors out of sight (identity.py): the document information and
  its /ID (qpdf keeps the first half of the original, which would link the copy to the author's file), XMP on
  every object, pdfTeX's /PTEX.* keys, private application data (/PieceInfo), annotations' authors, subjects,
  dates and comments (and the notes and pop-ups that only show comments), form fields' names and values,
  bookmarks, page labels, article threads, signatures. Names in the page content itself stay (the anonymity check
  warns of them on page 1).
- The public camera-ready keeps its metadata, bookmarks, labels and annotations: the paper is public and names its
  authors.

The output is deterministic: the same input gives the same bytes (qpdf's /ID computed from the content, no
timestamp, objects renumbered in the order the catalog reaches them, object streams generated afresh), and two
uploads that differ only in what paper-N.pdf drops give the same paper-N.pdf, which is what lets the privacy tests
compare what two worlds serve byte for byte.
"""

import io
import warnings

import pikepdf

from submissions.pdf.objects import dictionaries, is_array, is_dictionary, is_stream

# Actions that only move within the document, open a link when clicked, or run one of the viewer's menu commands.
_PASSIVE_ACTIONS = {"/GoTo", "/URI", "/Named"}
_LINK_SCHEMES = ("http:", "https:", "mailto:")
_ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
# Sticky notes and their pop-ups show only the comment text that paper-N.pdf drops: they would be empty.
_COMMENT_ANNOTATIONS = {"/Text", "/Popup"}
# Names of the catalog's /Names dictionary that stay: named destinations (links use them) and named appearances.
# The others hold scripts, attached files, media, page templates and web-capture records.
_KEPT_NAMES = {"/Dests", "/AP"}

_ACTIVE_CATALOG_KEYS = ("/OpenAction", "/AcroForm", "/Collection")
_ACTIVE_KEYS = ("/AA", "/AF", "/EF", "/RF", "/Ref")
_IDENTITY_TRAILER_KEYS = ("/Info", "/ID")
# Bookmarks and page labels are text the author wrote; article threads have an information dictionary (/Author);
# web-capture records name where the pages came from; /Perms, /DSS and /Legal belong to signatures, which name
# the signer (and which the rewriting breaks anyway).
_IDENTITY_CATALOG_KEYS = ("/Outlines", "/PageLabels", "/Threads", "/SpiderInfo", "/Perms", "/DSS", "/Legal")
# /LastModified dates the /PieceInfo it comes with; /OPI names the file an image was placed from, path and all.
_IDENTITY_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/OPI")
# An annotation's author, comment (plain and rich), subject, dates and name; its pop-up and the comment it replies
# to (/IRT), which go with the comments.
_ANNOTATION_IDENTITY_KEYS = ("/T", "/Contents", "/RC", "/Subj", "/M", "/CreationDate", "/NM", "/Popup", "/IRT", "/RT")
# A widget draws itself from its appearance; without the form, the field it belongs to (its /Parent, which holds
# names and values as the widget itself may) is not needed.
_FIELD_KEYS = ("/Parent", "/FT", "/Ff", "/TU", "/TM", "/V", "/DV", "/Opt", "/Kids")
# qpdf compresses the copies (the streams without a filter, and the object streams it writes) unless the file has
# more than this much image data without a filter: deflating text and objects takes milliseconds and keeps the copy
# as small as the author's file, but 10 MB of image took 0.8 s, on every download; such a file is copied as it is.
_MAX_DEFLATED = 2 * 1024 * 1024


def strip_metadata(fileobj) -> bytes:
    """paper-N.pdf, the copy of a checked PDF that reviewers and chairs get: without active content and without
    anything that may name the authors out of sight (see the module's docstring). Deterministic, and the same for
    two uploads that differ only in what it drops. Leaves fileobj at position 0."""
    output, _ = _rewritten(fileobj, blind=True)
    return output


def public_copy(fileobj) -> bytes | None:
    """The camera-ready PDF as the public page serves it: without active content and attached files, which would
    otherwise run or be offered from this site to anyone who opens it; metadata and names kept, since the paper is
    public and names its authors. None when there is nothing to remove: the file is served as uploaded, byte for
    byte. Leaves fileobj at position 0."""
    output, removed = _rewritten(fileobj, blind=False)
    return output if removed else None


def _rewritten(fileobj, *, blind: bool) -> tuple[bytes, bool]:
    try:
        fileobj.seek(0)
        with pikepdf.open(fileobj, inherit_page_attributes=False) as pdf:
            removed = _sanitise(pdf, blind=blind)
            output = io.BytesIO()
            if removed or blind:
                with warnings.catch_warnings():
                    # pikepdf warns that widgets without the /AcroForm may not show in Acrobat; they are drawn from
                    # their own appearance, and the form had to go.
                    warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                    pdf.save(
                        output,
                        deterministic_id=True,
                        object_stream_mode=pikepdf.ObjectStreamMode.generate,
                        # Streams are copied byte for byte, never inflated: a decompression bomb in an image costs
                        # no more than its size.
                        stream_decode_level=pikepdf.StreamDecodeLevel.none,
                        compress_streams=_uncompressed_image_bytes(pdf) <= _MAX_DEFLATED,
                        fix_metadata_version=False,
                    )
        return output.getvalue(), removed
    finally:
        fileobj.seek(0)


def _uncompressed_image_bytes(pdf: pikepdf.Pdf) -> int:
    """How much image data the file has without a filter. Images only: they are what the pages show, so two uploads
    that differ only in their authors have the same, and the choice to compress gives them the same copy."""
    lengths = (
        obj.stream_dict.get("/Length")
        for obj in pdf.objects
        if is_stream(obj) and "/Filter" not in obj and obj.get("/Subtype") == pikepdf.Name.Image
    )
    return sum(length for length in lengths if type(length) is int)  # qpdf reads the data whatever /Length says


def _sanitise(pdf: pikepdf.Pdf, *, blind: bool) -> bool:
    """Remove from pdf what the copy must not carry (blind: paper-N.pdf; else the public copy); return whether
    anything was removed."""
    removed = False

    def drop(dictionary, keys) -> None:
        nonlocal removed
        for key in keys:
            if key in dictionary:
                del dictionary[key]
                removed = True

    if blind:
        drop(pdf.trailer, _IDENTITY_TRAILER_KEYS)
    root = pdf.Root
    drop(root, _ACTIVE_CATALOG_KEYS + (_IDENTITY_CATALOG_KEYS if blind else ()))
    names = root.get("/Names")
    if is_dictionary(names):
        drop(names, [key for key in names if key not in _KEPT_NAMES])
    unwanted_annotations = _ACTIVE_ANNOTATIONS | (_COMMENT_ANNOTATIONS if blind else set())
    for dictionary in dictionaries(pdf):
        keys = set(dictionary.keys())  # one call into qpdf; a value is read only where it matters
        drop(dictionary, [key for key in _ACTIVE_KEYS if key in keys])
        if blind:
            drop(dictionary, [key for key in keys if key in _IDENTITY_KEYS or key.startswith("/PTEX.")])
        is_annotation = "/Subtype" in keys and "/Rect" in keys  # both are required of an annotation
        # /A is the action of an annotation, a bookmark (which has a /Title) or a field; elsewhere /A means other
        # things (a structure element's attributes, a measure's areas), so there only what looks like an action is.
        if "/A" in keys:
            action = dictionary.get("/A")
            if is_annotation or "/Title" in keys or "/FT" in keys or (is_dictionary(action) and "/S" in action):
                if not _is_passive(action):
                    drop(dictionary, ["/A"])
                else:  # a chain of actions may go on with JavaScript
                    drop(action, ["/Next"])
        if blind and is_annotation:
            if "/FT" in keys or dictionary.get("/Subtype") == pikepdf.Name.Widget:
                drop(dictionary, _FIELD_KEYS)
            drop(dictionary, _ANNOTATION_IDENTITY_KEYS)
        if blind and "/B" in keys and dictionary.get("/Type") == pikepdf.Name.Page:
            drop(dictionary, ["/B"])  # the page's beads in article threads, whose information names the author
        if "/Annots" in keys:
            annotations = dictionary.get("/Annots")
            kept = [
                annotation
                for annotation in (annotations if is_array(annotations) else [])
                if is_dictionary(annotation) and str(annotation.get("/Subtype")) not in unwanted_annotations
            ]
            if not is_array(annotations) or len(kept) != len(annotations):
                dictionary["/Annots"] = pikepdf.Array(kept)
                removed = True
    return removed


def _is_passive(action) -> bool:
    if not is_dictionary(action) or str(action.get("/S")) not in _PASSIVE_ACTIONS:
        return False
    if action.get("/S") != pikepdf.Name.URI:
        return True
    # A link may still run a script or open a local file: javascript:, file:, data: and the like.
    uri = action.get("/URI")
    target = "".join(str(uri).split()).lower() if uri is not None else ""
    return target.startswith(_LINK_SCHEMES)
