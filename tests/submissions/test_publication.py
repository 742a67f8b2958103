"""Camera-ready versions, their reminder, publication, the public accepted papers and the exports."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from reviews.services import assignments, decisions
from reviews.services.reviews import save_review
from submissions import publication, services
from submissions.enums import FileKind, SubmissionStatus
from submissions.models import Submission, SubmissionFile
from submissions.pdf import public_copy
from submissions.tasks import send_camera_ready_reminders
from tests.reviews.conftest import submit_review, to_bidding
from tests.submissions.conftest import submitted_paper
from tests.submissions.pdf_samples import ACTIVE_CONTENT_MARKERS, make_active_pdf, make_pdf, served_text
from workshop.models import OutboxEmail, Workshop
from workshop.phases import AOE

pytestmark = pytest.mark.django_db

# Including the programme's version, which keys the cached rendering (a miss reads the papers too).
PUBLIC_PAGE_QUERY_BOUND = 7
EXPORT_QUERY_BOUND = 12


# --- helpers (the access tests import them) -------------------------------------------------


def accepted_paper(workshop, author_user, chair, *, presentation="poster", **overrides):
    """A paper submitted through the real services, then accepted as a released decision."""
    paper = submitted_paper(workshop, author_user, **overrides)
    return services.record_decision(submission=paper, accepted=True, by=chair, presentation=presentation)


def rejected_paper(workshop, author_user, chair, **overrides):
    paper = submitted_paper(workshop, author_user, **overrides)
    return services.record_decision(submission=paper, accepted=False, by=chair)


def to_camera_ready(workshop, deadline=None, *, grace_minutes=0):
    """Move the workshop past its decisions, into the camera-ready phase (papers are submitted before)."""
    now = timezone.now()
    workshop.submission_deadline = now - timedelta(days=40)
    workshop.review_deadline = now - timedelta(days=20)
    workshop.notification_date = now - timedelta(days=10)
    workshop.camera_ready_deadline = deadline
    workshop.grace_minutes = grace_minutes
    workshop.decisions_released_at = now - timedelta(days=10)
    workshop.save(
        update_fields=[
            "submission_deadline",
            "review_deadline",
            "notification_date",
            "camera_ready_deadline",
            "grace_minutes",
            "decisions_released_at",
        ]
    )


def publish(workshop):
    workshop.published_at = timezone.now()
    workshop.save(update_fields=["published_at"])


def pdf_file(name="final.pdf", content=None, **kwargs):
    return SimpleUploadedFile(name, content if content is not None else make_pdf(**kwargs), "application/pdf")


def camera_ready_data(submission, *, authors=None, **overrides):
    """The camera-ready form as the page fills it, with `overrides` (e.g. paper=pdf_file())."""
    rows = authors or [(a.name, a.email, a.affiliation) for a in submission.authors.order_by("order")]
    data = {
        "title": submission.title,
        "abstract": submission.abstract,
        "version": submission.version,
        "authors-TOTAL_FORMS": len(rows),
        "authors-INITIAL_FORMS": 0,
        "authors-MIN_NUM_FORMS": 0,
        "authors-MAX_NUM_FORMS": 1000,
    }
    for i, (name, email, affiliation) in enumerate(rows):
        data.update(
            {
                f"authors-{i}-name": name,
                f"authors-{i}-email": email,
                f"authors-{i}-affiliation": affiliation,
                f"authors-{i}-ORDER": i + 1,
            }
        )
    return {**data, **overrides}


def upload_camera_ready(submission, by, content=None):
    """A camera-ready PDF uploaded through the real service."""
    upload = publication.check_camera_ready(pdf_file(content=content), workshop=submission.workshop)
    current = type(submission).objects.get(pk=submission.pk)
    authors = [services.AuthorEntry(a.name, a.email, a.affiliation) for a in current.authors.order_by("order")]
    return publication.update_camera_ready(
        submission=current,
        by=by,
        base_version=current.version,
        title=current.title,
        abstract=current.abstract,
        authors=authors,
        paper=upload,
    )


def content_of(stored):
    with stored.file.open("rb") as handle:
        return handle.read()


def camera_ready_url(submission):
    return reverse("submissions:camera_ready", args=[submission.workshop.slug, submission.pk])


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def author(cast):
    return cast["author"]


@pytest.fixture
def author_client(client, author):
    client.force_login(author)
    return client


@pytest.fixture
def paper(workshop, cast):
    """An accepted paper by author and coauthor, in the camera-ready phase (deadline in 5 days)."""
    accepted = accepted_paper(workshop, cast["author"], cast["chair"], authors=[cast["author"], cast["coauthor"]])
    to_camera_ready(workshop, timezone.now() + timedelta(days=5))
    return accepted


# --- camera-ready ----------------------------------------------------------------------------


def test_camera_ready_upload_keeps_every_version(author_client, paper):
    first, second = make_pdf(text="Final version one"), make_pdf(text="Final version two")

    author_client.post(camera_ready_url(paper), camera_ready_data(paper, paper=pdf_file(content=first)), follow=True)
    paper.refresh_from_db()
    response = author_client.post(
        camera_ready_url(paper), camera_ready_data(paper, paper=pdf_file("v2.pdf", content=second)), follow=True
    )

    files = SubmissionFile.objects.filter(submission=paper, kind=FileKind.CAMERA_READY).order_by("version")
    assert [(f.version, f.original_name, content_of(f)) for f in files] == [
        (1, "final.pdf", first),
        (2, "v2.pdf", second),
    ]
    assert messages_of(response) == ["Your camera-ready PDF is saved; earlier versions are kept."]
    page = response.content.decode()
    assert "v2.pdf" in page and "final.pdf" in page
    assert paper.files.filter(kind=FileKind.PAPER).count() == 1  # the submitted version is untouched


def test_camera_ready_changes_title_abstract_and_authors(author_client, paper, cast):
    authors = [
        ("Ada Author", cast["author"].email, "Uni A"),
        ("Nia New", "nia@uni-n.example", "Uni N"),
        ("Cole Coauthor", cast["coauthor"].email, "Uni B"),
    ]

    response = author_client.post(
        camera_ready_url(paper),
        camera_ready_data(paper, authors=authors, title="Large models know some causes", abstract="Final abstract."),
        follow=True,
    )

    paper.refresh_from_db()
    assert messages_of(response) == ["Your changes are saved."]
    assert (paper.title, paper.abstract, paper.status) == (
        "Large models know some causes",
        "Final abstract.",
        SubmissionStatus.ACCEPTED,
    )
    assert [(a.name, a.email, a.affiliation) for a in paper.authors.order_by("order")] == authors
    assert paper.history.filter(title="Large models know some causes").exists()
    assert OutboxEmail.objects.filter(to=["nia@uni-n.example"], template="coauthor_invitation").count() == 1


def test_camera_ready_pdf_naming_its_authors_is_not_flagged(author_client, paper):
    named = make_pdf(text="Ada Author, Uni A", metadata={"/Author": "Ada Author"})

    author_client.post(camera_ready_url(paper), camera_ready_data(paper, paper=pdf_file(content=named)))

    paper.refresh_from_db()
    stored = paper.files.get(kind=FileKind.CAMERA_READY)
    assert (stored.anonymity_findings, paper.anonymity_findings) == ([], [])


def test_camera_ready_bad_file_keeps_the_previous_version_and_the_text(author_client, paper, author):
    upload_camera_ready(paper, author, content=make_pdf(text="Good final version"))
    paper.refresh_from_db()

    response = author_client.post(
        camera_ready_url(paper),
        camera_ready_data(paper, title="A new title", paper=pdf_file(content=b"not a PDF at all")),
    )

    page = response.content.decode()
    assert "Nothing was saved; your previous version is unchanged." in page
    assert "A new title" in page  # the author's text is still in the form
    paper.refresh_from_db()
    assert paper.title != "A new title"
    assert list(paper.files.filter(kind=FileKind.CAMERA_READY).values_list("version", flat=True)) == [1]


def test_camera_ready_too_many_pages_is_refused(author_client, paper, workshop):
    response = author_client.post(
        camera_ready_url(paper), camera_ready_data(paper, paper=pdf_file(pages=workshop.page_limit + 1))
    )

    assert "Nothing was saved" in response.content.decode()
    assert not paper.files.filter(kind=FileKind.CAMERA_READY).exists()


@pytest.mark.parametrize(
    "make",
    [
        lambda workshop, cast: submitted_paper(workshop, cast["author"]),
        lambda workshop, cast: rejected_paper(workshop, cast["author"], cast["chair"]),
    ],
    ids=["undecided", "rejected"],
)
def test_camera_ready_is_refused_for_a_paper_not_accepted(author_client, workshop, cast, make):
    other = make(workshop, cast)
    to_camera_ready(workshop, timezone.now() + timedelta(days=5))

    page = author_client.get(camera_ready_url(other), follow=True)
    posted = author_client.post(camera_ready_url(other), camera_ready_data(other, paper=pdf_file()), follow=True)

    status = other.get_status_display().lower()
    expected = f"Only accepted papers have a camera-ready version; this paper is {status}."
    assert messages_of(page) == messages_of(posted) == [expected]
    assert not other.files.filter(kind=FileKind.CAMERA_READY).exists()


def test_camera_ready_after_the_deadline_is_refused_with_the_date_in_aoe(author_client, paper, workshop):
    deadline = timezone.now() - timedelta(minutes=1)
    to_camera_ready(workshop, deadline)

    response = author_client.post(camera_ready_url(paper), camera_ready_data(paper, paper=pdf_file()), follow=True)

    shown = deadline.astimezone(AOE).strftime("%a %-d %b %Y, %H:%M AoE")
    assert messages_of(response) == [
        f"The camera-ready deadline ({shown}) has passed; the paper can no longer be changed. "
        "If something must still be corrected, write to the chairs."
    ]
    assert not paper.files.filter(kind=FileKind.CAMERA_READY).exists()


def test_camera_ready_deadline_is_inclusive_with_grace(paper, workshop):
    deadline = timezone.now() + timedelta(days=1)
    to_camera_ready(workshop, deadline, grace_minutes=30)
    paper.refresh_from_db()
    last = deadline + timedelta(minutes=30)

    at_the_end = publication.camera_ready_refusal(paper, now=last)
    one_second_late = publication.camera_ready_refusal(paper, now=last + timedelta(seconds=1))

    assert at_the_end == ""
    assert one_second_late.startswith("The camera-ready deadline (")


def test_camera_ready_without_deadline_is_open_until_publication(author_client, paper, workshop, author):
    to_camera_ready(workshop, None)
    upload_camera_ready(paper, author)
    publish(workshop)

    response = author_client.get(camera_ready_url(paper), follow=True)

    assert messages_of(response) == [
        "The accepted papers are published; the camera-ready version can no longer be changed."
    ]
    assert paper.files.filter(kind=FileKind.CAMERA_READY).count() == 1


def test_camera_ready_form_opened_before_a_coauthors_change_is_refused(paper, cast):
    opened_at = paper.version
    upload_camera_ready(paper, cast["coauthor"])

    with pytest.raises(services.StaleEdit) as stale:
        publication.update_camera_ready(
            submission=paper,
            by=cast["author"],
            base_version=opened_at,
            title="Another title",
            abstract=paper.abstract,
            authors=[services.AuthorEntry(cast["author"].name, cast["author"].email)],
        )

    assert stale.value.changes == ["A new camera-ready version (pdf) was uploaded (version 1)."]


def test_accepted_paper_page_links_to_the_camera_ready_form(author_client, paper):
    page = author_client.get(paper.get_absolute_url()).content.decode()

    assert camera_ready_url(paper) in page


# --- reminder --------------------------------------------------------------------------------


def test_reminder_goes_once_to_the_authors_of_accepted_papers_without_a_camera_ready_pdf(workshop, cast):
    missing = accepted_paper(workshop, cast["author"], cast["chair"], authors=[cast["author"], cast["coauthor"]])
    done = accepted_paper(workshop, cast["other_author"], cast["chair"])
    rejected_paper(workshop, cast["other_author"], cast["chair"])
    to_camera_ready(workshop, timezone.now() + timedelta(days=2))
    upload_camera_ready(done, cast["other_author"])

    first, second = send_camera_ready_reminders(), send_camera_ready_reminders()

    emails = list(OutboxEmail.objects.filter(template="camera_ready_reminder"))
    assert (first, second) == (1, 0)
    assert [(e.to, e.topic) for e in emails] == [
        ([cast["author"].email, cast["coauthor"].email], f"submission:{missing.pk}")
    ]
    assert emails[0].subject == f"[CaLM] Reminder: camera-ready version of #{missing.number} {missing.title}"
    assert camera_ready_url(missing) in emails[0].body_text
    shown = workshop.camera_ready_deadline.astimezone(AOE).strftime("%a %-d %b %Y, %H:%M AoE")
    assert shown in emails[0].body_text


@pytest.mark.parametrize("days", [4, -1], ids=["too early", "deadline passed"])
def test_reminder_waits_until_three_days_before_the_deadline(workshop, cast, days):
    accepted_paper(workshop, cast["author"], cast["chair"])
    to_camera_ready(workshop, timezone.now() + timedelta(days=days))

    sent = send_camera_ready_reminders()

    assert sent == 0
    assert not OutboxEmail.objects.filter(template="camera_ready_reminder").exists()


def test_reminder_runs_daily_on_beat():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert schedule["submissions.send_camera_ready_reminders"] == 24 * 60 * 60


# --- publish ---------------------------------------------------------------------------------


def publish_url():
    return reverse("submissions:publish", args=["calm"])


def test_publish_is_refused_before_the_decisions_are_released(chair_client, workshop, cast):
    accepted_paper(workshop, cast["author"], cast["chair"])

    response = chair_client.post(publish_url(), follow=True)

    assert messages_of(response) == [
        "Release the decisions to the authors first: nothing is public before the authors know."
    ]
    workshop.refresh_from_db()
    assert workshop.published_at is None
    assert "The decisions are not released yet" in response.content.decode()


def test_publish_twice_publishes_once(chair_client, workshop, paper):
    first = chair_client.post(publish_url(), follow=True)
    published_at = Workshop.objects.get(pk=workshop.pk).published_at
    second = chair_client.post(publish_url(), follow=True)

    workshop.refresh_from_db()
    assert messages_of(first) == ["The accepted papers are published: everyone can now see them."]
    assert messages_of(second) == [
        f"The accepted papers were already published on {published_at.astimezone(AOE):%a %-d %b %Y, %H:%M AoE}."
    ]
    assert workshop.published_at == published_at is not None


def test_a_conflicted_chair_may_publish(client, workshop, paper, cast):
    client.force_login(cast["conflicted_chair"])

    client.post(publish_url())

    workshop.refresh_from_db()
    assert workshop.published_at is not None


def test_publish_page_counts_accepted_papers_and_camera_ready_pdfs(chair_client, workshop, cast):
    paper = accepted_paper(workshop, cast["author"], cast["chair"])
    second = accepted_paper(workshop, cast["other_author"], cast["chair"], title="Causal probes")
    to_camera_ready(workshop, timezone.now() + timedelta(days=5))
    upload_camera_ready(paper, cast["author"])

    page = chair_client.get(publish_url()).content.decode()

    assert '<dd class="col-sm-4" id="accepted-count">2</dd>' in page
    assert '<dd class="col-sm-4" id="camera-ready-count">1</dd>' in page
    assert f"#{second.number} Causal probes" in page
    assert "Publish the accepted papers</button>" in page
    downloads = [
        reverse("submissions:export", args=["calm", "submissions", "csv"]),
        reverse("submissions:export", args=["calm", "submissions", "json"]),
        reverse("reviews:export_reviews", args=["calm", "csv"]),
        reverse("reviews:export_reviews", args=["calm", "json"]),
        reverse("reviews:export_decisions", args=["calm", "csv"]),
        reverse("reviews:export_decisions", args=["calm", "json"]),
    ]
    assert [url for url in downloads if f'href="{url}"' in page] == downloads


# --- the public accepted papers --------------------------------------------------------------


def accepted_url():
    return reverse("submissions:accepted", args=["calm"])


def test_accepted_papers_are_not_public_before_publication(client, chair_client, paper):
    assert client.get(accepted_url()).status_code == 404
    assert chair_client.get(accepted_url()).status_code == 404
    assert "accepted-papers-link" not in client.get(reverse("workshop:detail", args=["calm"])).content.decode()


def test_accepted_papers_are_grouped_by_direction_in_the_workshops_order(client, workshop, cast):
    # The paper in the second direction is numbered first: the direction's order decides, not the number.
    later = accepted_paper(workshop, cast["other_author"], cast["chair"], title="For paper", primary_direction="for")
    paper = accepted_paper(workshop, cast["author"], cast["chair"], title="In paper", primary_direction="in")
    to_camera_ready(workshop)
    publish(workshop)

    page = client.get(accepted_url()).content.decode()

    papers = page[page.index("<section") :]  # below the directions' links
    direction_in, direction_for = workshop.directions.get(slug="in"), workshop.directions.get(slug="for")
    assert papers.index(direction_in.name) < papers.index(paper.title) < papers.index(direction_for.name)
    assert papers.index(direction_for.name) < papers.index(later.title)


def test_accepted_papers_show_authors_abstract_and_presentation_but_no_emails(client, workshop, cast):
    paper = accepted_paper(
        workshop, cast["author"], cast["chair"], presentation="oral", authors=[cast["author"], cast["coauthor"]]
    )
    to_camera_ready(workshop)
    publish(workshop)

    page = client.get(accepted_url()).content.decode()

    article = page[page.index(f'id="paper-{paper.number}"') :]
    assert paper.title in article and paper.abstract in article and "Oral" in article
    for person in (cast["author"], cast["coauthor"]):
        assert person.name in article and person.affiliation in article and person.email not in page


def test_accepted_papers_list_no_rejected_withdrawn_or_undecided_paper(client, workshop, cast):
    paper = accepted_paper(workshop, cast["author"], cast["chair"])
    rejected = rejected_paper(workshop, cast["other_author"], cast["chair"], title="Rejected causal paper")
    undecided = submitted_paper(workshop, cast["other_author"], title="Undecided causal paper")
    withdrawn = submitted_paper(workshop, cast["other_author"], title="Withdrawn causal paper")
    services.transition(submission=withdrawn, to=SubmissionStatus.WITHDRAWN, by=cast["other_author"])
    to_camera_ready(workshop)
    publish(workshop)

    page = client.get(accepted_url()).content.decode()

    assert paper.title in page
    assert [p.title for p in (rejected, undecided, withdrawn) if p.title in page] == []


def test_accepted_papers_link_the_camera_ready_pdf_when_uploaded(client, workshop, cast):
    paper = accepted_paper(workshop, cast["author"], cast["chair"])
    without = accepted_paper(workshop, cast["other_author"], cast["chair"])
    to_camera_ready(workshop)
    upload_camera_ready(paper, cast["author"])
    publish(workshop)

    page = client.get(accepted_url()).content.decode()

    assert reverse("submissions:camera_ready_pdf", args=["calm", paper.number]) in page
    assert reverse("submissions:camera_ready_pdf", args=["calm", without.number]) not in page


def test_workshop_page_links_the_accepted_papers_once_published(client, workshop, paper):
    publish(workshop)

    page = client.get(reverse("workshop:detail", args=["calm"])).content.decode()

    assert f'id="accepted-papers-link" href="{accepted_url()}"' in page


@pytest.mark.parametrize("count", [1, 8])
def test_accepted_papers_queries_do_not_grow_with_papers(client, workshop, cast, count, django_assert_max_num_queries):
    for n in range(count):
        paper = accepted_paper(
            workshop,
            cast["author"],
            cast["chair"],
            authors=[cast["author"], cast["coauthor"]],
            primary_direction="for" if n % 2 else "in",
        )
        upload_camera_ready(paper, cast["author"])
    to_camera_ready(workshop)
    publish(workshop)

    with django_assert_max_num_queries(PUBLIC_PAGE_QUERY_BOUND):
        page = client.get(accepted_url()).content.decode()

    assert page.count('class="card mb-3 accepted-paper"') == count


# --- the camera-ready PDF --------------------------------------------------------------------


def test_camera_ready_pdf_is_served_after_publication_only(client, workshop, cast, paper):
    upload_camera_ready(paper, cast["author"], content=make_pdf(text="Version one"))
    newest = make_pdf(text="Version two")
    upload_camera_ready(paper, cast["author"], content=newest)
    url = reverse("submissions:camera_ready_pdf", args=["calm", paper.number])

    before = client.get(url)
    publish(workshop)
    after = client.get(url)

    assert before.status_code == 404
    assert b"".join(after.streaming_content) == newest
    assert after["Content-Type"] == "application/pdf"
    assert after["Content-Disposition"] == f'inline; filename="calm-{paper.number}.pdf"'


def test_public_camera_ready_pdf_is_served_without_active_content(client, workshop, cast, paper):
    # Anyone may open it, from this site: JavaScript, automatic actions and attached files are removed; the
    # text and its metadata (the paper is public and names its authors) stay.
    active = make_active_pdf(text="Camera ready, with a script")
    upload_camera_ready(paper, cast["author"], content=active)
    publish(workshop)

    response = client.get(reverse("submissions:camera_ready_pdf", args=["calm", paper.number]))

    served = b"".join(response.streaming_content)
    assert all(marker in active for marker in ACTIVE_CONTENT_MARKERS)
    assert [marker for marker in ACTIVE_CONTENT_MARKERS if marker in served_text(served)] == []
    reader = PdfReader(io.BytesIO(served))
    assert reader.pages[0].extract_text() == "Camera ready, with a script"
    # The bookmarks stay (the one that ran a script, without its script), and so does the web link.
    assert [(item.title, reader.get_destination_page_number(item)) for item in reader.outline] == [
        ("Page 2", 1),
        ("Run", None),
    ]
    actions = [annotation.get_object().get("/A") for annotation in reader.pages[0]["/Annots"]]
    assert [action["/URI"] for action in actions if action is not None] == ["https://example.org/paper"]
    assert response["Content-Type"] == "application/pdf"


def test_public_copy_keeps_a_pdf_without_active_content_as_it_is():
    plain = make_pdf(text="Nothing active")

    assert public_copy(io.BytesIO(plain)) is None
    assert public_copy(io.BytesIO(make_active_pdf())) is not None


def test_no_pdf_is_served_for_an_accepted_paper_without_camera_ready_nor_another_paper(client, workshop, cast):
    paper = accepted_paper(workshop, cast["author"], cast["chair"])
    undecided = submitted_paper(workshop, cast["other_author"])
    to_camera_ready(workshop)
    publish(workshop)

    responses = [
        client.get(reverse("submissions:camera_ready_pdf", args=["calm", p.number])) for p in (paper, undecided)
    ]

    assert [r.status_code for r in responses] == [404, 404]


# --- exports ---------------------------------------------------------------------------------


def export(client, url):
    response = client.get(url)
    assert response.status_code == 200, response
    return b"".join(response.streaming_content).decode()


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def submissions_export(fmt):
    return reverse("submissions:export", args=["calm", "submissions", fmt])


@pytest.fixture
def papers(workshop, cast):
    """An accepted paper by author and coauthor (the conflicted chair shares author's domain),
    and a rejected one by other_author."""
    mine = accepted_paper(
        workshop,
        cast["author"],
        cast["chair"],
        presentation="spotlight",
        authors=[cast["author"], cast["coauthor"]],
        title="Causal parrots",
        abstract="Do models know causes?",
        secondary_directions=[workshop.directions.get(slug="for")],
    )
    theirs = rejected_paper(workshop, cast["other_author"], cast["chair"], title="=cmd|' /C calc'!A0")
    return mine, theirs


def test_submissions_csv_has_every_column_and_neutralises_formulas(chair_client, cast, papers):
    mine, _ = papers

    header, *rows = csv_rows(export(chair_client, submissions_export("csv")))

    assert header == [
        "number",
        "title",
        "abstract",
        "primary direction",
        "secondary directions",
        "authors",
        "author emails",
        "affiliations",
        "status",
        "decision",
        "presentation",
        "conflict",
    ]
    assert rows[0] == [
        str(mine.number),
        "Causal parrots",
        "Do models know causes?",
        "Causality in large models",
        "Causality for large models",
        f"{cast['author'].name}; {cast['coauthor'].name}",
        f"{cast['author'].email}; {cast['coauthor'].email}",
        f"{cast['author'].affiliation}; {cast['coauthor'].affiliation}",
        "Accepted",
        "accept",
        "Spotlight",
        "",
    ]
    assert rows[1][1] == "'=cmd|' /C calc'!A0"
    assert rows[1][8:11] == ["Rejected", "reject", ""]


def test_submissions_json_lists_papers_with_their_authors(chair_client, cast, papers):
    mine, _ = papers

    data = json.loads(export(chair_client, submissions_export("json")))

    assert data["workshop"] == "calm" and len(data["submissions"]) == 2
    assert data["submissions"][0] == {
        "number": mine.number,
        "title": "Causal parrots",
        "abstract": "Do models know causes?",
        "primary_direction": "Causality in large models",
        "secondary_directions": ["Causality for large models"],
        "authors": [
            {"name": cast["author"].name, "email": cast["author"].email, "affiliation": cast["author"].affiliation},
            {
                "name": cast["coauthor"].name,
                "email": cast["coauthor"].email,
                "affiliation": cast["coauthor"].affiliation,
            },
        ],
        "status": "accepted",
        "decision": "accept",
        "presentation": "spotlight",
        "conflict": False,
    }


def test_conflicted_chair_exports_number_and_title_only_for_their_paper(client, cast, papers):
    mine, _ = papers
    client.force_login(cast["conflicted_chair"])

    text = export(client, submissions_export("csv"))
    data = json.loads(export(client, submissions_export("json")))

    rows = csv_rows(text)[1:]
    assert rows[0] == [str(mine.number), "Causal parrots", *[""] * 9, "yes"]
    assert rows[1][5] == cast["other_author"].name
    assert data["submissions"][0] == {
        "number": mine.number,
        "title": "Causal parrots",
        "abstract": None,
        "primary_direction": None,
        "secondary_directions": None,
        "authors": None,
        "status": None,
        "decision": None,
        "presentation": None,
        "conflict": True,
    }
    assert cast["author"].email not in text and "Do models know causes?" not in text


@pytest.mark.parametrize("url", ["chair/export/foo.csv", "chair/export/submissions.xml", "chair/export/reviews.xml"])
def test_unknown_exports_are_not_found(chair_client, url):
    response = chair_client.get(f"/calm/{url}")

    assert response.status_code == 404


@pytest.mark.parametrize("count", [1, 12])
def test_submissions_export_queries_do_not_grow(chair_client, workshop, cast, count, django_assert_max_num_queries):
    for _ in range(count):
        accepted_paper(workshop, cast["author"], cast["chair"], authors=[cast["author"], cast["coauthor"]])

    with django_assert_max_num_queries(EXPORT_QUERY_BOUND):
        rows = csv_rows(export(chair_client, submissions_export("csv")))
    with django_assert_max_num_queries(EXPORT_QUERY_BOUND):
        data = json.loads(export(chair_client, submissions_export("json")))

    assert len(rows) - 1 == len(data["submissions"]) == count


# --- reviews and decisions exports (the reviews app's views, on the same helpers) -----------


@pytest.fixture
def reviewed(workshop, cast):
    """Two papers under review: the author's (the conflicted chair shares the author's domain) and
    other_author's, each with a submitted review by `reviewer`; a draft by bystander_reviewer on the
    second; both decided, not released."""

    mine = submitted_paper(workshop, cast["author"], authors=[cast["author"], cast["coauthor"]], title="Causal parrots")
    theirs = submitted_paper(workshop, cast["other_author"], title="Causal probes")
    to_bidding(workshop)
    submit_review(mine, cast["reviewer"], overall=5, confidence=4, confidential_comments="Keep it, says Rita.")
    submit_review(theirs, cast["reviewer"], overall=2, confidence=3, questions="Why these baselines?")
    assignments.assign_reviewer(submission=theirs, reviewer=cast["bystander_reviewer"], by=cast["chair"])
    save_review(submission=theirs, reviewer=cast["bystander_reviewer"], fields={"summary": "Half done"}, scores={})
    decisions.decide(submission=mine, outcome="accept", by=cast["chair"], presentation="oral", note="Well done.")
    decisions.decide(submission=theirs, outcome="reject", by=cast["chair"])
    return mine, theirs


def reviews_export(fmt):
    return reverse("reviews:export_reviews", args=["calm", fmt])


def decisions_export(fmt):
    return reverse("reviews:export_decisions", args=["calm", fmt])


def test_reviews_csv_has_names_scores_and_confidential_comments(chair_client, cast, reviewed):
    mine, theirs = reviewed

    header, *rows = csv_rows(export(chair_client, reviews_export("csv")))

    assert header == [
        "paper",
        "reviewer",
        "reviewer email",
        "status",
        "submitted at (UTC)",
        "Overall recommendation",
        "Confidence",
        "summary",
        "strengths",
        "weaknesses",
        "questions for the authors",
        "confidential comments to the chairs",
    ]
    assert [(r[0], r[1], r[3], r[5], r[6]) for r in rows] == [
        (str(mine.number), "Rita Reviewer", "submitted", "5", "4"),
        (str(theirs.number), "Bea Bystander", "draft", "", ""),
        (str(theirs.number), "Rita Reviewer", "submitted", "2", "3"),
    ]
    assert rows[0][2] == cast["reviewer"].email and rows[0][11] == "Keep it, says Rita."
    assert rows[2][10] == "Why these baselines?"


def test_reviews_json_has_one_record_per_review(chair_client, cast, reviewed):
    mine, _ = reviewed

    data = json.loads(export(chair_client, reviews_export("json")))

    first = data["reviews"][0]
    assert data["workshop"] == "calm" and len(data["reviews"]) == 3
    assert {key: first[key] for key in ("paper", "reviewer", "status", "scores", "confidential_comments")} == {
        "paper": mine.number,
        "reviewer": {"name": "Rita Reviewer", "email": cast["reviewer"].email},
        "status": "submitted",
        "scores": {"overall": 5, "confidence": 4},
        "confidential_comments": "Keep it, says Rita.",
    }
    assert first["submitted_at"].endswith("+00:00")


def test_decisions_export_lists_outcome_presentation_and_release(chair_client, reviewed):
    mine, theirs = reviewed

    header, *rows = csv_rows(export(chair_client, decisions_export("csv")))
    data = json.loads(export(chair_client, decisions_export("json")))

    assert header == [
        "paper",
        "title",
        "outcome",
        "presentation",
        "note to the authors",
        "released",
        "released at (UTC)",
    ]
    assert rows == [
        [str(mine.number), "Causal parrots", "accept", "oral", "Well done.", "no", ""],
        [str(theirs.number), "Causal probes", "reject", "", "", "no", ""],
    ]
    assert data["decisions"][0] == {
        "paper": mine.number,
        "title": "Causal parrots",
        "outcome": "accept",
        "presentation": "oral",
        "note_to_authors": "Well done.",
        "released": False,
        "released_at": None,
    }


def test_conflicted_chair_exports_neither_reviews_nor_decision_of_their_paper(client, cast, reviewed):
    _, theirs = reviewed
    client.force_login(cast["conflicted_chair"])

    reviews_csv = export(client, reviews_export("csv"))
    reviews_json = json.loads(export(client, reviews_export("json")))
    decisions_csv = export(client, decisions_export("csv"))
    decisions_json = json.loads(export(client, decisions_export("json")))

    assert [row[0] for row in csv_rows(reviews_csv)[1:]] == [str(theirs.number)] * 2
    assert {r["paper"] for r in reviews_json["reviews"]} == {theirs.number}
    assert [row[0] for row in csv_rows(decisions_csv)[1:]] == [str(theirs.number)]
    assert [d["paper"] for d in decisions_json["decisions"]] == [theirs.number]
    assert "Keep it, says Rita." not in reviews_csv and "Causal parrots" not in decisions_csv


@pytest.mark.parametrize("count", [1, 6])
def test_reviews_and_decisions_exports_queries_do_not_grow(
    chair_client, workshop, cast, count, django_assert_max_num_queries
):

    papers = [submitted_paper(workshop, cast["other_author"]) for _ in range(count)]
    to_bidding(workshop)
    for paper in papers:
        submit_review(paper, cast["reviewer"])
        submit_review(paper, cast["bystander_reviewer"])
        decisions.decide(submission=paper, outcome="accept", by=cast["chair"], presentation="poster")

    counted = {}
    for url in (reviews_export("csv"), reviews_export("json"), decisions_export("csv"), decisions_export("json")):
        with django_assert_max_num_queries(EXPORT_QUERY_BOUND):
            counted[url] = export(chair_client, url)

    assert len(json.loads(counted[reviews_export("json")])["reviews"]) == 2 * count
    assert len(csv_rows(counted[decisions_export("csv")])) - 1 == count


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("paper", "paper-4.pdf"),
        ("supplementary", "paper-4-supplementary.pdf"),
        ("camera_ready", "paper-4-camera-ready.pdf"),
    ],
)
def test_files_are_served_under_names_that_say_what_they_are(kind, name):
    file = SubmissionFile(submission=Submission(number=4), kind=kind, content_type="application/pdf")

    assert file.anonymous_name == name


def test_accepted_papers_are_read_once_then_served_from_the_cache(client, workshop, cast):
    accepted_paper(workshop, cast["author"], cast["chair"], title="Causal parrots")
    to_camera_ready(workshop)
    publish(workshop)
    first = client.get(accepted_url()).content.decode()

    with CaptureQueriesContext(connection) as queries:
        second = client.get(accepted_url()).content.decode()

    assert second == first and "Causal parrots" in second
    assert [q["sql"] for q in queries.captured_queries if "submissions_submissionauthor" in q["sql"]] == []


def test_accepted_papers_show_a_camera_ready_change_at_once(client, workshop, cast):
    paper = accepted_paper(workshop, cast["author"], cast["chair"], title="Causal parrots")
    to_camera_ready(workshop, timezone.now() + timedelta(days=5))
    publish(workshop)
    client.get(accepted_url())  # rendered and cached
    current = Submission.objects.get(pk=paper.pk)
    authors = [services.AuthorEntry(a.name, a.email, a.affiliation) for a in current.authors.order_by("order")]
    authors.append(services.AuthorEntry("Nora Newcomer", "nora@uni-n.example", "Uni N"))

    publication.update_camera_ready(
        submission=current,
        by=cast["author"],
        base_version=current.version,
        title="Causal parrots, revisited",
        abstract=current.abstract,
        authors=authors,
    )

    page = client.get(accepted_url()).content.decode()
    assert "Causal parrots, revisited" in page and "Nora Newcomer" in page
