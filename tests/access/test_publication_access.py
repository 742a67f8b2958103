"""Who may open each camera-ready, publication and export URL: every URL, every persona of STYLE.md,
before and after publication.

Paper P, by author and coauthor, is accepted (its decision released) and has a camera-ready PDF;
`reviewer` reviewed it; the conflicted reviewer and chair share the author's institution. Nothing is
public before the chairs publish (404 for everyone, signed in or not); afterwards the accepted papers
and their camera-ready PDFs are public. Only P's authors reach its camera-ready form; only the
workshop's chairs (conflicted or not) reach the publish page and the exports, and a conflicted chair's
exports leave out P's authors, reviews and decision. Denied POSTs change nothing.
"""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.services import decisions
from submissions import services
from submissions.enums import FileKind
from submissions.publication import send_camera_ready_reminders
from tests.conftest import PERSONAS
from tests.reviews.conftest import submit_review, to_bidding
from tests.submissions.conftest import submitted_paper
from tests.submissions.test_publication import (
    camera_ready_data,
    pdf_file,
    publish,
    to_camera_ready,
    upload_camera_ready,
)
from workshop.models import OutboxEmail

pytestmark = pytest.mark.django_db

AUTHORS, CHAIRS, EVERYONE, NOBODY = "authors", "chairs", "everyone", "nobody"
ALLOWED = {AUTHORS: {"author", "coauthor"}, CHAIRS: {"chair", "conflicted_chair"}}
REVIEW_TEXT = "The causal graphs are convincing."
CONFIDENTIAL = "Between us: accept it."
NOTE = "Please shorten section 3."


@pytest.fixture
def paper(workshop, cast):
    paper = submitted_paper(
        workshop, cast["author"], authors=[cast["author"], cast["coauthor"]], title="Causal parrots"
    )
    to_bidding(workshop)
    submit_review(paper, cast["reviewer"], summary=REVIEW_TEXT, confidential_comments=CONFIDENTIAL)
    decisions.decide(submission=paper, outcome="accept", by=cast["chair"], presentation="oral", note=NOTE)
    accepted = services.record_decision(submission=paper, accepted=True, by=cast["chair"], presentation="oral")
    to_camera_ready(workshop, timezone.now() + timedelta(days=2))
    return accepted


@pytest.fixture
def ready(paper, cast):
    """P with its camera-ready PDF."""
    return upload_camera_ready(paper, cast["author"])


def urls(paper):
    public = lambda name, *args: reverse(f"submissions:{name}", args=["calm", *args])  # noqa: E731
    return [
        (public("camera_ready", paper.pk), AUTHORS, AUTHORS),
        (public("accepted"), NOBODY, EVERYONE),
        (public("camera_ready_pdf", paper.number), NOBODY, EVERYONE),
        (public("publish"), CHAIRS, CHAIRS),
        *[(public("export", "submissions", fmt), CHAIRS, CHAIRS) for fmt in ("csv", "json")],
        *[(reverse("reviews:export_reviews", args=["calm", fmt]), CHAIRS, CHAIRS) for fmt in ("csv", "json")],
        *[(reverse("reviews:export_decisions", args=["calm", fmt]), CHAIRS, CHAIRS) for fmt in ("csv", "json")],
    ]


def expected_status(rule, persona):
    if rule == EVERYONE:
        return 200
    if rule == NOBODY:
        return 404  # public pages do not ask anyone to log in: they do not exist yet
    if persona == "anonymous":
        return 302
    return 200 if persona in ALLOWED[rule] else 404


def statuses(client, paper):
    seen = {}
    for url, *_ in urls(paper):
        response = client.get(url)
        if response.streaming:  # reading a download to the end closes its file
            b"".join(response.streaming_content)
        seen[url] = response.status_code
    return seen


@pytest.mark.parametrize("published", [False, True], ids=["before publication", "after publication"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_every_publication_url_answers_each_persona_as_designed(client, cast, workshop, ready, persona, published):
    paper = ready
    if published:
        publish(workshop)
    if cast[persona] is not None:
        client.force_login(cast[persona])

    seen = statuses(client, paper)

    assert seen == {url: expected_status(after if published else before, persona) for url, before, after in urls(paper)}


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ALLOWED[CHAIRS]])
def test_denied_publish_changes_nothing(client, cast, workshop, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    client.post(reverse("submissions:publish", args=["calm"]))

    workshop.refresh_from_db()
    assert workshop.published_at is None


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in ALLOWED[AUTHORS]])
def test_denied_camera_ready_changes_nothing(client, cast, ready, persona):
    paper = ready
    if cast[persona] is not None:
        client.force_login(cast[persona])
    before = paper.version

    client.post(
        reverse("submissions:camera_ready", args=["calm", paper.pk]),
        camera_ready_data(paper, title="Hijacked", paper=pdf_file()),
    )

    paper.refresh_from_db()
    assert (paper.title, paper.version) == ("Causal parrots", before)
    assert paper.files.filter(kind=FileKind.CAMERA_READY).count() == 1


def export_texts(client):
    urls = [
        reverse("submissions:export", args=["calm", "submissions", "csv"]),
        reverse("submissions:export", args=["calm", "submissions", "json"]),
        *[reverse("reviews:export_reviews", args=["calm", fmt]) for fmt in ("csv", "json")],
        *[reverse("reviews:export_decisions", args=["calm", fmt]) for fmt in ("csv", "json")],
    ]
    return {url: b"".join(client.get(url).streaming_content).decode() for url in urls}


def test_conflicted_chairs_exports_hold_no_author_review_or_decision_of_the_paper(client, cast, paper):
    client.force_login(cast["chair"])
    chairs = export_texts(client)
    client.force_login(cast["conflicted_chair"])

    conflicted = export_texts(client)

    secrets = [cast["author"].email, cast["coauthor"].name, REVIEW_TEXT, CONFIDENTIAL, NOTE, cast["reviewer"].email]
    assert all(any(secret in text for text in chairs.values()) for secret in secrets)
    assert {url: [s for s in secrets if s in text] for url, text in conflicted.items()} == {url: [] for url in chairs}
    assert all("Causal parrots" in text for text in list(conflicted.values())[:2])  # the title only
    assert json.loads(list(conflicted.values())[3])["reviews"] == []


def test_public_page_shows_no_review_reviewer_decision_note_or_email(client, cast, workshop, ready):
    publish(workshop)

    page = client.get(reverse("submissions:accepted", args=["calm"])).content.decode()

    assert "Causal parrots" in page and cast["author"].name in page
    hidden = [REVIEW_TEXT, CONFIDENTIAL, NOTE, cast["reviewer"].name, cast["author"].email, cast["coauthor"].email]
    assert [text for text in hidden if text in page] == []


def test_camera_ready_reminder_goes_to_the_authors_only_and_names_no_reviewer(workshop, cast, paper):
    send_camera_ready_reminders()

    email = OutboxEmail.objects.get(template="camera_ready_reminder")
    assert email.to == [cast["author"].email, cast["coauthor"].email]
    assert cast["reviewer"].name not in email.body_text and cast["reviewer"].email not in email.body_text
