"""A workshop's affinity: asked for by a chair, computed by a Celery task, cached per text, computed
again only for what changed, its progress and method shown to the chair."""

import hashlib
import re

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import affinity, selectors, tasks
from reviews.enums import AffinityStatus
from reviews.models import AffinityScores, TextEmbedding
from reviews.services import affinity as services
from reviews.services.reviewers import update_reviewer_profile
from submissions import services as submission_services
from tests.factories import member
from tests.reviews.test_affinity import PAPERS, REVIEWERS
from tests.reviews.test_affinity import minilm as minilm  # the skip-or-require fixture (AFFINITY_REQUIRED)
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role

pytestmark = pytest.mark.django_db

MINILM_LABEL = "MiniLM sentence embeddings (all-MiniLM-L6-v2)"


# --- arrangement -------------------------------------------------------------------------------


@pytest.fixture
def tfidf(monkeypatch):
    """Compute with TF-IDF even where the affinity extra is installed."""
    monkeypatch.setattr(affinity, "minilm_installed", lambda: False)
    return "tfidf"


def fake_vectors(texts):
    """Deterministic stand-in for MiniLM: hashed bag of words, L2-normalised, 384 dimensions."""
    vectors = np.zeros((len(texts), affinity.MINILM_DIMENSIONS), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"[a-z]{3,}", text.lower()):
            vectors[row, int(hashlib.sha256(word.encode()).hexdigest(), 16) % affinity.MINILM_DIMENSIONS] += 1
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=vectors, where=norms > 0)


@pytest.fixture
def fake_minilm(monkeypatch):
    """The MiniLM path without the extra: returns the list of batches of texts it was asked to embed."""
    batches = []

    def embed(texts):
        batches.append(list(texts))
        return fake_vectors(texts)

    monkeypatch.setattr(affinity, "minilm_installed", lambda: True)
    monkeypatch.setattr(affinity, "_embed_minilm", embed)
    return batches


@pytest.fixture(params=["tfidf", "minilm"])
def method(request):
    if request.param == "minilm":
        return request.getfixturevalue("minilm")
    return request.getfixturevalue("tfidf")


def title_and_abstract(text):
    title, abstract = text.split(". ", 1)
    return title, abstract


@pytest.fixture
def papers(workshop, cast):
    """The three papers of test_affinity.PAPERS, submitted by the author."""
    result = []
    for text in PAPERS:
        title, abstract = title_and_abstract(text)
        result.append(submitted_paper(workshop, cast["author"], title=title, abstract=abstract))
    return result


def set_profile(workshop, user, texts):
    expertise, *own_papers = texts
    update_reviewer_profile(workshop=workshop, user=user, expertise=expertise, own_papers="\n\n".join(own_papers))


@pytest.fixture
def profiles(workshop, cast):
    """Reviewer i of test_affinity.REVIEWERS wrote on the subject of paper i."""
    for persona, texts in zip(["reviewer", "bystander_reviewer", "conflicted_reviewer"], REVIEWERS, strict=False):
        set_profile(workshop, cast[persona], texts)


def compute(workshop):
    tasks.compute_affinity(workshop_id=workshop.pk)
    return AffinityScores.objects.get(workshop=workshop)


def matrix_of(row):
    return np.frombuffer(bytes(row.matrix), dtype="<f4").reshape(len(row.paper_ids), len(row.reviewer_ids))


def change_abstract(paper, author, abstract):
    authors = [
        submission_services.AuthorEntry(entry.name, entry.email, entry.affiliation)
        for entry in paper.authors.order_by("order")
    ]
    return submission_services.update_submission(
        submission=paper, by=author, base_version=paper.version, fields={"abstract": abstract}, authors=authors
    )


def status_page(client, workshop):
    return client.get(reverse("reviews:affinity_status", args=[workshop.slug])).content.decode()


# --- the computation ---------------------------------------------------------------------------


