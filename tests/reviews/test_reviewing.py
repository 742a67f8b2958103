"""Reviews: the form's criteria, drafts, autosave, submission, the deadline, history, the paper's
PDF and the other reviews a reviewer sees once their own is submitted."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reviews.enums import Outcome, ReviewStatus
from reviews.models import Review, ReviewCriterion
from reviews.selectors import criteria_of, reviewer_numbers
from reviews.selectors import reviews as selectors
from reviews.services import assignments as assignment_services
from reviews.services import reviews as services
from reviews.services.decisions import decide, release_decisions
from reviews.services.reviews import CriterionInput
from submissions import services as submission_services
from submissions.enums import Presentation
from tests.factories import member
from tests.reviews.conftest import submit_review, to_reviewing
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(workshop, cast):
    paper = submitted_paper(workshop, cast["author"], title="Causal parrots", abstract="Do models know causes?")
    to_reviewing(workshop)
    assignment_services.assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])
    return paper


def save(paper, reviewer, *, version=None, submit=False, scores=None, **fields):
    return services.save_review(
        submission=paper,
        reviewer=reviewer,
        fields=fields,
        scores={} if scores is None else scores,
        version=version,
        submit=submit,
    )


def review_url(paper, name="review"):
    return reverse(f"reviews:{name}", args=["calm", paper.pk])


def form_data(review=None, *, version=None, action=None, **values):
    data = {
        "summary": "",
        "strengths": "",
        "weaknesses": "",
        "questions": "",
        "confidential_comments": "",
        "version": version if version is not None else (review.version if review else 0),
        **values,
    }
    if action:
        data["action"] = action
    return data


# --- criteria ------------------------------------------------------------------------------------


def test_criteria_default_to_overall_and_confidence_until_saved(workshop):
    criteria = criteria_of(workshop)

    assert [(c.key, c.role, c.scale_min, c.scale_max) for c in criteria] == [
        ("overall", "overall", 1, 5),
        ("confidence", "confidence", 1, 5),
    ]
    assert criteria[0].labels["1"] == "Strong reject" and criteria[0].labels["5"] == "Strong accept"
    assert criteria[1].labels["1"] == "Educated guess" and criteria[1].labels["5"] == "Absolutely certain"
    assert not ReviewCriterion.objects.exists()


def as_inputs(criteria, **changes_by_key):
    """The criteria as the chairs' form would send them back, with some changes by key."""
    return [CriterionInput(**{**_fields(c), **changes_by_key.get(c.key, {})}) for c in criteria]


def _fields(c):
    return {
        "key": c.key,
        "name": c.name,
        "description": c.description,
        "scale_min": c.scale_min,
        "scale_max": c.scale_max,
        "labels": c.labels,
        "required": c.required,
    }


def test_save_criteria_adds_renames_and_rescales_before_any_submitted_review(workshop, cast):
    entries = as_inputs(criteria_of(workshop), overall={"name": "Recommendation", "scale_min": 0, "scale_max": 10})
    entries.append(CriterionInput(name="Clarity", scale_min=1, scale_max=3, labels={"1": "Poor"}, required=False))

    services.save_criteria(workshop=workshop, criteria=entries, by=cast["chair"])

    saved = list(ReviewCriterion.objects.filter(workshop=workshop).values_list("key", "name", "scale_max", "required"))
    assert saved == [
        ("overall", "Recommendation", 10, True),
        ("confidence", "Confidence", 5, True),
        ("clarity", "Clarity", 3, False),
    ]


def test_save_criteria_removes_an_extra_criterion_but_never_overall_or_confidence(workshop, cast):
    services.save_criteria(
        workshop=workshop,
        criteria=[*as_inputs(criteria_of(workshop)), CriterionInput(name="Clarity", scale_min=1, scale_max=3)],
        by=cast["chair"],
    )
    overall, confidence, _ = criteria_of(workshop)

    services.save_criteria(workshop=workshop, criteria=as_inputs([overall, confidence]), by=cast["chair"])
    with pytest.raises(services.ReviewRefused, match="The confidence cannot be removed"):
        services.save_criteria(workshop=workshop, criteria=as_inputs([overall]), by=cast["chair"])

    assert [c.key for c in criteria_of(workshop)] == ["overall", "confidence"]


