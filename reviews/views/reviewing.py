"""A reviewer's review of one paper (drafts saved by hand or automatically, submission, the
other reviews once their own is submitted, the decision once released), the paper's PDF as
paper-N.pdf, and the chairs' page of the review form's scored criteria.

Only the paper's assigned reviewer, not in conflict with it, reaches the review pages; anyone
else (chairs included: they read reviews on their own pages) gets a 404.
"""

from datetime import UTC

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from reviews.enums import ReviewStatus
from reviews.forms import CriterionFormSet, ReviewForm, criteria_initial
from reviews.selectors import reviews as selectors
from reviews.services import reviews as services
from submissions import selectors as submission_selectors
from submissions.views import anonymous_copy
from workshop.views import workshop_permission_required


def _clock(moment) -> str:
    return moment.astimezone(UTC).strftime("%H:%M")


def _save(request, paper, form, *, submit):
    """Save the posted review through the service; refusals become errors on the form."""
    try:
        return services.save_review(
            submission=paper,
            reviewer=request.user,
            fields=form.texts(),
            scores=form.scores(),
            version=form.cleaned_data["version"] or 0,
            submit=submit,
        )
    except services.ReviewInvalid as invalid:
        form.add_refusal(invalid.errors)
    except services.StaleReview as stale:
        form.add_error(None, str(stale))
        form.is_stale = True
    except services.ReviewRefused as refusal:
        form.add_error(None, str(refusal))
    return None


@workshop_permission_required("reviews.view_assigned_papers")
def review(request, workshop, submission_id):
    paper = selectors.paper_to_review(workshop, request.user, submission_id)
    criteria = selectors.criteria_of(workshop)
    own = selectors.review_of(paper, request.user)
    if request.method == "POST":
        form = ReviewForm(request.POST, criteria=criteria)
        submit = request.POST.get("action") == "submit"
        saved = _save(request, paper, form, submit=submit) if form.is_valid() else None
        if saved is not None:
            if not submit:
                messages.success(request, f"Draft saved at {_clock(saved.updated_at)} UTC.")
            elif own is not None and own.status == ReviewStatus.SUBMITTED and saved.version > own.version:
                messages.success(request, "Your review is updated.")
            else:  # first submitted, or submitted again unchanged (a double click)
                messages.success(request, "Your review is submitted. You can now read the other reviews.")
            return redirect("reviews:review", slug=workshop.slug, submission_id=paper.pk)
    else:
        form = ReviewForm(criteria=criteria, review=own)
    submitted = own is not None and own.status == ReviewStatus.SUBMITTED
    return render(
        request,
        "reviews/review.html",
        {
            "workshop": workshop,
            "paper": paper,
            "form": form,
            "review": own,
            "submitted": submitted,
            "own_scores": selectors.scores_of(own, criteria) if own else [],
            "editable": services.may_edit_reviews(workshop),
            "editable_until": services.editable_until(workshop),
            "others": selectors.others_reviews(paper, request.user, criteria) if submitted else [],
            "decision": selectors.released_decision_of(paper),
            "now": timezone.now(),
        },
    )


@require_POST
@workshop_permission_required("reviews.view_assigned_papers")
def autosave(request, workshop, submission_id):
    """Save the draft posted by autosave.js; answers JSON: the new version and the time it was
    saved, or an error the page shows (the text in the form is never replaced)."""
    paper = selectors.paper_to_review(workshop, request.user, submission_id)
    form = ReviewForm(request.POST, criteria=selectors.criteria_of(workshop))
    saved = _save(request, paper, form, submit=False) if form.is_valid() else None
    if saved is None:
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        return JsonResponse({"error": " ".join(errors), "stale": form.is_stale}, status=409 if form.is_stale else 400)
    saved_at = _clock(saved.updated_at)
    return JsonResponse({"version": saved.version, "saved_at": saved_at, "message": f"Draft saved at {saved_at} UTC."})


@workshop_permission_required("reviews.view_assigned_papers")
def paper_pdf(request, workshop, submission_id):
    """The newest version of the paper as paper-N.pdf, without the document's metadata."""
    paper = selectors.paper_to_review(workshop, request.user, submission_id)
    file = submission_selectors.current_file(paper)
    if file is None:
        raise Http404("No such file.")
    return anonymous_copy(paper, file)


@workshop_permission_required("reviews.edit_review_form")
def review_form_settings(request, workshop):
    criteria = selectors.criteria_of(workshop)
    locked = services.criteria_locked(workshop)
    initial = criteria_initial(criteria)
    if request.method == "POST":
        formset = CriterionFormSet(request.POST, initial=initial, locked=locked)
        if formset.is_valid():
            try:
                services.save_criteria(workshop=workshop, criteria=formset.entries(), by=request.user)
            except services.ReviewRefused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(request, "The review form is saved.")
                return redirect("reviews:review_form", slug=workshop.slug)
    else:
        formset = CriterionFormSet(initial=initial, locked=locked)
    return render(
        request,
        "reviews/chair/review_form.html",
        {"workshop": workshop, "formset": formset, "locked": locked, "saved": criteria[0].pk is not None},
    )
