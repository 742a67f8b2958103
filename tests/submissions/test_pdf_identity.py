"""Identity out of sight in uploaded PDFs (issue 12, points 5 and 6; DESIGN.md §6 and §10).

A paper names its author, by name and email, in each place tools write to without showing it on the page
(pdf_samples.make_identity_pdf). The copy reviewers and chairs get (paper-N.pdf) holds neither in any object, and
is the same, byte for byte, whoever wrote the paper; the anonymity check tells the author where it found them. The
public camera-ready keeps its metadata but loses attached files and JavaScript.
"""

import html
import io

import pikepdf
import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reviews.services import assignments as assignment_services
from submissions.pdf import anonymity_findings, check_pdf, public_copy, strip_metadata
from submissions.pdf import identity as places
from tests.reviews.conftest import to_reviewing
from tests.submissions.conftest import submitted_paper
from tests.submissions.pdf_samples import IDENTITY_PLACES, make_identity_pdf, make_pdf, served_text
from tests.submissions.test_publication import accepted_paper, publish, to_camera_ready, upload_camera_ready

MB = 1024 * 1024
LIMITS = {"max_bytes": 10 * MB, "max_pages": 9}
NAME, EMAIL = "Ada Lovelace", "ada@uni.example"
# The start of the finding for each place: document information and XMP are "the PDF metadata", as before.
FINDING = {
    "document info": places.METADATA,
    "document XMP": places.METADATA,
    "figure XMP": places.OBJECT_XMP,
    "pdfTeX figure record": places.PTEX,
    "annotation authors": places.ANNOTATION,
    "form fields": places.FORM,
    "embedded files": places.ATTACHMENT,
    "file attachment annotation": places.ATTACHMENT,
    "bookmarks": places.BOOKMARK,
    "page labels": places.PAGE_LABEL,
    "JavaScript": places.JAVASCRIPT,
}


def identity_in(data: bytes, name: str = NAME, email: str = EMAIL) -> list[str]:
    """Which of the name, its last part and the email the PDF holds anywhere: in its bytes, or in any of its
    objects once decompressed and decoded (a string in UTF-16 included)."""
    text = served_text(data)
    needles = [name, name.split()[-1], email]
    return [needle for needle in needles if any(needle.encode(codec) in text for codec in ("utf-8", "utf-16-be"))]


# --- paper-N.pdf -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", IDENTITY_PLACES)
def test_reviewer_copy_drops_the_author_from_the_place(place):
    data = make_identity_pdf(NAME, EMAIL, (place,))

    stripped = strip_metadata(io.BytesIO(data))

    assert identity_in(data) != []
    assert identity_in(stripped) == []


def test_reviewer_copy_keeps_what_the_pages_show():
    data = make_identity_pdf(NAME, EMAIL, text="Causal parrots, by Anonymous")

    stripped = strip_metadata(io.BytesIO(data))

    reader = PdfReader(io.BytesIO(stripped))
    assert [page.extract_text().strip() for page in reader.pages] == ["Causal parrots, by Anonymous", "Page 2"]
    with pikepdf.open(io.BytesIO(stripped)) as pdf:
        figure = pdf.pages[0].Resources.XObject.Fig1
        assert (figure.read_bytes(), sorted(figure.keys())) == (
            b"0 0 m 100 100 l S",
            ["/BBox", "/Filter", "/Length", "/Subtype", "/Type"],
        )
        # The highlight stays, without its author; the note, its pop-up and the attachment go.
        assert [(str(a.Subtype), "/T" in a) for a in pdf.pages[0].Annots] == [("/Highlight", False), ("/Widget", False)]


def test_reviewer_copy_is_the_same_bytes_each_time():
    data = make_identity_pdf(NAME, EMAIL)

    copies = {strip_metadata(io.BytesIO(data)) for _ in range(3)}

    assert len(copies) == 1


names = st.text(st.characters(categories=("Lu", "Ll", "Lo")), min_size=2, max_size=24)
emails = st.from_regex(r"[a-z][a-z0-9.]{0,15}@[a-z]{2,10}\.example", fullmatch=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.tuples(names, emails), second=st.tuples(names, emails))
def test_reviewer_copy_is_the_same_bytes_whoever_the_author_is(first, second):
    # The privacy tests compare what two worlds serve byte for byte: two papers that differ only in who wrote them
    # must give the same paper-N.pdf.
    papers = [make_identity_pdf(name, email) for name, email in (first, second)]

    copies = [strip_metadata(io.BytesIO(paper)) for paper in papers]

    assert copies[0] == copies[1]
    assert (papers[0] == papers[1]) == (first == second)


@pytest.mark.parametrize(("image_bytes", "deflated"), [(MB, True), (3 * MB, False)])
def test_reviewer_copy_deflates_uncompressed_images_only_when_small(image_bytes, deflated):
    # Deflating 10 MB of image took 0.8 s, on every download: past 2 MB the copy keeps the author's choice.
    data = make_pdf(pad_to_bytes=image_bytes)

    stripped = strip_metadata(io.BytesIO(data))

    with pikepdf.open(io.BytesIO(data)) as original, pikepdf.open(io.BytesIO(stripped)) as pdf:
        image = pdf.pages[0].Resources.XObject.Im1
        assert image.get("/Filter") == (pikepdf.Name.FlateDecode if deflated else None)
        assert image.read_bytes() == original.pages[0].Resources.XObject.Im1.read_bytes()