def test_save_criteria_refuses_a_label_outside_the_scale(workshop, cast):
    entries = as_inputs(criteria_of(workshop), overall={"labels": {"6": "Best paper"}})

    with pytest.raises(services.ReviewRefused, match="the label for 6 is outside the scale 1-5"):
        services.save_criteria(workshop=workshop, criteria=entries, by=cast["chair"])

    assert not ReviewCriterion.objects.exists()


def test_save_criteria_after_a_submitted_review_changes_labels_only(workshop, cast, paper):
    submit_review(paper, cast["reviewer"])
    criteria = criteria_of(workshop)

    services.save_criteria(
        workshop=workshop,
        criteria=as_inputs(criteria, overall={"name": "Verdict", "labels": {"1": "No", "5": "Yes"}}),
        by=cast["chair"],
    )
    with pytest.raises(services.ReviewRefused, match="criteria can no longer be added or removed"):
        services.save_criteria(workshop=workshop, criteria=as_inputs(criteria, overall={"scale_max": 7}), by=None)
    with pytest.raises(services.ReviewRefused, match="criteria can no longer be added or removed"):
        services.save_criteria(
            workshop=workshop,
            criteria=[*as_inputs(criteria), CriterionInput(name="Clarity", scale_min=1, scale_max=3)],
            by=None,
        )

    overall = ReviewCriterion.objects.get(workshop=workshop, key="overall")
    assert (overall.name, overall.labels, overall.scale_max) == ("Verdict", {"1": "No", "5": "Yes"}, 5)
    assert ReviewCriterion.objects.filter(workshop=workshop).count() == 2


def test_review_form_page_saves_the_defaults_the_first_time(chair_client, workshop):
    page = chair_client.get(reverse("reviews:review_form", args=["calm"])).content.decode()
    data = formset_data(criteria_of(workshop))

    response = chair_client.post(reverse("reviews:review_form", args=["calm"]), data, follow=True)

    assert "saving this page stores them" in page
    assert "The review form is saved." in response.content.decode()
    assert list(ReviewCriterion.objects.values_list("key", flat=True)) == ["overall", "confidence"]


def formset_data(criteria, *, extra=None, **changes_by_key):
    rows = [{**_fields(c), **changes_by_key.get(c.key, {})} for c in criteria]
    if extra:
        rows.append(extra)
    data = {"form-TOTAL_FORMS": len(rows), "form-INITIAL_FORMS": len(criteria), "form-MAX_NUM_FORMS": 20}
    for i, row in enumerate(rows):
        labels = row.get("labels", {})
        data.update(
            {
                f"form-{i}-key": row.get("key", ""),
                f"form-{i}-name": row["name"],
                f"form-{i}-description": row.get("description", ""),
                f"form-{i}-scale_min": row["scale_min"],
                f"form-{i}-scale_max": row["scale_max"],
                f"form-{i}-labels": "\n".join(f"{n}: {label}" for n, label in labels.items()),
                f"form-{i}-ORDER": i + 1,
            }
        )
        if row.get("required", True):
            data[f"form-{i}-required"] = "on"
        if row.get("delete"):
            data[f"form-{i}-DELETE"] = "on"
    return data


def test_review_form_page_adds_a_criterion_before_any_submitted_review(chair_client, workshop):
    data = formset_data(criteria_of(workshop), extra={"name": "Clarity", "scale_min": 1, "scale_max": 4})

    chair_client.post(reverse("reviews:review_form", args=["calm"]), data)

    assert [c.name for c in criteria_of(workshop)] == ["Overall recommendation", "Confidence", "Clarity"]


