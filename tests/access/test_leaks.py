"""Where identities leak in practice, beyond who may open which page (test_url_matrix.py): search
results and counts, sort orders, exports, email bodies, served files and their metadata, error
pages and the public pages before publication. The world is tests/access/conftest.py's: P by
Ada Author and Cole Coauthor (the conflicted reviewer and chair are in conflict with it), Q by
Otto Other; Rita Reviewer and Petra Peer review P, Rita reviews Q.

Every page, file and export that the matrix opens is also searched there for what its reader must
not read (policy.unreadable) and for HTML comments naming anyone (policy.NAMES): that scan covers
every persona, URL and phase, so it is not repeated here.
"""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reviews.services import assignments as assignment_services
from reviews.services import discussion as discussion_services
from reviews.services import reminders as reminder_services
from reviews.services import reviewers as reviewer_services
from submissions import publication
from submissions import services as submission_services
from submissions.enums import SubmissionStatus
from submissions.models import Submission
from tests.access import policy
from tests.access.conftest import (
    CONFIDENTIAL,
    NOTE,
    P_TITLE,
    PEER_CONFIDENTIAL,
    PEER_REVIEW_TEXT,
    Q_TITLE,
    REMARK,
    REVIEW_TEXT,
    set_phase,
)
from tests.factories import UserFactory
from tests.reviews.conftest import submit_review
from tests.submissions.conftest import submitted_paper
from tests.submissions.pdf_samples import served_text
from tests.submissions.test_publication import camera_ready_data
from workshop import services as workshop_services
from workshop.enums import EmailAudience, EmailKind
from workshop.models import OutboxEmail, Workshop

pytestmark = pytest.mark.django_db

P_AUTHORS = [*policy.P_AUTHOR_NAMES, *policy.P_AUTHOR_EMAILS]
ALL_AUTHORS = [*P_AUTHORS, *policy.Q_AUTHOR_NAMES, *policy.Q_AUTHOR_EMAILS]
P_SECRETS = [*P_AUTHORS, REVIEW_TEXT, PEER_REVIEW_TEXT, CONFIDENTIAL, PEER_CONFIDENTIAL, NOTE, REMARK]


def url(name, *args, slug="calm"):
    return reverse(name, args=[slug, *args])


def page(client, user, address, **params):
    client.force_login(user)
    response = client.get(address, params)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def numbers_listed(html):
    """The paper numbers of a list's rows, in order (the chairs' list, the bidding cards)."""
    return [int(n) for n in re.findall(r'data-number="(\d+)"', html)]


def direction_counts(html):
    """The numbers of the chairs' "papers per primary direction" table, row by row."""
    table = html.split('id="direction-counts"')[1].split("</table>")[0]
    return re.findall(r'<td class="text-end">(\d+)</td>', table)


def decision_rows(html):
    """(number, row text) of the decisions table, in order."""
    return [(int(n), row) for n, row in re.findall(r'<tr id="paper-(\d+)">(.*?)</tr>', html, re.S)]


# --- search results and counts --------------------------------------------------------------


AUTHOR_SEARCHES = ["Ada Author", "Ada", "Coauthor", "author@uni-a.example", "uni-a", "Otto"]


@pytest.mark.parametrize("world", ["bidding"], indirect=True)
@pytest.mark.parametrize("persona", ["chair", "conflicted_chair"])
def test_the_chairs_search_finds_no_paper_by_an_authors_name(client, world, persona):
    chair = world.cast[persona]

    found = {q: numbers_listed(page(client, chair, url("submissions:chair_list"), q=q)) for q in AUTHOR_SEARCHES}
    exported = {q: page(client, chair, url("submissions:chair_csv"), q=q).splitlines()[1:] for q in AUTHOR_SEARCHES}
    by_title = numbers_listed(page(client, chair, url("submissions:chair_list"), q="parrots"))

    assert found == {q: [] for q in AUTHOR_SEARCHES}
    assert exported == {q: [] for q in AUTHOR_SEARCHES}
    assert by_title == [world.paper.number]  # the search works: by title


@pytest.mark.parametrize("world", ["bidding"], indirect=True)
@pytest.mark.parametrize("persona", ["reviewer", "bystander_reviewer", "conflicted_reviewer"])
def test_the_bidding_search_finds_no_paper_by_an_authors_name(client, world, persona):
    reviewer = world.cast[persona]

    found = {q: numbers_listed(page(client, reviewer, url("reviews:bidding"), q=q)) for q in AUTHOR_SEARCHES}
    everything = numbers_listed(page(client, reviewer, url("reviews:bidding")))

    assert found == {q: [] for q in AUTHOR_SEARCHES}
    assert everything == ([world.other_paper.number] if persona == "conflicted_reviewer" else [1, 2])


