"""seed_demo --phase: the demo's papers, reviewers, bids, assignments, reviews, decisions and
publication, phase by phase."""

import io
from collections import Counter, defaultdict
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.html import escape
from pypdf import PdfReader

from reviews.enums import AffinityStatus, BidValue, ReviewStatus, RunStatus
from reviews.models import AffinityScores, Assignment, AssignmentRun, Bid, Comment, Decision, Review, ReviewerProfile
from reviews.selectors import affinity_matrix_of
from reviews.services.reviewers import update_reviewer_profile
from submissions.enums import ConflictSource, FileKind, SubmissionStatus
from submissions.models import Conflict, Submission, SubmissionAuthor, SubmissionFile
from submissions.selectors import conflict_pairs
from workshop.enums import Phase
from workshop.models import OutboxEmail, User, Workshop
from workshop.phases import AOE, end_of_day_aoe

pytestmark = pytest.mark.django_db

BIDDERS = {f"reviewer{i}@calm.example" for i in range(1, 5)}


def seed(phase=None):
    """Run the command as `make run` does (the default phase when None); the report is not shown."""
    options = {"phase": phase} if phase else {}
    call_command("seed_demo", force=True, stdout=io.StringIO(), **options)
    return Workshop.objects.get(slug="calm")


def papers_per_direction(workshop):
    return Counter(
        Submission.objects.filter(workshop=workshop, status=SubmissionStatus.SUBMITTED).values_list(
            "primary_direction__slug", flat=True
        )
    )


def today_aoe():
    return timezone.now().astimezone(AOE).date()


# --- submission --------------------------------------------------------------------------------


def test_seed_demo_submission_phase_submits_two_papers_per_direction_once():
    seed()
    workshop = seed()

    assert workshop.phase == Phase.SUBMISSION
    assert papers_per_direction(workshop) == {"in": 2, "for": 2, "with": 2, "of": 2}
    assert sorted(Submission.objects.values_list("number", flat=True)) == list(range(1, 9))
    assert User.objects.count() == 14
    assert ReviewerProfile.objects.count() == Bid.objects.count() == Assignment.objects.count() == 0


def test_seed_demo_papers_are_by_demo_authors_some_coauthored():
    workshop = seed()

    authors = Counter(SubmissionAuthor.objects.values_list("submission_id", flat=True))
    first_authors = set(SubmissionAuthor.objects.filter(order=1).values_list("email", flat=True))
    assert len(authors) == 8
    assert sum(1 for count in authors.values() if count > 1) >= 3
    assert first_authors <= {f"author{i}@calm.example" for i in range(1, 6)}
    assert not SubmissionAuthor.objects.filter(affiliation="").exists()
    assert len(set(Submission.objects.filter(workshop=workshop).values_list("title", flat=True))) == 8


def test_seed_demo_papers_are_valid_pdfs_that_name_no_author():
    seed()

    for submission in Submission.objects.prefetch_related("authors", "files"):
        (paper,) = [f for f in submission.files.all() if f.kind == FileKind.PAPER]
        with paper.file.open("rb") as stored:
            reader = PdfReader(stored)
            text = " ".join(page.extract_text() for page in reader.pages)
        assert paper.page_count == len(reader.pages) == 1
        assert submission.title.split()[0] in text
        for author in submission.authors.all():
            assert author.name not in text
            assert author.email not in text
        assert submission.anonymity_findings == []


# --- bidding -----------------------------------------------------------------------------------


def test_seed_demo_bidding_phase_has_profiles_affinity_and_bids_of_reviewers_1_to_4():
    seed("bidding")
    workshop = seed("bidding")

    assert workshop.phase == Phase.BIDDING
    assert papers_per_direction(workshop) == {"in": 2, "for": 2, "with": 2, "of": 2}
    profiles = ReviewerProfile.objects.filter(workshop=workshop).prefetch_related("directions")
    assert len(profiles) == 8
    assert all(profile.expertise and profile.own_paper_texts and profile.directions.all() for profile in profiles)
    assert AffinityScores.objects.get(workshop=workshop).status == AffinityStatus.READY
    bidders = Counter(Bid.objects.values_list("reviewer__email", flat=True))
    assert set(bidders) == BIDDERS
    assert all(count >= 3 for count in bidders.values())
    assert Assignment.objects.count() == 0


def test_seed_demo_bidding_phase_has_one_conflict_bid_declared_as_a_conflict():
    seed("bidding")

    (conflict_bid,) = Bid.objects.filter(value=BidValue.CONFLICT)
    declared = Conflict.objects.get(source=ConflictSource.REVIEWER)
    assert (declared.submission_id, declared.user_id) == (conflict_bid.submission_id, conflict_bid.reviewer_id)
    assert declared.is_conflict


def test_seed_demo_keeps_a_profile_a_person_edited():
    workshop = seed("bidding")
    reviewer = User.objects.get(email="reviewer5@calm.example")
    update_reviewer_profile(workshop=workshop, user=reviewer, expertise="Instrumental variables.")

    seed("bidding")

    assert ReviewerProfile.objects.get(workshop=workshop, user=reviewer).expertise == "Instrumental variables."


