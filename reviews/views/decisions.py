"""The chairs' decisions (one paper at a time, or many at once), their release to the authors after
previewing the emails, the workshop's wording of those emails, and what the authors read after."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from reviews.emails import EDITABLE_EMAILS, PLACEHOLDERS
from reviews.enums import Outcome
from reviews.forms import BulkDecisionForm, DecisionForm, EmailTemplateForm
from reviews.selectors import decisions as selectors
from reviews.services import decisions as services
from reviews.services.decisions import DecisionRefused
from submissions.publication import camera_ready_refusal
from workshop import placeholders
from workshop.mail import override_problems, render_email
from workshop.models import EmailTemplate
from workshop.selectors import workshop_by_slug
from workshop.views import workshop_permission_required

PAPERS_PER_PAGE = 50


def _numbers(numbers) -> str:
    return ", ".join(f"#{n}" for n in numbers)


@workshop_permission_required("reviews.decide")
def decisions(request, workshop):
    if request.method == "POST":
        _decide_many(request, workshop)
        return redirect(request.get_full_path())
    sort = request.GET.get("sort", "number") if request.GET.get("sort") in selectors.SORTS else "number"
    show = request.GET.get("show", "") if request.GET.get("show") in selectors.FILTERS else ""
    papers = selectors.papers_for_decisions(request.user, workshop, sort=sort, show=show)
    page = Paginator(papers, PAPERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/chair/decisions.html",
        {
            "workshop": workshop,
            "page": page,
            "sort": sort,
            "show": show,
            "query": urlencode({"sort": sort, "show": show}),
            "form": BulkDecisionForm(),
            "summary": selectors.release_summary(workshop, viewer=request.user),
        },
    )


def _decide_many(request, workshop):
    form = BulkDecisionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return
    data = form.cleaned_data
    decided, refusals = services.decide_many(
        workshop=workshop,
        choices=data["choices"],
        outcome=data["outcome"],
        presentation=data["presentation"],
        by=request.user,
    )
    if decided:
        outcome = Outcome(data["outcome"]).label.lower()
        messages.success(request, f"Decided ({outcome}): paper {_numbers(decided)}.")
    for refusal in refusals:
        messages.error(request, refusal)


@workshop_permission_required("reviews.decide")
def chair_paper_reviews(request, workshop, submission_id):
    paper = selectors.paper_for_decision(request.user, workshop, submission_id)
    decision = selectors.decision_of(paper)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                decision = services.decide(
                    submission=paper,
                    outcome=data["outcome"],
                    by=request.user,
                    presentation=data["presentation"],
                    note=data["note"],
                    version=data["version"],
                )
            except DecisionRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(
                    request,
                    f"Paper #{paper.number}: {selectors.decision_label(decision).lower()}. "
                    "Its authors learn it when the chairs release the decisions.",
                )
                return redirect(request.path)
    else:
        form = DecisionForm(
            initial={
                "outcome": decision.outcome if decision else "",
                "presentation": decision.presentation if decision else "",
                "note": decision.note_to_authors if decision else "",
                "version": decision.version if decision else 0,
            }
        )
    return render(
        request,
        "reviews/chair/paper_decision.html",
        {
            "workshop": workshop,
            "submission": paper,
            "decision": decision,
            "decision_label": selectors.decision_label(decision) if decision else "",
            "reviews": selectors.reviews_for_chairs(paper),
            "form": form,
        },
    )


def _preview(workshop, decision, *, subject=None, body=None, overrides=None):
    """The decision email of this paper as its authors would get it: the workshop's saved wording
    (or the default while that has problems), or the unsaved `subject` and `body` being edited,
    which the form has checked. Only the paper's placeholder values reach the text. `overrides`:
    the workshop's wordings, read once (workshop.mail.render_email)."""
    context = {"workshop": workshop, **selectors.decision_email_context(decision)}
    if subject is None:
        subject, text, _ = render_email(f"decision_{decision.outcome}", context, overrides=overrides)
        return {"decision": decision, "subject": subject, "text": text}
    values = context["placeholders"]
    return {
        "decision": decision,
        "subject": " ".join(placeholders.render(subject, values).split()),
        "text": placeholders.render(body, values),
    }


