import hashlib
import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from submissions.pdf import (
    CheckedPDF,
    UploadRefused,
    anonymity_findings,
    check_pdf,
    check_supplementary,
    human_size,
    strip_metadata,
)
from tests.submissions.pdf_samples import make_long_pdf, make_pdf, make_zip

MB = 1024 * 1024
LIMITS = {"max_bytes": 10 * MB, "max_pages": 9}
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
ADA = ("Ada Lovelace", "ada@uni.example")


def checked(text="", metadata_text=""):
    return CheckedPDF(sha256="0" * 64, size=1, page_count=1, metadata_text=metadata_text, first_page_text=text)


def test_check_pdf_valid_file_describes_it():
    data = make_pdf(pages=3)

    result = check_pdf(io.BytesIO(data), **LIMITS)

    assert (result.page_count, result.size, result.sha256) == (3, len(data), hashlib.sha256(data).hexdigest())


def test_check_pdf_valid_file_leaves_file_at_start():
    fileobj = io.BytesIO(make_pdf())
    fileobj.seek(5)

    check_pdf(fileobj, **LIMITS)

    assert fileobj.tell() == 0


def test_check_pdf_refused_file_leaves_file_at_start():
    fileobj = io.BytesIO(make_pdf(pages=10))

    with pytest.raises(UploadRefused):
        check_pdf(fileobj, **LIMITS)

    assert fileobj.tell() == 0


def test_check_pdf_reads_metadata_author():
    data = make_pdf(metadata={"/Author": "Ada Lovelace", "/Title": "On engines"})

    result = check_pdf(io.BytesIO(data), **LIMITS)

    assert "Ada Lovelace" in result.metadata_text
    assert "On engines" in result.metadata_text


def test_check_pdf_reads_xmp_creator():
    data = make_pdf(xmp_creator="Charles Babbage")

    result = check_pdf(io.BytesIO(data), **LIMITS)

    assert "Charles Babbage" in result.metadata_text


def test_check_pdf_reads_first_page_text():
    data = make_pdf(pages=2, text="Causal structure in large models")

    result = check_pdf(io.BytesIO(data), **LIMITS)

    assert "Causal structure in large models" in result.first_page_text
    assert "Page 2" not in result.first_page_text


def test_check_pdf_accepts_header_after_leading_junk():
    data = b"\r\n" * 10 + make_pdf()

    result = check_pdf(io.BytesIO(data), **LIMITS)

    assert result.page_count == 1


def test_check_pdf_empty_file_refused():
    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(b""), **LIMITS)

    assert str(refusal.value).startswith("The file is empty")


@pytest.mark.parametrize("content", [PNG_BYTES, b"Dear reviewers,\nthis is my paper.\n" * 20], ids=["png", "text"])
def test_check_pdf_not_a_pdf_refused(content):
    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(content), **LIMITS)

    assert "This file is not a PDF" in str(refusal.value)
    assert "Export or print it as PDF" in str(refusal.value)


def test_check_pdf_pdf_header_after_first_kilobyte_refused():
    data = b" " * 1024 + make_pdf()

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert "This file is not a PDF" in str(refusal.value)


def test_check_pdf_over_size_limit_refused_with_both_sizes():
    data = make_pdf(pad_to_bytes=int(1.5 * MB))

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), max_bytes=1 * MB, max_pages=9)

    assert str(refusal.value).startswith("The file is 1.5 MB; the limit is 1 MB.")


