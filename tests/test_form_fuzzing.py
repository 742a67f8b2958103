"""Every user-facing form fuzzed with Hypothesis (issue 6): forms near a valid one, each field kept, left out or
replaced by a generated value (any text but surrogates, huge text, numbers out of range, template and path
syntax, lists), posted through the real views by someone allowed to post them. No answer may be a server error,
and a form that is refused must leave what it would change as it was."""

import os
from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviews.enums import BidValue
from reviews.forms import BulkDecisionForm, MaxLoadForm, RunForm, criteria_initial
from reviews.models import (
    AssignmentRun,
    Bid,
    Comment,
    Decision,
    Invitation,
    ReviewCriterion,
    ReviewerProfile,
)
from reviews.selectors.reviews import criteria_of
from reviews.services import assignments as assignment_services
from submissions.enums import FileKind
from submissions.models import Conflict, Submission
from tests.reviews.conftest import invite, run_now, submit_review, to_bidding, to_reviewing
from tests.submissions.conftest import submitted_paper
from tests.submissions.pdf_samples import make_pdf, make_zip
from tests.submissions.test_author_flow import edit_data, form_data
from tests.submissions.test_publication import accepted_paper, camera_ready_data, to_camera_ready
from workshop.enums import DIGESTIBLE
from workshop.models import EmailTemplate, NotificationPreference, OutboxEmail, User, Workshop
from workshop.services import WORKSHOP_SETTINGS_FIELDS

pytestmark = pytest.mark.django_db

# Per form, the same ones every run (CI stays deterministic); FUZZ_EXAMPLES=500 for a longer, random hunt.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
HUNTING = "FUZZ_EXAMPLES" in os.environ
MISSING = object()

SPECIAL = st.sampled_from(
    [
        *["", " ", "0", "-1", "1.5", "1e309", "-1e309", "nan", "inf", "9" * 40, "-" + "9" * 40, "0x1F", "\u0661\u0662"],
        *["\x00", "\r\n", "null", "None", "true", "[]", "{}", "../../etc/passwd", "%s%s%n", "%(x)s", "{0}"],
        *["{{ workshop.contact_email }}", "{% debug %}", "{% include 'base.html' %}", "{% load static %}"],
        *["{% for %}", "{% extends 'x.html' %}", "{% now 'Y' %}", "{{", "{% if %}", "{% csrf_token %}", "{{ x|y }}"],
        *["<script>alert(1)</script>", "javascript:alert(1)", "//evil.example", "https://evil.example/"],
        *["2026-02-30T25:61:00", "0001-01-01T00:00", "9999-12-31T23:59:59", "2030-01-01T00:00"],
        *["ada@uni.example", "Ada <ada@uni.example>", "a@b", "@", "\u202e", "😀😀😀", "1: Poor\n5: Great"],
        *["in", "for", "draft", "submit", "save", "preview", "reset", "accept", "reject", "eager", "conflict"],
        *["oral", "poster", "yes", "no", "on", "up", "down", "add", "replace", "remove", "lock", "unlock"],
        *["²", "1_000", " 1 ", "+1", "1:0", "²:0", "9" * 40 + ":0", "1:" + "9" * 40, "\u0661:\u0660"],
    ]
)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
NUMBER = st.one_of(st.integers(-3, 30), st.integers(-(2**70), 2**70), st.floats()).map(str)
HUGE = st.builds(
    lambda piece, times: piece * times,
    st.sampled_from(["a", "é ", "😀", "\u202e", "<b>", "9", "x@y.example\n", "1: A\n"]),
    st.integers(1_000, 60_000),
)
VALUE = st.one_of(SPECIAL, TEXT, NUMBER, HUGE)
FILE = st.one_of(
    st.binary(max_size=2048),
    st.sampled_from([b"", make_pdf(), make_pdf()[:300], make_zip(), b"name,email\nAda,ada@uni.example\n"]),
).map(lambda content: SimpleUploadedFile("upload.pdf", content, "application/pdf"))