@workshop_permission_required("reviews.decide")
def release(request, workshop):
    if request.method == "POST":
        try:
            pending = services.start_release(workshop=workshop, by=request.user)
        except DecisionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            if pending:
                messages.success(
                    request,
                    f"Releasing {pending} decision{'' if pending == 1 else 's'}: "
                    "their emails to the authors are being written to the outbox.",
                )
            else:
                messages.info(request, "Nothing to release: every decision was released already.")
        return redirect("reviews:release", slug=workshop.slug)
    progress = selectors.release_progress(workshop)
    if request.htmx and request.GET.get("progress"):
        if progress is not None:
            return render(request, "reviews/chair/release.html#progress", {"workshop": workshop, "progress": progress})
        response = HttpResponse()
        response["HX-Refresh"] = "true"  # finished: show the whole page again
        return response
    overrides = {row.name: row for row in EmailTemplate.objects.filter(workshop=workshop, name__in=EDITABLE_EMAILS)}
    previews = []
    for outcome in Outcome:
        name = f"decision_{outcome}"
        decision = selectors.preview_decision(request.user, workshop, outcome)
        broken = name in overrides and bool(override_problems(overrides[name], PLACEHOLDERS[name]))
        previews.append(
            {
                "outcome": outcome,
                "name": name,
                "wording_broken": broken,
                **(_preview(workshop, decision, overrides=overrides) if decision else {}),
            }
        )
    return render(
        request,
        "reviews/chair/release.html",
        {
            "workshop": workshop,
            "summary": selectors.release_summary(workshop, viewer=request.user),
            "previews": previews,
            "progress": progress,
        },
    )


@workshop_permission_required("reviews.decide")
def email_template(request, workshop, name):
    if name not in EDITABLE_EMAILS:
        raise Http404("No such email.")
    outcome = Outcome(name.removeprefix("decision_"))
    allowed = PLACEHOLDERS[name]
    override = EmailTemplate.objects.filter(workshop=workshop, name=name).first()
    # Stored before the placeholder language and not convertible: the release sends the default.
    broken = override is not None and bool(override_problems(override, allowed))
    # A paper the chair is not in conflict with, so that the preview shows nothing they may not read.
    decision = selectors.preview_decision(request.user, workshop, outcome, stand_in=True)
    action = request.POST.get("action")
    if request.method == "POST" and action == "reset":
        if services.reset_email_template(workshop=workshop, name=name):
            messages.success(request, f"The {EDITABLE_EMAILS[name].lower()} is back to the default wording.")
        return redirect(request.path)
    preview = None
    if request.method == "POST":
        form = EmailTemplateForm(request.POST, allowed=allowed)
        if form.is_valid():
            data = form.cleaned_data
            if action == "save":
                services.save_email_template(
                    workshop=workshop, name=name, subject=data["subject"], body=data["body"], by=request.user
                )
                messages.success(request, f"Saved: the release sends this {EDITABLE_EMAILS[name].lower()}.")
                return redirect(request.path)
            if decision is not None:
                preview = _preview(workshop, decision, subject=data["subject"], body=data["body"])
    else:
        subject, body = selectors.email_template_source(name, override)
        if broken:  # shown with its problems marked, for the chair to fix
            form = EmailTemplateForm({"subject": subject, "body": body}, allowed=allowed)
            form.is_valid()
        else:
            form = EmailTemplateForm(initial={"subject": subject, "body": body}, allowed=allowed)
        if decision is not None:
            preview = _preview(workshop, decision)
    return render(
        request,
        "reviews/chair/email_template.html",
        {
            "workshop": workshop,
            "name": name,
            "title": EDITABLE_EMAILS[name],
            "form": form,
            "override": override,
            "override_broken": broken,
            "placeholders": [(f"{{{placeholder}}}", description) for placeholder, description in allowed.items()],
            "preview": preview,
            "decision": decision,
            "other": next(other for other in EDITABLE_EMAILS if other != name),
        },
    )


@login_required
def author_reviews(request, slug, submission_id):
    workshop = workshop_by_slug(slug)
    submission, decision = selectors.released_decision_for_author(request.user, workshop, submission_id)
    share = workshop.share_reviews_with_authors
    return render(
        request,
        "reviews/author_reviews.html",
        {
            "workshop": workshop,
            "submission": submission,
            "decision": decision,
            "decision_label": selectors.decision_label(decision),
            "share_reviews": share,
            "reviews": selectors.reviews_for_authors(submission) if share else [],
            "camera_ready_open": not camera_ready_refusal(submission),
        },
    )
