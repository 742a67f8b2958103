"""Writes of a workshop's affinity: a chair asks for it, and a Celery task computes it.

The matrix is computed again only when its inputs changed (the fingerprint of every text and of
the method), and with MiniLM only the texts never embedded before are embedded: vectors are kept
per text in TextEmbedding and shared by every workshop. TF-IDF vectors depend on the whole corpus,
so TF-IDF is recomputed in full, which takes seconds even for thousands of papers.
"""

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.utils import timezone

from reviews import affinity
from reviews.enums import AffinityStatus
from reviews.models import AffinityScores, TextEmbedding
from reviews.selectors import AffinityInputs, affinity_inputs, affinity_matrix_name, text_sha256

logger = logging.getLogger(__name__)

ACTIVE = {AffinityStatus.QUEUED, AffinityStatus.RUNNING}
# A request or computation older than this is taken for lost (a worker killed mid-task, a message
# dropped by the broker): asking again then queues a new computation instead of waiting forever.
# The largest workshops embed for about half an hour with MiniLM on two cores.
STALLED_AFTER = timedelta(hours=2)
# Texts embedded between two progress updates (and stored in one INSERT).
EMBED_BATCH_SIZE = 64
# Hashes looked up in one query (SQLite allows at most 32,766 parameters).
LOOKUP_CHUNK = 2000
# A matrix up to this size is kept in its row (one query reads it); a larger one goes to a file in
# the default storage (affinity_matrix_name), read by memory-mapping: PostgreSQL refuses a value
# over 1 GB, and 20,000 papers x 15,000 reviewers in float32 is 1.2 GB (600 MB in float16, which
# still cannot be read back: its hex text form is over 1 GB too).
MATRIX_IN_ROW_BYTES = 32 * 1024 * 1024
BROKER_DOWN = "The task queue could not be reached, so the computation has not started. Try again in a minute."


def is_under_way(row, now=None) -> bool:
    """Whether the row's computation is queued or running, and not lost (never published, or
    asked for or started longer ago than STALLED_AFTER)."""
    if row.status not in ACTIVE or row.error or row.started_at is None:
        return False
    return (now or timezone.now()) - row.started_at < STALLED_AFTER


def request_affinity(*, workshop, by) -> bool:
    """Queue the computation of the workshop's affinity; True if queued, False when one is
    already queued or running (a double click queues one task). The task is published after
    commit; a broker that cannot be reached leaves the row queued with an error that says so,
    and asking again then tries again."""
    now = timezone.now()
    with transaction.atomic():
        row, created = AffinityScores.objects.select_for_update().get_or_create(
            workshop=workshop, defaults={"started_at": now}
        )
        if not created and is_under_way(row, now):
            return False
        # started_at holds when the row entered its state: the request now, the task's start later.
        row.status, row.started_at, row.error, row.done, row.total = AffinityStatus.QUEUED, now, "", 0, 0
        row.method = affinity.resolve_method("auto")
        row.save(update_fields=["status", "started_at", "error", "done", "total", "method"])
        logger.info("Affinity of %s requested by %s.", workshop.slug, by)
        transaction.on_commit(lambda: _publish(row.pk, workshop.pk))
    return True


def _publish(row_pk, workshop_id):
    # Imported here: the task module imports this one.
    from reviews.tasks import compute_affinity as compute_affinity_task

    try:
        compute_affinity_task.delay(workshop_id=workshop_id)
    except Exception:
        logger.warning("Could not queue the affinity of workshop %s.", workshop_id, exc_info=True)
        AffinityScores.objects.filter(pk=row_pk, status=AffinityStatus.QUEUED).update(error=BROKER_DOWN)


