"""One automatic assignment run at a time per workshop: a second start while one is queued or
running is refused, whoever clicks and however fast; a run its worker abandoned blocks nothing."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reviews.enums import RunStatus
from reviews.models import RUN_ABANDONED_AFTER, AssignmentRun
from reviews.services import assignments as services
from tests.factories import member
from tests.reviews.conftest import to_bidding
from tests.submissions.conftest import submitted_paper
from workshop.enums import Role

pytestmark = pytest.mark.django_db

RUN_SETTINGS = {"reviews_per_paper": 1, "affinity_weight": 1, "bid_weight": 1, "direction_weight": 0.3, "threshold": 0}


@pytest.fixture
def papers(workshop, cast):
    made = [submitted_paper(workshop, cast["other_author"], title=f"Paper {n}") for n in range(2)]
    to_bidding(workshop)
    return made


def start_url():
    return reverse("reviews:start_run", args=["calm"])


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def queued(workshop, chair, **fields):
    """A run queued and not executed (no worker has taken it yet)."""
    run = services.start_run(workshop=workshop, by=chair, reviews_per_paper=1)
    if fields:
        AssignmentRun.objects.filter(pk=run.pk).update(**fields)
        run.refresh_from_db()
    return run


def test_starting_again_while_a_run_is_queued_is_refused_with_a_link_to_it(client, workshop, cast, papers):
    waiting = queued(workshop, cast["chair"])
    client.force_login(cast["conflicted_chair"])

    responses = [client.post(start_url(), RUN_SETTINGS, follow=True) for _ in range(10)]

    link = reverse("reviews:run", args=["calm", waiting.pk])
    refusal = (
        f"Run {waiting.pk} is still waiting for a worker, so no new run was started: one run at a time. "
        f'<a href="{link}">Open run {waiting.pk}</a>.'
    )
    assert [messages_of(response) for response in responses] == [[refusal]] * 10
    assert refusal in responses[-1].content.decode()  # the link is a link, not escaped text
    assert list(AssignmentRun.objects.values_list("pk", flat=True)) == [waiting.pk]


def test_a_running_run_blocks_a_new_one_and_the_page_says_so(chair_client, workshop, cast, papers):
    running = queued(workshop, cast["chair"], status=RunStatus.RUNNING)

    with pytest.raises(services.RunUnderWay, match=f"Run {running.pk} is still running") as refused:
        services.start_run(workshop=workshop, by=cast["chair"], reviews_per_paper=1)
    page = chair_client.get(reverse("reviews:assignment", args=["calm"])).content.decode()

    assert refused.value.run == running
    assert f"Run {running.pk} is running: one run at a time." in page
    assert AssignmentRun.objects.count() == 1


def test_a_finished_run_lets_the_next_one_start(workshop, cast, papers):
    first = queued(workshop, cast["chair"])
    services.execute_run(run_id=first.pk)

    second = services.start_run(workshop=workshop, by=cast["chair"], reviews_per_paper=1)

    assert AssignmentRun.objects.get(pk=first.pk).status == RunStatus.READY
    assert second.status == RunStatus.QUEUED


@pytest.mark.parametrize("status", [RunStatus.QUEUED, RunStatus.RUNNING])
def test_a_run_abandoned_by_its_worker_is_set_aside_by_the_next_start(chair_client, workshop, cast, papers, status):
    long_ago = timezone.now() - RUN_ABANDONED_AFTER - timedelta(minutes=1)
    lost = queued(workshop, cast["chair"], status=status, created_at=long_ago)
    run_page = reverse("reviews:run", args=["calm", lost.pk])
    before = chair_client.get(run_page).content.decode()
    polled = chair_client.get(run_page, {"progress": 1}, HTTP_HX_REQUEST="true")

    response = chair_client.post(start_url(), RUN_SETTINGS)

    newest = AssignmentRun.objects.order_by("-pk").first()
    assert response["Location"] == reverse("reviews:run", args=["calm", newest.pk]) and newest != lost
    lost.refresh_from_db()
    state = "waiting for a worker" if status == RunStatus.QUEUED else "running"
    assert lost.status == RunStatus.FAILED
    assert lost.error == (
        f"This run stopped without a result: it was still {state} 15 minutes after it started, so its worker "
        "was probably stopped. It was set aside when a new run was started."
    )
    assert "its worker was probably stopped" in before and 'hx-trigger="every 1s"' not in before
    assert polled["HX-Refresh"] == "true"


def test_a_run_set_aside_while_it_solves_keeps_no_proposal(workshop, cast, papers, monkeypatch):
    run = queued(workshop, cast["chair"])
    solve = services.solve_with_report

    def set_aside_meanwhile(*args, **kwargs):  # as a new start does, in its own transaction
        AssignmentRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error="Set aside.")
        return solve(*args, **kwargs)

    monkeypatch.setattr(services, "solve_with_report", set_aside_meanwhile)

    services.execute_run(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, "Set aside.")
    assert not run.pairs.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_two_chairs_starting_a_run_at_once_start_one(transactional_db, workshop, cast, monkeypatch):
    submitted_paper(workshop, cast["other_author"])
    monkeypatch.setattr(services, "_publish_run", lambda run_id: None)  # both stay queued: no worker here
    second_chair = member(workshop, Role.CHAIR, email="third.chair@uni-h.example")
    start, started, refused = threading.Barrier(2), [], []

    def start_as(chair):
        try:
            start.wait()
            started.append(services.start_run(workshop=workshop, by=chair, reviews_per_paper=1))
        except services.RunUnderWay as refusal:
            refused.append(refusal.run.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=start_as, args=(chair,)) for chair in (cast["chair"], second_chair)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(started) == 1 and refused == [started[0].pk]
    assert AssignmentRun.objects.count() == 1
