"""Who may open each chair URL of the submissions app: every URL, every persona of STYLE.md.

The paper's authors declare the conflicted chair: that chair still sees the list (title only for
this paper) but not the paper itself. Denied signed-in users get 404; anonymous visitors are sent
to log in. Denied POSTs change nothing.
"""

from datetime import timedelta

import pytest
from django.urls import reverse

from submissions.enums import SubmissionStatus
from submissions.models import Submission
from tests.conftest import PERSONAS
from tests.submissions.conftest import submitted_paper
from workshop.models import OutboxEmail
from workshop.phases import AOE

pytestmark = pytest.mark.django_db

LIST, PAPER, OWN_FILE = "list", "paper", "own_file"


@pytest.fixture
def paper(workshop, cast):
    return submitted_paper(
        workshop,
        cast["author"],
        authors=[cast["author"], cast["coauthor"]],
        conflicted_members=[cast["conflicted_chair"]],
    )


def extension_data(workshop):
    return {"until": (workshop.submission_deadline + timedelta(days=3)).astimezone(AOE).strftime("%Y-%m-%dT%H:%M:%S")}


def expected_status(rule, persona, allowed_status):
    if persona == "anonymous":
        return 302
    if persona == "chair":
        return allowed_status
    if persona == "conflicted_chair" and rule == LIST:
        return allowed_status
    if rule == OWN_FILE and persona in {"author", "coauthor"}:
        return 200  # the authors' own download, as uploaded
    return 404


@pytest.fixture
def urls(workshop, paper):
    args = ["calm", paper.pk]
    return [
        ("get", reverse("submissions:chair_list", args=["calm"]), {}, LIST, 200),
        ("get", reverse("submissions:chair_csv", args=["calm"]), {}, LIST, 200),
        ("get", reverse("submissions:chair_detail", args=args), {}, PAPER, 200),
        ("get", reverse("submissions:download", args=[*args, paper.files.get().pk]), {}, OWN_FILE, 200),
        ("post", reverse("submissions:chair_extend", args=args), extension_data(workshop), PAPER, 302),
        ("post", reverse("submissions:chair_desk_reject", args=args), {"reason": "Out of scope."}, PAPER, 302),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_chair_submission_url_answers_each_persona_as_designed(client, cast, urls, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    responses = {url: getattr(client, method)(url, data) for method, url, data, _, _ in urls}
    for response in responses.values():
        if response.streaming:  # reading a download to the end closes its file (and nothing else)
            b"".join(response.streaming_content)

    assert {url: r.status_code for url, r in responses.items()} == {
        url: expected_status(rule, persona, allowed) for _, url, _, rule, allowed in urls
    }
    if persona == "anonymous":
        assert all(r["Location"].startswith(reverse("account_login")) for r in responses.values())


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "chair"])
def test_denied_chair_posts_change_nothing(client, cast, workshop, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])
    emails_before = OutboxEmail.objects.count()

    client.post(reverse("submissions:chair_extend", args=["calm", paper.pk]), extension_data(workshop))
    client.post(reverse("submissions:chair_desk_reject", args=["calm", paper.pk]), {"reason": "Out of scope."})

    saved = Submission.objects.get(pk=paper.pk)
    assert (saved.status, saved.deadline_extension, saved.version) == (SubmissionStatus.SUBMITTED, None, paper.version)
    assert OutboxEmail.objects.count() == emails_before


def test_other_workshops_chair_cannot_reach_the_paper_through_their_own_workshop(client, cast, other_workshop, paper):
    client.force_login(cast["other_workshop_chair"])

    responses = [
        client.get(reverse("submissions:chair_detail", args=["other", paper.pk])),
        client.post(reverse("submissions:chair_desk_reject", args=["other", paper.pk]), {"reason": "Mine now."}),
        client.get(reverse("submissions:download", args=["other", paper.pk, paper.files.get().pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert Submission.objects.get(pk=paper.pk).status == SubmissionStatus.SUBMITTED


def test_other_workshops_chair_list_does_not_show_this_workshops_papers(client, cast, other_workshop, paper):
    client.force_login(cast["other_workshop_chair"])

    response = client.get(reverse("submissions:chair_list", args=["other"]))
    export = b"".join(client.get(reverse("submissions:chair_csv", args=["other"])).streaming_content).decode()

    assert paper.title not in response.content.decode()
    assert paper.title not in export


def test_chair_posts_need_post(client, cast, paper):
    client.force_login(cast["chair"])

    response = client.get(reverse("submissions:chair_desk_reject", args=["calm", paper.pk]))

    assert response.status_code == 405
    assert Submission.objects.get(pk=paper.pk).status == SubmissionStatus.SUBMITTED


def test_conflicted_chair_does_not_see_emails_about_the_paper_in_the_outbox(client, cast, workshop):
    from tests.submissions.conftest import submitted_paper
    from workshop.models import OutboxEmail

    paper = submitted_paper(workshop, cast["author"], conflicted_members=[cast["conflicted_chair"]])
    assert OutboxEmail.objects.filter(topic=f"submission:{paper.pk}").exists()
    pages = {}
    for persona in ("chair", "conflicted_chair"):
        client.force_login(cast[persona])
        pages[persona] = client.get(reverse("workshop:outbox", args=["calm"])).content.decode()

    assert paper.title in pages["chair"] and cast["author"].email in pages["chair"]
    assert paper.title not in pages["conflicted_chair"] and cast["author"].email not in pages["conflicted_chair"]