def test_review_form_page_after_a_submitted_review_says_so_and_refuses_removal(chair_client, workshop, cast, paper):
    services.save_criteria(
        workshop=workshop,
        criteria=[*as_inputs(criteria_of(workshop)), CriterionInput(name="Clarity", scale_min=1, scale_max=3)],
        by=cast["chair"],
    )
    submit_review(paper, cast["reviewer"], scores={"clarity": 2})
    url = reverse("reviews:review_form", args=["calm"])

    page = chair_client.get(url).content.decode()
    removed = chair_client.post(url, formset_data(criteria_of(workshop), clarity={"delete": True}))
    renamed = chair_client.post(url, formset_data(criteria_of(workshop), clarity={"name": "Readability"}), follow=True)

    assert "the criteria are fixed" in page
    assert "criteria can no longer be added or removed" in removed.content.decode()
    assert "The review form is saved." in renamed.content.decode()
    assert [c.name for c in criteria_of(workshop)] == ["Overall recommendation", "Confidence", "Readability"]


# --- drafts and submission -----------------------------------------------------------------------


def test_save_review_as_draft_keeps_an_incomplete_review(cast, paper):
    review = save(paper, cast["reviewer"], version=0, summary="First thoughts", scores={"overall": "4"})

    assert (review.status, review.version, review.summary, review.scores) == (
        ReviewStatus.DRAFT,
        1,
        "First thoughts",
        {"overall": 4},
    )
    assert review.submitted_at is None


def test_save_review_submit_marks_it_submitted(cast, paper):
    draft = save(paper, cast["reviewer"], summary="Good", scores={"overall": 4})

    review = save(paper, cast["reviewer"], version=draft.version, submit=True, scores={"overall": 4, "confidence": 2})

    assert (review.status, review.version, review.scores) == (
        ReviewStatus.SUBMITTED,
        2,
        {"overall": 4, "confidence": 2},
    )
    assert review.submitted_at is not None


def test_save_review_submit_names_each_missing_field(cast, paper):
    with pytest.raises(services.ReviewInvalid) as refusal:
        save(paper, cast["reviewer"], submit=True, strengths="Clear", scores={"overall": 3})

    assert refusal.value.errors == {
        "score_confidence": "Confidence: a score is required to submit.",
        "summary": "Summary is required to submit.",
    }
    assert not Review.objects.exists()


def test_save_review_refuses_a_score_outside_the_scale(cast, paper):
    with pytest.raises(services.ReviewInvalid) as refusal:
        save(paper, cast["reviewer"], summary="Good", scores={"overall": 7})

    assert refusal.value.errors == {"score_overall": "Overall recommendation: choose a score from 1 to 5."}


def test_save_review_refuses_a_stale_version_and_keeps_the_newer_text(cast, paper):
    first = save(paper, cast["reviewer"], version=0, summary="From tab A")
    save(paper, cast["reviewer"], version=first.version, summary="From tab A, later")

    with pytest.raises(services.StaleReview, match="saved in another window"):
        save(paper, cast["reviewer"], version=first.version, summary="From tab B")

    assert Review.objects.get().summary == "From tab A, later"


def test_the_same_submission_from_an_outdated_form_succeeds_without_a_second_version(cast, paper):
    # The second request of a double click carries the version the first one replaced.
    scores = {"overall": 4, "confidence": 3}
    first = save(paper, cast["reviewer"], version=0, summary="Sound.", scores=scores, submit=True)
    again = save(paper, cast["reviewer"], version=0, summary="Sound.", scores=scores, submit=True)

    with pytest.raises(services.StaleReview):
        save(paper, cast["reviewer"], version=0, summary="Sound, but different.", scores=scores, submit=True)
    assert (first.pk, first.version) == (again.pk, again.version) == (Review.objects.get().pk, 1)
    assert Review.objects.get().history.count() == 1


def test_double_clicking_submit_says_submitted_twice_and_saves_once(client, cast, paper):
    client.force_login(cast["reviewer"])
    data = form_data(summary="Solid", score_overall="4", score_confidence="3", version=0, action="submit")

    pages = [client.post(review_url(paper), data, follow=True).content.decode() for _ in range(2)]

    assert ["Your review is submitted." in page for page in pages] == [True, True]
    assert not any("not saved" in page for page in pages)
    assert (Review.objects.get().version, Review.objects.get().history.count()) == (1, 1)


