"""PDFs and ZIPs built in memory for tests and benchmarks: no sample files in the repository, no downloads."""

import functools
import html
import io
import random
import struct
import zipfile
import zlib

import pikepdf
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

_PAD_IMAGE_WIDTH = 1000


def make_pdf(
    pages: int = 1,
    text: str | None = None,
    metadata: dict[str, str] | None = None,
    encrypt: str | None = None,
    pad_to_bytes: int | None = None,
    xmp_creator: str | None = None,
    file_id: bytes | None = None,
) -> bytes:
    """A US-letter PDF with `pages` pages, each drawing a line of Helvetica text (so extract_text finds it).

    text: what page 1 shows (default "Page 1"; later pages show "Page N").
    metadata: document info entries, e.g. {"/Author": "Ada Lovelace", "/Title": "Engines"}.
    encrypt: a user password (RC4-128, the one pypdf can write without the cryptography package).
    pad_to_bytes: make the file about this big, with an incompressible image on page 1 (like a real paper's figure).
    xmp_creator: write an XMP metadata packet naming this dc:creator.
    file_id: the trailer's /ID (both halves), as most producers write one; by default none, so that equal
        arguments give equal bytes.
    """
    writer = _writer(pages, text, metadata, xmp_creator)
    if file_id is not None:
        writer._ID = ArrayObject([ByteStringObject(file_id), ByteStringObject(file_id)])
    if pad_to_bytes is not None:
        shortfall = pad_to_bytes - len(_write(writer))
        if shortfall > 0:
            _add_padding_image(writer, shortfall)
    if encrypt is not None:
        writer.encrypt(user_password=encrypt, algorithm="RC4-128")
    return _write(writer)


def make_zip(members: dict[str, bytes] | None = None, *, mark_encrypted: bool = False) -> bytes:
    """A deflated ZIP of `members` (name -> content); default one small text file.

    mark_encrypted: set the "encrypted" flag on every member, as a password-protected archive has it (Python's
    zipfile cannot write encrypted archives, and a reader refuses on the flag before touching the data).
    """
    if members is None:
        members = {"README.txt": b"Code and data for the experiments.\n"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    data = bytearray(buffer.getvalue())
    if mark_encrypted:
        _set_encrypted_flags(data)
    return bytes(data)


def _writer(pages: int, text: str | None, metadata: dict[str, str] | None, xmp_creator: str | None) -> PdfWriter:
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for number in range(1, pages + 1):
        page = writer.add_blank_page(width=612, height=792)
        line = text if number == 1 and text is not None else f"Page {number}"
        content = DecodedStreamObject()
        content.set_data(b"BT /F1 12 Tf 72 720 Td (" + _pdf_string(line) + b") Tj ET")
        page[NameObject("/Contents")] = writer._add_object(content)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    if metadata:
        writer.add_metadata(metadata)
    if xmp_creator is not None:
        writer.xmp_metadata = _xmp_packet(xmp_creator)
    return writer


def _pdf_string(text: str) -> bytes:
    # Helvetica's standard encoding covers Latin-1 well enough for test names.
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("latin-1")


def _xmp_packet(creator: str) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator><rdf:Seq><rdf:li>{html.escape(creator)}</rdf:li></rdf:Seq></dc:creator>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def _add_padding_image(writer: PdfWriter, size: int) -> None:
    height = max(1, size // _PAD_IMAGE_WIDTH)
    image = StreamObject()
    image.set_data(random.Random(0).randbytes(_PAD_IMAGE_WIDTH * height))
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(_PAD_IMAGE_WIDTH),
            NameObject("/Height"): NumberObject(height),
            NameObject("/ColorSpace"): NameObject("/DeviceGray"),
            NameObject("/BitsPerComponent"): NumberObject(8),
        }
    )
    resources = writer.pages[0]["/Resources"]
    resources[NameObject("/XObject")] = DictionaryObject({NameObject("/Im1"): writer._add_object(image)})


