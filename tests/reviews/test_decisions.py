"""Decisions (one transition function, per paper or in bulk), their release to the authors with the
emails previewed and sent once, the workshop's wording of those emails, and the authors' page."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from reviews.emails import EDITABLE_EMAILS, PLACEHOLDERS
from reviews.enums import Outcome
from reviews.models import Decision
from reviews.selectors.decisions import ReleaseProgress, decision_email_placeholders, release_progress
from reviews.services import decisions as decision_services
from reviews.services.decisions import (
    DecisionRefused,
    decide,
    release_decisions,
    save_email_template,
    start_release,
)
from submissions.enums import Presentation, SubmissionStatus
from submissions.models import Submission
from submissions.services import transition
from tests.factories import member
from tests.reviews.conftest import submit_review
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role
from workshop.mail import default_wording
from workshop.models import EmailTemplate, OutboxEmail, Workshop
from workshop.placeholders import problems

pytestmark = pytest.mark.django_db

ACCEPT, REJECT = Outcome.ACCEPT, Outcome.REJECT
SECRET = "Confidential: I reviewed an earlier version for another venue."


def url(name, *args):
    return reverse(f"reviews:{name}", args=["calm", *args])


@pytest.fixture
def paper(workshop, cast):
    """By the author and the coauthor; the conflicted chair shares the author's institution."""
    return submitted_paper(workshop, cast["author"], title="Causal parrots", authors=[cast["author"], cast["coauthor"]])


@pytest.fixture
def other(workshop, cast):
    return submitted_paper(workshop, cast["other_author"], title="LLMs for causal discovery")


@pytest.fixture
def reviewed(paper, cast):
    """Two submitted reviews of the paper, one with confidential comments."""
    first = submit_review(
        paper, cast["reviewer"], overall=5, summary="A bold and careful study.", confidential_comments=SECRET
    )
    second = submit_review(paper, cast["bystander_reviewer"], overall=2, summary="The experiments are too small.")
    return first, second


def decision_emails(paper):
    return list(OutboxEmail.objects.filter(topic=f"submission:{paper.pk}", template__startswith="decision_"))


# --- decide ------------------------------------------------------------------------------------


def test_decide_accept_without_presentation_is_refused(paper, cast):
    with pytest.raises(DecisionRefused, match="choose how it is presented"):
        decide(submission=paper, outcome=ACCEPT, by=cast["chair"])

    assert not Decision.objects.exists()


def test_decide_accept_records_presentation_note_and_who(paper, cast):
    decision = decide(
        submission=paper, outcome=ACCEPT, presentation=Presentation.SPOTLIGHT, note=" Well done. ", by=cast["chair"]
    )

    assert (decision.outcome, decision.presentation, decision.note_to_authors) == (ACCEPT, "spotlight", "Well done.")
    assert (decision.decided_by, decision.version, decision.released_at) == (cast["chair"], 1, None)
    assert decision.history.get().history_user == cast["chair"]


def test_decide_reject_drops_a_presentation(paper, cast):
    decision = decide(submission=paper, outcome=REJECT, presentation=Presentation.ORAL, by=cast["chair"])

    assert (decision.outcome, decision.presentation) == (REJECT, "")


def test_decide_by_a_conflicted_chair_is_refused(paper, cast):
    with pytest.raises(DecisionRefused, match="You are in conflict with paper #1;"):
        decide(submission=paper, outcome=REJECT, by=cast["conflicted_chair"])

    assert not Decision.objects.exists()


def test_decide_with_a_stale_version_is_refused_and_names_the_current_decision(paper, cast, workshop):
    second_chair = cast["chair"]
    decide(submission=paper, outcome=ACCEPT, presentation="poster", by=second_chair, version=0)

    with pytest.raises(DecisionRefused) as refused:
        decide(submission=paper, outcome=REJECT, by=second_chair, version=0)

    assert (
        str(refused.value) == "Another chair changed this decision meanwhile (now: Accept (poster)); reload to see it."
    )
    assert Decision.objects.get().outcome == ACCEPT


def test_decide_with_the_current_version_changes_the_decision(paper, cast):
    first = decide(submission=paper, outcome=ACCEPT, presentation="poster", by=cast["chair"], version=0)

    second = decide(submission=paper, outcome=REJECT, by=cast["chair"], version=first.version)

    assert (second.outcome, second.version, second.history.count()) == (REJECT, 2, 2)


def test_deciding_the_same_thing_twice_changes_nothing(paper, cast):
    first = decide(submission=paper, outcome=ACCEPT, presentation="poster", by=cast["chair"], version=0)

    again = decide(submission=paper, outcome=ACCEPT, presentation="poster", by=cast["chair"], version=0)

    assert (again.version, again.history.count()) == (first.version, 1)