def test_check_pdf_just_over_size_limit_refused_with_exact_bytes():
    data = make_pdf(pad_to_bytes=MB + 200)

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), max_bytes=MB, max_pages=9)

    assert f"The file is {len(data):,} bytes; the limit is 1,048,576 bytes." in str(refusal.value)


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        ("half", "its end is missing"),
        ("last 100 bytes", "its end is missing"),
    ],
)
def test_check_pdf_truncated_refused(cut, reason):
    data = make_pdf(pages=3, text="Ada Lovelace")
    data = data[: len(data) // 2] if cut == "half" else data[:-100]

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert str(refusal.value).startswith("This PDF is damaged or incomplete")
    assert reason in str(refusal.value)
    assert "export it again" in str(refusal.value)


def test_check_pdf_large_file_cut_in_half_refused():
    data = make_pdf(pages=9, pad_to_bytes=2 * MB)

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data[: len(data) // 2]), **LIMITS)

    assert "damaged or incomplete" in str(refusal.value)


def test_check_pdf_lost_pages_refused():
    # The middle of the file (the page objects) is overwritten but the end is intact: pypdf opens it and silently
    # finds fewer pages than the page tree declares.
    data = make_pdf(pages=5)
    start = data.index(b"/Type /Page\n")
    end = data.rindex(b"endobj", 0, data.index(b"xref"))
    data = data[:start] + b" " * (end - start) + data[end:]

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert "damaged or incomplete (it declares 5 pages but only" in str(refusal.value)


def test_check_pdf_lost_page_content_refused():
    data = make_pdf(pages=2)
    content = b"BT /F1 12 Tf 72 720 Td (Page 2) Tj ET"
    start = data.rindex(b"\n", 0, data.rindex(b" 0 obj", 0, data.index(content))) + 1
    end = data.index(b"endobj", start) + len(b"endobj")
    data = data[:start] + b" " * (end - start) + data[end:]

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert "damaged or incomplete (the content of page 2 is missing)" in str(refusal.value)


def test_check_pdf_garbage_after_header_refused():
    data = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert str(refusal.value).startswith("This PDF is damaged or incomplete (the PDF reader says:")


def test_check_pdf_encrypted_refused():
    data = make_pdf(encrypt="secret")

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert "This PDF is password-protected" in str(refusal.value)
    assert "Save a copy without a password" in str(refusal.value)


def test_check_pdf_encryption_pypdf_cannot_open_refused_as_encrypted():
    # A security handler pypdf does not implement (as with AES when the cryptography package is missing) makes
    # PdfReader raise; the author should still hear about the password, not about damage.
    data = make_pdf(encrypt="secret").replace(b"/Filter /Standard", b"/Filter /PubSecXY")

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert "This PDF is password-protected" in str(refusal.value)


def test_check_pdf_over_page_limit_refused():
    data = make_pdf(pages=12)

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert str(refusal.value).startswith("The PDF has 12 pages; the limit is 9.")


def test_check_pdf_at_page_limit_accepted():
    data = make_pdf(pages=9)

    result = check_pdf(io.BytesIO(data), **LIMITS)

    assert result.page_count == 9


@pytest.mark.parametrize(
    ("declared", "reason"),
    [
        (b"12.0", "its page tree gives the number of pages as “12.0”, not as a whole number"),
        (b"-1", "its page tree gives the number of pages as “-1”, not as a whole number"),
        (b"(12)", "its page tree gives the number of pages as “12”, not as a whole number"),
        (b"/Count", "its page tree gives the number of pages as “/Count”, not as a whole number"),
        (b"null", "its page tree does not say how many pages it has"),
    ],
)
def test_check_pdf_page_count_that_is_not_a_count_refused(declared, reason):
    # Issue 14: a count of 12.0 once let 12 pages past a limit of 8 (the limit applied only to a whole number).
    data = make_long_pdf(3, declared=declared)

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert str(refusal.value) == (
        f"This PDF is damaged or incomplete ({reason}); export it again from your editor and upload the new file."
    )


@pytest.mark.parametrize(
    ("pages", "declared", "message"),
    [
        (12, b"12.0", "This PDF is damaged or incomplete (its page tree gives the number of pages as “12.0”"),
        (12, b"3", "The PDF has 12 pages; the limit is 8. Shorten it and upload it again."),
        (5, b"3", "This PDF is damaged or incomplete (it declares 3 pages but it has 5)"),
        (3, b"12", "This PDF is damaged or incomplete (it declares 12 pages but only 3 can be read)"),
    ],
)
def test_check_pdf_page_limit_applies_to_the_pages_the_tree_reaches(pages, declared, message):
    data = make_long_pdf(pages, declared=declared)

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), max_bytes=10 * MB, max_pages=8)

    assert str(refusal.value).startswith(message)