@pytest.mark.parametrize("world", ["bidding"], indirect=True)
def test_the_conflicted_reviewer_counts_no_hidden_paper(client, world):
    html = page(client, world.cast["conflicted_reviewer"], url("reviews:bidding"))

    assert "You have bid on 0 of 1 paper." in html


@pytest.mark.parametrize("world", ["bidding"], indirect=True)
def test_the_conflicted_chairs_counts_and_filters_leave_out_the_hidden_paper(client, world):
    chair = page(client, world.cast["chair"], url("submissions:chair_list"))
    conflicted = page(client, world.cast["conflicted_chair"], url("submissions:chair_list"))
    filters = [("status", "submitted"), ("direction", world.paper.primary_direction.slug), ("flag", "yes")]
    filtered = {
        name: numbers_listed(page(client, world.cast["conflicted_chair"], url("submissions:chair_list"), **{name: v}))
        for name, v in filters
    }

    assert direction_counts(chair)[:2] == ["2", "2"]  # both papers have the first direction
    assert direction_counts(conflicted)[:2] == ["1", "1"]
    assert "The 1 paper you are in conflict with is not counted here or in the chart." in conflicted
    assert filtered == {"status": [world.other_paper.number], "direction": [world.other_paper.number], "flag": []}


@pytest.mark.parametrize("world", ["decisions", "released"], indirect=True)
def test_the_conflicted_chairs_decision_counts_do_not_tell_the_hidden_decision(client, world):
    """With Q rejected in plain sight, "1 accepted" would say that P is accepted."""
    pages = [
        page(client, world.cast["conflicted_chair"], url(name)) for name in ("reviews:decisions", "reviews:release")
    ]
    chair_pages = [page(client, world.cast["chair"], url(name)) for name in ("reviews:decisions", "reviews:release")]

    if world.phase == "decisions":
        assert "1 accepted and 1 rejected wait for the release" in chair_pages[0]
        assert "0 accepted and 1 rejected wait for the release" in pages[0]
        assert "1 accepted paper: 2 author addresses get the acceptance email." in chair_pages[1]
        assert "0 accepted papers: 0 author addresses get the acceptance email." in pages[1]
        assert "1 decision on a paper you are in conflict with" in pages[1]
    for html in pages:
        assert [row for number, row in decision_rows(html) if number == world.paper.number and "Accept" in row] == []


@pytest.mark.parametrize("world", ["reviewing"], indirect=True)
def test_the_authors_pages_list_only_the_emails_sent_to_the_authors(client, world):
    """The outbox rows about P include those to its reviewers and chairs, whose subjects name the
    reviewers ("Rita Reviewer submitted a review of paper #1"): the authors' pages once listed them."""
    detail = page(client, world.cast["author"], url("submissions:detail", world.paper.pk))
    listed = page(client, world.cast["author"], reverse("my_submissions"))
    chairs = page(client, world.cast["chair"], url("submissions:chair_detail", world.paper.pk))

    emails = detail.split('id="emails"')[1].split("</ul>")[0]
    assert f"Submission #{world.paper.number} received: {P_TITLE}" in emails
    hidden = ["Rita Reviewer", "Petra Peer", "submitted a review", "Another review", "A new comment"]
    assert [text for text in hidden if text in emails or text in listed] == []
    assert f"Rita Reviewer submitted a review of paper #{world.paper.number}" in chairs


def emails_listed(detail, listed):
    """The emails the author's paper page and "my papers" page list (subjects, newest first)."""
    section = detail.split('id="emails"')[1].split("</ul>")[0]
    rows = listed.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"— (.*?) <span", section), re.findall(r"<td class=\"small\">(.*?)</td>", rows)


