"""The public accepted papers at conference size: a hundred a page, one direction at a time or
all, a search of titles and authors, abstracts folded, and each page cached under the programme's
version (see also the publication tests)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.submissions.test_publication import accepted_paper, publish, to_camera_ready

pytestmark = pytest.mark.django_db

URL = reverse("submissions:accepted", args=["calm"])


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("submissions.views.publication.PAPERS_PER_PAGE", 2)


def numbers_on(page) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="card mb-3 accepted-paper" id="paper-(\d+)"', page)]


def published_papers(workshop, cast, directions):
    papers = [
        accepted_paper(workshop, cast["author"], cast["chair"], title=f"Paper {n}", primary_direction=slug)
        for n, slug in enumerate(directions)
    ]
    to_camera_ready(workshop)
    publish(workshop)
    return papers


def test_accepted_papers_are_paginated_in_direction_order(client, workshop, cast, small_pages):
    papers = published_papers(workshop, cast, ["for", "in", "in"])  # "in" comes first in the workshop
    in_1, in_2, for_1 = papers[1].number, papers[2].number, papers[0].number

    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()
    past_the_end = client.get(URL, {"page": 9}).content.decode()

    assert numbers_on(first) == [in_1, in_2] and numbers_on(second) == [for_1]
    assert "Papers 1\N{EN DASH}2 of 3" in first and 'href="?page=2">Next</a>' in first
    assert numbers_on(past_the_end) == [for_1]


def test_accepted_papers_of_one_direction_with_its_count(client, workshop, cast):
    papers = published_papers(workshop, cast, ["for", "in", "in"])

    page = client.get(URL, {"direction": "for"}).content.decode()
    unknown = client.get(URL, {"direction": "nowhere"}).content.decode()

    assert numbers_on(page) == [papers[0].number]
    assert re.search(r'aria-current="page" href="\?direction=for">Causality for large models <span[^>]*>\(1\)', page)
    assert sorted(numbers_on(unknown)) == sorted(p.number for p in papers)


def test_accepted_papers_search_titles_and_author_names(client, workshop, cast):
    chair = cast["chair"]
    parrots = accepted_paper(workshop, cast["author"], chair, title="Stochastic parrots", primary_direction="in")
    other = accepted_paper(workshop, cast["other_author"], chair, title="Interventions", primary_direction="for")
    to_camera_ready(workshop)
    publish(workshop)

    by_title = client.get(URL, {"q": "  PARROTS "}).content.decode()
    by_author = client.get(URL, {"q": cast["other_author"].name.split()[-1]}).content.decode()
    nothing = client.get(URL, {"q": "no such words"}).content.decode()
    in_direction = client.get(URL, {"q": "parrots", "direction": "for"}).content.decode()

    assert numbers_on(by_title) == [parrots.number] and "1 paper matches “PARROTS”." in by_title
    assert numbers_on(by_author) == [other.number]
    assert numbers_on(nothing) == [] and "No accepted paper matches." in nothing
    assert numbers_on(in_direction) == []


def test_accepted_papers_fold_the_abstracts(client, workshop, cast):
    paper = accepted_paper(workshop, cast["author"], cast["chair"])
    to_camera_ready(workshop)
    publish(workshop)

    page = client.get(URL).content.decode()

    folded = re.search(r"<details[^>]*><summary[^>]*>Abstract</summary>(.*?)</details>", page, re.S)
    assert folded and paper.abstract.split()[0] in folded.group(1)


def test_accepted_papers_pages_are_cached_apart_and_searches_not_at_all(client, workshop, cast, small_pages):
    papers = published_papers(workshop, cast, ["in", "in", "for"])
    client.get(URL)

    with CaptureQueriesContext(connection) as queries:
        second = client.get(URL, {"page": 2}).content.decode()
        again = client.get(URL, {"page": 2}).content.decode()
        searched = [client.get(URL, {"q": "Paper"}).content.decode() for _ in range(2)]

    author_reads = [q for q in queries.captured_queries if q["sql"].startswith('SELECT "submissions_submissionauthor"')]
    assert numbers_on(second) == numbers_on(again) == [papers[2].number]
    assert numbers_on(searched[1]) == [papers[0].number, papers[1].number]
    assert len(author_reads) == 1 + 2  # page 2 rendered once, each search every time


def test_cached_page_links_carry_no_other_parameter(client, workshop, cast, small_pages):
    published_papers(workshop, cast, ["in", "in", "in"])
    client.get(URL, {"utm": '"><b>x'})

    page = client.get(URL).content.decode()

    assert 'href="?page=2">Next</a>' in page and "utm" not in page


@pytest.mark.parametrize("count", [1, 5])
def test_accepted_papers_search_queries_do_not_grow(client, workshop, cast, count, django_assert_max_num_queries):
    for n in range(count):
        accepted_paper(workshop, cast["author"], cast["chair"], title=f"Causal paper {n}")
    to_camera_ready(workshop)
    publish(workshop)

    # Workshop and its directions, the programme's index, the count, the papers and their authors,
    # and the request's savepoint pair.
    with django_assert_max_num_queries(8):
        page = client.get(URL, {"q": "causal"}).content.decode()

    assert len(numbers_on(page)) == count