def test_a_released_decision_cannot_change(paper, cast, workshop):
    decide(submission=paper, outcome=ACCEPT, presentation="oral", by=cast["chair"])
    release_decisions(workshop=workshop, by=cast["chair"])

    with pytest.raises(DecisionRefused, match="was released to its authors; it can no longer change"):
        decide(submission=paper, outcome=REJECT, by=cast["chair"])

    assert Decision.objects.get().outcome == ACCEPT


def test_a_withdrawn_paper_cannot_be_decided(paper, cast):
    transition(submission=paper, to=SubmissionStatus.WITHDRAWN, by=cast["author"])

    with pytest.raises(DecisionRefused, match="Paper #1 is withdrawn"):
        decide(submission=paper, outcome=REJECT, by=cast["chair"])


# --- the chairs' pages -------------------------------------------------------------------------


def test_bulk_decides_the_allowed_papers_and_refuses_the_conflicted_one_by_number(client, cast, paper, other):
    client.force_login(cast["conflicted_chair"])

    response = client.post(
        url("decisions"),
        {"paper": [f"{paper.pk}:0", f"{other.pk}:0"], "outcome": ACCEPT, "presentation": "poster"},
        follow=True,
    )

    page = response.content.decode()
    assert "Decided (accept): paper #2." in page
    assert "You are in conflict with paper #1; another chair must decide it." in page
    assert "Causal parrots" not in page.split("alert")[1]  # the refusal names the number only
    assert list(Decision.objects.values_list("submission__number", "outcome")) == [(2, ACCEPT)]


def test_bulk_keeps_notes_and_refuses_a_stale_row(client, cast, paper, other):
    decide(submission=paper, outcome=REJECT, note="Please cite prior work.", by=cast["chair"])
    stale_seen = 0  # the chair's list was loaded before that decision
    client.force_login(cast["chair"])

    response = client.post(
        url("decisions"),
        {"paper": [f"{paper.pk}:{stale_seen}", f"{other.pk}:0"], "outcome": REJECT},
        follow=True,
    )

    page = response.content.decode()
    # Deciding the same thing again is no conflict; the other paper is decided anew.
    assert "Decided (reject): paper #1, #2." in page
    assert Decision.objects.get(submission=paper).note_to_authors == "Please cite prior work."
    decide(submission=other, outcome=ACCEPT, presentation="oral", by=cast["chair"], version=1)
    response = client.post(url("decisions"), {"paper": [f"{other.pk}:1"], "outcome": REJECT}, follow=True)
    assert (
        "Paper #2: Another chair changed this decision meanwhile (now: Accept (oral)); reload to see it."
        in response.content.decode()
    )


def test_bulk_accept_without_presentation_decides_nothing(client, cast, paper):
    client.force_login(cast["chair"])

    page = client.post(url("decisions"), {"paper": [f"{paper.pk}:0"], "outcome": ACCEPT}, follow=True)

    assert "Choose how the accepted paper is presented" in page.content.decode()
    assert not Decision.objects.exists()


def test_decisions_list_shows_scores_and_hides_those_of_conflicted_papers(client, cast, paper, other, reviewed):
    submit_review(other, cast["reviewer"], overall=3)
    decide(submission=paper, outcome=ACCEPT, presentation="poster", by=cast["chair"])
    client.force_login(cast["conflicted_chair"])

    page = client.get(url("decisions") + "?sort=score").content.decode()

    row = page.split('id="paper-1"')[1].split("</tr>")[0]
    assert "conflict of interest" in row and "3.50" not in row and "Accept" not in row
    assert 'name="paper"' not in row and "disabled" in row
    assert "3.00" in page.split('id="paper-2"')[1].split("</tr>")[0]


def test_decisions_list_sorts_by_mean_overall_score(client, cast, workshop, paper, other, reviewed):
    third = submitted_paper(workshop, cast["other_author"], title="A third paper")
    submit_review(other, cast["reviewer"], overall=4)
    submit_review(third, cast["reviewer"], overall=1)
    client.force_login(cast["chair"])

    page = client.get(url("decisions") + "?sort=score").content.decode()

    assert [page.index(f'id="paper-{n}"') for n in (2, 1, 3)] == sorted(
        page.index(f'id="paper-{n}"') for n in (1, 2, 3)
    )


def test_chair_paper_page_shows_authors_reviewer_names_and_confidential_comments(client, cast, paper, reviewed):
    client.force_login(cast["chair"])

    page = client.get(url("chair_paper_reviews", paper.pk)).content.decode()

    assert "Ada Author" in page and "Cole Coauthor" in page
    assert "Reviewer 1: Rita Reviewer" in page and "Reviewer 2: Bea Bystander" in page
    assert SECRET in page and "A bold and careful study." in page
    assert "Strong accept" in page  # the score's label