def test_save_review_allows_the_last_second_of_deadline_plus_grace(monkeypatch, workshop, cast, paper):
    deadline = timezone.now() + timedelta(days=1)
    to_reviewing(workshop, review_deadline=deadline, grace_minutes=30)
    monkeypatch.setattr(timezone, "now", lambda: deadline + timedelta(minutes=30))

    review = save(paper, cast["reviewer"], summary="Just in time")

    assert review.summary == "Just in time"


def test_save_review_refuses_one_second_after_deadline_plus_grace(monkeypatch, workshop, cast, paper):
    deadline = timezone.now() + timedelta(days=1)
    to_reviewing(workshop, review_deadline=deadline, grace_minutes=30)
    monkeypatch.setattr(timezone, "now", lambda: deadline + timedelta(minutes=30, seconds=1))

    with pytest.raises(services.ReviewRefused, match="The review deadline has passed"):
        save(paper, cast["reviewer"], summary="Too late")

    assert not Review.objects.exists()


def test_save_review_stays_open_without_a_review_deadline(workshop, cast, paper):
    workshop.review_deadline = None
    workshop.save(update_fields=["review_deadline"])

    review = save(paper, cast["reviewer"], summary="Whenever")

    assert review.summary == "Whenever"


def test_save_review_refuses_a_reviewer_not_assigned(cast, paper):
    with pytest.raises(services.ReviewRefused, match="You are not assigned to review paper #1"):
        save(paper, cast["bystander_reviewer"], summary="Uninvited")

    assert not Review.objects.exists()


def test_save_review_refuses_an_assigned_reviewer_found_in_conflict(cast, paper):
    submission_services.set_conflict_ruling(submission=paper, user=cast["reviewer"], is_conflict=True, by=cast["chair"])

    with pytest.raises(services.ReviewRefused, match="You are in conflict with paper #1"):
        save(paper, cast["reviewer"], summary="Conflicted")

    assert not Review.objects.exists()


def test_every_save_of_a_review_is_kept_with_its_author(cast, paper):
    review = save(paper, cast["reviewer"], summary="One")
    review = save(paper, cast["reviewer"], version=review.version, summary="Two")
    review = save(paper, cast["reviewer"], version=review.version, summary="Three", submit=True,
                  scores={"overall": 2, "confidence": 5})  # fmt: skip

    versions = list(review.history.order_by("history_date").values_list("summary", "status", "history_user"))

    assert versions == [
        ("One", "draft", cast["reviewer"].pk),
        ("Two", "draft", cast["reviewer"].pk),
        ("Three", "submitted", cast["reviewer"].pk),
    ]


def test_a_submitted_review_stays_submitted_and_is_checked_on_every_save(cast, paper):
    review = submit_review(paper, cast["reviewer"])

    with pytest.raises(services.ReviewInvalid):
        save(paper, cast["reviewer"], version=review.version, summary="Changed", scores={"overall": 2})
    updated = save(paper, cast["reviewer"], version=review.version, scores={"overall": 2, "confidence": 3})

    assert (updated.status, updated.scores["overall"], updated.submitted_at) == (
        ReviewStatus.SUBMITTED,
        2,
        review.submitted_at,
    )


def test_reviewer_numbers_follow_the_order_of_assignment(workshop, cast, paper):
    assignment_services.assign_reviewer(submission=paper, reviewer=cast["bystander_reviewer"], by=cast["chair"])

    numbers = reviewer_numbers(paper)

    assert numbers == {cast["reviewer"].pk: 1, cast["bystander_reviewer"].pk: 2}


# --- the reviewer's pages ------------------------------------------------------------------------


