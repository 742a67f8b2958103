"""Fill in, for the outbox rows written before workshop.0004, to whom each went (audience) and the
papers it concerns, from what is known now: the row's topic and template, the numbers ("#12") in
its subject and text, and the current papers, assignments, reviews and memberships.

It lives in the reviews app, the highest one, because it reads submissions and assignments: the
workshop app (below them) must not depend on their migrations.

What it cannot know, and how it errs towards hiding:
- Which papers an assignment email or a review reminder listed (topics "assignment:<reviewer>" and
  "reminder:<workshop>:<reviewer>:<when>"): it records every paper named by number in the email
  and every paper the reviewer is, or ever was as far as the data tells, linked to (assignments,
  reviews and their history, committed runs' pairs, discussion comments). An assignment removed
  before this migration, left out of any committed run, never reviewed and not named by number
  (a chair's own wording without the list) stays unknown: no data remembers it.
- Who an email to one address was when its template is unknown: it is never taken for an email
  to the authors (their pages list only those), so such a row drops off the authors' pages rather
  than risk showing them an email meant for someone else; it concerns its topic's paper and every
  paper it names by number, so chairs in conflict with any of them no longer see it.
- Whether a discussion email went to a chair or a reviewer: a chair's if the address is a chair's
  in the workshop now, else a reviewer's; neither is shown to authors, so the guess shows nothing.
Emails to authors (known templates with a "submission:<id>" topic) concern exactly that paper:
naming other papers' numbers must not put them on those papers' authors' pages.
"""

import re
from collections import defaultdict

from django.db import migrations

CHUNK = 2000

AUTHOR_TEMPLATES = {
    "submission_received",
    "submission_submitted",  # the scale seed's name for it
    "submission_updated",
    "submission_withdrawn",
    "submission_desk_rejected",
    "coauthor_invitation",
    "decision_accept",
    "decision_reject",
    "camera_ready_reminder",
}
CHAIR_TEMPLATES = {"review_submitted_chair"}
REVIEWER_TEMPLATES = {"review_submitted_reviewer", "reviewer_unassigned", "reviewer_assignment", "review_reminder"}
NUMBER = re.compile(r"#(\d+)")


def _reviewer_of(topic):
    """The reviewer id of an "assignment:<reviewer>" or "reminder:<workshop>:<reviewer>:<when>" topic."""
    parts = topic.split(":")
    if parts[0] == "assignment" and len(parts) == 2 and parts[1].isdigit():
        return int(parts[1])
    if parts[0] == "reminder" and len(parts) == 4 and parts[2].isdigit():
        return int(parts[2])
    return None


def _paper_of(topic):
    kind, _, pk = topic.partition(":")
    return int(pk) if kind == "submission" and pk.isdigit() else None


def fill(apps, schema_editor):
    OutboxEmail = apps.get_model("workshop", "OutboxEmail")
    OutboxEmailPaper = apps.get_model("workshop", "OutboxEmailPaper")
    Membership = apps.get_model("workshop", "Membership")
    Submission = apps.get_model("submissions", "Submission")
    linked_models = [
        (apps.get_model("reviews", name), person)
        for name, person in [
            ("Assignment", "reviewer_id"),
            ("Review", "reviewer_id"),
            ("HistoricalReview", "reviewer_id"),
            ("Comment", "author_id"),
        ]
    ]
    ProposedPair = apps.get_model("reviews", "ProposedPair")

    numbered = {
        (workshop_id, number): pk
        for pk, workshop_id, number in Submission.objects.filter(number__isnull=False).values_list(
            "pk", "workshop_id", "number"
        )
    }
    workshop_of = dict(Submission.objects.values_list("pk", "workshop_id"))
    reviewers_papers = defaultdict(set)  # (workshop id, reviewer id) -> paper ids
    for model, person in linked_models:
        for paper_id, user_id in model.objects.values_list("submission_id", person).iterator(CHUNK):
            reviewers_papers[(workshop_of.get(paper_id), user_id)].add(paper_id)
    committed = ProposedPair.objects.filter(run__status="committed")
    for paper_id, user_id in committed.values_list("submission_id", "reviewer_id").iterator(CHUNK):
        reviewers_papers[(workshop_of.get(paper_id), user_id)].add(paper_id)
    chairs = {
        (workshop_id, email.lower())
        for workshop_id, email in Membership.objects.filter(role="chair").values_list("workshop_id", "user__email")
    }

    audiences = defaultdict(list)  # audience -> email ids (all start as "person")
    links = []
    rows = OutboxEmail.objects.values_list("pk", "workshop_id", "template", "topic", "to", "subject", "body_text")
    for pk, workshop_id, template, topic, to, subject, body in rows.iterator(CHUNK):
        paper = _paper_of(topic)
        if paper is not None and template in AUTHOR_TEMPLATES:
            audiences["authors"].append(pk)
            links.append((pk, {paper}))
            continue
        papers = {paper} if paper is not None else set()
        if workshop_id is not None:
            named = (int(n) for n in NUMBER.findall(f"{subject}\n{body}"))
            papers |= {numbered[(workshop_id, n)] for n in named if (workshop_id, n) in numbered}
        reviewer = _reviewer_of(topic)
        if reviewer is not None:
            papers |= reviewers_papers.get((workshop_id, reviewer), set())
        if template in CHAIR_TEMPLATES:
            audience = "chairs"
        elif template == "discussion_comment":
            to_chair = any((workshop_id, address.lower()) in chairs for address in to or [])
            audience = "chairs" if to_chair else "reviewers"
        elif template in REVIEWER_TEMPLATES or reviewer is not None:
            audience = "reviewers"
        else:
            audience = "person"
        if audience == "reviewers" and not papers:
            audience = "person"  # a reviewers' email names its papers; without any, it went to one person
        if audience != "person":
            audiences[audience].append(pk)
        if papers:
            links.append((pk, papers))

    for audience, pks in audiences.items():
        for start in range(0, len(pks), CHUNK):
            OutboxEmail.objects.filter(pk__in=pks[start : start + CHUNK]).update(audience=audience)
    OutboxEmailPaper.objects.bulk_create(
        (OutboxEmailPaper(email_id=pk, paper_id=paper) for pk, papers in links for paper in sorted(papers)),
        batch_size=CHUNK,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_one_active_run_per_workshop"),
        ("submissions", "0005_submission_workshop_covering"),
        ("workshop", "0005_outbox_audience_and_papers"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