def test_seed_demo_bidding_deadlines_fall_at_the_end_of_days_in_aoe():
    workshop = seed("bidding")

    today = today_aoe()
    assert workshop.submission_deadline == end_of_day_aoe(today - timedelta(days=1))
    assert workshop.bidding_deadline == end_of_day_aoe(today + timedelta(days=4))
    assert workshop.submission_deadline < workshop.bidding_deadline < workshop.review_deadline


def test_seed_demo_affinity_matches_each_paper_best_with_a_reviewer_of_its_direction():
    workshop = seed("bidding")

    scores = affinity_matrix_of(workshop)
    directions = {
        profile.user_id: {direction.slug for direction in profile.directions.all()}
        for profile in ReviewerProfile.objects.prefetch_related("directions")
    }
    primary = dict(Submission.objects.values_list("pk", "primary_direction__slug"))
    # Each paper's reviewers of its direction fit it better, on average, than the others (the
    # single best reviewer may differ by method: MiniLM and TF-IDF rank one close pair apart).
    for i, pk in enumerate(scores.paper_ids):
        fits = [primary[pk] in directions[reviewer] for reviewer in scores.reviewer_ids]
        row = scores.matrix[i]
        assert row[np.array(fits)].mean() > row[~np.array(fits)].mean(), f"paper {pk}"


# --- reviewing ---------------------------------------------------------------------------------


def test_seed_demo_reviewing_phase_assigns_each_paper_its_reviewers_outside_conflicts():
    seed("reviewing")
    workshop = seed("reviewing")

    assert workshop.phase == Phase.REVIEWING
    per_paper = Counter(Assignment.objects.values_list("submission_id", flat=True))
    assert sorted(per_paper.values()) == [workshop.reviews_per_paper] * 8
    papers = list(Submission.objects.filter(workshop=workshop))
    reviewers = list(User.objects.filter(email__startswith="reviewer"))
    conflicted = conflict_pairs(workshop, papers, reviewers)
    assert len(conflicted) >= 4  # a declared conflict, a conflict bid, an affiliation shared with two reviewers
    assert not set(Assignment.objects.values_list("submission_id", "reviewer_id")) & conflicted
    assert list(AssignmentRun.objects.values_list("status", flat=True)) == [RunStatus.COMMITTED]
    assert set(Bid.objects.values_list("reviewer__email", flat=True)) == BIDDERS


def test_seed_demo_reviewing_phase_emails_each_assigned_reviewer_once():
    seed("reviewing")
    seed("reviewing")

    emailed = Counter(
        address
        for to in OutboxEmail.objects.filter(template="reviewer_assignment").values_list("to", flat=True)
        for address in to
    )
    assigned = set(Assignment.objects.values_list("reviewer__email", flat=True))
    assert set(emailed) == assigned
    assert set(emailed.values()) == {1}


def test_seed_demo_brings_a_bidding_demo_forward_to_reviewing():
    seed("bidding")
    bids = set(Bid.objects.values_list("submission_id", "reviewer_id", "value"))

    workshop = seed("reviewing")

    assert workshop.phase == Phase.REVIEWING
    assert set(Bid.objects.values_list("submission_id", "reviewer_id", "value")) == bids
    assert Submission.objects.count() == 8
    assert Assignment.objects.count() == 8 * workshop.reviews_per_paper
    today = today_aoe()
    assert workshop.bidding_deadline == end_of_day_aoe(today - timedelta(days=1))
    assert workshop.review_deadline == end_of_day_aoe(today + timedelta(days=14))


def test_seed_demo_leaves_a_demo_past_the_phase_asked_as_it_is():
    before = seed("reviewing")

    after = seed()

    assert after.phase == Phase.REVIEWING
    assert after.submission_deadline == before.submission_deadline
    assert Submission.objects.count() == 8
    assert Assignment.objects.count() == 8 * after.reviews_per_paper


def test_seed_demo_reports_what_it_built_and_the_accounts_of_each_role():
    out = io.StringIO()

    call_command("seed_demo", force=True, phase="bidding", stdout=out)

    report = out.getvalue()
    assert "The demo at /calm/ is in its bidding phase." in report
    assert "Causality with large models: 2 papers" in report
    assert "Chair:     chair@calm.example" in report
    assert "reviewer5..8@calm.example have not: try bidding as one" in report
    assert "Authors:   author1..5@calm.example" in report
    assert "password calm-demo" in report


# --- decisions ---------------------------------------------------------------------------------


def overall_scores_per_paper():
    scores = defaultdict(list)
    for paper, review_scores in Review.objects.filter(status=ReviewStatus.SUBMITTED).values_list(
        "submission__number", "scores"
    ):
        scores[paper].append(review_scores["overall"])
    return scores