def test_chair_paper_page_decides_and_reports_a_lost_race(client, cast, paper):
    client.force_login(cast["chair"])
    form = {"outcome": ACCEPT, "presentation": "oral", "note": "Congratulations.", "version": 0}

    first = client.post(url("chair_paper_reviews", paper.pk), form, follow=True).content.decode()
    second = client.post(url("chair_paper_reviews", paper.pk), {**form, "outcome": REJECT}).content.decode()

    assert "Paper #1: accept (oral)." in first
    assert "Another chair changed this decision meanwhile (now: Accept (oral)); reload to see it." in second
    assert Decision.objects.get().note_to_authors == "Congratulations."


def test_conflicted_chair_gets_404_on_the_paper_page_and_cannot_decide_there(client, cast, paper, reviewed):
    client.force_login(cast["conflicted_chair"])

    shown = client.get(url("chair_paper_reviews", paper.pk))
    posted = client.post(url("chair_paper_reviews", paper.pk), {"outcome": REJECT, "version": 0})

    assert (shown.status_code, posted.status_code) == (404, 404)
    assert SECRET not in shown.content.decode()
    assert not Decision.objects.exists()


def test_decisions_list_queries_stay_constant(client, cast, workshop, django_assert_max_num_queries):
    client.force_login(cast["chair"])
    first = submitted_paper(workshop, cast["other_author"])
    submit_review(first, cast["reviewer"])
    decide(submission=first, outcome=ACCEPT, presentation="poster", by=cast["chair"])
    with django_assert_max_num_queries(15):
        client.get(url("decisions") + "?sort=score")
    for _ in range(6):
        more = submitted_paper(workshop, cast["other_author"])
        submit_review(more, cast["reviewer"])
        submit_review(more, cast["bystander_reviewer"])
        decide(submission=more, outcome=REJECT, by=cast["chair"])

    with django_assert_max_num_queries(15):
        page = client.get(url("decisions") + "?sort=score").content.decode()

    assert page.count('name="paper"') == 7


def test_chair_paper_page_queries_stay_constant(client, cast, workshop, paper, django_assert_max_num_queries):
    client.force_login(cast["chair"])
    submit_review(paper, cast["reviewer"])
    with django_assert_max_num_queries(20):
        client.get(url("chair_paper_reviews", paper.pk))
    for n in range(4):
        submit_review(paper, member(workshop, Role.REVIEWER, email=f"more{n}@uni-x{n}.example"))

    with django_assert_max_num_queries(20):
        page = client.get(url("chair_paper_reviews", paper.pk)).content.decode()

    assert "Reviewer 5:" in page


# --- release -----------------------------------------------------------------------------------


def test_release_is_refused_while_a_paper_is_undecided(client, cast, workshop, paper, other):
    decide(submission=other, outcome=REJECT, by=cast["chair"])
    client.force_login(cast["chair"])

    page = client.get(url("release")).content.decode()
    with pytest.raises(DecisionRefused, match="still undecided: paper #1"):
        start_release(workshop=workshop, by=cast["chair"])

    assert "Still undecided: paper" in page and ">#1</a>" in page and "Release 1 decision" not in page
    assert OutboxEmail.objects.filter(template__startswith="decision_").count() == 0


def test_release_records_statuses_and_emails_every_author_once(workshop, cast, paper, other, reviewed):
    decide(submission=paper, outcome=ACCEPT, presentation="oral", note="A fine paper.", by=cast["chair"])
    decide(submission=other, outcome=REJECT, by=cast["chair"])

    released = release_decisions(workshop=workshop, by=cast["chair"])
    again = release_decisions(workshop=workshop, by=cast["conflicted_chair"])

    assert (released, again) == (2, 0)
    papers = {p.number: (p.status, p.presentation, p.decision_note) for p in Submission.objects.all()}
    assert papers == {1: ("accepted", "oral", "A fine paper."), 2: ("rejected", "", "")}
    [accept], [reject] = decision_emails(paper), decision_emails(other)
    assert sorted(accept.to) == ["author@uni-a.example", "coauthor@uni-b.example"]
    assert reject.to == ["other.author@uni-c.example"] and reject.template == "decision_reject"
    workshop.refresh_from_db()
    assert workshop.decisions_released_at == Decision.objects.get(submission=paper).released_at is not None


