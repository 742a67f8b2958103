"""Authors submit, revise and withdraw through the real form; refusals keep what was there."""

import importlib
import re
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from submissions import services
from submissions.enums import SubmissionStatus
from submissions.models import CoauthorInvitation, Submission
from tests.factories import UserFactory, unconfirmed_claim
from tests.submissions.conftest import submitted_paper
from tests.submissions.pdf_samples import make_pdf
from workshop.models import OutboxEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(cast):
    return cast["author"]


@pytest.fixture
def author_client(client, author):
    client.force_login(author)
    return client


def pdf_upload(name="paper.pdf", content=None, **kwargs):
    return SimpleUploadedFile(name, content if content is not None else make_pdf(**kwargs), "application/pdf")


def form_data(workshop, author, *, action="submit", coauthors=(), **overrides):
    direction = workshop.directions.get(slug="in")
    data = {
        "title": "Do large models know causes?",
        "abstract": "We test whether large models capture causal knowledge.",
        "keywords": "causality, LLMs",
        "tldr": "They partly do.",
        "primary_direction": direction.pk,
        "conflict_domains": "",
        "agreed_anonymity": "on",
        "creation_key": str(uuid.uuid4()),
        "action": action,
        "paper": pdf_upload(),
        "authors-TOTAL_FORMS": 1 + len(coauthors),
        "authors-INITIAL_FORMS": 0,
        "authors-MIN_NUM_FORMS": 0,
        "authors-MAX_NUM_FORMS": 1000,
        "authors-0-name": author.name,
        "authors-0-email": author.email,
        "authors-0-affiliation": "Uni A",
        "authors-0-ORDER": 1,
    }
    for i, (name, email) in enumerate(coauthors, start=1):
        data.update({f"authors-{i}-name": name, f"authors-{i}-email": email, f"authors-{i}-ORDER": i + 1})
    return {**data, **overrides}


def submit(client, workshop, author, **kwargs):
    return client.post(
        reverse("submissions:new", args=[workshop.slug]), form_data(workshop, author, **kwargs), follow=True
    )


def test_author_submits_a_paper_and_every_author_is_emailed(
    author_client, workshop, author, cast, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            author_client,
            workshop,
            author,
            coauthors=[("Cole Coauthor", cast["coauthor"].email), ("Nia New", "nia@uni-n.example")],
        )

    submission = Submission.objects.get()
    assert "Your paper is submitted as #1." in response.content.decode()
    assert (submission.number, submission.status) == (1, SubmissionStatus.SUBMITTED)
    assert [a.email for a in submission.authors.all()] == [author.email, cast["coauthor"].email, "nia@uni-n.example"]
    paper = submission.files.get()
    assert (paper.version, paper.page_count, paper.original_name) == (1, 1, "paper.pdf")
    assert paper.file.name.startswith(f"submissions/{workshop.pk}/") and "paper" not in paper.file.name
    received = OutboxEmail.objects.get(template="submission_received")
    assert received.to == [author.email, cast["coauthor"].email]  # Nia, without an account, is invited instead
    assert received.subject == "[CaLM] Submission #1 received: Do large models know causes?"
    invitation = OutboxEmail.objects.get(template="coauthor_invitation")
    assert invitation.to == ["nia@uni-n.example"] and "sign up with this email address" in invitation.body_text
    assert {m.subject for m in mailoutbox} == {received.subject, invitation.subject}


def test_saving_a_paper_again_and_again_mails_a_listed_stranger_once(author_client, workshop, author):
    submission = services_submit(workshop, author, coauthors=[("Victim", "victim@uni-v.example")])

    for title in ("Second title", "Third title", "Fourth title"):
        current = Submission.objects.get(pk=submission.pk)
        author_client.post(
            reverse("submissions:edit", args=["calm", submission.pk]), edit_data(current, author, title=title)
        )

    to_victim = [email.template for email in OutboxEmail.objects.order_by("id") if "victim@uni-v.example" in email.to]
    assert to_victim == ["coauthor_invitation"]
    updates = OutboxEmail.objects.filter(template="submission_updated")
    assert updates.count() == 3 and all(email.to == [author.email] for email in updates)