@pytest.mark.parametrize("world", ["released"], indirect=True)
@pytest.mark.parametrize("added", ["chair", "peer"])
def test_an_address_added_at_camera_ready_brings_no_email_onto_the_authors_pages(client, world, added):
    """The camera-ready form lets authors add anyone: with a chair's address the page once listed
    "Rita Reviewer submitted a review of paper #1"; with a reviewer's, "Another review of paper #1
    is in" (whether they review it). The pages list the emails sent to the authors at the time."""
    author, paper = world.cast["author"], world.paper
    person = {"chair": world.cast["chair"], "peer": world.peer}[added]
    pages = (url("submissions:detail", paper.pk), reverse("my_submissions"))
    before = emails_listed(*(page(client, author, address) for address in pages))
    rows = [(a.name, a.email, a.affiliation) for a in paper.authors.order_by("order")]
    client.post(
        url("submissions:camera_ready", paper.pk),
        camera_ready_data(paper, authors=[*rows, (person.name, person.email, "")]),
    )

    after = emails_listed(*(page(client, author, address) for address in pages))

    assert person.email in set(paper.authors.values_list("email", flat=True))
    assert f"[CaLM] Submission #{paper.number} received: {P_TITLE}" in before[0]
    assert after == before


# --- sort orders ----------------------------------------------------------------------------


@pytest.mark.parametrize("world", ["decisions"], indirect=True)
def test_sorting_by_score_does_not_place_the_conflicted_paper(client, world):
    """P's mean score (4.5) is the highest: sorted by score, it would come first for the chair who
    must not see it, and last the other way round. It stays last both ways, without a score."""
    workshop = Workshop.objects.get(pk=world.workshop.pk)
    set_phase(workshop, "submission")
    third = submitted_paper(workshop, UserFactory(email="third@uni-t.example", name="Tess Third"), title="Third")
    set_phase(workshop, "reviewing")
    submit_review(third, world.cast["reviewer"], overall=3)
    set_phase(workshop, "decisions")

    orders = {
        (persona, sort): [
            n for n, _ in decision_rows(page(client, world.cast[persona], url("reviews:decisions"), sort=sort))
        ]
        for persona in ("chair", "conflicted_chair")
        for sort in ("score", "-score")
    }

    assert orders[("chair", "score")] == [1, 3, 2]  # 4.5, 3, 2
    assert orders[("chair", "-score")] == [2, 3, 1]
    assert orders[("conflicted_chair", "score")] == [3, 2, 1]
    assert orders[("conflicted_chair", "-score")] == [2, 3, 1]
    conflicted = page(client, world.cast["conflicted_chair"], url("reviews:decisions"), sort="score")
    assert "4.50" not in conflicted and "4.5" not in conflicted


@pytest.mark.parametrize("world", ["decisions"], indirect=True)
def test_sorting_by_status_or_score_leaves_the_conflicted_paper_last_or_out(client, world):
    submission_services.transition(
        submission=world.other_paper, to=SubmissionStatus.DESK_REJECTED, by=world.cast["chair"], reason="Scope."
    )

    orders = [
        numbers_listed(page(client, world.cast["conflicted_chair"], url("submissions:chair_list"), ordering=ordering))
        for ordering in ("status", "-status")
    ]
    dashboard = page(client, world.cast["conflicted_chair"], url("reviews:dashboard"), sort="-mean")

    assert orders == [[2, 1], [2, 1]]
    assert P_TITLE not in dashboard


# --- exports ----------------------------------------------------------------------------------


def exports(world):
    return [
        url("submissions:chair_csv"),
        *[reverse("submissions:export", args=["calm", "submissions", fmt]) for fmt in ("csv", "json")],
        *[url(name, fmt) for name in ("reviews:export_reviews", "reviews:export_decisions") for fmt in ("csv", "json")],
        url("reviews:dashboard_csv"),
    ]


@pytest.mark.parametrize("world", ["published"], indirect=True)
def test_the_conflicted_chairs_exports_hold_nothing_of_the_hidden_paper(client, world):
    chairs = {address: page(client, world.cast["chair"], address) for address in exports(world)}
    conflicted = {address: page(client, world.cast["conflicted_chair"], address) for address in exports(world)}

    assert all(any(secret in text for text in chairs.values()) for secret in [*P_AUTHORS, REVIEW_TEXT, NOTE])
    assert {a: [s for s in P_SECRETS if s in text] for a, text in conflicted.items()} == {a: [] for a in conflicted}
    decisions = json.loads(conflicted[url("reviews:export_decisions", "json")])["decisions"]
    assert [row for row in decisions if row.get("number") == world.paper.number and row.get("outcome")] == []
    rows = list(csv.reader(io.StringIO(conflicted[url("reviews:export_decisions", "csv")])))
    assert [
        row for row in rows if row and row[0] == str(world.paper.number) and "accept" in " ".join(row).lower()
    ] == []