def near(base, fields=(), *, lists=(), files=()):
    """Forms near the valid form `base`: each of its fields and of `fields` kept, left out or replaced by a
    generated value; a list of them for the names in `lists`; a generated file for the names in `files`."""

    def value(name):
        options = [st.just(MISSING), FILE if name in files else VALUE]
        if name in base:
            options.insert(0, st.just(base[name]))
        if name in lists:
            options.append(st.lists(VALUE, max_size=3))
        return st.one_of(*options)

    names = dict.fromkeys([*base, *fields, *files])
    return st.fixed_dictionaries({name: value(name) for name in names}).map(
        lambda data: {name: value for name, value in data.items() if value is not MISSING}
    )


def fuzz(client, url, forms, *, kept=None, refused=None, after=None, examples=EXAMPLES):
    """Post each generated form to `url`: never a server error. When `refused(response, data)` (by default: the
    form is shown again), `kept()` (what the form may change) is as before. `after(response, data, before)`: more
    checks, given what `kept()` was before the post."""
    refused = refused or (lambda response, data: response.status_code == 200)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not HUNTING,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=forms)
    def post(data):
        before = kept() if kept else None
        response = client.post(url, data)
        assert response.status_code < 500
        if kept is not None and refused(response, data):
            assert kept() == before
        if after is not None:
            after(response, data, before)

    post()


def rows(queryset, *fields):
    return list(queryset.order_by("pk").values_list(*fields))


def as_query_dict(data):
    query = QueryDict(mutable=True)
    for name, value in data.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    return query


@pytest.fixture(autouse=True)
def _messages_in_cookies(settings):
    # Messages of thousands of refused posts would pile up in the session; in a cookie they are dropped.
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def url(name, *args):
    return reverse(name, args=["calm", *args])


# --- authors -----------------------------------------------------------------------------------------------------

AUTHOR_FIELDS = ["authors-0-DELETE", "authors-1-name", "authors-1-email", "authors-1-ORDER", "version"]
SUBMISSION_LISTS = ["secondary_directions", "conflicted_members"]


def test_fuzz_new_submission(login, workshop, cast):
    base = form_data(workshop, cast["author"], action="draft")
    del base["paper"]

    fuzz(
        login(cast["author"]),
        url("submissions:new"),
        near(base, [*AUTHOR_FIELDS, *SUBMISSION_LISTS], lists=SUBMISSION_LISTS, files=["paper", "supplementary"]),
        kept=lambda: Submission.objects.count(),
    )


def test_fuzz_edit_submission(login, workshop, cast):
    paper = submitted_paper(workshop, cast["author"])
    base = edit_data(paper, cast["author"])

    fuzz(
        login(cast["author"]),
        url("submissions:edit", paper.pk),
        near(base, [*AUTHOR_FIELDS, *SUBMISSION_LISTS], lists=SUBMISSION_LISTS, files=["paper", "supplementary"]),
        kept=lambda: (rows(Submission.objects, "version", "title"), rows(paper.files, "pk")),
    )


def test_fuzz_withdraw(login, workshop, cast):
    paper = submitted_paper(workshop, cast["author"])

    fuzz(login(cast["author"]), url("submissions:withdraw", paper.pk), near({}, ["action", "reason", "confirm"]))


def test_fuzz_camera_ready(login, workshop, cast):
    paper = accepted_paper(workshop, cast["author"], cast["chair"])
    to_camera_ready(workshop, timezone.now() + timedelta(days=5))

    fuzz(
        login(cast["author"]),
        url("submissions:camera_ready", paper.pk),
        near(camera_ready_data(paper), AUTHOR_FIELDS, files=["paper"]),
        kept=lambda: (
            rows(Submission.objects, "version", "title"),
            rows(paper.files.filter(kind=FileKind.CAMERA_READY), "pk"),
        ),
    )