def test_a_desk_rejection_reaches_every_listed_author(workshop, author, cast):
    submission = services_submit(workshop, author, coauthors=[("Victim", "victim@uni-v.example")])

    services.transition(
        submission=submission, to=SubmissionStatus.DESK_REJECTED, by=cast["chair"], reason="Out of scope."
    )

    rejected = OutboxEmail.objects.get(template="submission_desk_rejected")
    assert rejected.to == [author.email, "victim@uni-v.example"]


def test_coauthor_with_an_account_sees_the_paper_and_others_do_not(client, workshop, author, cast):
    submission = services_submit(workshop, author, coauthors=[("Cole", cast["coauthor"].email)])
    url = submission.get_absolute_url()

    client.force_login(cast["coauthor"])
    assert "Do large models know causes?" in client.get(url).content.decode()
    client.force_login(cast["other_author"])
    assert client.get(url).status_code == 404


def test_coauthor_whose_address_someone_else_claimed_unconfirmed_is_still_invited(client, workshop, author):
    mallory = unconfirmed_claim("nia@uni-n.example")

    submission = services_submit(workshop, author, coauthors=[("Nia New", "nia@uni-n.example")])

    invitation = OutboxEmail.objects.get(template="coauthor_invitation")
    assert invitation.to == ["nia@uni-n.example"]
    client.force_login(mallory)
    assert client.get(submission.get_absolute_url()).status_code == 404


def test_draft_needs_no_pdf_and_gets_no_number(author_client, workshop, author):
    data = form_data(workshop, author, action="draft")
    del data["paper"]

    response = author_client.post(reverse("submissions:new", args=["calm"]), data, follow=True)

    submission = Submission.objects.get()
    assert "Your draft is saved. It is not submitted yet." in response.content.decode()
    assert (submission.status, submission.number) == (SubmissionStatus.DRAFT, None)


def test_submit_without_pdf_or_confirmation_says_what_is_missing(author_client, workshop, author):
    data = form_data(workshop, author)
    del data["paper"], data["agreed_anonymity"]

    html = author_client.post(reverse("submissions:new", args=["calm"]), data).content.decode()

    assert "Upload the paper&#x27;s PDF to submit (or save a draft without it)." in html
    assert "Confirm this to submit." in html
    assert Submission.objects.count() == 0


BAD_FILES = {
    "not a pdf": (b"\x89PNG\r\n\x1a\n" + b"0" * 500, "not a PDF"),
    "empty": (b"", "empty"),
    "truncated": (make_pdf(pages=3)[:600], "damaged or incomplete"),
    "encrypted": (make_pdf(encrypt="secret"), "password-protected"),
    "too many pages": (make_pdf(pages=10), "the limit is 9"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_pdf_is_refused_with_a_message_and_nothing_is_saved(author_client, workshop, author, case):
    content, message = BAD_FILES[case]

    html = author_client.post(
        reverse("submissions:new", args=["calm"]), form_data(workshop, author, paper=pdf_upload(content=content))
    ).content.decode()

    assert message in html and "Nothing was saved" in html
    assert Submission.objects.count() == 0


def test_oversized_pdf_is_refused(author_client, workshop, author):
    workshop.max_upload_mb = 1
    workshop.save()

    html = author_client.post(
        reverse("submissions:new", args=["calm"]), form_data(workshop, author, paper=pdf_upload(pad_to_bytes=1_300_000))
    ).content.decode()

    assert "the limit is 1" in html and "Nothing was saved" in html
    assert Submission.objects.count() == 0


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_new_version_keeps_the_previous_version_intact(author_client, workshop, author, case):
    submission = services_submit(workshop, author)
    before = submission.files.get()
    content, message = BAD_FILES[case]
    data = edit_data(submission, author, paper=pdf_upload(content=content))

    html = author_client.post(reverse("submissions:edit", args=["calm", submission.pk]), data).content.decode()

    assert message in html
    assert list(submission.files.values_list("pk", "sha256")) == [(before.pk, before.sha256)]
    assert before.file.storage.exists(before.file.name)


def test_new_version_is_kept_beside_the_old_one(author_client, workshop, author, django_capture_on_commit_callbacks):
    submission = services_submit(workshop, author)

    with django_capture_on_commit_callbacks(execute=True):
        response = author_client.post(
            reverse("submissions:edit", args=["calm", submission.pk]),
            edit_data(submission, author, paper=pdf_upload("v2.pdf", pages=2)),
            follow=True,
        )

    assert "Your changes are saved" in response.content.decode()
    assert list(submission.files.values_list("version", "page_count", "original_name")) == [
        (2, 2, "v2.pdf"),
        (1, 1, "paper.pdf"),
    ]
    assert OutboxEmail.objects.filter(template="submission_updated", topic=f"submission:{submission.pk}").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x" * 251, "Shorten the title to 250 characters (it has 251)."),
        ("primary_direction", "", "Choose the paper&#x27;s primary direction."),
        ("abstract", "word " * 301, "The abstract has 301 words; the limit is 300."),
    ],
)
def test_bad_fields_are_refused_with_a_message(author_client, workshop, author, field, value, message):
    html = author_client.post(
        reverse("submissions:new", args=["calm"]), form_data(workshop, author, **{field: value})
    ).content.decode()

    assert message in html
    assert Submission.objects.count() == 0