def test_task_stores_a_ready_matrix_of_papers_by_reviewers(workshop, cast, papers, profiles, method):
    row = compute(workshop)

    reviewers = [cast["reviewer"].pk, cast["bystander_reviewer"].pk, cast["conflicted_reviewer"].pk]
    assert (row.status, row.method, row.error) == (AffinityStatus.READY, method, "")
    assert (row.paper_ids, row.reviewer_ids) == ([paper.pk for paper in papers], sorted(reviewers))
    assert matrix_of(row).shape == (3, 3)
    assert row.computed_at is not None and len(row.fingerprint) == 64
    assert row.done == row.total > 0


def test_task_ranks_the_reviewer_who_wrote_on_each_papers_subject_first(workshop, cast, papers, profiles, method):
    row = compute(workshop)

    best = [row.reviewer_ids[column] for column in matrix_of(row).argmax(axis=1)]
    assert best == [cast["reviewer"].pk, cast["bystander_reviewer"].pk, cast["conflicted_reviewer"].pk]


def test_task_ranks_the_author_reviewer_of_a_paper_highest(workshop, cast, papers, profiles, method):
    author_reviewer = member(workshop, Role.REVIEWER, email="ada@uni-h.example")
    title, abstract = title_and_abstract(PAPERS[1])
    set_profile(workshop, author_reviewer, ["Vision.", REVIEWERS[3][1], f"{title}\n{abstract}"])

    row = compute(workshop)

    scores = selectors.affinities_of_reviewer(workshop, author_reviewer)
    assert matrix_of(row)[1].argmax() == row.reviewer_ids.index(author_reviewer.pk)
    assert scores[papers[1].pk] == pytest.approx(1.0, abs=1e-4)


def test_reviewer_without_texts_scores_zero_and_account_expertise_counts_without_a_profile(
    workshop, cast, papers, tfidf
):
    cast["reviewer"].expertise = "Learning causal graphs with the PC algorithm and conditional independence tests."
    cast["reviewer"].save()

    row = compute(workshop)

    scores = matrix_of(row)
    assert scores[0, row.reviewer_ids.index(cast["reviewer"].pk)] > 0
    assert scores[:, row.reviewer_ids.index(cast["bystander_reviewer"].pk)].tolist() == [0.0, 0.0, 0.0]


def test_task_without_papers_or_reviewers_is_ready_and_empty(workshop, tfidf):
    row = compute(workshop)

    assert (row.status, row.paper_ids, row.reviewer_ids, matrix_of(row).shape) == (AffinityStatus.READY, [], [], (0, 0))


def test_minilm_embeds_each_distinct_text_once_and_stores_it(workshop, papers, profiles, fake_minilm):
    row = compute(workshop)

    embedded = [text for batch in fake_minilm for text in batch]
    texts, _ = affinity.reviewer_texts([REVIEWERS[0], REVIEWERS[1], REVIEWERS[2]])
    paper_texts = [selectors.affinity_text(paper.title, paper.abstract) for paper in papers]
    assert sorted(embedded) == sorted({*paper_texts, *texts})
    assert TextEmbedding.objects.filter(method="minilm").count() == len(embedded) == row.total == row.done
    assert row.method == "minilm"


def test_minilm_reuses_the_vectors_another_workshop_stored(workshop, other_workshop, cast, papers, fake_minilm):
    compute(workshop)
    fake_minilm.clear()
    title, abstract = title_and_abstract(PAPERS[0])
    again = submitted_paper(other_workshop, cast["author"], title=title, abstract=abstract)
    fresh = submitted_paper(other_workshop, cast["author"], title="Another paper", abstract="On something else.")

    row = compute(other_workshop)

    assert fake_minilm == [["Another paper On something else."]]
    assert (row.paper_ids, row.total) == ([again.pk, fresh.pk], 1)