def test_check_pdf_zero_pages_refused():
    data = make_pdf(pages=0)

    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)

    assert str(refusal.value).startswith("The PDF has no pages.")


def test_anonymity_findings_name_in_metadata():
    data = make_pdf(metadata={"/Author": "Ada Lovelace"})
    result = check_pdf(io.BytesIO(data), **LIMITS)

    findings = anonymity_findings(result, [ADA])

    assert findings == ["The PDF metadata names “Ada Lovelace”."]


def test_anonymity_findings_email_on_first_page():
    data = make_pdf(text="Anonymous authors, contact ada@uni.example")
    result = check_pdf(io.BytesIO(data), **LIMITS)

    findings = anonymity_findings(result, [ADA])

    assert findings == ["Page 1 shows “ada@uni.example”."]


def test_anonymity_findings_name_in_xmp_and_on_first_page():
    data = make_pdf(text="Ada Lovelace (Analytical Society)", xmp_creator="Ada Lovelace")
    result = check_pdf(io.BytesIO(data), **LIMITS)

    findings = anonymity_findings(result, [ADA])

    assert findings == ["The PDF metadata names “Ada Lovelace”.", "Page 1 shows “Ada Lovelace”."]


def test_anonymity_findings_other_authors_nothing():
    data = make_pdf(text="Ada Lovelace ada@uni.example", metadata={"/Author": "Ada Lovelace"})
    result = check_pdf(io.BytesIO(data), **LIMITS)

    findings = anonymity_findings(result, [("Charles Babbage", "cb@cam.example"), ("", "")])

    assert findings == []


def test_anonymity_findings_case_and_whitespace_insensitive():
    result = checked(text="ADA\n  LOVELACE, Ada@Uni.Example", metadata_text="ada lovelace")

    findings = anonymity_findings(result, [("  Ada   Lovelace ", "ADA@uni.example")])

    assert findings == [
        "The PDF metadata names “Ada Lovelace”.",
        "Page 1 shows “Ada Lovelace”.",
        "Page 1 shows “ADA@uni.example”.",
    ]


def test_anonymity_findings_part_of_a_longer_word_nothing():
    result = checked(text="Li Weiss wrote to bada@uni.example and ada@uni.example.org")

    findings = anonymity_findings(result, [("Li Wei", "ada@uni.example")])

    assert findings == []


def test_anonymity_findings_email_at_end_of_sentence():
    result = checked(text="Write to ada@uni.example.")

    findings = anonymity_findings(result, [ADA])

    assert findings == ["Page 1 shows “ada@uni.example”."]


def test_anonymity_findings_one_letter_name_ignored():
    result = checked(text="A study of a model")

    findings = anonymity_findings(result, [("A", "")])

    assert findings == []


def test_strip_metadata_removes_author_and_keeps_pages():
    data = make_pdf(pages=3, text="Body text", metadata={"/Author": "Ada Lovelace"}, xmp_creator="Ada Lovelace")

    stripped = strip_metadata(io.BytesIO(data))

    reader = PdfReader(io.BytesIO(stripped))
    assert b"Ada Lovelace" not in stripped
    assert (reader.metadata, reader.xmp_metadata, len(reader.pages)) == (None, None, 3)
    assert "Body text" in reader.pages[0].extract_text()


def test_strip_metadata_removes_page_private_data():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(pages=2))))
    private = DictionaryObject({NameObject("/Private"): TextStringObject("Ada Lovelace")})
    writer.pages[1][NameObject("/PieceInfo")] = DictionaryObject({NameObject("/Word"): private})
    data = io.BytesIO()
    writer.write(data)

    stripped = strip_metadata(data)

    assert b"Ada Lovelace" in data.getvalue()
    assert b"Ada Lovelace" not in stripped
    assert len(PdfReader(io.BytesIO(stripped)).pages) == 2