@pytest.mark.parametrize("world", ["published"], indirect=True)
@pytest.mark.parametrize("persona", ["reviewer", "bystander_reviewer", "conflicted_reviewer"])
def test_a_reviewer_can_download_nothing_that_names_an_author(client, world, persona):
    client.force_login(world.cast[persona])
    downloads = [
        *exports(world),
        url("reviews:paper_pdf", world.paper.pk),
        url("reviews:paper_pdf", world.other_paper.pk),
    ]
    downloads.append(reverse("submissions:download", args=["calm", world.paper.pk, world.paper_file.pk]))

    answers = {}
    for address in downloads:
        response = client.get(address)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        answers[address] = (response.status_code, [name for name in ALL_AUTHORS if name.encode() in body])

    opened = {address for address, (status, _) in answers.items() if status == 200}
    assert opened == (set(downloads[-3:-1]) if persona == "reviewer" else set())
    assert {address: found for address, (_, found) in answers.items() if found} == {}


# --- served files and PDF metadata -------------------------------------------------------------


@pytest.mark.parametrize("world", ["reviewing"], indirect=True)
@pytest.mark.parametrize(
    "persona, address",
    [
        ("reviewer", lambda w: url("reviews:paper_pdf", w.paper.pk)),
        ("chair", lambda w: reverse("submissions:download", args=["calm", w.paper.pk, w.paper_file.pk])),
    ],
)
def test_the_blind_copy_of_a_paper_is_paper_n_without_metadata(client, world, persona, address):
    """The author's PDF names them in its metadata (/Author, /Creator); their copy keeps it."""
    client.force_login(world.cast[persona])

    response = client.get(address(world))
    body = b"".join(response.streaming_content)
    reader = PdfReader(io.BytesIO(body))

    assert response["Content-Disposition"] == f'attachment; filename="paper-{world.paper.number}.pdf"'
    assert not reader.metadata and reader.xmp_metadata is None
    assert reader.pages[0].extract_text() == "Anonymous submission"
    assert [name for name in ["Ada", "Author", "laptop", "Coauthor"] if name.encode() in served_text(body)] == []
    client.force_login(world.cast["author"])
    own = b"".join(
        client.get(
            reverse("submissions:download", args=["calm", world.paper.pk, world.paper_file.pk])
        ).streaming_content
    )
    assert PdfReader(io.BytesIO(own)).metadata["/Author"] == "Ada Author"


# --- error pages ------------------------------------------------------------------------------

MISSING = 987654


@pytest.mark.parametrize("world", ["reviewing"], indirect=True)
@pytest.mark.parametrize(
    "persona, method, hidden, missing",
    [
        ("bystander_reviewer", "get", ("reviews:review", "P"), ("reviews:review", MISSING)),
        ("bystander_reviewer", "get", ("reviews:paper_pdf", "P"), ("reviews:paper_pdf", MISSING)),
        ("bystander_reviewer", "get", ("reviews:discussion", "P"), ("reviews:discussion", MISSING)),
        ("conflicted_reviewer", "post", ("reviews:bid", "P"), ("reviews:bid", MISSING)),
        ("conflicted_chair", "get", ("submissions:chair_detail", "P"), ("submissions:chair_detail", MISSING)),
        ("conflicted_chair", "get", ("reviews:chair_paper_reviews", "P"), ("reviews:chair_paper_reviews", MISSING)),
        ("conflicted_chair", "get", ("reviews:paper_reviewers", "P"), ("reviews:paper_reviewers", MISSING)),
        ("conflicted_chair", "get", ("reviews:discussion", "P"), ("reviews:discussion", MISSING)),
        ("other_author", "get", ("submissions:detail", "P"), ("submissions:detail", MISSING)),
        ("other_author", "get", ("reviews:author_reviews", "P"), ("reviews:author_reviews", MISSING)),
        ("other_workshop_chair", "get", ("submissions:chair_detail", "P"), ("submissions:chair_detail", MISSING)),
        ("author", "get", ("submissions:chair_detail", "P"), ("workshop:settings", None)),
    ],
)
def test_a_hidden_object_answers_exactly_as_a_missing_one(client, world, persona, method, hidden, missing):
    client.force_login(world.cast[persona])
    slug = "other" if persona == "other_workshop_chair" else "calm"

    def answer(name, pk):
        args = [] if pk is None else [world.paper.pk if pk == "P" else pk]
        response = getattr(client, method)(
            url(name, *args, slug=slug), {"value": "eager"} if method == "post" else None
        )
        return response.status_code, response["Content-Type"], response.content

    assert answer(*hidden) == answer(*missing)
    assert answer(*hidden)[0] == 404