def test_a_direction_of_another_workshop_is_refused(author_client, workshop, other_workshop, author):
    foreign = other_workshop.directions.get(slug="in")

    html = author_client.post(
        reverse("submissions:new", args=["calm"]), form_data(workshop, author, primary_direction=foreign.pk)
    ).content.decode()

    assert "Choose one of this workshop&#x27;s directions." in html
    assert Submission.objects.count() == 0


def test_the_same_author_email_twice_is_refused(author_client, workshop, author):
    html = author_client.post(
        reverse("submissions:new", args=["calm"]),
        form_data(workshop, author, coauthors=[("Again", author.email.upper())]),
    ).content.decode()

    assert f"The same email, {author.email}, is listed for two authors" in html
    assert Submission.objects.count() == 0


def test_submitter_must_list_themself(author_client, workshop, author):
    html = author_client.post(
        reverse("submissions:new", args=["calm"]),
        form_data(workshop, author, **{"authors-0-email": "someone.else@uni.example"}),
    ).content.decode()

    assert "List yourself among the authors with your account email" in html
    assert Submission.objects.count() == 0


def test_double_click_on_submit_makes_one_submission(author_client, workshop, author):
    data = form_data(workshop, author)
    second = {**data, "paper": pdf_upload()}

    author_client.post(reverse("submissions:new", args=["calm"]), data)
    response = author_client.post(reverse("submissions:new", args=["calm"]), second, follow=True)

    assert Submission.objects.count() == 1
    assert "#1: Do large models know causes?" in response.content.decode()


def test_numbers_follow_each_other_without_gaps(workshop, author):
    numbers = [services_submit(workshop, author, title=f"Paper {i}").number for i in range(3)]
    draft = services_submit(workshop, author, submit=False)

    services.transition(submission=draft, to=SubmissionStatus.SUBMITTED, by=author)

    assert numbers == [1, 2, 3]
    assert Submission.objects.get(pk=draft.pk).number == 4


def test_edit_one_second_after_deadline_and_grace_is_refused(author_client, workshop, author):
    submission = services_submit(workshop, author)
    workshop.grace_minutes = 10
    workshop.submission_deadline = timezone.now() - timedelta(minutes=10, seconds=1)
    workshop.save()

    response = author_client.post(
        reverse("submissions:edit", args=["calm", submission.pk]),
        edit_data(submission, author, title="Too late"),
        follow=True,
    )

    assert "The submission deadline has passed" in response.content.decode()
    assert Submission.objects.get().title == "Do large models know causes?"