def _write(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _set_encrypted_flags(data: bytearray) -> None:
    # Bit 0 of the general-purpose flags, in each local header (offset 6) and central directory entry (offset 8).
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        infos = archive.infolist()
    for info in infos:
        data[info.header_offset + 6] |= 0x01
    position = data.find(b"PK\x01\x02")
    while position != -1:
        data[position + 8] |= 0x01
        position = data.find(b"PK\x01\x02", position + 4)


# --- hostile files (tests/submissions/test_hostile_uploads.py) --------------------------------------------------

_MB = 1024 * 1024
ACTIVE_CONTENT_MARKERS = (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Launch", b"/EmbeddedFile", b"/AcroForm")


def make_long_pdf(pages: int, *, declared: bytes | None = None) -> bytes:
    """A PDF of `pages` blank pages sharing one empty content stream, written by hand: 10,000 pages in a few
    milliseconds (make_pdf takes about a second). declared: what the page tree's /Count says instead of `pages`
    (b"12.0", b"3"), with the cross-reference table still right."""
    kids = b" ".join(b"%d 0 R" % number for number in range(4, pages + 4))
    count = b"%d" % pages if declared is None else declared
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count " + count + b" >>",
        b"<< /Length 0 >>\nstream\n\nendstream",
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"] * pages,
    ]
    return _assemble(objects)


def deflated_zeros(size: int) -> bytes:
    """A zlib stream that inflates to `size` zero bytes (a multiple of 1 MB), made without deflating them all:
    after a full flush, every further megabyte of zeros deflates to the same block, and the Adler-32 checksum of
    n zeros is (n mod 65521) << 16 | 1. 2 GB take 2 MB."""
    first, again = _deflated_megabytes_of_zeros()
    checksum = ((size % 65521) << 16) | 1
    return first + again * (size // _MB - 1) + b"\x03\x00" + struct.pack(">I", checksum)


@functools.cache
def _deflated_megabytes_of_zeros() -> tuple[bytes, bytes]:
    compressor = zlib.compressobj(9)
    first = compressor.compress(bytes(_MB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(bytes(_MB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first, again


def make_flate_bomb_pdf(inflated: int = 2048 * _MB, *, where: str = "content", copies: int = 1) -> bytes:
    """A one-page PDF with a FlateDecode stream that inflates to `inflated` bytes of zeros (2 GB by default):
    where="content" as page 1's content, "forms" as `copies` forms that page 1 draws, "xmp" as the XMP metadata,
    "attachment" as an attached file, "image" as an image on page 1."""
    writer = _writer(1, None, None, None)
    page = writer.pages[0]
    resources = page["/Resources"]
    if where == "content":
        page[NameObject("/Contents")] = writer._add_object(_bomb(inflated))
    elif where == "forms":
        forms, drawing = DictionaryObject(), b"BT /F1 12 Tf 72 720 Td (Page 1) Tj ET"
        for number in range(copies):
            form = _bomb(inflated, Type="/XObject", Subtype="/Form")
            form[NameObject("/BBox")] = ArrayObject(
                [NumberObject(0), NumberObject(0), NumberObject(612), NumberObject(792)]
            )
            form[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): resources["/Font"]})
            forms[NameObject(f"/Fm{number}")] = writer._add_object(form)
            drawing += f" /Fm{number} Do".encode()
        resources[NameObject("/XObject")] = forms
        content = DecodedStreamObject()
        content.set_data(drawing)
        page[NameObject("/Contents")] = writer._add_object(content)
    elif where == "xmp":
        writer._root_object[NameObject("/Metadata")] = writer._add_object(
            _bomb(inflated, Type="/Metadata", Subtype="/XML")
        )
    elif where == "attachment":
        spec = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject("data.txt"),
                NameObject("/EF"): DictionaryObject(
                    {NameObject("/F"): writer._add_object(_bomb(inflated, Type="/EmbeddedFile"))}
                ),
            }
        )
        names = ArrayObject([TextStringObject("data.txt"), writer._add_object(spec)])
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/EmbeddedFiles"): DictionaryObject({NameObject("/Names"): names})}
        )
    elif where == "image":
        image = _bomb(inflated, Type="/XObject", Subtype="/Image", ColorSpace="/DeviceGray")
        image.update({NameObject("/Width"): NumberObject(_MB), NameObject("/Height"): NumberObject(inflated // _MB)})
        image[NameObject("/BitsPerComponent")] = NumberObject(8)
        resources[NameObject("/XObject")] = DictionaryObject({NameObject("/Im1"): writer._add_object(image)})
    else:
        raise ValueError(where)
    return _write(writer)


def make_slow_page_pdf(content: bytes, *, form: bytes | None = None, draws: int = 0) -> bytes:
    """A one-page PDF whose page 1 is slow to parse without being large: `content` (deflated) as its content, and
    optionally a deflated `form` that the page draws `draws` times (pypdf parses a form each time it is drawn)."""
    writer = _writer(1, None, None, None)
    page = writer.pages[0]
    if form is not None:
        drawn = _deflated(form, Type="/XObject", Subtype="/Form")
        drawn[NameObject("/BBox")] = ArrayObject([NumberObject(0), NumberObject(0), NumberObject(10), NumberObject(10)])
        drawn[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): page["/Resources"]["/Font"]})
        page["/Resources"][NameObject("/XObject")] = DictionaryObject({NameObject("/Fm"): writer._add_object(drawn)})
        content += b" /Fm Do" * draws
    page[NameObject("/Contents")] = writer._add_object(_deflated(content))
    return _write(writer)


def make_active_pdf(text: str = "Active content inside") -> bytes:
    """A two-page PDF with every kind of active content a reviewer's viewer might act on: JavaScript run on
    opening (/OpenAction and the document's /JavaScript names), a page action (/AA), a link running JavaScript, a
    link launching a program, an attached file (in /EmbeddedFiles and as an annotation), a form, and a bookmark
    running JavaScript. It also has a plain web link and a bookmark to page 2, which are harmless and stay."""
    writer = _writer(2, text, None, None)
    writer.add_attachment("secret-data.txt", b"Ada Lovelace wrote this.")
    scripts = ArrayObject([TextStringObject("opening"), _action("/JavaScript", JS=TextStringObject("app.alert(1);"))])
    names = writer._root_object["/Names"]
    names[NameObject("/JavaScript")] = DictionaryObject({NameObject("/Names"): scripts})
    javascript = _action("/JavaScript", JS=TextStringObject("app.launchURL('https://tracker.example/?open');"))
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(javascript)
    page = writer.pages[0]
    keystroke = DictionaryObject({NameObject("/K"): _action("/JavaScript", JS=TextStringObject("event.rc = 1;"))})
    field = writer._add_object(DictionaryObject({NameObject("/FT"): NameObject("/Tx"), NameObject("/AA"): keystroke}))
    widget = writer._add_object(_annotation("/Widget", Parent=field))
    field.get_object()[NameObject("/Kids")] = ArrayObject([widget])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject([field])})
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action("/JavaScript", JS=TextStringObject("1"))})
    attached = DictionaryObject(
        {NameObject("/Type"): NameObject("/Filespec"), NameObject("/F"): TextStringObject("x.txt")}
    )
    page[NameObject("/Annots")] = ArrayObject(
        [
            writer._add_object(_link(_action("/JavaScript", JS=TextStringObject("app.alert('click');")))),
            writer._add_object(_link(_action("/Launch", F=TextStringObject("calc.exe")))),
            writer._add_object(_link(_action("/URI", URI=TextStringObject("https://example.org/paper")))),
            writer._add_object(_annotation("/FileAttachment", FS=attached)),
            widget,
        ]
    )
    writer.add_outline_item(title="Page 2", page_number=1)
    bookmark = writer.add_outline_item(title="Run", page_number=0)
    bookmark.get_object()[NameObject("/A")] = _action("/JavaScript", JS=TextStringObject("app.alert('bookmark');"))
    return _write(writer)