def test_release_clicked_twice_sends_each_email_once(client, cast, workshop, paper, django_capture_on_commit_callbacks):
    decide(submission=paper, outcome=ACCEPT, presentation="poster", by=cast["chair"])
    client.force_login(cast["chair"])

    # The task runs when the request's transaction commits (eagerly here), after the page is shown.
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url("release"), follow=True).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url("release"), follow=True).content.decode()

    assert "Releasing 1 decision:" in first and "0 of 1 emails queued" in first
    assert "Nothing to release" in second and "emails queued" not in second
    assert len(decision_emails(paper)) == 1
    assert Submission.objects.get().status == SubmissionStatus.ACCEPTED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_two_chairs_releasing_at_once_send_each_email_once(transactional_db, workshop, cast):
    papers = [submitted_paper(workshop, cast["other_author"]) for _ in range(5)]
    for paper in papers:
        decide(submission=paper, outcome=REJECT, by=cast["chair"])
    start, counts, errors = threading.Barrier(2), [], []

    def release(chair):
        try:
            start.wait()
            counts.append(release_decisions(workshop=workshop, by=chair))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=release, args=(cast[c],)) for c in ("chair", "conflicted_chair")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and sorted(counts) == [0, 5]
    assert OutboxEmail.objects.filter(template="decision_reject").count() == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_two_chairs_deciding_one_paper_at_once_one_wins(transactional_db, workshop, cast):
    paper = submitted_paper(workshop, cast["other_author"])
    second_chair = member(workshop, Role.CHAIR, email="third.chair@uni-h.example")
    start, outcomes, refusals = threading.Barrier(2), [], []

    def decide_as(chair, outcome):
        try:
            start.wait()
            decide(submission=paper, outcome=outcome, presentation="poster", by=chair, version=0)
            outcomes.append(outcome)
        except DecisionRefused as refusal:
            refusals.append(str(refusal))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide_as, args=(cast["chair"], ACCEPT)),
        threading.Thread(target=decide_as, args=(second_chair, REJECT)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [winner] = outcomes
    [refusal] = refusals
    assert Decision.objects.get().outcome == winner and Decision.objects.get().version == 1
    assert refusal.startswith("Another chair changed this decision meanwhile (now: ")


def test_release_request_queues_the_work_and_marks_the_release_started(
    workshop, cast, paper, other, django_capture_on_commit_callbacks
):
    decide(submission=paper, outcome=ACCEPT, presentation="oral", by=cast["chair"])
    decide(submission=other, outcome=REJECT, by=cast["chair"])

    with django_capture_on_commit_callbacks() as queued:
        pending = start_release(workshop=workshop, by=cast["chair"])

    workshop.refresh_from_db()
    assert (pending, len(queued), workshop.decisions_released_at is not None) == (2, 1, True)
    assert OutboxEmail.objects.filter(template__startswith="decision_").count() == 0  # not before the task
    queued[0]()  # the task, run eagerly
    released = Decision.objects.values_list("released_at", flat=True)
    assert set(released) == {workshop.decisions_released_at}
    assert len(decision_emails(paper)) == len(decision_emails(other)) == 1


def test_release_page_shows_progress_while_under_way_then_refreshes(client, cast, workshop, paper, other):
    decide(submission=paper, outcome=ACCEPT, presentation="oral", by=cast["chair"])
    decide(submission=other, outcome=REJECT, by=cast["chair"])
    start_release(workshop=workshop, by=cast["chair"])  # the task has not run yet
    client.force_login(cast["chair"])

    page = client.get(url("release")).content.decode()
    poll = client.get(url("release") + "?progress=1", headers={"HX-Request": "true"})
    release_decisions(workshop=workshop, by=cast["chair"])
    done = client.get(url("release") + "?progress=1", headers={"HX-Request": "true"})

    assert "0 of 2 emails queued" in page and "Start the release again" in page
    assert "Release 2 decisions and email the authors" not in page
    assert "0 of 2 emails queued" in poll.content.decode() and "<html" not in poll.content.decode()
    assert done["HX-Refresh"] == "true"
    page = client.get(url("release")).content.decode()
    assert "emails queued" not in page and "(2 papers)" in page


def test_release_progress_counts_the_papers_emailed_so_far(workshop, cast, monkeypatch):
    papers = [submitted_paper(workshop, cast["other_author"]) for _ in range(3)]
    for paper in papers:
        decide(submission=paper, outcome=REJECT, by=cast["chair"])
    start_release(workshop=workshop, by=cast["chair"])
    monkeypatch.setattr(decision_services, "RELEASE_BATCH", 2)

    decision_services._release_batch(workshop.pk, cast["chair"])  # the task's first batch

    workshop.refresh_from_db()
    assert release_progress(workshop) == ReleaseProgress(queued=2, total=3)


def test_a_decision_cannot_change_once_its_release_started(workshop, cast, paper):
    decide(submission=paper, outcome=ACCEPT, presentation="oral", by=cast["chair"])
    start_release(workshop=workshop, by=cast["chair"])

    with pytest.raises(DecisionRefused, match="is being released to its authors; it can no longer change"):
        decide(submission=paper, outcome=REJECT, by=cast["chair"], version=1)

    assert Decision.objects.get().outcome == ACCEPT


def test_starting_a_release_under_way_again_keeps_its_start_time(workshop, cast, paper):
    decide(submission=paper, outcome=ACCEPT, presentation="oral", by=cast["chair"])
    start_release(workshop=workshop, by=cast["chair"])
    started = Workshop.objects.get(pk=workshop.pk).decisions_released_at

    again = start_release(workshop=workshop, by=cast["conflicted_chair"])

    assert again == 1 and Workshop.objects.get(pk=workshop.pk).decisions_released_at == started


def test_release_in_batches_records_history_and_emails_each_paper_once(workshop, cast, monkeypatch):
    papers = [submitted_paper(workshop, cast["other_author"]) for _ in range(5)]
    for paper in papers:
        decide(submission=paper, outcome=REJECT, by=cast["chair"])
    monkeypatch.setattr(decision_services, "RELEASE_BATCH", 2)

    released = release_decisions(workshop=workshop, by=cast["chair"])

    assert released == 5
    assert sorted(OutboxEmail.objects.filter(template="decision_reject").values_list("topic", flat=True)) == sorted(
        f"submission:{paper.pk}" for paper in papers
    )
    for paper in papers:
        latest = Submission.objects.get(pk=paper.pk).history.first()
        assert (latest.status, latest.history_user) == (SubmissionStatus.REJECTED, cast["chair"])
        assert Decision.objects.get(submission=paper).history.first().released_at is not None


def test_release_queries_do_not_grow_with_the_papers_of_a_batch(
    workshop, cast, django_assert_max_num_queries, monkeypatch
):
    first = submitted_paper(workshop, cast["author"], authors=[cast["author"], cast["coauthor"]])
    submit_review(first, cast["reviewer"])
    decide(submission=first, outcome=ACCEPT, presentation="poster", by=cast["chair"])
    with django_assert_max_num_queries(25):  # the emails' papers are one insert
        release_decisions(workshop=workshop, by=cast["chair"])
    for _ in range(6):
        more = submitted_paper(workshop, cast["other_author"])
        submit_review(more, cast["reviewer"])
        submit_review(more, cast["bystander_reviewer"])
        decide(submission=more, outcome=REJECT, by=cast["chair"])

    with django_assert_max_num_queries(25):
        released = release_decisions(workshop=workshop, by=cast["chair"])

    assert released == 6 and OutboxEmail.objects.filter(template="decision_reject").count() == 6


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_two_release_tasks_at_once_share_the_batches_and_email_each_paper_once(
    transactional_db, workshop, cast, monkeypatch
):
    papers = [submitted_paper(workshop, cast["other_author"]) for _ in range(7)]
    for paper in papers:
        decide(submission=paper, outcome=REJECT, by=cast["chair"])
    monkeypatch.setattr(decision_services, "_publish_release", lambda *ids: None)  # the threads are the tasks
    start_release(workshop=workshop, by=cast["chair"])
    monkeypatch.setattr(decision_services, "RELEASE_BATCH", 2)
    start, counts, errors = threading.Barrier(2), [], []

    def run_task():
        try:
            start.wait()
            counts.append(release_decisions(workshop=workshop, by=cast["chair"]))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_task) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and sum(counts) == 7
    assert OutboxEmail.objects.filter(template="decision_reject").count() == 7
    assert Submission.objects.filter(status=SubmissionStatus.REJECTED).count() == 7