@pytest.mark.parametrize("world", ["released"], indirect=True)
def test_before_publication_the_public_pages_tell_nothing(client, world):
    """Decisions are released and P's camera-ready PDF is in, but the chairs have not published."""
    accepted = client.get(url("submissions:accepted"))
    pdf = client.get(url("submissions:camera_ready_pdf", world.paper.number))
    no_pdf = client.get(url("submissions:camera_ready_pdf", MISSING))
    no_workshop = client.get(url("submissions:accepted", slug="no-such-workshop"))
    public = "".join(
        client.get(address).content.decode() for address in ("/", url("workshop:detail"), url("workshop:deadlines_ics"))
    )

    assert (accepted.status_code, pdf.status_code) == (404, 404)
    assert accepted.content == no_workshop.content and pdf.content == no_pdf.content
    assert [text for text in [P_TITLE, Q_TITLE, *ALL_AUTHORS] if text in public] == []


@pytest.mark.parametrize("world", ["published"], indirect=True)
def test_after_publication_the_public_pages_show_the_accepted_paper_only(client, world):
    accepted = client.get(url("submissions:accepted")).content.decode()
    pdf = client.get(url("submissions:camera_ready_pdf", world.paper.number))
    rejected = client.get(url("submissions:camera_ready_pdf", world.other_paper.number))

    assert P_TITLE in accepted and "Ada Author" in accepted and "Cole Coauthor" in accepted
    hidden = [Q_TITLE, *policy.Q_AUTHOR_NAMES, *policy.P_AUTHOR_EMAILS, *policy.REVIEWER_IDENTITIES, REVIEW_TEXT, NOTE]
    assert [text for text in hidden if text in accepted] == []
    assert pdf["Content-Disposition"] == f'inline; filename="calm-{world.paper.number}.pdf"'
    b"".join(pdf.streaming_content)
    assert rejected.status_code == 404


# --- email bodies -------------------------------------------------------------------------------


def more_events():
    """Events beyond the world's, for every kind of email the workflow sends."""

    def submission(world):
        chair, other = world.cast["chair"], world.cast["other_author"]
        newcomer = submission_services.AuthorEntry("Nia Newcomer", "nia@uni-n.example", "University N")
        withdrawn = submitted_paper(world.workshop, other, title="Withdrawn idea", authors=[other, newcomer])
        submission_services.transition(submission=withdrawn, to=SubmissionStatus.WITHDRAWN, by=other)
        rejected = submitted_paper(world.workshop, other, title="Out of scope")
        submission_services.transition(
            submission=rejected, to=SubmissionStatus.DESK_REJECTED, by=chair, reason="Scope."
        )
        workshop_services.set_notification_preferences(user=world.cast["reviewer"], digest_kinds={EmailKind.DISCUSSION})

    def bidding(world):
        ivy = UserFactory(email="ivy@uni-i.example", name="Ivy Invitee")
        reviewer_services.accept_invitation(invitation=world.invitation, user=ivy)
        assignment_services.commit_run(run=world.run, by=world.cast["chair"])

    def reviewing(world):
        paper, chair = world.paper, world.cast["chair"]
        discussion_services.post_comment(
            submission=paper, author=world.cast["reviewer"], text="I agree with the chair."
        )
        discussion_services.post_comment(submission=paper, author=world.peer, text="So do I.")
        late = world.cast["bystander_reviewer"]
        assignment_services.assign_reviewer(submission=world.other_paper, reviewer=late, by=chair)
        reminder_services.remind_late_reviewers(workshop=world.workshop, by=chair)
        reminder_services.send_review_reminders(now=world.workshop.review_deadline - timedelta(days=1))
        assignment_services.unassign_reviewer(submission=world.other_paper, reviewer=late, by=chair)
        later = world.workshop.review_deadline - timedelta(hours=12)
        discussion_services.send_discussion_notices(now=later)
        workshop_services.send_digests(now=later)

    def released(world):
        publication.send_camera_ready_reminders(now=world.workshop.camera_ready_deadline - timedelta(days=1))

    return {"submission": submission, "bidding": bidding, "reviewing": reviewing, "released": released}