def _bomb(inflated: int, **entries) -> StreamObject:
    stream = StreamObject()
    stream._data = deflated_zeros(inflated)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    for key, value in entries.items():
        stream[NameObject(f"/{key}")] = NameObject(value)
    return stream


def _deflated(data: bytes, **entries) -> StreamObject:
    stream = StreamObject()
    stream._data = zlib.compress(data)
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    for key, value in entries.items():
        stream[NameObject(f"/{key}")] = NameObject(value)
    return stream


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)})
    action.update({NameObject(f"/{key}"): value for key, value in entries.items()})
    return action


def _annotation(subtype: str, **entries) -> DictionaryObject:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject(subtype),
            NameObject("/Rect"): ArrayObject(
                [NumberObject(72), NumberObject(600), NumberObject(200), NumberObject(620)]
            ),
        }
    )
    annotation.update({NameObject(f"/{key}"): value for key, value in entries.items()})
    return annotation


def _link(action: DictionaryObject) -> DictionaryObject:
    return _annotation("/Link", A=action)


def _assemble(objects: list[bytes]) -> bytes:
    """A PDF file of these object bodies, numbered from 1 (the first is the catalog), with its cross-reference
    table."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- identity out of sight (tests/submissions/test_pdf_identity.py) --------------------------------------------

# Every place where tools write the author's name and address out of a reader's sight (submissions/pdf/identity.py).
IDENTITY_PLACES = (
    "document info",
    "document XMP",
    "figure XMP",
    "pdfTeX figure record",
    "annotation authors",
    "form fields",
    "embedded files",
    "file attachment annotation",
    "bookmarks",
    "page labels",
    "JavaScript",
)
_FIGURE = b"0 0 m 100 100 l S"


def make_identity_pdf(
    name: str = "Ada Lovelace",
    email: str = "ada@uni.example",
    places: tuple[str, ...] = IDENTITY_PLACES,
    *,
    text: str = "Anonymous submission",
    executable: bool = False,
    pages: int = 2,
    figures_per_page: int = 1,
    links_per_page: int = 0,
) -> bytes:
    """A paper of two pages, built with pikepdf, whose pages show `text` and an included figure (a form XObject) and
    never the author, but which names the author (`name` and `email`) in each of `places` as real tools do:
    document info and XMP (any editor), the figure's own XMP and pdfTeX's /PTEX.InfoDict and /PTEX.FileName
    (pdfTeX, for every included PDF figure), a sticky note with its pop-up and a highlight whose author is /T (any
    viewer's comments), a filled form field, a main.tex with \\author{...} attached in /EmbeddedFiles and /AF, a
    file-attachment annotation, a bookmark, a page label, and JavaScript in the /JavaScript names and /OpenAction.
    executable: also attach a program, tool.exe (a camera-ready's authors might). pages, figures_per_page,
    links_per_page: a paper's size in objects (each figure has its own metadata, each link is an annotation; the
    benchmark uses them). Equal arguments give equal bytes.
    """
    unknown = set(places) - set(IDENTITY_PLACES)
    if unknown:
        raise ValueError(unknown)
    signed = f"{name} <{email}>"
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    figures = pikepdf.Dictionary()
    for number in range(1, figures_per_page + 1):
        figure = pdf.make_stream(
            _FIGURE, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=pikepdf.Array([0, 0, 100, 100])
        )
        if "figure XMP" in places:
            figure.Metadata = _deflated_stream(pdf, _xmp_packet(signed), Type="/Metadata", Subtype="/XML")
        if "pdfTeX figure record" in places:
            figure["/PTEX.FileName"] = pikepdf.String(f"/home/{name}/paper/figures/plot{number}.pdf")
            figure["/PTEX.PageNumber"] = 1
            figure["/PTEX.InfoDict"] = pdf.make_indirect(
                pikepdf.Dictionary(Author=pikepdf.String(email), Producer=pikepdf.String("matplotlib pdf backend"))
            )
        figures[f"/Fig{number}"] = figure
    drawing = b"".join(b" q 1 0 0 1 72 500 cm /Fig%d Do Q" % number for number in range(1, figures_per_page + 1))
    for number in range(1, pages + 1):
        line = text if number == 1 else f"Page {number}"
        content = b"BT /F1 12 Tf 72 720 Td (" + _pdf_string(line) + b") Tj ET" + drawing
        page = pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=pikepdf.Array([0, 0, 612, 792]),
                Contents=pdf.make_stream(content),
                Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font), XObject=figures),
            )
        )
        if links_per_page:
            page.obj.Annots = pikepdf.Array(
                [
                    pdf.make_indirect(
                        _annotation_dict(
                            "/Link",
                            A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(f"https://example.org/{n}")),
                        )
                    )
                    for n in range(links_per_page)
                ]
            )
        pdf.pages.append(page)
    page = pdf.pages[0].obj
    annotations = []
    root = pdf.Root
    names = pikepdf.Dictionary()
    if "document info" in places:
        pdf.trailer.Info = pdf.make_indirect(
            pikepdf.Dictionary(Author=pikepdf.String(name), Creator=pikepdf.String(f"LaTeX, for {email}"))
        )
    if "document XMP" in places:
        root.Metadata = _deflated_stream(pdf, _xmp_packet(signed), Type="/Metadata", Subtype="/XML")
    if "annotation authors" in places:
        note = pdf.make_indirect(
            _annotation_dict("/Text", T=pikepdf.String(name), Contents=pikepdf.String(f"Ask {email} about this."))
        )
        popup = pdf.make_indirect(_annotation_dict("/Popup", Parent=note))
        note.Popup = popup
        highlight = _annotation_dict("/Highlight", T=pikepdf.String(signed), Subj=pikepdf.String("Highlight"))
        highlight.QuadPoints = pikepdf.Array([72, 620, 200, 620, 72, 600, 200, 600])
        annotations += [note, popup, pdf.make_indirect(highlight)]
    if "form fields" in places:
        appearance = pdf.make_stream(b"/Tx BMC EMC", BBox=pikepdf.Array([0, 0, 128, 20]))
        field = pdf.make_indirect(
            _annotation_dict(
                "/Widget",
                FT=pikepdf.Name.Tx,
                T=pikepdf.String(f"contact {email}"),
                TU=pikepdf.String(name),
                V=pikepdf.String(signed),
                AP=pikepdf.Dictionary(N=appearance),
            )
        )
        annotations.append(field)
        root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
    attached = []
    if "embedded files" in places:
        source = f"\\documentclass{{article}}\n\\author{{{name} \\\\ {email}}}\n\\begin{{document}}\\end{{document}}\n"
        spec = _file_spec(pdf, "main.tex", source.encode(), description=f"Sources by {name}")
        attached.append(("main.tex", spec))
        root.AF = pikepdf.Array([spec])
    if executable:
        attached.append(("tool.exe", _file_spec(pdf, "tool.exe", b"MZ\x90\x00" + bytes(60), description="")))
    if attached:
        names.EmbeddedFiles = pikepdf.Dictionary(
            Names=pikepdf.Array([item for key, spec in attached for item in (pikepdf.String(key), spec)])
        )
    if "file attachment annotation" in places:
        spec = _file_spec(pdf, "notes.txt", f"Notes by {signed}\n".encode(), description="")
        annotations.append(pdf.make_indirect(_annotation_dict("/FileAttachment", FS=spec)))
    if "bookmarks" in places:
        outlines = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines, Count=1))
        item = pdf.make_indirect(
            pikepdf.Dictionary(
                Title=pikepdf.String(f"Notes for {signed}"),
                Parent=outlines,
                Dest=pikepdf.Array([page, pikepdf.Name.Fit]),
            )
        )
        outlines.First = outlines.Last = item
        root.Outlines = outlines
    if "page labels" in places:
        label = pikepdf.Dictionary(S=pikepdf.Name.D, P=pikepdf.String(f"{signed}, page "))
        root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([0, label]))
    if "JavaScript" in places:
        script = f"app.alert('Draft by {name}, {email}');"
        action = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(script)))
        names.JavaScript = pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("draft"), action]))
        root.OpenAction = action
    if names:
        root.Names = names
    if annotations:
        page.Annots = pikepdf.Array([*annotations, *page.get("/Annots", [])])
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True, fix_metadata_version=False)
    return buffer.getvalue()


def served_text(data: bytes) -> bytes:
    """Everything a PDF holds, as one byte string to search: the file as it is, then every object opened with
    pikepdf (so objects inside compressed object streams too) as PDF syntax, every text string decoded and written
    as UTF-8 (a name in UTF-16 shows), and every stream's data decoded."""
    parts = [data]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in [pdf.trailer, *pdf.objects]:
            if not isinstance(obj, pikepdf.Object):
                continue
            parts.append(obj.unparse(resolved=True))
            parts += [text.encode() for text in _strings_in(obj)]
            if obj._type_code == pikepdf.ObjectType.stream:
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
    return b"\n".join(parts)


def _strings_in(obj) -> list[str]:
    found, stack = [], [obj]
    while stack:
        item = stack.pop()
        if not isinstance(item, pikepdf.Object):
            continue
        kind = item._type_code
        if kind == pikepdf.ObjectType.string:
            found.append(str(item))
        elif kind in (pikepdf.ObjectType.dictionary, pikepdf.ObjectType.stream):
            stack += [value for value in item.values() if not getattr(value, "is_indirect", False)]
        elif kind == pikepdf.ObjectType.array:
            stack += [value for value in item if not getattr(value, "is_indirect", False)]
    return found


def _deflated_stream(pdf, data: bytes, **entries):
    stream = pikepdf.Stream(pdf, zlib.compress(data))
    stream.Filter = pikepdf.Name.FlateDecode
    for key, value in entries.items():
        stream[f"/{key}"] = pikepdf.Name(value)
    return pdf.make_indirect(stream)


def _annotation_dict(subtype: str, **entries) -> pikepdf.Dictionary:
    annotation = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name(subtype), Rect=pikepdf.Array([72, 600, 200, 620])
    )
    for key, value in entries.items():
        annotation[f"/{key}"] = value
    return annotation


def _file_spec(pdf, file_name: str, content: bytes, *, description: str):
    embedded = _deflated_stream(pdf, content, Type="/EmbeddedFile")
    spec = pikepdf.Dictionary(
        Type=pikepdf.Name.Filespec,
        F=pikepdf.String(file_name),
        UF=pikepdf.String(file_name),
        EF=pikepdf.Dictionary(F=embedded, UF=embedded),
    )
    if description:
        spec.Desc = pikepdf.String(description)
    return pdf.make_indirect(spec)