def test_minilm_from_cached_vectors_equals_the_pure_function(workshop, papers, profiles, fake_minilm):
    row = compute(workshop)

    texts = [[selectors.affinity_text(text) for text in reviewer] for reviewer in REVIEWERS[:3]]
    paper_texts = [selectors.affinity_text(paper.title, paper.abstract) for paper in papers]
    expected = affinity.affinity_matrix(paper_texts, texts, method="minilm")
    np.testing.assert_allclose(matrix_of(row), expected, atol=1e-6)


def test_recompute_after_no_change_does_no_work(workshop, papers, profiles, fake_minilm):
    first = compute(workshop)
    fake_minilm.clear()

    second = compute(workshop)

    assert fake_minilm == []
    assert (second.status, second.computed_at, second.fingerprint) == (
        AffinityStatus.READY,
        first.computed_at,
        first.fingerprint,
    )


def test_recompute_after_no_change_keeps_the_tfidf_matrix(workshop, papers, profiles, tfidf):
    first = compute(workshop)

    second = compute(workshop)

    assert (second.computed_at, bytes(second.matrix)) == (first.computed_at, bytes(first.matrix))


def test_recompute_after_an_abstract_changes_embeds_only_that_text(workshop, cast, papers, profiles, fake_minilm):
    first = compute(workshop)
    fake_minilm.clear()
    changed = change_abstract(papers[2], cast["author"], "Doubly robust estimation of average treatment effects.")

    second = compute(workshop)

    assert fake_minilm == [[selectors.affinity_text(changed.title, changed.abstract)]]
    assert (second.done, second.total) == (1, 1)
    assert second.fingerprint != first.fingerprint and second.computed_at > first.computed_at


def test_progress_is_written_after_each_batch(workshop, papers, profiles, fake_minilm, monkeypatch):
    monkeypatch.setattr(services, "EMBED_BATCH_SIZE", 4)
    seen = []
    embed = affinity._embed_minilm

    def embed_and_look(texts):
        row = AffinityScores.objects.get(workshop=workshop)
        seen.append((row.status, row.done, row.total))
        return embed(texts)

    monkeypatch.setattr(affinity, "_embed_minilm", embed_and_look)

    row = compute(workshop)

    total = row.total
    assert seen == [(AffinityStatus.RUNNING, done, total) for done in range(0, total, 4)]
    assert row.done == total == 12