def test_my_papers_lists_each_paper_with_its_review_status_and_countdown(client, workshop, cast):
    paper = submitted_paper(workshop, cast["author"], title="Causal parrots")
    second = submitted_paper(workshop, cast["other_author"], title="Second paper")
    to_reviewing(workshop)
    for each in (paper, second):
        assignment_services.assign_reviewer(submission=each, reviewer=cast["reviewer"], by=cast["chair"])
    save(paper, cast["reviewer"], summary="Started")
    client.force_login(cast["reviewer"])

    page = client.get(reverse("reviews:my_papers", args=["calm"])).content.decode()

    assert "#1 Causal parrots" in page and "Draft" in page
    assert "#2 Second paper" in page and "Not started" in page
    assert review_url(paper) in page
    assert 'class="countdown' in page and "data-server-now=" in page
    assert "Ada Author" not in page


def test_review_page_shows_the_paper_and_nothing_about_its_authors(client, cast, paper):
    client.force_login(cast["reviewer"])

    page = client.get(review_url(paper)).content.decode()

    assert "Causal parrots" in page and "Do models know causes?" in page
    assert "Causality in large models" in page
    assert "paper-1.pdf" in page and review_url(paper, "paper_pdf") in page
    assert "Strong reject" in page and "Absolutely certain" in page
    for secret in ("Ada Author", "author@uni-a.example", "uni-a"):
        assert secret not in page


def test_paper_pdf_is_served_as_paper_n_without_the_author_anywhere(client, cast, paper):
    client.force_login(cast["reviewer"])

    response = client.get(review_url(paper, "paper_pdf"))

    assert response["Content-Disposition"] == 'attachment; filename="paper-1.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    headers = " ".join(f"{name}: {value}" for name, value in response.headers.items())
    assert "Ada" not in headers and "author@" not in headers and "paper.pdf" not in headers


def test_saving_a_draft_on_the_page_keeps_the_text_and_says_when(client, cast, paper):
    client.force_login(cast["reviewer"])

    response = client.post(
        review_url(paper), form_data(summary="My summary", score_overall="3", action="draft"), follow=True
    )

    page = response.content.decode()
    assert "Draft saved at" in page and "My summary" in page
    assert Review.objects.get().scores == {"overall": 3}


def test_autosave_answers_the_saved_time_and_the_new_version(client, cast, paper):
    client.force_login(cast["reviewer"])

    first = client.post(review_url(paper, "autosave"), form_data(summary="Typing"))
    second = client.post(review_url(paper, "autosave"), form_data(version=first.json()["version"], summary="More"))

    answer = second.json()
    saved = Review.objects.get()
    assert answer["version"] == 2 == saved.version
    assert answer["message"] == f"Draft saved at {saved.updated_at:%H:%M} UTC."
    assert saved.summary == "More" and saved.status == ReviewStatus.DRAFT


def test_autosave_with_a_stale_version_is_refused_with_a_message(client, cast, paper):
    save(paper, cast["reviewer"], summary="From the other tab")
    client.force_login(cast["reviewer"])

    response = client.post(review_url(paper, "autosave"), form_data(version=0, summary="From this tab"))

    assert response.status_code == 409
    assert "saved in another window" in response.json()["error"]
    assert Review.objects.get().summary == "From the other tab"


def test_posting_a_stale_form_keeps_the_typed_text_on_the_page(client, cast, paper):
    save(paper, cast["reviewer"], summary="From the other tab")
    client.force_login(cast["reviewer"])

    page = client.post(review_url(paper), form_data(version=0, summary="Typed here", action="draft")).content.decode()

    assert "saved in another window" in page and "Typed here" in page
    assert Review.objects.get().summary == "From the other tab"


def test_submitting_with_missing_fields_shows_each_error_and_keeps_the_text(client, cast, paper):
    client.force_login(cast["reviewer"])

    page = client.post(
        review_url(paper), form_data(strengths="Bold claims", score_overall="5", action="submit")
    ).content.decode()

    assert "Summary is required to submit." in page
    assert "Confidence: a score is required to submit." in page
    assert "Bold claims" in page
    assert not Review.objects.exists()


