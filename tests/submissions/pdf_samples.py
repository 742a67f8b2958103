"""PDFs and ZIPs built in memory for tests and benchmarks: no sample files in the repository, no downloads."""

import functools
import io
import random
import struct
import zipfile
import zlib

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
        f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>"
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


def make_long_pdf(pages: int) -> bytes:
    """A PDF of `pages` blank pages sharing one empty content stream, written by hand: 10,000 pages in a few
    milliseconds (make_pdf takes about a second)."""
    kids = b" ".join(b"%d 0 R" % number for number in range(4, pages + 4))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
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
    "image" as an image on page 1."""
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
