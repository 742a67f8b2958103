"""Review.overall_score and confidence_score: the overall and confidence criteria's scores copied
out of the JSON `scores`, so that the chairs' dashboard can aggregate them in SQL. The backfill
fills them for every existing review (history rows keep what they recorded)."""

from collections import defaultdict

from django.db import migrations, models

# The keys of reviews/selectors/reviews.py's default criteria, which apply while a workshop has
# saved none (copied: a migration must not depend on code that may change).
DEFAULT_KEYS = {"overall": "overall", "confidence": "confidence"}
CHUNK = 5000


def _whole(scores, key):
    value = scores.get(key) if key else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def backfill(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    ReviewCriterion = apps.get_model("reviews", "ReviewCriterion")
    keys = defaultdict(dict)  # workshop id -> role -> key
    for workshop_id, role, key in ReviewCriterion.objects.values_list("workshop_id", "role", "key"):
        keys[workshop_id].setdefault(role, key)
    # One UPDATE per (overall, confidence) pair of values rather than one per review: a scale has
    # at most 11 points, so a conference's 65,000 reviews take a few dozen statements.
    ids = defaultdict(list)
    for pk, workshop_id, scores in Review.objects.values_list("pk", "workshop_id", "scores").iterator(CHUNK):
        roles = keys.get(workshop_id, DEFAULT_KEYS)
        pair = (_whole(scores or {}, roles.get("overall")), _whole(scores or {}, roles.get("confidence")))
        if pair != (None, None):
            ids[pair].append(pk)
    for (overall, confidence), pks in ids.items():
        for start in range(0, len(pks), CHUNK):
            Review.objects.filter(pk__in=pks[start : start + CHUNK]).update(
                overall_score=overall, confidence_score=confidence
            )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0003_reviews_discussion_decisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalreview",
            name="confidence_score",
            field=models.SmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalreview",
            name="overall_score",
            field=models.SmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="review",
            name="confidence_score",
            field=models.SmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="review",
            name="overall_score",
            field=models.SmallIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                fields=["workshop", "submission"],
                include=("reviewer", "status", "overall_score", "confidence_score"),
                name="review_scores_covering",
            ),
        ),
    ]