def test_author_emails_carry_numbered_reviews_without_names_or_confidential_comments(workshop, cast, paper, reviewed):
    decide(submission=paper, outcome=ACCEPT, presentation="oral", by=cast["chair"])

    release_decisions(workshop=workshop, by=cast["chair"])

    [email] = decision_emails(paper)
    assert "Reviewer 1" in email.body_text and "Reviewer 2" in email.body_text
    assert (
        "A bold and careful study." in email.body_text
        and "Overall recommendation: 5 (Strong accept)" in email.body_text
    )
    for hidden in (SECRET, "Rita", "Bea", cast["reviewer"].email, cast["bystander_reviewer"].email):
        assert hidden not in email.body_text and hidden not in email.subject
    assert "for oral presentation" in email.body_text
    assert f"/calm/papers/{paper.pk}/reviews/" in email.body_text


def test_author_emails_leave_reviews_out_when_the_workshop_does_not_share_them(workshop, cast, paper, reviewed):
    workshop.share_reviews_with_authors = False
    workshop.save(update_fields=["share_reviews_with_authors"])
    decide(submission=paper, outcome=REJECT, by=cast["chair"])

    release_decisions(workshop=workshop, by=cast["chair"])

    [email] = decision_emails(paper)
    assert "Reviewer 1" not in email.body_text and "A bold and careful study." not in email.body_text


