"""The N of "Reviewer N", drawn when a reviewer is first assigned to a paper.

Fellow reviewers, area chairs and (after release) the authors read reviews and comments as
"Reviewer 1..k". Numbers given in any order the system knows (user ids, the columns of the
affinity matrix, names) would tell a reviewer who is also an author something about the others;
so each paper's new reviewers share its next fresh numbers in a random order. A number is stored
(ReviewerNumber), kept when its reviewer is unassigned, and never given to anyone else on the
paper; a reviewer assigned again later gets theirs back.
"""

import random
from collections import defaultdict

from reviews.models import ReviewerNumber
from submissions.models import Submission

# Where the order of a paper's new reviewers comes from. Tests (and the privacy tests, which
# compare two worlds byte for byte) replace it with a seeded random.Random.
NUMBERING_RANDOM = random.SystemRandom()
# Up to this many papers, their numbers are read by id; beyond, the workshop's at once.
FEW_PAPERS = 500


def numbers_for_new_reviewers(*, workshop, pairs) -> list[tuple[int, int, int]]:
    """(submission id, reviewer id, number) for each (submission id, reviewer id) of `pairs` that
    has no number on that paper yet; the caller stores them (ReviewerNumber) in the same
    transaction. A paper's new reviewers get the numbers after the highest it ever gave, in a
    random order (NUMBERING_RANDOM); papers and reviewers are taken in id order first, so that a
    seeded random gives the same numbers for the same pairs.

    The papers' rows are locked until the transaction ends: two chairs assigning reviewers to one
    paper at once would otherwise both take its next number."""
    wanted = defaultdict(set)
    for submission_id, reviewer_id in pairs:
        wanted[submission_id].add(reviewer_id)
    if not wanted:
        return []
    papers = sorted(wanted)
    locked = Submission.objects.select_for_update().filter(workshop=workshop)
    stored = ReviewerNumber.objects.filter(workshop=workshop)
    if len(papers) <= FEW_PAPERS:
        locked, stored = locked.filter(pk__in=papers), stored.filter(submission_id__in=papers)
    # In id order, so that two transactions locking overlapping papers never wait for each other.
    list(locked.order_by("pk").values_list("pk", flat=True))
    numbered, highest = defaultdict(set), defaultdict(int)
    for submission_id, reviewer_id, number in stored.values_list("submission_id", "reviewer_id", "number"):
        numbered[submission_id].add(reviewer_id)
        highest[submission_id] = max(highest[submission_id], number)
    new = []
    for submission_id in papers:
        reviewers = sorted(wanted[submission_id] - numbered[submission_id])
        NUMBERING_RANDOM.shuffle(reviewers)
        first = highest[submission_id] + 1
        new.extend((submission_id, reviewer_id, first + k) for k, reviewer_id in enumerate(reviewers))
    return new