def compute_affinity(*, workshop) -> AffinityScores:
    """Compute the workshop's affinity matrix and store it, READY; at once when nothing changed
    since the last computation. Progress (texts embedded of those to embed) is written to the row
    as it goes, outside any transaction, so that the chair's page can follow it. A failure marks
    the row FAILED with a short reason for the chair and is re-raised; the previous matrix stays in
    the row (not served while FAILED) and is READY again at once if the inputs come back to it."""
    row, _ = AffinityScores.objects.defer("matrix", "paper_ids", "reviewer_ids").get_or_create(workshop=workshop)
    rows = AffinityScores.objects.filter(pk=row.pk)
    try:
        method = affinity.resolve_method("auto")
        rows.update(status=AffinityStatus.RUNNING, method=method, started_at=timezone.now(), error="", done=0, total=0)
        inputs = affinity_inputs(workshop, method=method)
        if row.computed_at is not None and row.fingerprint == inputs.fingerprint:
            rows.update(status=AffinityStatus.READY)
            return _reloaded(row.pk)
        if method == "minilm":
            matrix = _minilm_matrix(inputs, rows)
        else:
            rows.update(total=inputs.text_count)
            matrix = affinity.affinity_matrix(inputs.paper_texts, inputs.reviewer_texts, method=method)
            rows.update(done=inputs.text_count)
        matrix = np.ascontiguousarray(matrix, dtype="<f4")
        in_row = matrix.nbytes <= MATRIX_IN_ROW_BYTES
        if not in_row:
            _save_matrix_file(affinity_matrix_name(workshop.pk, inputs.fingerprint), matrix)
        rows.update(
            status=AffinityStatus.READY,
            matrix=matrix.tobytes() if in_row else b"",
            paper_ids=inputs.paper_ids,
            reviewer_ids=inputs.reviewer_ids,
            fingerprint=inputs.fingerprint,
            computed_at=timezone.now(),
        )
        if row.fingerprint and row.fingerprint != inputs.fingerprint:
            _delete_matrix_file(affinity_matrix_name(workshop.pk, row.fingerprint))
    except Exception as error:
        logger.exception("Affinity of %s failed.", workshop.slug)
        rows.update(status=AffinityStatus.FAILED, error=_reason(error))
        raise
    return _reloaded(row.pk)


def _save_matrix_file(name, matrix):
    """Write the matrix as a .npy file under `name` in the default storage (replacing one of the
    same name: the same inputs give the same matrix). On local storage it is written in place and
    renamed, so that a reader never maps half a file; elsewhere it is uploaded from a temporary file."""
    if not isinstance(default_storage, FileSystemStorage):  # not on this machine's disk (S3): upload it
        with tempfile.TemporaryFile() as spool:
            np.save(spool, matrix, allow_pickle=False)
            spool.seek(0)
            _delete_matrix_file(name)
            saved = default_storage.save(name, File(spool, name=name))
        if saved != name:  # another computation wrote the same name meanwhile: theirs is the same matrix
            default_storage.delete(saved)
        return
    path = Path(default_storage.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    with open(partial, "wb") as file:
        np.save(file, matrix, allow_pickle=False)
    os.replace(partial, path)


def _delete_matrix_file(name):
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("Could not delete the old affinity matrix %s.", name, exc_info=True)


def _reloaded(pk) -> AffinityScores:
    return AffinityScores.objects.defer("matrix").get(pk=pk)


def _reason(error) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= 300 else text[:299] + "…"


def _minilm_matrix(inputs: AffinityInputs, rows) -> np.ndarray:
    """The affinity from MiniLM vectors, embedding (and storing) only the texts not cached yet."""
    texts, text_reviewers = affinity.reviewer_texts(inputs.reviewer_texts)
    hashes = {text: text_sha256(text) for text in [*inputs.paper_texts, *texts] if text}
    vectors = _cached_vectors(set(hashes.values()))
    missing = [text for text, sha in hashes.items() if sha not in vectors]
    rows.update(total=len(missing))
    for start in range(0, len(missing), EMBED_BATCH_SIZE):
        batch = missing[start : start + EMBED_BATCH_SIZE]
        embedded = np.asarray(affinity.embed(batch, method="minilm"), dtype="<f4")
        stored = [
            TextEmbedding(method="minilm", sha256=hashes[text], vector=row.tobytes())
            for text, row in zip(batch, embedded, strict=True)
        ]
        # Another workshop's task may store the same text meanwhile: the first one stays.
        TextEmbedding.objects.bulk_create(stored, ignore_conflicts=True)
        vectors.update({hashes[text]: row for text, row in zip(batch, embedded, strict=True)})
        rows.update(done=start + len(batch))

    def stack(items):
        stacked = np.zeros((len(items), affinity.MINILM_DIMENSIONS), dtype=np.float32)
        for index, text in enumerate(items):
            if text:  # a blank text stays a zero vector: it matches nothing
                stacked[index] = vectors[hashes[text]]
        return stacked

    return affinity.affinity_from_embeddings(
        stack(inputs.paper_texts), stack(texts), text_reviewers, len(inputs.reviewer_ids)
    )


def _cached_vectors(hashes: set[str]) -> dict[str, np.ndarray]:
    vectors = {}
    ordered = sorted(hashes)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        found = TextEmbedding.objects.filter(method="minilm", sha256__in=ordered[start : start + LOOKUP_CHUNK])
        for sha, vector in found.values_list("sha256", "vector"):
            vectors[sha] = np.frombuffer(bytes(vector), dtype="<f4")
    return vectors
