"""A paper's discussion thread, and the chairs' reminder to late reviewers."""

from django.contrib import messages
from django.shortcuts import redirect, render

from reviews.selectors.discussion import CHAIR, PARTICIPATING, discussion_for, thread_of
from reviews.selectors.reminders import reminder_plan
from reviews.services import discussion as services
from reviews.services import reminders
from reviews.services.reviewers import utc_time
from workshop.views import workshop_permission_required


@workshop_permission_required("reviews.discuss")
def discussion(request, workshop, submission_id):
    submission, role = discussion_for(workshop, request.user, submission_id)
    text, error = "", ""
    if request.method == "POST" and role in PARTICIPATING:
        text = request.POST.get("text", "")
        try:
            services.post_comment(submission=submission, author=request.user, text=text)
        except services.CommentRefused as refused:
            error = str(refused)
        else:
            messages.success(request, "Your comment is posted.")
            return redirect("reviews:discussion", slug=workshop.slug, submission_id=submission.pk)
    return render(
        request,
        "reviews/discussion.html",
        {
            "workshop": workshop,
            "submission": submission,
            "role": role,
            "is_chair": role == CHAIR,
            "participating": role in PARTICIPATING,
            "comments": thread_of(submission, reader=request.user, reader_role=role),
            "text": text,
            "error": error,
            "max_length": services.MAX_COMMENT_LENGTH,
        },
    )


@workshop_permission_required("reviews.manage_reviewers")
def remind_late(request, workshop):
    if request.method == "POST":
        plan = reminders.remind_late_reviewers(workshop=workshop, by=request.user)
        count = len(plan.due)
        if count:
            messages.success(request, f"Reminder sent to {count} reviewer{'' if count == 1 else 's'}.")
        if plan.waiting:
            messages.warning(request, _waiting_message(plan))
        if not count and not plan.waiting:
            messages.info(request, "No reviewer has an unfinished review: nobody was reminded.")
        return redirect("reviews:remind_late", slug=workshop.slug)
    plan = reminder_plan(workshop, viewer=request.user)
    preview = reminders.preview_reminder(workshop=workshop, late=plan.due[0]) if plan.due else None
    return render(
        request,
        "reviews/chair/remind_late.html",
        {
            "workshop": workshop,
            "late": plan.due,
            "waiting": plan.waiting,
            "waiting_message": _waiting_message(plan) if plan.waiting else "",
            "preview": preview,
            "preview_to": plan.due[0].reviewer if plan.due else None,
            "days_left": reminders.days_before_deadline(workshop),
        },
    )


def _waiting_message(plan):
    count = len(plan.waiting)
    who = f"{count} reviewer{'' if count == 1 else 's'} {'was' if count == 1 else 'were'}"
    return (
        f"{who} reminded of every unfinished review less than an hour ago, so not again now. "
        f"You can remind them again from {utc_time(plan.again_at)}."
    )
