"""Where a workshop's affinity matrix is kept: in its row while small, in a file of the default
storage once too large for a database value (20,000 x 15,000 in float32 is 1.2 GB, over
PostgreSQL's 1 GB), and read back the same either way, in blocks by the score table."""

import numpy as np
import pytest
from django.core.files.storage import default_storage

from reviews import scoring, selectors
from reviews.models import AffinityScores
from reviews.services import affinity as services
from tests.reviews.test_affinity_task import compute, matrix_of, papers, profiles, set_profile, tfidf

pytestmark = pytest.mark.django_db

__all__ = ["papers", "profiles", "tfidf"]  # fixtures used by name below


@pytest.fixture(autouse=True)
def no_files_left():
    """Stored files outlive a test's rolled-back rows, and the next test's workshop may have the
    same id and inputs (the same file name): each test starts and ends without matrix files."""
    yield
    selectors._decoded_matrices.clear()
    _, names = default_storage.listdir("affinity") if default_storage.exists("affinity") else ([], [])
    for name in names:
        default_storage.delete(f"affinity/{name}")


@pytest.fixture
def to_file(monkeypatch):
    """Every matrix is 'too large' for its row."""
    monkeypatch.setattr(services, "MATRIX_IN_ROW_BYTES", 0)


@pytest.fixture
def remote_storage(settings):
    """A default storage that is not on this machine's disk, as S3 is."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


def file_name(workshop):
    return selectors.affinity_matrix_name(workshop.pk, AffinityScores.objects.get(workshop=workshop).fingerprint)


def recompute(workshop):
    """Compute again although nothing changed (the matrix is then the same)."""
    AffinityScores.objects.filter(workshop=workshop).update(computed_at=None)
    selectors._decoded_matrices.clear()
    return compute(workshop)


def test_a_small_matrix_is_kept_in_its_row(workshop, papers, profiles, tfidf):
    row = compute(workshop)

    assert matrix_of(row).shape == (3, 3)
    assert not default_storage.exists(file_name(workshop))


def test_a_large_matrix_goes_to_a_file_and_reads_back_the_same(workshop, papers, profiles, tfidf, monkeypatch):
    in_row = matrix_of(compute(workshop))
    monkeypatch.setattr(services, "MATRIX_IN_ROW_BYTES", 0)

    row = recompute(workshop)
    read = selectors.affinity_matrix_of(workshop)

    assert bytes(row.matrix) == b""
    assert default_storage.exists(file_name(workshop)) and file_name(workshop).startswith(f"affinity/{workshop.pk}-")
    assert isinstance(read.matrix, np.memmap) and not read.matrix.flags.writeable
    np.testing.assert_array_equal(read.matrix, in_row)
    assert (read.paper_ids, read.reviewer_ids) == (row.paper_ids, row.reviewer_ids)


def test_a_new_computation_replaces_the_old_file(workshop, cast, papers, profiles, tfidf, to_file):
    compute(workshop)
    old = file_name(workshop)

    set_profile(workshop, cast["reviewer"], ["Only vision now.", "Pedestrian detection."])
    compute(workshop)

    new = file_name(workshop)
    assert new != old and default_storage.exists(new) and not default_storage.exists(old)


def test_a_matrix_file_on_remote_storage_is_read_whole(workshop, papers, profiles, tfidf, remote_storage, to_file):
    compute(workshop)

    read = selectors.affinity_matrix_of(workshop)

    assert default_storage.exists(file_name(workshop))
    assert not isinstance(read.matrix, np.memmap) and not read.matrix.flags.writeable
    assert read.matrix.shape == (3, 3) and read.matrix.dtype == np.float32 and read.matrix.max() > 0


def test_a_file_of_the_wrong_shape_is_refused(workshop, papers, profiles, tfidf, to_file):
    compute(workshop)
    selectors._decoded_matrices.clear()
    default_storage.delete(file_name(workshop))
    services._save_matrix_file(file_name(workshop), np.zeros((2, 2), dtype="<f4"))

    with pytest.raises(ValueError, match=r"holds float32 \(2, 2\), not float32 \(3, 3\)"):
        selectors.affinity_matrix_of(workshop)


@pytest.mark.parametrize("storage", ["row", "file"])
def test_score_table_reads_the_matrix_in_blocks_in_its_own_order(
    workshop, cast, papers, profiles, tfidf, monkeypatch, storage
):
    if storage == "file":
        monkeypatch.setattr(services, "MATRIX_IN_ROW_BYTES", 0)
    compute(workshop)
    stored = selectors.affinity_matrix_of(workshop)
    monkeypatch.setattr(scoring, "ROW_BLOCK", 2)  # blocks of two rows for three papers

    table = scoring.score_table(workshop)
    scores = table.scores(scoring.Weights(affinity=2.0, bid=1.0, direction=0.5))

    expected = np.array(
        [[stored.affinity(paper.pk, reviewer.pk) for reviewer in table.reviewers] for paper in table.papers],
        dtype=np.float32,
    )
    np.testing.assert_array_equal(table.affinity, expected)
    whole = 2.0 * table.affinity + table.bid_points + 0.5 * table.direction_match
    np.testing.assert_allclose(scores, whole, rtol=1e-6)
    assert scores.dtype == np.float32
