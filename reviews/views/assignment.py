"""The chairs' assignment pages: automatic runs with preview and edits, commit, and manual
assignment; and a reviewer's list of assigned papers."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from reviews import selectors
from reviews.enums import ACTIVE_RUNS, EDITABLE_RUNS
from reviews.forms import ReviewerChoiceForm, RunForm
from reviews.preview import candidates_for_paper, candidates_for_reviewer, overview_rows, run_preview
from reviews.scoring import Weights
from reviews.selectors.reviews import papers_to_review
from reviews.services import assignments as services
from reviews.services.reviews import editable_until
from reviews.views.affinity import affinity_context
from workshop.views import workshop_permission_required

PAPERS_PER_PAGE = 50


def _report(request, warnings):
    for warning in warnings:
        messages.warning(request, warning)


@workshop_permission_required("reviews.manage_assignment")
def overview(request, workshop):
    papers = overview_rows(request.user, workshop, page_number=request.GET.get("page"), per_page=PAPERS_PER_PAGE)
    return render(
        request,
        "reviews/chair/assignment.html",
        {
            "workshop": workshop,
            "form": RunForm(workshop=workshop),
            "runs": selectors.runs_of(workshop)[:10],
            "page": papers,
            "reviewers": _reviewers_with_loads(request.user, workshop, papers.hidden),
            "active_run": selectors.active_run_of(workshop),
            **affinity_context(workshop),
        },
    )


def _reviewers_with_loads(viewer, workshop, hidden):
    loads = selectors.loads_visible_to(viewer, workshop, hidden=hidden)
    reviewers = selectors.reviewers_of(workshop)
    for reviewer in reviewers:
        reviewer.load = loads.get(reviewer.pk, 0)
    return reviewers


@require_POST
@workshop_permission_required("reviews.manage_assignment")
def start_run(request, workshop):
    form = RunForm(request.POST, workshop=workshop)
    if not form.is_valid():
        messages.error(request, "The run was not started: " + "; ".join(e for es in form.errors.values() for e in es))
        return redirect("reviews:assignment", slug=workshop.slug)
    data = form.cleaned_data
    earlier = None
    if request.POST.get("keep_locked_from"):
        earlier = selectors.run_of(workshop, request.POST["keep_locked_from"])
    try:
        run = services.start_run(
            workshop=workshop,
            by=request.user,
            reviews_per_paper=data["reviews_per_paper"],
            weights=Weights(data["affinity_weight"], data["bid_weight"], data["direction_weight"]),
            fair=data["fair"],
            threshold=data["threshold"],
            keep_locked_from=earlier,
        )
    except services.RunUnderWay as refusal:
        link = reverse("reviews:run", kwargs={"slug": workshop.slug, "run_id": refusal.run.pk})
        messages.error(request, format_html('{} <a href="{}">Open run {}</a>.', str(refusal), link, refusal.run.pk))
        return redirect("reviews:assignment", slug=workshop.slug)
    except services.AssignmentRefused as refusal:
        messages.error(request, f"The run was not started: {refusal}")
        return redirect("reviews:assignment", slug=workshop.slug)
    return redirect("reviews:run", slug=workshop.slug, run_id=run.pk)


@workshop_permission_required("reviews.manage_assignment")
def run_detail(request, workshop, run_id):
    run = selectors.run_of(workshop, run_id)
    if request.htmx and request.GET.get("progress"):
        if run.status in ACTIVE_RUNS and not run.is_abandoned:
            return render(request, "reviews/chair/run.html#progress", {"workshop": workshop, "run": run})
        response = HttpResponse()
        response["HX-Refresh"] = "true"  # finished: show the whole preview
        return response
    context = {"workshop": workshop, "run": run, "editable": run.status in EDITABLE_RUNS}
    if run.status in EDITABLE_RUNS | {"committed"}:
        context.update(run_preview(request.user, run, page_number=request.GET.get("page"), per_page=PAPERS_PER_PAGE))
    return render(request, "reviews/chair/run.html", context)


@require_POST
@workshop_permission_required("reviews.manage_assignment")
def edit_run(request, workshop, run_id):
    run = selectors.run_of(workshop, run_id)
    action = request.POST.get("action")
    back = redirect(f"{request.path.removesuffix('edit/')}?page={request.POST.get('page', '1')}")
    try:
        if action in ("add", "replace"):
            form = ReviewerChoiceForm(request.POST, workshop=workshop)
            if not form.is_valid():
                messages.error(request, form.errors["reviewer"][0])
                return back
            reviewer = form.cleaned_data["reviewer"]
            if action == "add":
                paper = selectors.paper_for_assignment(request.user, workshop, _paper_id(request))
                warnings = services.add_pair(run=run, submission=paper, reviewer=reviewer, by=request.user)
                messages.success(request, f"{reviewer} added to paper #{paper.number}.")
            else:
                warnings = services.replace_reviewer(
                    run=run, pair_id=_pair_id(request), reviewer=reviewer, by=request.user
                )
                messages.success(request, f"{reviewer} now takes that place.")
            _report(request, warnings)
        elif action == "remove":
            pair = services.remove_pair(run=run, pair_id=_pair_id(request), by=request.user)
            messages.success(request, f"{pair.reviewer} removed from paper #{pair.submission.number}.")
        elif action in ("lock", "unlock"):
            pair = services.set_locked(run=run, pair_id=_pair_id(request), locked=action == "lock", by=request.user)
            state = "locked: a new run from this one keeps it" if pair.is_locked else "unlocked"
            messages.success(request, f"{pair.reviewer} on paper #{pair.submission.number} is {state}.")
        else:
            messages.error(request, "Unknown change.")
    except services.AssignmentRefused as refusal:
        messages.error(request, str(refusal))
    return back


def _paper_id(request):
    try:
        return int(request.POST.get("submission", ""))
    except ValueError:
        raise Http404("No such paper.") from None


def _pair_id(request):
    try:
        return int(request.POST.get("pair", ""))
    except ValueError:
        raise services.AssignmentRefused("That pair is no longer in this proposal.") from None


@require_POST
@workshop_permission_required("reviews.manage_assignment")
def commit_run(request, workshop, run_id):
    run = selectors.run_of(workshop, run_id)
    try:
        counts = services.commit_run(run=run, by=request.user)
    except services.AssignmentRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("reviews:run", slug=workshop.slug, run_id=run.pk)
    left_out = " (not counting the papers you are in conflict with)" if counts["hidden"] else ""
    messages.success(
        request,
        f"Committed: {counts['assignments']} new assignments; "
        f"{counts['reviewers']} reviewers get one email each with their papers{left_out}.",
    )
    return redirect("reviews:assignment", slug=workshop.slug)


@require_POST
@workshop_permission_required("reviews.manage_assignment")
def discard_run(request, workshop, run_id):
    run = selectors.run_of(workshop, run_id)
    try:
        services.discard_run(run=run, by=request.user)
    except services.AssignmentRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.info(request, f"Run {run.pk} is discarded.")
    return redirect("reviews:assignment", slug=workshop.slug)


# --- manual assignment -----------------------------------------------------------------------


def _assign_or_remove(request, paper, reviewer):
    try:
        if request.POST.get("action") == "remove":
            if services.unassign_reviewer(submission=paper, reviewer=reviewer, by=request.user):
                messages.success(request, f"{reviewer} no longer reviews paper #{paper.number}; they are told.")
        else:
            _, warnings = services.assign_reviewer(submission=paper, reviewer=reviewer, by=request.user)
            messages.success(request, f"{reviewer} reviews paper #{paper.number}; they get an email.")
            _report(request, warnings)
    except services.AssignmentRefused as refusal:
        messages.error(request, str(refusal))


@workshop_permission_required("reviews.manage_assignment")
def paper_reviewers(request, workshop, submission_id):
    paper = selectors.paper_for_assignment(request.user, workshop, submission_id)
    if request.method == "POST":
        _assign_or_remove(request, paper, selectors.reviewer_of(workshop, request.POST.get("reviewer")))
        return redirect("reviews:paper_reviewers", slug=workshop.slug, submission_id=paper.pk)
    hidden = selectors.papers_hidden_from(request.user, workshop)
    return render(
        request,
        "reviews/chair/paper_reviewers.html",
        {
            "workshop": workshop,
            "paper": paper,
            "rows": candidates_for_paper(request.user, workshop, paper, hidden=hidden),
            "hidden_count": len(hidden),
        },
    )


@workshop_permission_required("reviews.manage_assignment")
def reviewer_papers(request, workshop, user_id):
    reviewer = selectors.reviewer_of(workshop, user_id)
    if request.method == "POST":
        paper = selectors.paper_for_assignment(request.user, workshop, request.POST.get("submission"))
        _assign_or_remove(request, paper, reviewer)
        return redirect("reviews:reviewer_papers", slug=workshop.slug, user_id=reviewer.pk)
    hidden = selectors.papers_hidden_from(request.user, workshop)
    rows = candidates_for_reviewer(request.user, workshop, reviewer, hidden=hidden)
    return render(
        request,
        "reviews/chair/reviewer_papers.html",
        {
            "workshop": workshop,
            "reviewer": reviewer,
            "rows": rows,
            "load": sum(row.assigned for row in rows),
            "hidden_count": len(hidden),
        },
    )


# --- reviewers -------------------------------------------------------------------------------


@workshop_permission_required("reviews.view_assigned_papers")
def my_papers(request, workshop):
    return render(
        request,
        "reviews/my_papers.html",
        {
            "workshop": workshop,
            "papers": papers_to_review(workshop, request.user),
            "editable_until": editable_until(workshop),
            "now": timezone.now(),
        },
    )