def test_may_edit_edges_at_deadline_plus_grace(workshop, author):
    submission = services_submit(workshop, author)
    submission.workshop.grace_minutes = 10
    end = workshop.submission_deadline + timedelta(minutes=10)

    assert services.may_edit(submission, now=end) is True
    assert services.may_edit(submission, now=end + timedelta(seconds=1)) is False


def test_chair_extension_reopens_editing_for_one_paper(workshop, author, cast):
    submission = services_submit(workshop, author)
    other = services_submit(workshop, author, title="Other")
    workshop.submission_deadline = timezone.now() - timedelta(days=1)
    workshop.save()

    services.extend_deadline(submission=submission, until=timezone.now() + timedelta(days=2), by=cast["chair"])

    assert services.may_edit(Submission.objects.get(pk=submission.pk)) is True
    assert services.may_edit(Submission.objects.get(pk=other.pk)) is False


def test_stale_form_is_refused_and_shows_what_changed(author_client, client, workshop, author, cast):
    submission = services_submit(workshop, author, coauthors=[("Cole", cast["coauthor"].email)])
    stale = edit_data(submission, author, abstract="My new abstract.")
    services.update_submission(
        submission=submission,
        by=cast["coauthor"],
        base_version=submission.version,
        fields={"title": "A sharper title"},
        authors=author_entries(submission),
    )

    html = author_client.post(reverse("submissions:edit", args=["calm", submission.pk]), stale).content.decode()

    assert "was changed by someone else since you opened the form. Nothing was saved." in html
    assert "Title is now: “A sharper title”" in html
    submission.refresh_from_db()
    assert (submission.title, submission.abstract) == (
        "A sharper title",
        "We test whether large models capture causal knowledge.",
    )


def test_withdraw_emails_every_author_and_closes_the_paper(
    author_client, workshop, author, cast, django_capture_on_commit_callbacks
):
    submission = services_submit(workshop, author, coauthors=[("Cole", cast["coauthor"].email)])

    with django_capture_on_commit_callbacks(execute=True):
        response = author_client.post(reverse("submissions:withdraw", args=["calm", submission.pk]), follow=True)

    submission.refresh_from_db()
    assert "The paper is withdrawn." in response.content.decode()
    assert submission.status == SubmissionStatus.WITHDRAWN and not services.may_edit(submission)
    assert OutboxEmail.objects.get(template="submission_withdrawn").to == [author.email, cast["coauthor"].email]


def test_withdrawing_a_decided_paper_is_refused(author_client, workshop, author):
    submission = services_submit(workshop, author)
    Submission.objects.filter(pk=submission.pk).update(status=SubmissionStatus.ACCEPTED)

    response = author_client.post(reverse("submissions:withdraw", args=["calm", submission.pk]), follow=True)

    assert "An accepted paper cannot become withdrawn." in response.content.decode()
    assert Submission.objects.get().status == SubmissionStatus.ACCEPTED


def test_pdf_naming_an_author_warns_the_author_and_flags_it(author_client, workshop, author):
    response = submit(author_client, workshop, author, paper=pdf_upload(metadata={"/Author": author.name}))

    submission = Submission.objects.get()
    assert "Your PDF may reveal who you are" in response.content.decode()
    assert submission.has_anonymity_flag and author.name in submission.anonymity_findings[0]