def test_submitting_on_the_page_then_updating(client, cast, paper):
    client.force_login(cast["reviewer"])
    data = form_data(summary="Solid", score_overall="4", score_confidence="3", action="submit")

    submitted = client.post(review_url(paper), data, follow=True).content.decode()
    updated = client.post(review_url(paper), {**data, "version": 1, "summary": "Solider"}, follow=True)

    assert "Your review is submitted." in submitted
    assert "Your review is updated." in updated.content.decode()
    review = Review.objects.get()
    assert (review.status, review.summary, review.history.count()) == (ReviewStatus.SUBMITTED, "Solider", 2)


def test_review_page_is_read_only_after_the_deadline(client, workshop, cast, paper):
    save(paper, cast["reviewer"], summary="Written in time")
    to_reviewing(workshop, review_deadline=timezone.now() - timedelta(hours=1))
    client.force_login(cast["reviewer"])

    page = client.get(review_url(paper)).content.decode()
    late = client.post(review_url(paper), form_data(version=1, summary="Too late", action="draft")).content.decode()

    assert "reviews can no longer be changed" in page and "Written in time" in page
    assert 'id="review-form"' not in page
    assert "The review deadline has passed" in late and "Too late" in late
    assert Review.objects.get().summary == "Written in time"


def other_reviewers(workshop, count):
    return [
        member(workshop, Role.REVIEWER, email=f"peer{i}@peer{i}.example", name=f"Peer Person{i}") for i in range(count)
    ]


def test_other_reviews_stay_hidden_until_the_reviewer_submits(client, workshop, cast, paper):
    peer = other_reviewers(workshop, 1)[0]
    submit_review(paper, peer, summary="The peer view of the paper", confidential_comments="The peer secret")
    client.force_login(cast["reviewer"])
    save(paper, cast["reviewer"], summary="Mine")

    page = client.get(review_url(paper)).content.decode()

    assert "The peer view of the paper" not in page and "Reviewer 2" not in page
    assert "once you have submitted your own" in page
    assert reverse("reviews:discussion", args=["calm", paper.pk]) not in page


def test_other_reviews_appear_as_reviewer_n_after_submitting(client, workshop, cast, paper):
    peer = other_reviewers(workshop, 1)[0]
    submit_review(paper, peer, summary="The peer view of the paper", overall=2, confidential_comments="The peer secret")
    submit_review(paper, cast["reviewer"])
    client.force_login(cast["reviewer"])

    page = client.get(review_url(paper)).content.decode()

    assert "Reviewer 2" in page and "The peer view of the paper" in page and "Weak reject" in page
    assert "Peer Person" not in page and peer.email not in page
    assert "The peer secret" not in page
    assert reverse("reviews:discussion", args=["calm", paper.pk]) in page


def test_a_drafted_review_of_another_reviewer_is_never_shown(client, workshop, cast, paper):
    peer = other_reviewers(workshop, 1)[0]
    assignment_services.assign_reviewer(submission=paper, reviewer=peer, by=cast["chair"])
    save(paper, peer, summary="The peer unfinished draft")
    submit_review(paper, cast["reviewer"])
    client.force_login(cast["reviewer"])

    page = client.get(review_url(paper)).content.decode()

    assert "The peer unfinished draft" not in page
    assert "No other reviewer has submitted a review yet." in page


# --- the decision, once released ------------------------------------------------------------------

MY_PAPERS_URL = reverse("reviews:my_papers", args=["calm"])


def decide_all(workshop, chair, papers, *, outcome=Outcome.ACCEPT, release=True):
    """Decide every paper alike (accepted ones as posters) and, if asked, release the decisions."""
    for paper in papers:
        presentation = Presentation.POSTER if outcome == Outcome.ACCEPT else ""
        decide(submission=paper, outcome=outcome, presentation=presentation, by=chair)
    if release:
        release_decisions(workshop=workshop, by=chair)


def test_the_decision_stays_hidden_from_the_reviewer_until_released(client, workshop, cast, paper):
    submit_review(paper, cast["reviewer"])
    decide_all(workshop, cast["chair"], [paper], release=False)
    client.force_login(cast["reviewer"])

    pages = [client.get(page_url).content.decode() for page_url in (review_url(paper), MY_PAPERS_URL)]

    assert ["Causal parrots" in page for page in pages] == [True, True]
    assert ["Decision:" in page or "(poster)" in page for page in pages] == [False, False]
    assert selectors.released_decision_of(selectors.paper_to_review(workshop, cast["reviewer"], paper.pk)) is None


