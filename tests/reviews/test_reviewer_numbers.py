"""The N of "Reviewer N": drawn at random when a reviewer is first assigned, stored, the same on
every page, kept after unassigning, never given twice on a paper. An author who also reviews must
learn nothing from the numbers about who the other reviewers are, nor how their user ids rank."""

import importlib
import random
import re
from collections import Counter

import pytest
from django.apps import apps
from django.db import transaction
from django.urls import reverse

from reviews.models import ReviewerNumber
from reviews.selectors import reviewer_numbers
from reviews.services import assignments as services
from reviews.services import numbering
from tests.factories import member
from tests.reviews.conftest import run_now, submit_review, to_bidding, to_reviewing
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers(workshop, cast):
    """Three papers by the other author: no reviewer of the cast is in conflict with them."""
    made = [submitted_paper(workshop, cast["other_author"], title=f"Paper {n}") for n in range(3)]
    to_bidding(workshop)
    return made


@pytest.fixture
def extra(workshop):
    return [member(workshop, Role.REVIEWER, email=f"extra{i}@lab{i}.example", name=f"Extra {i}") for i in range(3)]


@pytest.fixture
def seeded(monkeypatch):
    """`seeded(seed)`: the numbering draws from random.Random(seed) from now on."""
    return lambda seed: monkeypatch.setattr(numbering, "NUMBERING_RANDOM", random.Random(seed))


def test_a_committed_run_numbers_each_papers_reviewers_one_to_k(workshop, cast, papers, extra):
    services.assign_reviewer(submission=papers[0], reviewer=extra[2], by=cast["chair"])
    run = run_now(workshop, cast["chair"], k=3)

    services.commit_run(run=run, by=cast["chair"])

    for paper in papers:
        assert sorted(reviewer_numbers(paper).values()) == [1, 2, 3]
    assert reviewer_numbers(papers[0])[extra[2].pk] == 1  # numbered when assigned by hand, and kept


def test_the_lowest_id_reviewer_gets_every_number_over_many_seeds(workshop, cast, papers, extra, seeded):
    run = run_now(workshop, cast["chair"], k=3)
    reviewers = {
        paper.pk: sorted(run.pairs.filter(submission=paper).values_list("reviewer_id", flat=True)) for paper in papers
    }
    numbers_of_lowest = Counter()

    for seed in range(60):
        seeded(seed)
        with transaction.atomic():
            services.commit_run(run=run, by=cast["chair"])
            for paper in papers:
                numbers_of_lowest[reviewer_numbers(paper)[reviewers[paper.pk][0]]] += 1
            transaction.set_rollback(True)

    # 180 draws: each number about 60 times; in id order it would be number 1, 180 times.
    assert sorted(numbers_of_lowest) == [1, 2, 3]
    assert min(numbers_of_lowest.values()) >= 40


def test_a_seeded_random_gives_the_same_numbers_again(workshop, cast, papers, extra, seeded):
    run = run_now(workshop, cast["chair"], k=3)
    drawn = []

    for _ in range(2):
        seeded(7)
        with transaction.atomic():
            services.commit_run(run=run, by=cast["chair"])
            drawn.append({paper.pk: reviewer_numbers(paper) for paper in papers})
            transaction.set_rollback(True)

    assert drawn[0] == drawn[1]


def chair_page_numbers(client, paper):
    """ "Reviewer N: Name" as the chairs' page of a paper lists them: name -> N."""
    page = client.get(reverse("reviews:chair_paper_reviews", args=["calm", paper.pk])).content.decode()
    return {name: int(n) for n, name in re.findall(r"Reviewer (\d+): ([^<]+?)(?: <span|</h4>)", page)}


def test_numbers_are_kept_from_page_to_page_and_after_unassigning(client, workshop, cast, papers, extra, seeded):
    seeded(3)
    paper = papers[1]
    run = run_now(workshop, cast["chair"], k=3)
    services.commit_run(run=run, by=cast["chair"])
    first = reviewer_numbers(paper)
    everyone = [cast["reviewer"], cast["bystander_reviewer"], cast["conflicted_reviewer"], *extra]
    a, b, c = sorted((user for user in everyone if user.pk in first), key=lambda user: first[user.pk])
    to_reviewing(workshop)
    submit_review(paper, a, summary="The view of A.")
    submit_review(paper, b, summary="The view of B.")

    services.unassign_reviewer(submission=paper, reviewer=b, by=cast["chair"])  # wrote a review: keeps 2
    services.unassign_reviewer(submission=paper, reviewer=c, by=cast["chair"])  # wrote nothing: 3 stays theirs
    newcomer = next(user for user in everyone if user.pk not in first)
    services.assign_reviewer(submission=paper, reviewer=newcomer, by=cast["chair"])
    services.assign_reviewer(submission=paper, reviewer=c, by=cast["chair"])  # back again

    assert reviewer_numbers(paper) == {a.pk: 1, b.pk: 2, c.pk: 3, newcomer.pk: 4}
    client.force_login(cast["chair"])
    assert chair_page_numbers(client, paper) == {a.name: 1, b.name: 2, c.name: 3, newcomer.name: 4}
    client.force_login(a)
    page = client.get(reverse("reviews:review", args=["calm", paper.pk])).content.decode()
    assert re.search(r"Reviewer 2</h3>.*The view of B\.", page, re.S)


def test_the_migration_keeps_numbers_people_read_and_draws_the_others(workshop, cast, papers, extra):
    read, unread = papers[0], papers[1]
    for reviewer in (extra[2], extra[0], extra[1]):  # assigned in this order, not in id order
        services.assign_reviewer(submission=read, reviewer=reviewer, by=cast["chair"])
        services.assign_reviewer(submission=unread, reviewer=reviewer, by=cast["chair"])
    to_reviewing(workshop)
    submit_review(read, extra[0])
    ReviewerNumber.objects.all().delete()
    migration = importlib.import_module("reviews.migrations.0006_number_reviewers_set_aside_extra_runs")

    migration.number_reviewers(apps, None)

    assert reviewer_numbers(read) == {extra[2].pk: 1, extra[0].pk: 2, extra[1].pk: 3}
    assert sorted(reviewer_numbers(unread).values()) == [1, 2, 3]
