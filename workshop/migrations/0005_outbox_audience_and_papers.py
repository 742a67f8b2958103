import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """To whom each outbox email went and which papers it concerns. Existing rows get "person" here
    and no papers; reviews.0008_fill_outbox_audience_and_papers fills both from what is known (it
    lives in the reviews app because it reads papers and assignments, which this app is below)."""

    dependencies = [
        ("workshop", "0004_email_templates_use_placeholders"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="audience",
            field=models.CharField(
                choices=[
                    ("authors", "The authors of the paper"),
                    ("reviewers", "Reviewers of the papers"),
                    ("chairs", "The chairs"),
                    ("person", "One person"),
                ],
                default="person",
                max_length=10,
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="outboxemail",
            constraint=models.CheckConstraint(
                condition=models.Q(("audience__in", ["authors", "reviewers", "chairs", "person"])),
                name="outbox_email_audience",
            ),
        ),
        migrations.CreateModel(
            name="OutboxEmailPaper",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("paper_id", models.BigIntegerField(help_text="The id of a submission (submissions.Submission).")),
                (
                    "email",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="papers", to="workshop.outboxemail"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["paper_id", "email"], name="outbox_email_paper_by_paper")],
                "constraints": [
                    models.UniqueConstraint(fields=("email", "paper_id"), name="outbox_email_paper_unique")
                ],
            },
        ),
    ]