def test_strip_metadata_replaces_file_identifier():
    data = make_pdf(file_id=b"original-id-0001")
    original_id = PdfReader(io.BytesIO(data)).trailer["/ID"][0]

    stripped = strip_metadata(io.BytesIO(data))

    assert PdfReader(io.BytesIO(stripped)).trailer["/ID"][0] != original_id


def test_strip_metadata_result_passes_check():
    data = make_pdf(pages=2, metadata={"/Author": "Ada Lovelace"})

    result = check_pdf(io.BytesIO(strip_metadata(io.BytesIO(data))), **LIMITS)

    assert (result.page_count, result.metadata_text) == (2, "")


def test_check_supplementary_zip_accepted():
    data = make_zip({"code/run.py": b"print('hello')\n", "data/results.csv": b"a,b\n1,2\n"})

    result = check_supplementary(io.BytesIO(data), max_bytes=10 * MB)

    assert result == ("zip", hashlib.sha256(data).hexdigest(), len(data))


def test_check_supplementary_pdf_accepted_without_page_limit():
    data = make_pdf(pages=40)

    result = check_supplementary(io.BytesIO(data), max_bytes=10 * MB)

    assert result == ("pdf", hashlib.sha256(data).hexdigest(), len(data))


def test_check_supplementary_text_refused():
    fileobj = io.BytesIO(b"Appendix A. More proofs.\n" * 10)

    with pytest.raises(UploadRefused) as refusal:
        check_supplementary(fileobj, max_bytes=10 * MB)

    assert "must be a PDF or a ZIP archive" in str(refusal.value)
    assert fileobj.tell() == 0


def test_check_supplementary_empty_refused():
    with pytest.raises(UploadRefused) as refusal:
        check_supplementary(io.BytesIO(b""), max_bytes=10 * MB)

    assert str(refusal.value).startswith("The file is empty")


def test_check_supplementary_over_size_limit_refused():
    data = make_zip({"big.bin": bytes(range(256)) * 8192})

    with pytest.raises(UploadRefused) as refusal:
        check_supplementary(io.BytesIO(data), max_bytes=1024)

    assert "the limit is 1 KB" in str(refusal.value)


def test_check_supplementary_zip_bomb_refused():
    data = make_zip({"zeros.bin": bytes(20 * MB)})

    with pytest.raises(UploadRefused) as refusal:
        check_supplementary(io.BytesIO(data), max_bytes=10 * MB)

    assert "would expand from" in str(refusal.value)
    assert "to 20 MB, more than 100 times its size" in str(refusal.value)


def test_check_supplementary_encrypted_zip_refused():
    data = make_zip({"secret.txt": b"hidden"}, mark_encrypted=True)

    with pytest.raises(UploadRefused) as refusal:
        check_supplementary(io.BytesIO(data), max_bytes=10 * MB)

    assert "The ZIP archive is password-protected (“secret.txt” is encrypted)" in str(refusal.value)


def test_check_supplementary_corrupted_zip_member_refused():
    data = bytearray(make_zip({"notes.txt": b"Some notes that deflate into a stream. " * 50}))
    data[60] ^= 0xFF  # inside the first member's compressed data

    with pytest.raises(UploadRefused) as refusal:
        check_supplementary(io.BytesIO(bytes(data)), max_bytes=10 * MB)

    assert "This ZIP archive is damaged" in str(refusal.value)


def test_check_supplementary_truncated_zip_refused():
    data = make_zip({"notes.txt": bytes(range(256)) * 20})

    with pytest.raises(UploadRefused) as refusal:
        check_supplementary(io.BytesIO(data[: len(data) // 2]), max_bytes=10 * MB)

    assert str(refusal.value).startswith("This ZIP archive is damaged or incomplete (its end is missing")


def test_check_supplementary_encrypted_pdf_refused():
    data = make_pdf(encrypt="secret")

    with pytest.raises(UploadRefused) as refusal:
        check_supplementary(io.BytesIO(data), max_bytes=10 * MB)

    assert "This PDF is password-protected" in str(refusal.value)


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1 KB"), (1536, "1.5 KB"), (10 * MB, "10 MB"), (MB - 1, "1 MB")],
)
def test_human_size_values(size, shown):
    assert human_size(size) == shown