def test_author_downloads_their_file_as_uploaded(author_client, workshop, author):
    submission = services_submit(workshop, author)
    paper = submission.files.get()

    response = author_client.get(reverse("submissions:download", args=["calm", submission.pk, paper.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="paper.pdf"'
    assert b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_new_submissions_are_refused_after_the_deadline(author_client, workshop, author):
    workshop.submission_deadline = timezone.now() - timedelta(seconds=1)
    workshop.save()

    response = submit(author_client, workshop, author)

    assert "New submissions to this workshop are closed." in response.content.decode()
    assert Submission.objects.count() == 0


def test_my_submissions_lists_papers_across_workshops_in_constant_queries(
    author_client, workshop, other_workshop, author, django_assert_max_num_queries
):
    services_submit(workshop, author)
    with django_assert_max_num_queries(12):
        author_client.get(reverse("my_submissions"))
    for i in range(6):
        services_submit(other_workshop if i % 2 else workshop, author, title=f"Paper {i}")

    with django_assert_max_num_queries(12):
        html = author_client.get(reverse("my_submissions")).content.decode()
    assert len(re.findall(r'href="/(?:calm|other)/papers/\d+/"', html)) == 7
    assert "Paper 5" in html and "AW" in html


def test_the_paper_page_lists_its_emails_in_constant_queries(
    author_client, workshop, author, django_assert_max_num_queries
):
    submission = services_submit(workshop, author)
    pages = [submission.get_absolute_url(), reverse("my_submissions")]
    with django_assert_max_num_queries(13):
        author_client.get(pages[0])
    with django_assert_max_num_queries(12):
        author_client.get(pages[1])
    for n in range(5):
        submission = services.update_submission(
            submission=submission,
            by=author,
            base_version=submission.version,
            fields={"title": f"Revision {n}"},
            authors=author_entries(submission),
        )

    with django_assert_max_num_queries(13):
        detail = author_client.get(pages[0]).content.decode()
    with django_assert_max_num_queries(12):
        listed = author_client.get(pages[1]).content.decode()
    assert detail.split('id="emails"')[1].count("<li>") == 6
    assert "and 3 more" in listed


def test_the_conflict_picker_shows_members_by_name_without_addresses_or_ids(author_client, workshop, author, cast):
    members = [cast[name] for name in ("reviewer", "bystander_reviewer", "conflicted_reviewer", "chair")]
    members.append(cast["conflicted_chair"])
    url = reverse("submissions:new", args=["calm"])

    html = author_client.get(url).content.decode()

    options = re.findall(
        r'name="conflicted_members" value="([^"]*)"\s+id="[^"]+"> <label [^>]+>\s*([^<]*?)\s*</label>', html
    )
    assert [label for _, label in options] == [
        f"{m.name} ({m.affiliation})" for m in sorted(members, key=lambda m: m.name)
    ]
    assert [m.email for m in members if m.email in html] == []
    assert {value for value, _ in options} & {str(m.pk) for m in members} == set()
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value, _ in options)
    assert re.findall(r'name="conflicted_members" value="([^"]*)"', author_client.get(url).content.decode()) == [
        value for value, _ in options
    ]


def test_a_conflict_ticked_in_the_picker_is_recorded_and_shown_ticked_again(author_client, workshop, author, cast):
    html = author_client.get(reverse("submissions:new", args=["calm"])).content.decode()
    labels = dict(
        (label.strip(), value)
        for value, label in re.findall(
            r'name="conflicted_members" value="([^"]*)"[^>]*> <label [^>]+>([^<]*)</label>', html
        )
    )
    ticked = labels[f"Carl Cochair ({cast['conflicted_chair'].affiliation})"]

    author_client.post(
        reverse("submissions:new", args=["calm"]), form_data(workshop, author, conflicted_members=[ticked])
    )

    submission = Submission.objects.get()
    assert list(submission.conflicted_members.all()) == [cast["conflicted_chair"]]
    edit = author_client.get(reverse("submissions:edit", args=["calm", submission.pk])).content.decode()
    assert re.findall(r'name="conflicted_members" value="([^"]*)"\s+id="[^"]+" checked', edit) == [ticked]


@pytest.mark.parametrize("value", ["", "8", "not-a-member", "0" * 32])
def test_an_unknown_picker_value_is_refused_with_a_message(author_client, workshop, author, value):
    response = author_client.post(
        reverse("submissions:new", args=["calm"]), form_data(workshop, author, conflicted_members=[value])
    )

    assert "Choose among the people listed: one you ticked is no longer among them." in response.content.decode()
    assert Submission.objects.count() == 0


# --- helpers: data made through the real services ---------------------------------------------


def author_entries(submission):
    return [services.AuthorEntry(a.name, a.email, a.affiliation) for a in submission.authors.all()]


def services_submit(workshop, author, *, coauthors=(), submit=True, title="Do large models know causes?"):
    entries = [services.AuthorEntry(author.name, author.email, "Uni A")]
    entries += [services.AuthorEntry(name, email) for name, email in coauthors]
    return services.create_submission(
        workshop=workshop,
        by=author,
        creation_key=uuid.uuid4(),
        authors=entries,
        submit=submit,
        fields={
            "title": title,
            "abstract": "We test whether large models capture causal knowledge.",
            "primary_direction": workshop.directions.get(slug="in"),
            "agreed_anonymity": True,
        },
        paper=services.check_paper(pdf_upload(), workshop=workshop),
    )


def edit_data(submission, author, **overrides):
    data = form_data(submission.workshop, author, action="save", **overrides)
    data.pop("creation_key")
    if "paper" not in overrides:
        data.pop("paper")
    authors = list(submission.authors.all())
    data["authors-TOTAL_FORMS"] = len(authors)
    for i, a in enumerate(authors):
        data.update(
            {
                f"authors-{i}-name": a.name,
                f"authors-{i}-email": a.email,
                f"authors-{i}-affiliation": a.affiliation,
                f"authors-{i}-ORDER": i + 1,
            }
        )
    data["version"] = submission.version
    data.setdefault("title", submission.title)
    return data


def test_withdrawn_paper_cannot_get_an_extension(workshop, author, cast):
    submission = services_submit(workshop, author)
    services.transition(submission=submission, to=SubmissionStatus.WITHDRAWN, by=author)

    with pytest.raises(services.SubmissionRefused, match="This paper is withdrawn; its deadline cannot be extended"):
        services.extend_deadline(submission=submission, until=timezone.now() + timedelta(days=2), by=cast["chair"])

    assert Submission.objects.get().deadline_extension is None


def test_a_draft_is_submitted_later_from_the_edit_page(
    author_client, workshop, author, django_capture_on_commit_callbacks
):
    draft = services_submit(workshop, author, submit=False)
    data = edit_data(draft, author)
    data["action"] = "submit"

    with django_capture_on_commit_callbacks(execute=True):
        response = author_client.post(reverse("submissions:edit", args=["calm", draft.pk]), data, follow=True)

    draft.refresh_from_db()
    assert "Your paper is submitted as #1." in response.content.decode()
    assert (draft.status, draft.number) == (SubmissionStatus.SUBMITTED, 1)
    assert list(OutboxEmail.objects.values_list("template", flat=True)) == ["submission_received"]


def test_record_decision_moves_the_status_once_and_emails_nobody(workshop, author, cast):
    paper = submitted_paper(workshop, author)
    emails_before = OutboxEmail.objects.count()

    services.record_decision(submission=paper, accepted=True, by=cast["chair"], presentation="oral", note="Well done.")
    again = services.record_decision(submission=paper, accepted=True, by=cast["chair"], presentation="oral")

    assert (again.status, again.presentation, again.decision_note) == ("accepted", "oral", "Well done.")
    assert again.version == paper.version + 1
    assert OutboxEmail.objects.count() == emails_before
    with pytest.raises(services.SubmissionRefused, match="An accepted paper cannot become rejected"):
        services.transition(submission=paper, to="rejected", by=cast["chair"])


# --- co-author invitations: one per paper, few a day, no name typed by someone else --------------


def edit_with_coauthors(submission, author, coauthors):
    data = form_data(submission.workshop, author, action="save", coauthors=coauthors)
    del data["creation_key"], data["paper"]
    data["version"] = submission.version
    return data


def coauthor_invitations(to):
    return list(OutboxEmail.objects.filter(template="coauthor_invitation", to=[to]))


def messages_on(response):
    return [str(message) for message in response.context["messages"]]


def test_coauthor_taken_off_and_listed_again_is_invited_once_and_the_author_is_told(
    author_client, workshop, author, django_capture_on_commit_callbacks
):
    victim = [("Victim", "victim@uni-v.example")]
    submission = services_submit(workshop, author, coauthors=victim)
    edit_url = reverse("submissions:edit", args=[workshop.slug, submission.pk])

    for _ in range(3):
        submission.refresh_from_db()
        author_client.post(edit_url, edit_with_coauthors(submission, author, []), follow=True)
        submission.refresh_from_db()
        response = author_client.post(edit_url, edit_with_coauthors(submission, author, victim), follow=True)

    assert len(coauthor_invitations("victim@uni-v.example")) == 1
    assert messages_on(response) == [
        "Your changes are saved; the authors with an account get an email about them.",
        "victim@uni-v.example was invited to sign up for this paper before, so we did not email them again. "
        "They are still listed as an author and see the paper once they sign up with that address.",
    ]
    assert [a.email for a in submission.authors.all()] == [author.email, "victim@uni-v.example"]


def test_an_address_gets_at_most_three_coauthor_invitations_a_day(workshop):
    victim = [("Victim", "victim@uni-v.example")]

    papers = [services_submit(workshop, UserFactory(), coauthors=victim) for _ in range(4)]

    assert len(coauthor_invitations("victim@uni-v.example")) == 3
    assert [len(paper.coauthor_notices) for paper in papers] == [0, 0, 0, 1]
    assert (
        papers[3]
        .coauthor_notices[0]
        .startswith(
            "victim@uni-v.example has had 3 invitations to sign up in the last day, the most we send, so we did not "
            "email them. They are still listed as an author"
        )
    )
    assert papers[3].authors.filter(email="victim@uni-v.example").exists()


def test_an_address_may_be_invited_again_for_another_paper_a_day_later(workshop):
    victim = [("Victim", "victim@uni-v.example")]
    for _ in range(3):
        services_submit(workshop, UserFactory(), coauthors=victim)
    CoauthorInvitation.objects.update(sent_at=F("sent_at") - timedelta(days=1))  # a day passes

    paper = services_submit(workshop, UserFactory(), coauthors=victim)

    assert paper.coauthor_notices == []
    assert len(coauthor_invitations("victim@uni-v.example")) == 4


def test_an_author_invites_a_limited_number_of_coauthors_a_day(workshop, author, monkeypatch):
    monkeypatch.setattr(services, "COAUTHOR_INVITATIONS_PER_INVITER_PER_DAY", 2)
    coauthors = [("One", "one@uni-x.example"), ("Two", "two@uni-x.example"), ("Three", "three@uni-x.example")]

    paper = services_submit(workshop, author, coauthors=coauthors)

    sent = OutboxEmail.objects.filter(template="coauthor_invitation").values_list("to", flat=True)
    assert sorted(sent) == [["one@uni-x.example"], ["two@uni-x.example"]]
    assert paper.coauthor_notices == [
        "You have invited 2 co-authors in the last day, the most we send for one person, so we did not email "
        "three@uni-x.example. They are still listed as an author; ask them to sign up with that address."
    ]


def test_coauthor_invitation_carries_no_name_typed_by_the_inviter(workshop):
    spammer = UserFactory(email="spammer@spam.example", name="Free prize http://spam.example/win")

    services_submit(
        workshop, spammer, coauthors=[("Claim your prize: http://spam.example/win", "victim@uni-v.example")]
    )

    [email] = coauthor_invitations("victim@uni-v.example")
    assert email.subject == "[CaLM] You are listed as an author of a paper"
    assert email.body_text.startswith("Hello,\n")
    assert "prize" not in email.body_text and "http://spam.example" not in email.body_text
    assert "Someone who logs in as spammer@spam.example listed this address, victim@uni-v.example," in email.body_text
    assert "We send this invitation once for a paper." in email.body_text


def test_invitations_sent_before_the_limit_existed_count_for_it(workshop, author):
    backfill = importlib.import_module("submissions.migrations.0006_coauthor_invitation")
    paper = services_submit(workshop, author, coauthors=[("Victim", "victim@uni-v.example")])
    sent_at = OutboxEmail.objects.get(template="coauthor_invitation").created_at
    CoauthorInvitation.objects.all().delete()  # as before the migration: only the outbox row

    backfill.record_invitations_already_sent(apps, None)

    assert list(CoauthorInvitation.objects.values_list("submission", "email", "sent_at")) == [
        (paper.pk, "victim@uni-v.example", sent_at)
    ]