def test_release_page_previews_both_emails_with_reviews_when_shared(client, cast, workshop, paper, other, reviewed):
    decide(submission=paper, outcome=ACCEPT, presentation="spotlight", note="Great work.", by=cast["chair"])
    decide(submission=other, outcome=REJECT, by=cast["chair"])
    client.force_login(cast["chair"])

    page = client.get(url("release")).content.decode()

    accept = page.split('id="preview-accept"')[1].split('id="preview-reject"')[0]
    assert "Paper #1 accepted: Causal parrots" in accept and "Great work." in accept
    assert "Reviewer 1" in accept and "A bold and careful study." in accept and SECRET not in accept
    assert "Rita Reviewer" not in accept
    assert "Decision on paper #2" in page.split('id="preview-reject"')[1]
    summary = page.split('id="release-summary"')[1]
    assert "1 accepted paper: 2 author addresses get the acceptance email." in summary
    assert "1 rejected paper: 1 author address get the rejection email." in summary
    assert "Release 2 decisions and email the authors" in summary


def test_release_page_preview_has_no_reviews_when_not_shared(client, cast, workshop, paper, reviewed):
    workshop.share_reviews_with_authors = False
    workshop.save(update_fields=["share_reviews_with_authors"])
    decide(submission=paper, outcome=ACCEPT, presentation="poster", by=cast["chair"])
    client.force_login(cast["chair"])

    page = client.get(url("release")).content.decode()

    preview = page.split('id="preview-accept"')[1]
    assert "Paper #1 accepted" in preview and "A bold and careful study." not in page and "Reviewer 1" not in preview


def test_release_page_does_not_preview_a_paper_the_chair_is_conflicted_with(client, cast, paper, reviewed):
    decide(submission=paper, outcome=ACCEPT, presentation="poster", by=cast["chair"])
    client.force_login(cast["conflicted_chair"])

    page = client.get(url("release")).content.decode()

    assert "Causal parrots" not in page and "A bold and careful study." not in page
    assert "No paper accepted yet that you may read." in page


# --- the workshop's wording --------------------------------------------------------------------


def test_default_acceptance_email_reads_in_full(settings, workshop, cast, paper, reviewed):
    settings.SITE_URL = "https://calm.example"
    workshop.camera_ready_deadline = datetime(2026, 12, 10, 11, 59, tzinfo=UTC)
    workshop.save(update_fields=["camera_ready_deadline"])
    decide(submission=paper, outcome=ACCEPT, presentation="spotlight", note="Shorten the talk.", by=cast["chair"])

    release_decisions(workshop=workshop, by=cast["chair"])

    [email] = decision_emails(paper)
    assert email.subject == "[CaLM] Paper #1 accepted: Causal parrots"
    assert email.body_text.startswith(
        "Dear authors,\n\n"
        'We are delighted to tell you that your paper #1, "Causal parrots", has been accepted to Causality and '
        "Large Models for spotlight presentation.\n\n"
        "A note from the chairs:\n\nShorten the talk.\n\n"
        "Please upload the camera-ready version (final, not anonymised) by Wed 9 Dec 2026, 23:59 AoE.\n\n"
        "The decision, on the workshop's site:\n"
        f"https://calm.example/calm/papers/{paper.pk}/reviews/\n\n--- Reviewer 1 ---\n"
    )
    assert email.body_text.endswith("\n— Workshop reviews for Causality and Large Models\nhttps://calm.example\n")


def test_default_rejection_email_without_note_or_shared_reviews_reads_in_full(
    settings, workshop, cast, paper, reviewed
):
    settings.SITE_URL = "https://calm.example"
    workshop.share_reviews_with_authors = False
    workshop.save(update_fields=["share_reviews_with_authors"])
    decide(submission=paper, outcome=REJECT, by=cast["chair"])

    release_decisions(workshop=workshop, by=cast["chair"])

    [email] = decision_emails(paper)
    assert (email.subject, email.body_text) == (
        "[CaLM] Decision on paper #1: Causal parrots",
        "Dear authors,\n\n"
        'Thank you for submitting your paper #1, "Causal parrots", to Causality and Large Models. We are sorry to '
        "tell you that it was not accepted this year: the chairs received many more good papers than the workshop "
        "has room for.\n\n"
        "The decision, on the workshop's site:\n"
        f"https://calm.example/calm/papers/{paper.pk}/reviews/\n\n"
        "— Workshop reviews for Causality and Large Models\nhttps://calm.example\n",
    )