def test_seed_demo_decisions_phase_has_reviews_a_late_draft_a_missing_review_and_unreleased_decisions():
    seed("decisions")
    emails = OutboxEmail.objects.count()
    out = io.StringIO()

    call_command("seed_demo", force=True, phase="decisions", stdout=out)

    workshop = Workshop.objects.get(slug="calm")
    assert workshop.phase == Phase.DECISIONS
    today = today_aoe()
    assert workshop.review_deadline == end_of_day_aoe(today - timedelta(days=1))
    assert workshop.notification_date == end_of_day_aoe(today + timedelta(days=4))
    statuses = Counter(Review.objects.values_list("status", flat=True))
    assert statuses == {ReviewStatus.SUBMITTED: 22, ReviewStatus.DRAFT: 1}
    assert Assignment.objects.count() == 24  # so one review was never started
    assert max(max(s) - min(s) for s in overall_scores_per_paper().values()) >= 2
    assert Comment.objects.values("submission").distinct().count() == 1
    assert Comment.objects.count() == 2
    assert Decision.objects.count() == 4
    assert not Decision.objects.filter(released_at__isnull=False).exists()
    assert set(Submission.objects.values_list("status", flat=True)) == {SubmissionStatus.SUBMITTED}
    assert workshop.decisions_released_at is None and workshop.published_at is None
    assert OutboxEmail.objects.count() == emails
    report = out.getvalue()
    assert "Reviews: 22 submitted, 1 left as a draft; discussion: 2 comments" in report
    assert "Decisions: 4 made (2 accepted), 4 not released yet" in report
    assert "has a draft of #" in report and "has not started #" in report


def test_seed_demo_decisions_dashboard_shows_disagreement_and_late_reviewers(client):
    seed("decisions")
    client.force_login(User.objects.get(email="chair@calm.example"))

    page = client.get("/calm/chair/reviews/").content.decode()

    assert "1 paper whose overall scores differ by 2 or more" in page
    assert "2 papers with fewer than 3 submitted reviews" in page


# --- published ---------------------------------------------------------------------------------


def test_seed_demo_published_phase_decides_releases_and_publishes_every_paper_once():
    seed("published")
    workshop = seed("published")

    assert workshop.phase == Phase.PUBLISHED
    assert workshop.published_at is not None and workshop.decisions_released_at is not None
    assert Decision.objects.filter(released_at__isnull=False).count() == 8
    accepted = Submission.objects.filter(status=SubmissionStatus.ACCEPTED)
    assert accepted.count() == Submission.objects.filter(status=SubmissionStatus.REJECTED).count() == 4
    assert set(accepted.values_list("presentation", flat=True)) == {"oral", "spotlight", "poster"}
    camera_ready = SubmissionFile.objects.filter(kind=FileKind.CAMERA_READY)
    assert sorted(camera_ready.values_list("submission_id", flat=True)) == sorted(accepted.values_list("pk", flat=True))
    decision_emails = OutboxEmail.objects.filter(template__startswith="decision_")
    assert sorted(decision_emails.values_list("topic", flat=True)) == sorted(
        f"submission:{pk}" for pk in Submission.objects.values_list("pk", flat=True)
    )
    assert Review.objects.count() == 23 and Comment.objects.count() == 2


def test_seed_demo_published_papers_page_lists_the_accepted_papers_only(client):
    seed("published")

    page = client.get("/calm/papers/")

    html = page.content.decode()
    assert page.status_code == 200
    for title, status in Submission.objects.values_list("title", "status"):
        assert (escape(title) in html) == (status == SubmissionStatus.ACCEPTED)


def test_seed_demo_published_camera_ready_pdfs_name_their_authors_and_authors_read_their_reviews(client):
    seed("published")
    paper = Submission.objects.filter(status=SubmissionStatus.ACCEPTED).order_by("number").first()
    first_author = paper.authors.order_by("order").first()
    client.force_login(User.objects.get(email=first_author.email))

    page = client.get(f"/calm/papers/{paper.pk}/reviews/").content.decode()

    assert "Reviewer 1" in page
    (camera_ready,) = paper.files.filter(kind=FileKind.CAMERA_READY)
    with camera_ready.file.open("rb") as stored:
        text = " ".join(p.extract_text() for p in PdfReader(stored).pages)
    assert first_author.name in text


def test_seed_demo_brings_a_decisions_demo_forward_and_keeps_it_when_asked_for_an_earlier_phase():
    seed("decisions")
    early = set(Decision.objects.values_list("submission_id", "outcome", "presentation"))

    seed("published")
    workshop = seed("decisions")

    assert workshop.phase == Phase.PUBLISHED
    assert early <= set(Decision.objects.values_list("submission_id", "outcome", "presentation"))
    assert Decision.objects.count() == 8
    assert Review.objects.count() == 23
    assert workshop.camera_ready_deadline == end_of_day_aoe(today_aoe() - timedelta(days=1))


def test_seed_demo_emails_to_reviewers_name_no_author():
    seed("published")

    reviewers = set(User.objects.filter(email__startswith="reviewer").values_list("email", flat=True))
    to_reviewers = [email for email in OutboxEmail.objects.all() if set(email.to) & reviewers]
    author_names = set(SubmissionAuthor.objects.values_list("name", flat=True))
    assert {email.template for email in to_reviewers} >= {"reviewer_assignment", "discussion_comment"}
    for email in to_reviewers:
        for name in author_names:
            assert name not in email.subject + email.body_text + email.body_html