def test_failure_marks_the_row_failed_and_the_chair_sees_why(chair_client, workshop, papers, tfidf, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise MemoryError("the matrix does not fit")

    monkeypatch.setattr(affinity, "affinity_matrix", out_of_memory)

    with pytest.raises(MemoryError):
        compute(workshop)

    row = AffinityScores.objects.get(workshop=workshop)
    assert (row.status, row.error) == (AffinityStatus.FAILED, "MemoryError: the matrix does not fit")
    page = status_page(chair_client, workshop)
    assert "The computation failed: MemoryError: the matrix does not fit" in page
    assert "Try again" in page
    assert selectors.affinity_matrix_of(workshop) is None


def test_failure_of_an_eager_task_does_not_fail_the_request(
    workshop, cast, papers, tfidf, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise ValueError("no vocabulary")

    monkeypatch.setattr(affinity, "affinity_matrix", broken)

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.request_affinity(workshop=workshop, by=cast["chair"])

    row = AffinityScores.objects.get(workshop=workshop)
    assert (queued, row.status, row.error) == (True, AffinityStatus.FAILED, "ValueError: no vocabulary")


# --- asking for it -----------------------------------------------------------------------------


def test_request_runs_the_task_after_commit(workshop, cast, papers, tfidf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = services.request_affinity(workshop=workshop, by=cast["chair"])

    assert queued and len(callbacks) == 1
    assert AffinityScores.objects.get(workshop=workshop).status == AffinityStatus.READY


def test_double_request_queues_one_task(workshop, cast, tfidf, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        answers = [services.request_affinity(workshop=workshop, by=cast["chair"]) for _ in range(2)]

    assert answers == [True, False]
    assert len(callbacks) == 1
    assert AffinityScores.objects.get(workshop=workshop).status == AffinityStatus.QUEUED


def test_double_click_on_the_button_queues_one_task(chair_client, workshop, tfidf, django_capture_on_commit_callbacks):
    url = reverse("reviews:compute_affinity", args=["calm"])

    with django_capture_on_commit_callbacks() as callbacks:
        first = chair_client.post(url, follow=False)
        second = chair_client.post(url, follow=False)

    assert len(callbacks) == 1
    assert [first["Location"], second["Location"]] == [reverse("reviews:assignment", args=["calm"])] * 2
    messages = [str(message) for message in second.wsgi_request._messages]
    assert messages == [
        "The affinity is being computed; its progress shows below.",
        "The affinity is already being computed.",
    ]


def test_request_again_after_the_computation_is_lost(workshop, cast, tfidf, django_capture_on_commit_callbacks):
    services.request_affinity(workshop=workshop, by=cast["chair"])
    asked_at = AffinityScores.objects.get().started_at
    AffinityScores.objects.update(status=AffinityStatus.RUNNING, started_at=asked_at - services.STALLED_AFTER)

    with django_capture_on_commit_callbacks() as callbacks:
        queued = services.request_affinity(workshop=workshop, by=cast["chair"])

    assert queued and len(callbacks) == 1


def test_unreachable_broker_leaves_the_row_queued_and_says_so(
    chair_client, workshop, cast, tfidf, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(**kwargs):
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr(tasks.compute_affinity, "delay", refuse)

    with django_capture_on_commit_callbacks(execute=True):
        services.request_affinity(workshop=workshop, by=cast["chair"])

    row = AffinityScores.objects.get(workshop=workshop)
    assert (row.status, row.error) == (AffinityStatus.QUEUED, services.BROKER_DOWN)
    page = status_page(chair_client, workshop)
    assert services.BROKER_DOWN in page and "Try again" in page and "every 2s" not in page
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.request_affinity(workshop=workshop, by=cast["chair"])
    assert AffinityScores.objects.get(workshop=workshop).status == AffinityStatus.READY


# --- reading it --------------------------------------------------------------------------------


def test_selectors_before_computing_say_nothing(workshop, cast, papers, profiles):
    assert selectors.affinity_scores(workshop) is None
    assert selectors.affinity_matrix_of(workshop) is None
    assert selectors.affinities_of_reviewer(workshop, cast["reviewer"]) == {}
    assert selectors.affinity_is_stale(workshop) is False


def test_affinities_of_reviewer_maps_each_paper_to_a_score(workshop, cast, papers, profiles, tfidf):
    row = compute(workshop)

    scores = selectors.affinities_of_reviewer(workshop, cast["reviewer"])

    column = row.reviewer_ids.index(cast["reviewer"].pk)
    assert scores == {paper.pk: pytest.approx(float(matrix_of(row)[i, column])) for i, paper in enumerate(papers)}
    assert max(scores, key=scores.get) == papers[0].pk
    assert selectors.affinities_of_reviewer(workshop, cast["chair"]) == {}


def test_affinity_matrix_is_decoded_once_per_computation(workshop, papers, profiles, tfidf, django_assert_num_queries):
    compute(workshop)
    first = selectors.affinity_matrix_of(workshop)

    with django_assert_num_queries(1):
        second = selectors.affinity_matrix_of(workshop)

    assert second is first
    assert second.matrix.dtype == np.float32 and not second.matrix.flags.writeable
    assert second.method_label == "TF-IDF"
    assert second.affinity(second.paper_ids[0], second.reviewer_ids[0]) == float(second.matrix[0, 0])


def test_affinity_is_stale_once_a_paper_or_a_reviewer_changes(workshop, cast, papers, profiles, tfidf):
    compute(workshop)
    fresh = selectors.affinity_is_stale(workshop)

    set_profile(workshop, cast["reviewer"], ["Only vision now.", "Pedestrian detection."])

    assert (fresh, selectors.affinity_is_stale(workshop)) == (False, True)


def test_affinity_is_stale_once_the_affinity_extra_is_installed(workshop, papers, profiles, tfidf, monkeypatch):
    compute(workshop)
    fresh = selectors.affinity_is_stale(workshop)

    monkeypatch.setattr(affinity, "minilm_installed", lambda: True)

    assert (fresh, selectors.affinity_is_stale(workshop)) == (False, True)


# --- what the chair sees -----------------------------------------------------------------------


def test_chair_sees_the_method_and_when_it_was_computed(chair_client, workshop, papers, profiles, tfidf):
    row = compute(workshop)

    page = status_page(chair_client, workshop)

    assert '<strong id="affinity-method">TF-IDF</strong>' in page
    assert f"Computed {row.computed_at:%-d %b %Y %H:%M} UTC." in page
    assert "every 2s" not in page and "Recompute" not in page


# The request's savepoint and release, session, user, workshop and its directions, membership, the
# affinity row, and the staleness check (the row's fingerprint, papers, profiles, reviewers): fixed,
# whatever the number of papers.
STATUS_QUERY_BOUND = 12


@pytest.mark.parametrize("paper_count", [1, 4])
def test_status_fragment_queries_do_not_grow_with_papers(
    chair_client, workshop, cast, profiles, tfidf, django_assert_max_num_queries, paper_count
):
    for _ in range(paper_count):
        submitted_paper(workshop, cast["author"])
    compute(workshop)

    with django_assert_max_num_queries(STATUS_QUERY_BOUND):
        page = status_page(chair_client, workshop)

    assert "Computed" in page


def test_chair_sees_minilm_named(chair_client, workshop, papers, profiles, fake_minilm):
    compute(workshop)

    page = status_page(chair_client, workshop)

    assert f'<strong id="affinity-method">{MINILM_LABEL}</strong>' in page


def test_chair_sees_a_compute_button_before_the_first_computation(chair_client, workshop, tfidf):
    page = status_page(chair_client, workshop)

    assert "No affinity computed yet." in page
    assert "Compute affinity</button>" in page
    assert '<strong id="affinity-method">TF-IDF</strong>' in page


def test_chair_sees_progress_and_the_fragment_polls_while_running(chair_client, workshop, tfidf):
    AffinityScores.objects.create(
        workshop=workshop, status=AffinityStatus.RUNNING, method="minilm", done=64, total=300, started_at=timezone.now()
    )

    page = status_page(chair_client, workshop)

    assert "64 of 300 texts" in page
    assert '<progress id="affinity-progress" class="w-100" value="64" max="300">' in page
    assert 'hx-trigger="every 2s"' in page and reverse("reviews:affinity_status", args=["calm"]) in page
    assert MINILM_LABEL in page
    assert "<button" not in page


def test_chair_sees_stale_scores_with_a_recompute_button(chair_client, workshop, cast, papers, profiles, tfidf):
    compute(workshop)
    change_abstract(papers[0], cast["author"], "A new abstract about protein folding.")

    page = status_page(chair_client, workshop)

    assert "Papers or reviewers' texts have changed since: the scores are out of date." in page
    assert "Recompute</button>" in page


def test_compute_button_over_htmx_answers_the_fragment(
    chair_client, workshop, tfidf, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = chair_client.post(reverse("reviews:compute_affinity", args=["calm"]), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert '<section id="affinity-status"' in page and "<html" not in page
    assert "Queued: waiting for a worker to start." in page and 'hx-trigger="every 2s"' in page
    assert "Computed" in status_page(chair_client, workshop)


def test_status_fragment_has_no_inline_script_or_style(chair_client, workshop, tfidf):
    AffinityScores.objects.create(
        workshop=workshop, status=AffinityStatus.RUNNING, done=1, total=2, started_at=timezone.now()
    )

    page = status_page(chair_client, workshop)

    assert "<script" not in page and "style=" not in page and not re.search(r"\son[a-z]+=", page)