EVERY_PLACEHOLDER = "\n".join(f"{name}={{{name}}}" for name in PLACEHOLDERS["decision_accept"])


def test_saved_wording_is_used_in_the_preview_and_the_release(settings, client, cast, workshop, paper, reviewed):
    settings.SITE_URL = "https://calm.example"
    decide(submission=paper, outcome=ACCEPT, presentation="poster", note="Well done.", by=cast["chair"])
    client.force_login(cast["chair"])
    wording = {
        "subject": "Good news about {paper_title} \\{#{paper_number}\\}",
        "body": "Hello! {paper_title} is in, as a {presentation} & more.\n" + EVERY_PLACEHOLDER,
        "action": "save",
    }

    saved = client.post(url("email_template", "decision_accept"), wording, follow=True).content.decode()
    preview = client.get(url("release")).content.decode()
    release_decisions(workshop=workshop, by=cast["chair"])

    assert "Saved: the release sends this acceptance email." in saved
    assert "Good news about Causal parrots {#1}" in preview
    [email] = decision_emails(paper)
    assert email.subject == "Good news about Causal parrots {#1}"
    lines = email.body_text.split("\n")
    assert lines[:12] == [
        "Hello! Causal parrots is in, as a poster & more.",
        "workshop_name=Causality and Large Models",
        "workshop_short_name=CaLM",
        "paper_number=1",
        "paper_title=Causal parrots",
        "author_names=Ada Author and Cole Coauthor",
        "decision=Accept (poster)",
        "note=A note from the chairs:",
        "",
        "Well done.",
        "",
        "",
    ]
    assert lines[12] == f"paper_url=https://calm.example/calm/papers/{paper.pk}/reviews/"
    assert "reviews=\n--- Reviewer 1 ---\nOverall recommendation: 5 (Strong accept)" in email.body_text
    assert "site_url=https://calm.example\npresentation=poster\ncamera_ready_deadline=" in email.body_text
    assert SECRET not in email.body_text and "Rita Reviewer" not in email.body_text
    assert EmailTemplate.objects.get().updated_by == cast["chair"]


def test_saved_wording_ends_its_lines_as_the_emails_do(client, cast, paper):
    client.force_login(cast["chair"])

    client.post(
        url("email_template", "decision_reject"),
        {"subject": "Decision", "body": "Dear {author_names},\r\n\r\nsorry.\r\n", "action": "save"},
    )

    assert EmailTemplate.objects.get().body == "Dear {author_names},\n\nsorry.\n"


def test_placeholder_values_are_never_read_as_placeholders(client, cast, workshop):
    paper = submitted_paper(workshop, cast["author"], title="On {paper_number} and {{ submission.title }}")
    decide(submission=paper, outcome=REJECT, by=cast["chair"])
    save_email_template(
        workshop=workshop, name="decision_reject", subject="{paper_title}", body="{paper_title}", by=cast["chair"]
    )

    release_decisions(workshop=workshop, by=cast["chair"])

    [email] = decision_emails(paper)
    assert (email.subject, email.body_text) == (paper.title, paper.title)


def test_editor_previews_unsaved_wording_without_saving(client, cast, paper):
    client.force_login(cast["chair"])

    page = client.post(
        url("email_template", "decision_reject"),
        {"subject": "About #{paper_number}", "body": "Sorry, {paper_title}.", "action": "preview"},
    ).content.decode()

    preview = page.split('id="preview"')[1]
    assert "About #1" in preview and "Sorry, Causal parrots." in preview and "as if it were rejected" in preview
    assert not EmailTemplate.objects.exists()


def test_editor_refuses_an_unknown_placeholder_with_the_list_and_keeps_the_text(client, cast, paper):
    client.force_login(cast["chair"])
    body = "Dear {author_names},\n\nsee you at {venue}. We chose a {presentation}."

    page = client.post(
        url("email_template", "decision_reject"), {"subject": "Decision", "body": body, "action": "save"}
    ).content.decode()

    assert (
        "Line 3: {venue} is not a placeholder of this email. Line 3: {presentation} is not a placeholder of this "
        "email. The placeholders of this email: {workshop_name}, {workshop_short_name}, {paper_number}, "
        "{paper_title}, {author_names}, {decision}, {note}, {paper_url}, {reviews}, {site_url}."
    ) in page
    assert "see you at {venue}. We chose a {presentation}.</textarea>" in page
    assert not EmailTemplate.objects.exists()


def test_editor_refuses_template_code_in_the_subject_too(client, cast, paper):
    client.force_login(cast["chair"])

    page = client.post(
        url("email_template", "decision_accept"),
        {"subject": "Accepted: {{ submission.title }}", "body": "Well done.", "action": "preview"},
    ).content.decode()

    assert "Line 1: {{ submission.title }} is template code, which these emails do not run" in page
    assert "Accepted: Causal parrots" not in page and not EmailTemplate.objects.exists()