@pytest.mark.parametrize("world", [pytest.param(("published", more_events()), id="whole-workflow")], indirect=True)
def test_no_email_names_an_author_to_a_reviewer_nor_a_reviewer_to_an_author(client, world):
    client.post(reverse("account_reset_password"), {"email": "reviewer@uni-d.example"})
    cast = world.cast
    reviewers = {
        u.email for u in [cast["reviewer"], cast["bystander_reviewer"], cast["conflicted_reviewer"], world.peer]
    }
    reviewers.add("ivy@uni-i.example")
    authors = {"author@uni-a.example", "coauthor@uni-b.example", "other.author@uni-c.example", "nia@uni-n.example"}
    author_names = [*policy.P_AUTHOR_NAMES, *policy.Q_AUTHOR_NAMES, "Nia Newcomer"]
    reviewer_names = ["Rita Reviewer", "Petra Peer", "Bea Bystander", "Conrad Conflict", "Ivy Invitee"]

    emails = list(OutboxEmail.objects.all())
    leaks = []
    for email in emails:
        to = {address.lower() for address in [*email.to, *email.cc, *email.bcc]}
        text = " ".join([email.subject, email.body_text, email.body_html])
        if to & reviewers:
            leaks += [(email.template, sorted(to), name) for name in [*author_names, *authors] if name in text]
        if to & authors:
            hidden = [*reviewer_names, *reviewers, CONFIDENTIAL, PEER_CONFIDENTIAL, REMARK]
            leaks += [(email.template, sorted(to), name) for name in hidden if name in text]
        if cast["conflicted_chair"].email in to:
            leaks += [(email.template, sorted(to), name) for name in P_SECRETS if name in text]

    templates = {email.template for email in emails}
    assert templates >= {
        "submission_received",
        "coauthor_invitation",
        "submission_withdrawn",
        "submission_desk_rejected",
        "reviewer_invitation",
        "reviewer_assignment",
        "review_submitted_reviewer",
        "review_submitted_chair",
        "discussion_comment",
        "digest",
        "review_reminder",
        "reviewer_unassigned",
        "decision_accept",
        "decision_reject",
        "camera_ready_reminder",
    }, templates
    assert any(to & reviewers for to in ({a.lower() for a in e.to} for e in emails if e.template == "digest"))
    assert leaks == []


@pytest.mark.parametrize("world", [pytest.param(("published", more_events()), id="whole-workflow")], indirect=True)
def test_every_email_records_to_whom_it_went_and_its_papers(client, world):
    client.post(reverse("account_reset_password"), {"email": "reviewer@uni-d.example"})
    to_authors = {
        "submission_received",
        "coauthor_invitation",
        "submission_withdrawn",
        "submission_desk_rejected",
        "decision_accept",
        "decision_reject",
        "camera_ready_reminder",
    }
    to_reviewers = {"reviewer_assignment", "review_submitted_reviewer", "review_reminder", "reviewer_unassigned"}
    expected = {
        **dict.fromkeys(to_authors, EmailAudience.AUTHORS),
        **dict.fromkeys(to_reviewers, EmailAudience.REVIEWERS),
        "review_submitted_chair": EmailAudience.CHAIRS,
        "reviewer_invitation": EmailAudience.PERSON,
        "digest": EmailAudience.PERSON,
        "": EmailAudience.PERSON,  # allauth's password reset
    }
    numbers = {paper.number: paper.pk for paper in Submission.objects.filter(workshop=world.workshop)}

    emails = OutboxEmail.objects.prefetch_related("papers")

    wrong = []
    for email in emails:
        papers = {link.paper_id for link in email.papers.all()}
        if email.template == "discussion_comment":
            chair = world.cast["chair"].email in email.to
            audience_ok = email.audience == (EmailAudience.CHAIRS if chair else EmailAudience.REVIEWERS)
        else:
            audience_ok = email.audience == expected[email.template]
        # Every paper an outbox row names is recorded (the digest, in no outbox, names its items').
        named = {numbers.get(int(n)) for n in re.findall(r"#(\d+)", f"{email.subject} {email.body_text}")}
        names_unrecorded = email.workshop_id is not None and not named <= papers
        topic = email.topic.removeprefix("submission:")
        if not audience_ok or names_unrecorded or (topic.isdigit() and papers != {int(topic)}):
            wrong.append((email.template, email.audience, sorted(papers), sorted(named, key=str)))
    assert wrong == []
    assert set(expected) - {email.template for email in emails} == set()