def test_fuzz_profile(login, cast):
    user = cast["author"]
    base = {"name": user.name, "affiliation": "Uni A", "email_domains": "uni-a.example", "orcid": "", "expertise": ""}

    fuzz(
        login(user),
        reverse("profile"),
        near(base, ["expertise_directions"], lists=["expertise_directions"]),
        kept=lambda: rows(
            User.objects.filter(pk=user.pk), "name", "affiliation", "email_domains", "orcid", "expertise"
        ),
    )


def test_fuzz_notification_preferences(login, cast):
    user = cast["reviewer"]
    base = {kind.value: "digest" for kind in DIGESTIBLE}

    fuzz(
        login(user),
        reverse("notification_preferences"),
        near(base),
        kept=lambda: rows(NotificationPreference.objects.filter(user=user), "kind", "digest"),
    )


# --- chairs: the workshop ------------------------------------------------------------------------------------------


def settings_form(workshop):
    """The settings form as the page fills it."""
    from workshop.forms import WorkshopSettingsForm

    form, data = WorkshopSettingsForm(instance=workshop), {}
    for name in WORKSHOP_SETTINGS_FIELDS:
        value = form[name].value()
        if isinstance(value, datetime):
            value = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value is not None and value is not False:
            data[name] = "on" if value is True else value
    return data


def test_fuzz_workshop_settings(login, workshop, cast):
    fuzz(
        login(cast["chair"]),
        url("workshop:settings"),
        near(settings_form(workshop)),
        kept=lambda: rows(Workshop.objects.filter(pk=workshop.pk), *WORKSHOP_SETTINGS_FIELDS),
    )


