"""seed_scale: the benchmarks' conference-sized workshop, here at a size a test can afford."""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from reviews.models import Assignment, Bid, Decision, Review, ReviewerProfile
from submissions.enums import FileKind, SubmissionStatus
from submissions.models import Submission, SubmissionAuthor, SubmissionFile, reversed_domain
from submissions.selectors import conflict_pairs
from workshop.enums import Role
from workshop.models import Membership, User, Workshop

pytestmark = pytest.mark.django_db


def seed(**options):
    call_command("seed_scale", submissions=40, reviewers=30, force=True, stdout=io.StringIO(), **options)
    return Workshop.objects.get(slug="scale")


def test_seed_scale_builds_numbered_papers_with_authors_files_and_four_reviewers_each():
    workshop = seed()

    papers = Submission.objects.filter(workshop=workshop)
    assert sorted(papers.values_list("number", flat=True)) == list(range(1, 41))
    assert set(papers.values_list("status", flat=True)) <= {SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED}
    assert set(SubmissionAuthor.objects.filter(submission__workshop=workshop).values_list("submission", flat=True)) == {
        p.pk for p in papers
    }
    assert Counter(SubmissionFile.objects.filter(kind=FileKind.PAPER).values_list("submission", flat=True)) == {
        p.pk: 1 for p in papers
    }
    assert len(set(SubmissionFile.objects.values_list("file", flat=True))) == 1
    assert Counter(Assignment.objects.filter(workshop=workshop).values_list("submission", flat=True)) == {
        p.pk: 4 for p in papers
    }


def test_seed_scale_assigns_and_bids_no_reviewer_in_conflict_with_the_paper():
    workshop = seed()
    reviewers = User.objects.filter(memberships__workshop=workshop, memberships__role=Role.REVIEWER)

    conflicts = conflict_pairs(workshop, Submission.objects.filter(workshop=workshop), reviewers)

    assert conflicts  # the authors' institutions make some
    assert set(Assignment.objects.values_list("submission", "reviewer")) & conflicts == set()
    assert set(Bid.objects.values_list("submission", "reviewer")) & conflicts == set()


def test_seed_scale_gives_reviewers_profiles_and_accepted_papers_released_decisions():
    workshop = seed()

    assert ReviewerProfile.objects.filter(workshop=workshop).count() == 30
    assert Membership.objects.filter(workshop=workshop, role=Role.REVIEWER).count() == 30
    accepted = set(Submission.objects.filter(workshop=workshop, status=SubmissionStatus.ACCEPTED).values_list("pk"))
    released = set(Decision.objects.filter(workshop=workshop, released_at__isnull=False).values_list("submission"))
    assert accepted == released
    assert Review.objects.filter(workshop=workshop, status="submitted").exists()
    author = SubmissionAuthor.objects.filter(submission__workshop=workshop).first()
    assert author.reversed_domain == reversed_domain(author.email)


def test_seed_scale_pages_show_the_papers_to_their_chair_and_the_public(client):
    workshop = seed()
    chair = User.objects.get(memberships__workshop=workshop, memberships__role=Role.CHAIR)
    accepted = Submission.objects.filter(workshop=workshop, status=SubmissionStatus.ACCEPTED).first()

    public = client.get(reverse("submissions:accepted", args=["scale"])).content.decode()
    client.force_login(chair)
    chair_list = client.get(reverse("submissions:chair_list", args=["scale"])).content.decode()

    assert accepted.title in public
    assert all(paper.title in chair_list for paper in Submission.objects.filter(workshop=workshop))


def test_seed_scale_refuses_an_existing_workshop_unless_replaced():
    seed()
    first_ids = set(Submission.objects.values_list("pk", flat=True))

    with pytest.raises(CommandError, match="--replace"):
        seed()
    seed(replace=True)

    assert Submission.objects.count() == 40
    assert set(Submission.objects.values_list("pk", flat=True)).isdisjoint(first_ids)
    assert User.objects.filter(email__startswith="scale.").count() == User.objects.count()