def test_the_released_decision_shows_on_the_review_page_and_in_the_list(client, workshop, cast, paper):
    submit_review(paper, cast["reviewer"])
    decide_all(workshop, cast["chair"], [paper])
    client.force_login(cast["reviewer"])

    pages = [client.get(page_url).content.decode() for page_url in (review_url(paper), MY_PAPERS_URL)]

    assert [page.count("Decision: Accept (poster)") for page in pages] == [1, 1]


def test_a_released_rejection_reads_reject(client, workshop, cast, paper):
    decide_all(workshop, cast["chair"], [paper], outcome=Outcome.REJECT)
    client.force_login(cast["reviewer"])

    page = client.get(review_url(paper)).content.decode()

    assert "Decision: Reject</span>" in page


# --- query counts --------------------------------------------------------------------------------

# One of them reads the reviewer's assigned ids first, so that the conflict rule runs on those only.
MY_PAPERS_QUERIES = 11
REVIEW_PAGE_QUERIES = 17


@pytest.mark.parametrize("papers", [1, 4])
def test_my_papers_queries_do_not_grow_with_papers(client, workshop, cast, django_assert_max_num_queries, papers):
    made = [submitted_paper(workshop, cast["other_author"]) for _ in range(papers)]
    to_reviewing(workshop)
    for paper in made:
        assignment_services.assign_reviewer(submission=paper, reviewer=cast["reviewer"], by=cast["chair"])
        save(paper, cast["reviewer"], summary="Started")
    client.force_login(cast["reviewer"])

    with django_assert_max_num_queries(MY_PAPERS_QUERIES):
        page = client.get(reverse("reviews:my_papers", args=["calm"])).content.decode()

    assert page.count("Draft</span>") == papers


@pytest.mark.parametrize("papers", [1, 4])
def test_my_papers_queries_do_not_grow_with_released_decisions(
    client, workshop, cast, django_assert_max_num_queries, papers
):
    made = [submitted_paper(workshop, cast["other_author"]) for _ in range(papers)]
    to_reviewing(workshop)
    for paper in made:
        submit_review(paper, cast["reviewer"])
    decide_all(workshop, cast["chair"], made)
    client.force_login(cast["reviewer"])

    with django_assert_max_num_queries(MY_PAPERS_QUERIES):
        page = client.get(MY_PAPERS_URL).content.decode()

    assert page.count("Decision: Accept (poster)") == papers


@pytest.mark.parametrize("peers", [1, 4])
def test_review_page_queries_do_not_grow_with_other_reviews(
    client, workshop, cast, paper, django_assert_max_num_queries, peers
):
    for peer in other_reviewers(workshop, peers):
        submit_review(paper, peer, summary=f"View of {peer.email}")
    submit_review(paper, cast["reviewer"])
    client.force_login(cast["reviewer"])

    with django_assert_max_num_queries(REVIEW_PAGE_QUERIES):
        page = client.get(review_url(paper)).content.decode()

    assert page.count('class="card mb-3 other-review"') == peers


def test_review_page_queries_hold_with_a_released_decision(
    client, workshop, cast, paper, django_assert_max_num_queries
):
    for peer in other_reviewers(workshop, 4):
        submit_review(paper, peer)
    submit_review(paper, cast["reviewer"])
    decide_all(workshop, cast["chair"], [paper])
    client.force_login(cast["reviewer"])

    with django_assert_max_num_queries(REVIEW_PAGE_QUERIES):
        page = client.get(review_url(paper)).content.decode()

    assert "Decision: Accept (poster)" in page and page.count('class="card mb-3 other-review"') == 4


def test_autosave_response_is_json_for_the_script(client, cast, paper):
    client.force_login(cast["reviewer"])

    response = client.post(review_url(paper, "autosave"), form_data(summary="x"))

    assert set(json.loads(response.content)) == {"version", "saved_at", "message"}