def test_fuzz_directions(login, workshop, cast):
    client = login(cast["chair"])
    direction = workshop.directions.get(slug="in")
    fields = ("slug", "name", "description")
    base = {"slug": "new", "name": "A new direction", "description": ""}

    fuzz(client, url("workshop:directions"), near(base), kept=lambda: workshop.directions.count())
    fuzz(
        client,
        url("workshop:direction_edit", direction.pk),
        near({"slug": "in", "name": direction.name, "description": ""}),
        kept=lambda: rows(workshop.directions.filter(pk=direction.pk), *fields),
    )
    fuzz(client, url("workshop:direction_move", direction.pk), near({"to": "up"}), examples=EXAMPLES // 3)


def test_fuzz_outbox_retry(login, workshop, cast):
    submitted_paper(workshop, cast["author"])  # some emails in the outbox
    emails = [str(pk) for pk in OutboxEmail.objects.values_list("pk", flat=True)]

    fuzz(
        login(cast["chair"]),
        url("workshop:outbox_retry"),
        near({"email": emails}, lists=["email"]),
        examples=EXAMPLES // 2,
    )


# --- chairs: papers ------------------------------------------------------------------------------------------------


def test_fuzz_chair_paper_forms(login, workshop, cast):
    client = login(cast["chair"])
    paper = submitted_paper(workshop, cast["author"])
    member = str(cast["reviewer"].pk)

    fuzz(
        client,
        url("submissions:chair_extend", paper.pk),
        near({"until": "2099-01-01T00:00:00"}),
        kept=lambda: rows(Submission.objects, "deadline_extension", "version"),
        examples=EXAMPLES * 2 // 3,
    )
    fuzz(
        client,
        url("submissions:chair_set_conflict", paper.pk),
        near({"member": member, "is_conflict": "yes", "note": "Same lab"}),
        kept=lambda: rows(Conflict.objects, "user", "is_conflict", "note"),
        examples=EXAMPLES * 2 // 3,
    )
    fuzz(client, url("submissions:chair_clear_conflict", paper.pk), near({"member": member}), examples=EXAMPLES // 2)
    fuzz(
        client,
        url("submissions:chair_desk_reject", paper.pk),
        near({"reason": "Out of scope."}),
        kept=lambda: rows(Submission.objects, "status", "desk_reject_reason"),
        examples=EXAMPLES * 2 // 3,
    )


# --- reviewers: invitations, profiles, bids ------------------------------------------------------------------------


def test_fuzz_invitations(login, workshop, cast):
    def invited():
        return set(Invitation.objects.values_list("email", flat=True))

    def only_people_given(response, data, before):
        # Whatever was posted, the new invitations go to addresses the chair gave, nobody else.
        given = " ".join(str(value) for value in data.values()).lower()
        upload = data.get("csv_file")
        if upload is not None:
            upload.seek(0)
            given += upload.read().decode("utf-8", "replace").lower()
        assert all(email in given for email in invited() - before)

    fuzz(
        login(cast["chair"]),
        url("reviews:chair_reviewers"),
        near({"invitees": "Grace Hopper <grace@navy.example>"}, files=["csv_file"]),
        kept=invited,
        refused=lambda response, data: not any(data.values()),
        after=only_people_given,
    )


def test_fuzz_invitation_links(client, workshop, cast):
    invite(workshop, cast["chair"], "Nova New <nova@uni-n.example>")
    invitation = Invitation.objects.get()

    fuzz(
        client,
        invitation.get_decline_url(),
        near({"reason": "Too busy."}),
        kept=lambda: rows(Invitation.objects, "status", "decline_reason"),
        examples=EXAMPLES * 2 // 3,
    )
    fuzz(
        client,
        invitation.get_accept_url(),
        near({"name": "Nova New", "password1": "a long passphrase 42", "password2": "a long passphrase 42"}),
        kept=lambda: User.objects.count(),
        examples=EXAMPLES * 2 // 3,
    )


def test_fuzz_reviewer_profile(login, workshop, cast):
    reviewer = cast["reviewer"]
    base = {"expertise": "Causal inference.", "own_papers": "", "max_load": "4", "affiliation": "Uni D"}

    fuzz(
        login(reviewer),
        url("reviews:profile"),
        near({**base, "email_domains": "uni-d.example"}, ["directions"], lists=["directions"]),
        kept=lambda: (
            rows(ReviewerProfile.objects, "expertise", "own_papers", "max_load"),
            rows(User.objects.filter(pk=reviewer.pk), "affiliation", "email_domains"),
        ),
    )


def test_fuzz_chair_sets_a_load(login, workshop, cast):
    reviewer = cast["reviewer"]

    fuzz(
        login(cast["chair"]),
        url("reviews:chair_set_load", reviewer.pk),
        near({"max_load": "3"}),
        refused=lambda response, data: not MaxLoadForm(data).is_valid(),
        kept=lambda: rows(ReviewerProfile.objects.filter(user=reviewer), "max_load"),
    )


def test_fuzz_bid(login, workshop, cast):
    paper = submitted_paper(workshop, cast["author"])
    to_bidding(workshop)
    page = url("reviews:bidding")

    def stays_on_the_bidding_page(response, data, before):
        assert response["Location"].startswith(page)

    fuzz(
        login(cast["reviewer"]),
        url("reviews:bid", paper.pk),
        near({"value": BidValue.EAGER, "next": f"{page}?page=1"}),
        refused=lambda response, data: data.get("value") not in BidValue.values,
        kept=lambda: rows(Bid.objects, "value"),
        after=stays_on_the_bidding_page,
    )


# --- chairs: assignment --------------------------------------------------------------------------------------------


@pytest.fixture
def assignment_world(workshop, cast):
    """Two papers in the bidding phase, and a finished automatic run of one review per paper."""
    papers = [submitted_paper(workshop, cast["author"]), submitted_paper(workshop, cast["other_author"])]
    to_bidding(workshop)
    return papers, run_now(workshop, cast["chair"], k=1)


RUN = {
    "reviews_per_paper": "1",
    "affinity_weight": "1",
    "bid_weight": "1",
    "direction_weight": "0.3",
    "threshold": "0.5",
}


def test_fuzz_start_run(login, workshop, cast, assignment_world):
    _, run = assignment_world

    fuzz(
        login(cast["chair"]),
        url("reviews:start_run"),
        near({**RUN, "keep_locked_from": str(run.pk)}, ["fair"]),
        refused=lambda response, data: not RunForm(data, workshop=workshop).is_valid(),
        kept=lambda: AssignmentRun.objects.count(),
        examples=EXAMPLES * 2 // 3,
    )


def test_fuzz_edit_run(login, workshop, cast, assignment_world):
    papers, run = assignment_world
    pair = run.pairs.first()
    reviewer = cast["bystander_reviewer"]
    base = {"action": "add", "reviewer": f"{reviewer.name} <{reviewer.email}>", "submission": str(papers[0].pk)}

    fuzz(
        login(cast["chair"]),
        url("reviews:edit_run", run.pk),
        near({**base, "pair": str(pair.pk), "page": "1"}),
    )


def test_fuzz_manual_assignment(login, workshop, cast, assignment_world):
    client = login(cast["chair"])
    papers, _ = assignment_world
    reviewer = cast["bystander_reviewer"]

    fuzz(
        client,
        url("reviews:paper_reviewers", papers[0].pk),
        near({"reviewer": str(reviewer.pk), "action": "add"}),
        examples=EXAMPLES * 2 // 3,
    )
    fuzz(
        client,
        url("reviews:reviewer_papers", reviewer.pk),
        near({"submission": str(papers[1].pk), "action": "remove"}),
        examples=EXAMPLES * 2 // 3,
    )


# --- reviews, criteria, discussion ---------------------------------------------------------------------------------


@pytest.fixture
def assigned_paper(workshop, cast):
    paper = submitted_paper(workshop, cast["author"])
    to_reviewing(workshop)
    assignment_services.assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])
    return paper


