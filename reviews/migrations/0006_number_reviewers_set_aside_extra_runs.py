"""Stored reviewer numbers for the assignments and reviews made before they existed, and at most
one queued or running assignment run per workshop (0007 makes the database keep it so).

"Reviewer N" used to follow the order of assignment, which for a committed run is the order of
reviewer ids. Where a paper has a submitted review, its reviewers may have read those numbers
(on the reviews, in the discussion, in the authors' email): they are kept, so that what people
wrote about "Reviewer 2" stays true. Elsewhere nobody has read them yet, and the paper's
reviewers are numbered in a random order, as they are from now on.
"""

import random
from collections import defaultdict

from django.db import migrations

BATCH = 5000


def number_reviewers(apps, schema_editor):
    Assignment = apps.get_model("reviews", "Assignment")
    Review = apps.get_model("reviews", "Review")
    ReviewerNumber = apps.get_model("reviews", "ReviewerNumber")
    order = defaultdict(list)  # submission id -> reviewer ids, in the old numbering's order
    workshop_of = {}
    seen = set()
    for model in (Assignment, Review):
        rows = model.objects.order_by("created_at", "id").values_list("workshop_id", "submission_id", "reviewer_id")
        for workshop_id, submission_id, reviewer_id in rows.iterator(chunk_size=BATCH):
            if (submission_id, reviewer_id) not in seen:
                seen.add((submission_id, reviewer_id))
                order[submission_id].append(reviewer_id)
                workshop_of[submission_id] = workshop_id
    read = set(Review.objects.filter(status="submitted").values_list("submission_id", flat=True).distinct())
    shuffle = random.SystemRandom().shuffle
    numbers = []
    for submission_id, reviewers in order.items():
        if submission_id not in read:
            shuffle(reviewers)
        numbers.extend(
            ReviewerNumber(
                workshop_id=workshop_of[submission_id], submission_id=submission_id, reviewer_id=reviewer_id, number=n
            )
            for n, reviewer_id in enumerate(reviewers, start=1)
        )
    ReviewerNumber.objects.bulk_create(numbers, batch_size=BATCH)


def set_aside_extra_runs(apps, schema_editor):
    """Of each workshop's queued or running runs, the newest stays; the others failed."""
    AssignmentRun = apps.get_model("reviews", "AssignmentRun")
    newest = {}
    for pk, workshop_id in (
        AssignmentRun.objects.filter(status__in=["queued", "running"])
        .order_by("-created_at", "-id")
        .values_list("pk", "workshop_id")
    ):
        newest.setdefault(workshop_id, pk)
    AssignmentRun.objects.filter(status__in=["queued", "running"]).exclude(pk__in=newest.values()).update(
        status="failed", error="Set aside: another run was started while this one was under way."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_reviewer_number_and_reminded_at"),
    ]

    operations = [
        migrations.RunPython(number_reviewers, migrations.RunPython.noop),
        migrations.RunPython(set_aside_extra_runs, migrations.RunPython.noop),
    ]
