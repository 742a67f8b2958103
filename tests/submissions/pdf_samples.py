"""PDFs and ZIPs built in memory for tests and benchmarks: no sample files in the repository, no downloads."""

import io
import random
import zipfile

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
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