REVIEW = {
    "summary": "A careful study.",
    "strengths": "Clear.",
    "weaknesses": "Small.",
    "questions": "",
    "confidential_comments": "",
    "score_overall": "4",
    "score_confidence": "3",
    "version": "0",
}


def review_rows():
    from reviews.models import Review

    return rows(Review.objects, "version", "status", "summary", "scores")


def test_fuzz_review(login, cast, assigned_paper):
    fuzz(
        login(cast["reviewer"]),
        url("reviews:review", assigned_paper.pk),
        near({**REVIEW, "action": "draft"}),
        kept=review_rows,
    )


def test_fuzz_review_autosave(login, cast, assigned_paper):
    fuzz(
        login(cast["reviewer"]),
        url("reviews:autosave", assigned_paper.pk),
        near(REVIEW),
        refused=lambda response, data: response.status_code != 200,
        kept=review_rows,
    )


def test_fuzz_review_criteria(login, workshop, cast):
    criteria = criteria_initial(criteria_of(workshop))
    base = {"form-TOTAL_FORMS": str(len(criteria)), "form-INITIAL_FORMS": str(len(criteria))}
    for index, criterion in enumerate(criteria):
        for name in ("key", "name", "description", "scale_min", "scale_max", "labels", "ORDER"):
            base[f"form-{index}-{name}"] = str(criterion[name])
        base[f"form-{index}-required"] = "on"

    fuzz(
        login(cast["chair"]),
        url("reviews:review_form"),
        near(base, ["form-0-DELETE", "form-2-name", "form-2-scale_min", "form-2-scale_max"]),
        kept=lambda: rows(ReviewCriterion.objects, "key", "name", "scale_min", "scale_max", "labels", "required"),
    )


def test_fuzz_discussion_comment(login, workshop, cast):
    paper = submitted_paper(workshop, cast["author"])
    to_reviewing(workshop)
    submit_review(paper, cast["reviewer"])

    fuzz(
        login(cast["reviewer"]),
        url("reviews:discussion", paper.pk),
        near({"text": "I agree with the other review."}),
        kept=lambda: Comment.objects.count(),
    )


