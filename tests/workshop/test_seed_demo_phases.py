"""seed_demo --phase: the demo's papers, reviewers, bids and assignments, phase by phase."""

import io
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from reviews.enums import AffinityStatus, BidValue, RunStatus
from reviews.models import AffinityScores, Assignment, AssignmentRun, Bid, ReviewerProfile
from reviews.selectors import affinity_matrix_of
from reviews.services.reviewers import update_reviewer_profile
from submissions.enums import ConflictSource, FileKind, SubmissionStatus
from submissions.models import Conflict, Submission, SubmissionAuthor
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
    best = [scores.reviewer_ids[j] for j in np.argmax(scores.matrix, axis=1)]
    assert [primary[pk] in directions[best[i]] for i, pk in enumerate(scores.paper_ids)] == [True] * 8


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


# --- later phases --------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["decisions", "published"])
def test_seed_demo_refuses_the_phases_that_need_reviews_and_decisions(phase):
    with pytest.raises(CommandError, match=f"Phase {phase} arrives with reviews and decisions; use submission"):
        call_command("seed_demo", force=True, phase=phase)

    assert Workshop.objects.count() == 0
