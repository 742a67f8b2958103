"""Hostile uploads (issue 6, DESIGN.md §10), each made here and posted through the real author pages as the paper,
the supplementary material and the camera-ready PDF: each gets a clear message on the form, nothing lands outside
the storage (files are stored under random names only), and the previous version stays current."""

import html
import io
import re
import time
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from submissions.enums import FileKind
from submissions.models import SubmissionFile
from submissions.pdf import UploadRefused, check_pdf, safe_file_name, strip_metadata
from tests.submissions.conftest import submitted_paper
from tests.submissions.pdf_samples import (
    ACTIVE_CONTENT_MARKERS,
    make_active_pdf,
    make_flate_bomb_pdf,
    make_long_pdf,
    make_pdf,
    make_slow_page_pdf,
    make_zip,
    served_text,
)
from tests.submissions.test_author_flow import edit_data
from tests.submissions.test_publication import accepted_paper, camera_ready_data, to_camera_ready, upload_camera_ready

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
LIMITS = {"max_bytes": 10 * MB, "max_pages": 9}
FIRST_VERSION = make_pdf(text="The first version")
NOTHING_SAVED = "Nothing was saved"
POLYGLOT = "This file is a PDF combined with another kind of file"


def _zip_with_comment(comment: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", b"<script>alert(1)</script>")
        archive.comment = comment
    return buffer.getvalue()


# case: (content, message on the paper and camera-ready forms, message on the supplementary form or None when the
# supplementary material accepts it)
HOSTILE = {
    "png named .pdf": (b"\x89PNG\r\n\x1a\n" + bytes(500), "This file is not a PDF", "must be a PDF or a ZIP archive"),
    "html named .pdf": (
        b"<html><script>alert(1)</script></html>\n",
        "This file is not a PDF",
        "must be a PDF or a ZIP",
    ),
    "html before the pdf": (b"<html><body>Hi</body></html>\n" + make_pdf(), POLYGLOT, POLYGLOT),
    "html after the pdf": (make_pdf() + b"<html><script>alert(1)</script></html>\n", POLYGLOT, POLYGLOT),
    "zip after the pdf": (make_pdf() + make_zip(), POLYGLOT, POLYGLOT),
    # The ZIP's comment ends the file with the PDF's end marker, so only the ZIP's own end record gives it away.
    "zip after the pdf, ending in %%EOF": (make_pdf() + _zip_with_comment(b"\n%%EOF\n"), POLYGLOT, POLYGLOT),
    "zip before the pdf": (make_zip() + make_pdf(), POLYGLOT, "This ZIP archive has other data after its end"),
    "encrypted": (make_pdf(encrypt="secret"), "This PDF is password-protected", "This PDF is password-protected"),
    "encrypted, empty password": (make_pdf(encrypt=""), "password-protected", "password-protected"),
    "truncated": (make_pdf(pages=3)[:600], "This PDF is damaged or incomplete", "damaged or incomplete"),
    "empty": (b"", "The file is empty: choose your PDF again.", "The submitted file is empty."),
    "flate bomb (2 GB)": (make_flate_bomb_pdf(), "decompression bomb", None),
    "10,000 pages": (make_long_pdf(10_000), "The PDF has 10000 pages; the limit is 9.", None),
    # Issue 14: viewers show the pages the tree reaches, whatever /Count says; the page limit applies to those.
    "12 pages counted as 12.0": (
        make_long_pdf(12, declared=b"12.0"),
        "its page tree gives the number of pages as “12.0”, not as a whole number",
        "its page tree gives the number of pages as “12.0”, not as a whole number",
    ),
    "12 pages counted as 3": (
        make_long_pdf(12, declared=b"3"),
        "The PDF has 12 pages; the limit is 9.",
        "it declares 3 pages but it has 12",
    ),
    "5 pages counted as 20": (
        make_long_pdf(5, declared=b"20"),
        "it declares 20 pages but only 5 can be read",
        "it declares 20 pages but only 5 can be read",
    ),
}


@pytest.fixture
def storage(settings, tmp_path):
    """MEDIA_ROOT and the folder of uploads in progress, in an empty folder of this test, with every upload spooled
    to disk (none kept in memory): any file left behind, in either, shows."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploading")
    (tmp_path / "uploading").mkdir()
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    return tmp_path


def cpu_seconds() -> float:
    """This process's CPU time: the costs measured here do not grow with what else runs on the machine."""
    return time.process_time()


def files_under(root) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def author(cast):
    return cast["author"]


@pytest.fixture
def author_client(client, author):
    client.force_login(author)
    return client


class Target:
    """A form that takes one kind of file, for a paper whose first version of that kind is in place."""

    def __init__(self, kind, submission, author):
        self.kind, self.submission, self.author = kind, submission, author
        self.file_kind = {"paper": FileKind.PAPER, "supplementary": FileKind.SUPPLEMENTARY}.get(
            kind, FileKind.CAMERA_READY
        )

    @property
    def url(self):
        name = "submissions:camera_ready" if self.kind == "camera_ready" else "submissions:edit"
        return reverse(name, args=[self.submission.workshop.slug, self.submission.pk])

    def data(self, upload):
        self.submission.refresh_from_db()
        if self.kind == "camera_ready":
            return camera_ready_data(self.submission, paper=upload)
        return edit_data(self.submission, self.author, **{self.kind: upload})

    def post(self, client, upload):
        return client.post(self.url, self.data(upload))

    def files(self):
        return SubmissionFile.objects.filter(submission=self.submission, kind=self.file_kind).order_by("-version")

    def refusal(self, case):
        _, message, supplementary_message = HOSTILE[case]
        return supplementary_message if self.kind == "supplementary" else message


KINDS = ["paper", "supplementary", "camera_ready"]


@pytest.fixture(params=KINDS)
def target(request, storage, workshop, cast, author, author_client):
    if request.param == "camera_ready":
        submission = accepted_paper(workshop, author, cast["chair"])
        to_camera_ready(workshop, timezone.now() + timedelta(days=5))
        upload_camera_ready(submission, author, content=FIRST_VERSION)
        return Target("camera_ready", submission, author)
    submission = submitted_paper(workshop, author, pdf=FIRST_VERSION)
    chosen = Target(request.param, submission, author)
    if request.param == "supplementary":
        response = chosen.post(author_client, SimpleUploadedFile("appendix.pdf", FIRST_VERSION))
        assert response.status_code == 302
    return chosen


def page_text(response):
    return " ".join(html.unescape(response.content.decode()).split())


def download(client, stored):
    url = reverse("submissions:download", args=[stored.submission.workshop.slug, stored.submission.pk, stored.pk])
    response = client.get(url)
    return response, b"".join(response.streaming_content)


# --- hostile files -----------------------------------------------------------------------------------------------


REFUSED = [
    pytest.param(kind, case, id=f"{kind}-{case}")
    for kind in KINDS
    for case, (_, _, supplementary_message) in HOSTILE.items()
    if kind != "supplementary" or supplementary_message is not None
]


@pytest.mark.parametrize(("target", "case"), REFUSED, indirect=["target"])
def test_hostile_file_is_refused_with_a_message_and_the_first_version_stays(author_client, target, storage, case):
    first = target.files().get()
    stored_before = files_under(storage)

    response = target.post(author_client, SimpleUploadedFile("v2.pdf", HOSTILE[case][0], "application/pdf"))

    assert response.status_code == 200
    assert target.refusal(case) in page_text(response)
    assert NOTHING_SAVED in page_text(response) or case == "empty"
    assert list(target.files().values_list("pk", "sha256")) == [(first.pk, first.sha256)]
    assert files_under(storage) == stored_before  # nothing stored, no upload left behind
    served, content = download(author_client, first)
    assert (served.status_code, content) == (200, FIRST_VERSION)


@pytest.mark.parametrize("case", [case for case, (_, _, message) in HOSTILE.items() if message is None])
def test_supplementary_accepts_what_it_does_not_open(author_client, storage, workshop, author, case):
    # Supplementary material has no page limit and no text extraction: the bomb is never inflated.
    target = Target("supplementary", submitted_paper(workshop, author, pdf=FIRST_VERSION), author)

    started = cpu_seconds()
    response = target.post(author_client, SimpleUploadedFile("appendix.pdf", HOSTILE[case][0], "application/pdf"))
    elapsed = cpu_seconds() - started

    assert response.status_code == 302
    assert elapsed < 5
    stored = target.files().get()
    assert re.fullmatch(rf"submissions/{workshop.pk}/[0-9a-f]{{32}}\.pdf", stored.file.name)
    assert f"media/{stored.file.name}" in files_under(storage)


# --- the checks' cost ----------------------------------------------------------------------------------------------


def test_ten_thousand_pages_are_refused_by_the_page_limit_in_well_under_a_second():
    data = make_long_pdf(10_000)

    started = cpu_seconds()
    with pytest.raises(UploadRefused) as refusal:
        check_pdf(io.BytesIO(data), **LIMITS)
    elapsed = cpu_seconds() - started

    assert str(refusal.value).startswith("The PDF has 10000 pages; the limit is 9.")
    assert elapsed < 1  # about 0.15 s: qpdf counts the pages of the tree without reading their content


@pytest.mark.parametrize(
    ("where", "copies", "inflated"),
    [("content", 1, 2048 * MB), ("forms", 20, 70 * MB), ("forms", 1000, 1 * MB)],
    ids=["2 GB content", "20 forms of 70 MB", "1000 forms of 1 MB"],
)
def test_decompression_bomb_is_refused_without_inflating_it(where, copies, inflated):
    data = make_flate_bomb_pdf(inflated, where=where, copies=copies)

    tracemalloc.start()
    started = cpu_seconds()
    try:
        with pytest.raises(UploadRefused) as refusal:
            check_pdf(io.BytesIO(data), **LIMITS)
        elapsed = cpu_seconds() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert "expands to more than 64 MB when opened" in str(refusal.value)
    assert "decompression bomb" in str(refusal.value)
    # Before the cap: 20 s and 1.4 GB for the 20 forms. Now about 0.5 s and 130 MB (pypdf's 75 MB cap on one
    # stream, or the 64 MB budget of page 1).
    assert elapsed < 3
    assert peak < 256 * MB


@pytest.mark.parametrize("where", ["xmp", "attachment", "image"])
def test_bomb_where_the_check_never_inflates_it_is_accepted_cheaply(where):
    data = make_flate_bomb_pdf(where=where)

    tracemalloc.start()
    started = cpu_seconds()
    try:
        checked = check_pdf(io.BytesIO(data), **LIMITS)
        stripped = strip_metadata(io.BytesIO(data))
        elapsed = cpu_seconds() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert checked.page_count == 1
    assert len(stripped) < 2 * len(data)  # the copy for reviewers is not inflated either
    assert elapsed < 2
    assert peak < 64 * MB


@pytest.mark.parametrize(
    ("content", "form", "draws"),
    [
        (b"1 0 0 1 72 720 Tm\n" * 233_000, None, 0),  # 4 MB of operators: 16 s to parse whole
        (
            b"BT /F1 12 Tf 72 720 Td (Page 1) Tj ET",
            b"1 0 0 1 72 720 Tm\n" * 14_000,
            1000,
        ),  # a 1 s form, drawn 1000 times
    ],
    ids=["4 MB of operators", "a form drawn 1000 times"],
)
def test_page_slow_to_parse_is_checked_in_bounded_time(content, form, draws):
    data = make_slow_page_pdf(content, form=form, draws=draws)

    started = cpu_seconds()
    checked = check_pdf(io.BytesIO(data), **LIMITS)
    elapsed = cpu_seconds() - started

    assert checked.page_count == 1
    assert elapsed < 4  # about 1 to 1.6 s: a token budget per stream and a deadline between operators


# --- active content ----------------------------------------------------------------------------------------------


def test_strip_metadata_removes_active_content_and_keeps_links():
    data = make_active_pdf(text="Active content inside")

    stripped = strip_metadata(io.BytesIO(data))

    assert all(marker in data for marker in ACTIVE_CONTENT_MARKERS)
    # The copy is written with compressed object streams: search what it holds, not only its bytes.
    assert [marker for marker in ACTIVE_CONTENT_MARKERS if marker in served_text(stripped)] == []
    reader = PdfReader(io.BytesIO(stripped))
    assert (len(reader.pages), reader.pages[0].extract_text()) == (2, "Active content inside")
    actions = [annotation.get_object().get("/A") for annotation in reader.pages[0]["/Annots"]]
    assert [action["/URI"] for action in actions if action is not None] == ["https://example.org/paper"]
    assert reader.outline == []  # bookmarks may name the authors (tests/submissions/test_pdf_identity.py)
    assert reader.attachments == {}


@pytest.mark.parametrize("kind", ["paper", "supplementary"])
def test_active_content_is_kept_for_the_author_and_stripped_from_what_reviewers_and_chairs_get(
    author_client, client, storage, workshop, author, cast, kind
):
    target = Target(kind, submitted_paper(workshop, author, pdf=FIRST_VERSION), author)
    active = make_active_pdf()

    response = target.post(author_client, SimpleUploadedFile("active.pdf", active, "application/pdf"))

    assert response.status_code == 302
    stored = target.files().first()
    assert download(author_client, stored)[1] == active
    client.force_login(cast["chair"])
    served, copy = download(client, stored)
    assert served["Content-Disposition"].startswith("attachment; filename=")
    assert [marker for marker in ACTIVE_CONTENT_MARKERS if marker in served_text(copy)] == []
    assert PdfReader(io.BytesIO(copy)).pages[0].extract_text() == "Active content inside"


def test_html_inside_a_pdf_is_served_as_a_pdf_download_only(author_client, storage, workshop, author):
    # Any bytes may sit inside a PDF's streams, so HTML there cannot be refused: it is never served as a page.
    submission = submitted_paper(workshop, author, pdf=make_pdf(text="<html><script>alert(1)</script></html>"))

    served, _ = download(author_client, submission.files.get())

    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"


def test_zip_with_paths_outside_its_folder_is_stored_whole_and_never_extracted(
    author_client, storage, workshop, author
):
    target = Target("supplementary", submitted_paper(workshop, author, pdf=FIRST_VERSION), author)
    archive = make_zip({"../../etc/passwd": b"root:x:0:0", "/tmp/evil.sh": b"rm -rf /"})

    response = target.post(author_client, SimpleUploadedFile("code.zip", archive, "application/zip"))

    assert response.status_code == 302
    stored = target.files().get()
    assert (stored.content_type, stored.original_name) == ("application/zip", "code.zip")
    assert [name for name in files_under(storage) if not name.startswith("media/submissions/")] == []
    assert not any("passwd" in name or "evil" in name for name in files_under(storage))


# --- file names ----------------------------------------------------------------------------------------------------

BOUNDARY = "HostileUploadBoundary7MA4YWxk"
# The filename parameter exactly as a hostile client may send it.
HOSTILE_NAMES = {
    "path traversal": b'filename="../../etc/passwd.pdf"',
    "windows path traversal": b'filename="..\\\\..\\\\windows\\\\win.ini.pdf"',
    "encoded path traversal": b"filename*=UTF-8''..%2F..%2Fetc%2Fpasswd.pdf",
    "right-to-left override": 'filename="paper\u202efdp.exe"'.encode(),
    "NUL and newline": b"filename*=UTF-8''paper%00%0D%0A.pdf",
    "300 characters": b'filename="' + "é".encode() * 300 + b'.pdf"',
    "html": b'filename="&lt;img src=x onerror=alert(1)&gt;.pdf"',
}


def multipart(data: dict, *, field: str, filename: bytes, content: bytes) -> bytes:
    """A multipart/form-data body of `data` and one file, whose filename parameter is sent as given."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in data.items()
        if value is not None
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '.encode()
        + filename
        + b"\r\nContent-Type: application/pdf\r\n\r\n"
        + content
        + b"\r\n"
    )
    return b"".join([*parts, f"--{BOUNDARY}--\r\n".encode()])


def post_with_name(client, target, filename, content):
    data = {key: value for key, value in target.data(None).items() if key not in ("paper", "supplementary")}
    field = "supplementary" if target.kind == "supplementary" else "paper"
    body = multipart(data, field=field, filename=filename, content=content)
    return client.generic("POST", target.url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_file_name_is_kept_safe_and_the_file_lands_under_a_random_name(
    author_client, target, storage, workshop, name
):
    content = make_pdf(text="A good paper with a bad name")
    stored_before = files_under(storage)

    response = post_with_name(author_client, target, HOSTILE_NAMES[name], content)

    assert response.status_code == 302
    stored = target.files().first()
    new_files = sorted(set(files_under(storage)) - set(stored_before))
    assert new_files == [f"media/{stored.file.name}"]
    assert re.fullmatch(rf"submissions/{workshop.pk}/[0-9a-f]{{32}}\.pdf", stored.file.name)
    shown = stored.original_name
    assert shown.endswith(".pdf") and len(shown) <= 255
    assert not re.search(r"[/\\\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]", shown)
    served, served_content = download(author_client, stored)
    assert served_content == content
    assert not re.search(r"[\x00-\x1f\x7f]", served["Content-Disposition"])


@pytest.mark.parametrize("filename", [b'filename=".."', b'filename=""', b'filename="../"'])
def test_file_name_that_is_no_name_stores_nothing(author_client, target, storage, filename):
    # Django drops such a file from the form (MultiPartParser.sanitize_file_name), as if none had been chosen.
    first = target.files().get()
    stored_before = files_under(storage)

    post_with_name(author_client, target, filename, make_pdf())

    assert list(target.files().values_list("pk", flat=True)) == [first.pk]
    assert files_under(storage) == stored_before


def test_file_name_of_10000_characters_is_a_bad_request_and_stores_nothing(author_client, target, storage):
    # No file system has such names, so only a hostile client sends one; Django refuses part headers over 1 KB.
    first = target.files().get()
    stored_before = files_under(storage)

    response = post_with_name(author_client, target, b'filename="' + b"a" * 10_000 + b'.pdf"', make_pdf())

    assert response.status_code == 400
    assert list(target.files().values_list("pk", flat=True)) == [first.pk]
    assert files_under(storage) == stored_before


@pytest.mark.parametrize(
    ("name", "extension", "kept"),
    [
        ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
        ("C:\\Users\\ada\\paper.PDF", "pdf", "paper.pdf"),
        ("paper\u202efdp.exe", "pdf", "paperfdp.exe.pdf"),
        ("a\x00b\r\n.pdf", "pdf", "ab.pdf"),
        ("code.tar.gz", "zip", "code.tar.gz.zip"),
        ("..", "pdf", "upload.pdf"),
        ("x" * 300 + ".pdf", "pdf", "x" * 251 + ".pdf"),
    ],
)
def test_safe_file_name(name, extension, kept):
    assert safe_file_name(name, extension) == kept


# --- a huge upload -------------------------------------------------------------------------------------------------


class CountingBody:
    """A request body of `size` zero bytes, made as it is read, that counts how much was read."""

    def __init__(self, size):
        self.size, self.read_bytes = size, 0

    def read(self, size=-1):
        size = self.size - self.read_bytes if size is None or size < 0 else min(size, self.size - self.read_bytes)
        self.read_bytes += size
        return bytes(size)

    def readline(self, size=-1):
        return self.read(size)


def test_huge_upload_is_refused_before_it_is_read(author_client, target, storage):
    first = target.files().get()
    body = CountingBody(5 * 1024 * MB)

    response = author_client.generic(
        "POST",
        target.url,
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    text = page_text(response)
    assert "What you sent is 5 GB, more than this page accepts, so it was refused before it was read." in text
    assert "Nothing was saved; your previous version is unchanged." in text
    assert "CaLM accepts papers of up to 10 MB and supplementary material of up to 50 MB." in text
    assert body.read_bytes == 0
    assert list(target.files().values_list("pk", flat=True)) == [first.pk]


def test_upload_just_over_the_workshops_limits_is_refused_unread(author_client, storage, workshop, author):
    workshop.max_upload_mb = workshop.supplementary_max_mb = 1
    workshop.save()
    target = Target("paper", submitted_paper(workshop, author, pdf=FIRST_VERSION), author)
    stored_before = files_under(storage)
    # 1 MB + 1 MB, plus 2.5 MB for the other fields (DATA_UPLOAD_MAX_MEMORY_SIZE) and 1 MB for the form's framing
    paper = SimpleUploadedFile("big.pdf", make_pdf(pad_to_bytes=6 * MB), "application/pdf")

    response = target.post(author_client, paper)

    assert response.status_code == 413
    assert "CaLM accepts papers of up to 1 MB and supplementary material of up to 1 MB." in page_text(response)
    assert files_under(storage) == stored_before  # not even spooled to the upload folder
    assert target.files().count() == 1


def test_upload_within_the_request_limit_but_over_the_paper_limit_gets_the_forms_message(
    author_client, storage, workshop, author
):
    workshop.max_upload_mb = 1
    workshop.save()
    target = Target("paper", submitted_paper(workshop, author, pdf=FIRST_VERSION), author)

    response = target.post(author_client, SimpleUploadedFile("big.pdf", make_pdf(pad_to_bytes=3 * MB)))

    assert response.status_code == 200
    assert "the limit is 1 MB. Make it smaller" in page_text(response)
    assert target.files().count() == 1


def test_large_body_outside_a_workshop_is_refused(author_client):
    body = CountingBody(4 * MB)

    response = author_client.generic(
        "POST",
        reverse("profile"),
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )

    assert response.status_code == 413
    assert "What you sent is 4 MB" in page_text(response)
    assert body.read_bytes == 0