# --- chairs: decisions and their emails ----------------------------------------------------------------------------


def decision_rows():
    return rows(Decision.objects, "submission", "outcome", "presentation", "note_to_authors", "version")


def test_fuzz_decision(login, workshop, cast):
    paper = submitted_paper(workshop, cast["author"])
    base = {"outcome": "accept", "presentation": "poster", "note": "Well done.", "version": "0"}

    fuzz(
        login(cast["chair"]),
        url("reviews:chair_paper_reviews", paper.pk),
        near(base),
        kept=decision_rows,
    )


def test_fuzz_bulk_decisions(login, workshop, cast):
    papers = [submitted_paper(workshop, cast["author"]), submitted_paper(workshop, cast["other_author"])]
    ticks = [f"{paper.pk}:0" for paper in papers]

    fuzz(
        login(cast["chair"]),
        url("reviews:decisions"),
        near({"outcome": "reject", "presentation": "", "paper": ticks}, lists=["paper"]),
        refused=lambda response, data: not BulkDecisionForm(as_query_dict(data)).is_valid(),
        kept=decision_rows,
    )


def test_fuzz_decision_email_template(login, workshop, cast):
    paper = submitted_paper(workshop, cast["author"])
    submit_review(paper, cast["reviewer"])
    base = {"subject": "Accepted: {paper_title}", "body": "Dear authors,\n\nwell done.\n", "action": "preview"}

    fuzz(
        login(cast["chair"]),
        url("reviews:email_template", "decision_accept"),
        near(base),
        kept=lambda: rows(EmailTemplate.objects, "name", "subject", "body"),
    )


# --- what the fuzzing found, kept as plain cases --------------------------------------------------------------------


def _found(name, persona, data, *, args=lambda world: (), status):
    return pytest.param(name, persona, data, args, status, id=name.split(":")[1])


FOUND = [
    # Ids that are no number, or too large for SQLite: ValueError or OverflowError, a server error.
    _found("workshop:outbox_retry", "chair", {"email": ["", "abc", "9" * 40]}, status=302),
    _found("reviews:start_run", "chair", {**RUN, "keep_locked_from": "abc"}, status=404),
    _found("reviews:edit_run", "chair", {"action": "add", "submission": ""}, args=lambda w: (w["run"].pk,), status=302),
    _found("reviews:decisions", "chair", {"outcome": "reject", "paper": ["²:0", "9" * 40 + ":0"]}, status=302),
    _found("reviews:profile", "reviewer", {"max_load": "", "directions": ["9" * 40]}, status=200),
    _found(
        "submissions:edit", "author", {"secondary_directions": ["9" * 40]}, args=lambda w: (w["paper"].pk,), status=200
    ),
    # 9999-12-31 AoE is in the year 10000 in UTC: OverflowError when saved.
    _found(
        "submissions:chair_extend",
        "chair",
        {"until": "9999-12-31T23:59:59"},
        args=lambda w: (w["paper"].pk,),
        status=200,
    ),
    # A pasted line of 200,000 characters: the csv module refuses fields over 128 KB.
    _found("reviews:chair_reviewers", "chair", {"invitees": "a" * 200_000}, status=200),
]


@pytest.mark.parametrize(("name", "persona", "data", "args", "status"), FOUND)
def test_input_that_once_caused_a_server_error_is_refused(
    login, cast, assignment_world, name, persona, data, args, status
):
    papers, run = assignment_world
    world = {"paper": papers[0], "run": run}
    workshop = papers[0].workshop
    workshop.submission_deadline = timezone.now() + timedelta(days=1)  # the author may still edit
    workshop.save(update_fields=["submission_deadline"])

    response = login(cast[persona]).post(url(name, *args(world)), data)

    assert response.status_code == status