def test_reviewer_copy_passes_the_checks_and_names_nobody():
    stripped = strip_metadata(io.BytesIO(make_identity_pdf(NAME, EMAIL)))

    checked = check_pdf(io.BytesIO(stripped), **LIMITS)

    assert (checked.page_count, checked.metadata_text, checked.hidden_text) == (2, "", ())


# --- the anonymity check ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", IDENTITY_PLACES)
def test_anonymity_check_finds_the_author_in_the_place(place):
    checked = check_pdf(io.BytesIO(make_identity_pdf(NAME, EMAIL, (place,))), **LIMITS)

    findings = anonymity_findings(checked, [(NAME, EMAIL)])

    assert findings == [f"{FINDING[place]} “{NAME}”.", f"{FINDING[place]} “{EMAIL}”."]


def test_anonymity_check_finds_nothing_of_another_author():
    checked = check_pdf(io.BytesIO(make_identity_pdf(NAME, EMAIL)), **LIMITS)

    findings = anonymity_findings(
        checked, [("Charles Babbage", "cb@cam.example"), ("Ada Byron", "lovelace@uni.example")]
    )

    assert findings == []


def test_anonymity_check_reads_an_attached_file_only_up_to_its_budget():
    # An attachment that inflates to more than 1 MB is read up to there: the address after that is not found, and
    # the check stays cheap however far a hostile file would inflate.
    with pikepdf.open(io.BytesIO(make_identity_pdf(NAME, EMAIL, ("embedded files",)))) as pdf:
        source = pdf.Root.Names.EmbeddedFiles.Names[1].EF.F
        source.write(b"%" + b"x" * (5 * MB) + b"\n" + source.read_bytes())
        data = io.BytesIO()
        pdf.save(data)

    checked = check_pdf(data, **LIMITS)

    # The name is still in the attachment's description.
    assert anonymity_findings(checked, [(NAME, EMAIL)]) == [f"{places.ATTACHMENT} “{NAME}”."]


# --- through the pages -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reviewer_downloads_the_same_paper_n_whoever_wrote_it(client, workshop, cast):
    # Two papers, each naming its own author in every place: the author is warned where, and the reviewer of both
    # gets the same file twice.
    authors = [cast["author"], cast["other_author"]]
    papers = [submitted_paper(workshop, author, pdf=make_identity_pdf(author.name, author.email)) for author in authors]
    to_reviewing(workshop)
    for paper in papers:
        assignment_services.assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])
    client.force_login(cast["reviewer"])

    responses = [client.get(reverse("reviews:paper_pdf", args=["calm", paper.pk])) for paper in papers]

    bodies = [b"".join(response.streaming_content) for response in responses]
    assert [response["Content-Disposition"] for response in responses] == [
        f'attachment; filename="paper-{paper.number}.pdf"' for paper in papers
    ]
    assert bodies[0] == bodies[1]
    assert [identity_in(body, author.name, author.email) for body, author in zip(bodies, authors, strict=True)] == [
        [],
        [],
    ]
    client.force_login(cast["author"])
    warning = html.unescape(client.get(papers[0].get_absolute_url()).content.decode())
    assert f"{places.BOOKMARK} “{cast['author'].name}”." in warning
    assert f"{places.PTEX} “{cast['author'].email}”." in warning


@pytest.mark.django_db
def test_public_camera_ready_keeps_its_metadata_and_loses_attached_files_and_javascript(client, workshop, cast):
    paper = accepted_paper(workshop, cast["author"], cast["chair"])
    to_camera_ready(workshop)
    camera_ready = make_identity_pdf(NAME, EMAIL, executable=True)
    upload_camera_ready(paper, cast["author"], content=camera_ready)
    publish(workshop)

    response = client.get(reverse("submissions:camera_ready_pdf", args=["calm", paper.number]))

    served = b"".join(response.streaming_content)
    assert [marker in served_text(camera_ready) for marker in (b"MZ\x90", b"tool.exe", b"app.alert")] == [True] * 3
    assert [marker in served_text(served) for marker in (b"MZ\x90", b"tool.exe", b"app.alert", b"main.tex")] == [
        False
    ] * 4
    with pikepdf.open(io.BytesIO(served)) as pdf:
        assert (str(pdf.docinfo.Author), str(pdf.Root.Outlines.First.Title)) == (NAME, f"Notes for {NAME} <{EMAIL}>")
        assert NAME in str(pdf.Root.Metadata.read_bytes().decode())
        assert [str(annotation.Subtype) for annotation in pdf.pages[0].Annots] == [
            "/Text",
            "/Popup",
            "/Highlight",
            "/Widget",
        ]
        assert "/AcroForm" not in pdf.Root and "/OpenAction" not in pdf.Root and "/AF" not in pdf.Root


def test_public_copy_is_none_for_a_paper_with_nothing_to_remove():
    plain = make_identity_pdf(NAME, EMAIL, ("document info", "document XMP", "bookmarks", "page labels"))

    assert public_copy(io.BytesIO(plain)) is None
    assert public_copy(io.BytesIO(make_pdf())) is None