def test_editor_counts_the_problems_it_does_not_name(client, cast, paper):
    client.force_login(cast["chair"])
    body = "\n".join(f"{{x{number}}}" for number in range(8))

    page = client.post(
        url("email_template", "decision_accept"), {"subject": "S", "body": body, "action": "save"}
    ).content.decode()

    assert "Line 5: {x4} is not a placeholder of this email. And 3 more. The placeholders" in page
    assert "{x5}</" not in page.split("<textarea")[0]


def test_editor_lists_each_placeholder_with_its_description(client, cast, paper):
    client.force_login(cast["chair"])

    accept = client.get(url("email_template", "decision_accept")).content.decode()
    reject = client.get(url("email_template", "decision_reject")).content.decode()

    listed = accept.split('id="placeholders"')[1].split("</dl>")[0]
    for name, description in PLACEHOLDERS["decision_accept"].items():
        assert f"<dt><code>{{{name}}}</code></dt>\n          <dd>{escape(description)}</dd>" in listed
    assert "{camera_ready_deadline}" in listed and "{camera_ready_deadline}" not in reject


def test_editor_starts_from_the_default_and_resets_to_it(client, cast, workshop, paper):
    client.force_login(cast["chair"])
    default = client.get(url("email_template", "decision_accept")).content.decode()
    client.post(url("email_template", "decision_accept"), {"subject": "S", "body": "B", "action": "save"})

    client.post(url("email_template", "decision_accept"), {"action": "reset"})

    assert "has been accepted to {workshop_name} for {presentation} presentation." in default
    assert not EmailTemplate.objects.exists()
    page = client.get(url("email_template", "decision_accept")).content.decode()
    assert "The default wording." in page and "Reset to the default wording" not in page


@pytest.mark.parametrize("name", list(EDITABLE_EMAILS))
@pytest.mark.parametrize("outcome_note", [True, False])
def test_each_editable_email_declares_exactly_the_placeholders_its_sender_fills(
    cast, workshop, paper, name, outcome_note
):
    outcome = name.removeprefix("decision_")
    decision = decide(
        submission=paper,
        outcome=outcome,
        presentation="oral" if outcome == ACCEPT else "",
        note="A note." if outcome_note else "",
        by=cast["chair"],
    )

    values = decision_email_placeholders(decision)

    assert list(values) == list(PLACEHOLDERS[name])
    assert all(isinstance(value, str) for value in values.values())
    assert all(not problems(text, PLACEHOLDERS[name]) for text in default_wording(name))


# --- the authors -------------------------------------------------------------------------------


def test_authors_page_is_404_before_release_even_when_decided(client, cast, paper, reviewed):
    decide(submission=paper, outcome=ACCEPT, presentation="poster", by=cast["chair"])
    client.force_login(cast["author"])

    response = client.get(url("author_reviews", paper.pk))
    detail = client.get(reverse("submissions:detail", args=["calm", paper.pk])).content.decode()

    assert response.status_code == 404 and "Accept" not in response.content.decode()
    assert "Decision and reviews" not in detail


def test_authors_read_the_decision_and_numbered_reviews_after_release(client, cast, workshop, paper, reviewed):
    decide(submission=paper, outcome=ACCEPT, presentation="spotlight", note="Shorten the talk.", by=cast["chair"])
    release_decisions(workshop=workshop, by=cast["chair"])
    client.force_login(cast["coauthor"])

    page = client.get(url("author_reviews", paper.pk)).content.decode()
    detail = client.get(reverse("submissions:detail", args=["calm", paper.pk])).content.decode()

    assert "Accept" in page and "for spotlight presentation" in page and "Shorten the talk." in page
    assert "Reviewer 1" in page and "Reviewer 2" in page and "The experiments are too small." in page
    for hidden in (SECRET, "Rita Reviewer", "Bea Bystander", cast["reviewer"].email):
        assert hidden not in page
    assert "Decision and reviews" in detail


def test_authors_page_has_no_reviews_when_the_workshop_does_not_share_them(client, cast, workshop, paper, reviewed):
    workshop.share_reviews_with_authors = False
    workshop.save(update_fields=["share_reviews_with_authors"])
    decide(submission=paper, outcome=REJECT, by=cast["chair"])
    release_decisions(workshop=workshop, by=cast["chair"])
    client.force_login(cast["author"])

    page = client.get(url("author_reviews", paper.pk)).content.decode()

    assert "Reject" in page and "do not share the reviews" in page and "A bold and careful study." not in page
