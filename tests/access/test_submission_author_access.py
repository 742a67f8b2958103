"""Every author-side URL of a paper, for every persona: only its authors see it.

Paper P is by `author` and `coauthor`; the authors declared `conflicted_reviewer` and
`conflicted_chair` in conflict. Chairs reach papers through the chair pages, except the file
download, which serves them the anonymous copy (paper-N.pdf) unless they are in conflict.
"""

import pytest
from django.urls import reverse

from submissions.enums import SubmissionStatus
from submissions.models import Submission
from tests.conftest import PERSONAS
from tests.submissions.conftest import submitted_paper

pytestmark = pytest.mark.django_db

AUTHORS = {"author", "coauthor"}


@pytest.fixture
def paper(workshop, cast):
    return submitted_paper(
        workshop,
        cast["author"],
        authors=[cast["author"], cast["coauthor"]],
        conflicted_members=[cast["conflicted_reviewer"], cast["conflicted_chair"]],
    )


def expected(persona, rule):
    if persona == "anonymous":
        return 302
    if rule == "signed_in" or persona in AUTHORS:
        return 200
    if rule == "download" and persona == "chair":
        return 200
    return 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_author_urls_answer_each_persona_as_designed(client, cast, workshop, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])
    file = paper.files.get()
    urls = {
        reverse("submissions:new", args=["calm"]): "signed_in",
        reverse("my_submissions"): "signed_in",
        reverse("submissions:detail", args=["calm", paper.pk]): "authors",
        reverse("submissions:edit", args=["calm", paper.pk]): "authors",
        reverse("submissions:withdraw", args=["calm", paper.pk]): "authors",
        reverse("submissions:download", args=["calm", paper.pk, file.pk]): "download",
    }

    seen = {}
    for url in urls:
        response = client.get(url)
        seen[url] = response.status_code
        if response.streaming:  # reading a download to the end closes its file (and nothing else)
            b"".join(response.streaming_content)

    assert seen == {url: expected(persona, rule) for url, rule in urls.items()}


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - AUTHORS))
def test_others_cannot_change_or_withdraw_the_paper(client, cast, workshop, paper, persona):
    if cast[persona] is not None:
        client.force_login(cast[persona])

    client.post(reverse("submissions:withdraw", args=["calm", paper.pk]))
    client.post(reverse("submissions:edit", args=["calm", paper.pk]), {"title": "Hijacked"})

    paper.refresh_from_db()
    assert (paper.status, paper.version) == (SubmissionStatus.SUBMITTED, 2)
    assert paper.title != "Hijacked"


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - AUTHORS - {"anonymous"}))
def test_my_submissions_shows_nobody_elses_paper(client, cast, paper, persona):
    client.force_login(cast[persona])

    html = client.get(reverse("my_submissions")).content.decode()

    assert paper.title not in html
    assert "You have no submissions yet." in html


def test_the_paper_of_one_workshop_is_not_found_under_another(client, cast, paper, other_workshop):
    client.force_login(cast["author"])

    response = client.get(reverse("submissions:detail", args=["other", paper.pk]))

    assert response.status_code == 404
    assert Submission.objects.count() == 1
