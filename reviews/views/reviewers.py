from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from reviews import selectors
from reviews.enums import InvitationStatus
from reviews.forms import AcceptWithNewAccountForm, DeclineForm, InviteForm, MaxLoadForm, ReviewerProfileForm
from reviews.services import reviewers as services
from submissions.selectors import verified_emails
from workshop import services as workshop_services
from workshop.selectors import workshop_by_slug
from workshop.views import workshop_permission_required

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


# --- chairs ----------------------------------------------------------------------------------


def _reviewers_page(request, workshop, form, status=200):
    return render(
        request,
        "reviews/chair/reviewers.html",
        {
            "workshop": workshop,
            "form": form,
            "invitations": selectors.invitations_of(workshop),
            "reviewers": selectors.reviewers_of(workshop),
            "statuses": InvitationStatus,
        },
        status=status,
    )


def _report_invitations(request, report):
    if report.invited:
        messages.success(request, f"Invitation sent to {_plural(len(report.invited), 'person')}.")
    if report.sent_again:
        emails = ", ".join(invitation.email for invitation in report.sent_again)
        messages.info(request, f"Invited before, so the invitation was sent again (not duplicated) to {emails}.")
    if report.skipped:
        emails = ", ".join(email for email, _ in report.skipped)
        messages.info(request, f"Not invited, already reviewers: {emails}.")
    if report.too_soon:
        messages.warning(request, "Not sent again, emailed less than an hour ago: " + _again_at(report.too_soon) + ".")


def _again_at(invitations):
    """Who may be emailed again, and from when: "ada@uni.example (from 6 Dec 15:02 UTC), ..."."""
    return ", ".join(
        f"{invitation.email} (from {services.utc_time(invitation.next_send_at)})" for invitation in invitations
    )


@workshop_permission_required("reviews.manage_reviewers")
def chair_reviewers(request, workshop):
    form = InviteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report = services.invite_reviewers(workshop=workshop, invitees=form.cleaned_data["parsed"], by=request.user)
        _report_invitations(request, report)
        if not form.line_errors:
            return redirect("reviews:chair_reviewers", slug=workshop.slug)
        # The good lines are invited; give back the bad ones to fix, each with its message.
        retry = InviteForm(initial={"invitees": form.bad_lines()})
        retry.line_errors = form.line_errors
        return _reviewers_page(request, workshop, retry)
    return _reviewers_page(request, workshop, form)


@require_POST
@workshop_permission_required("reviews.manage_reviewers")
def chair_resend(request, workshop, invitation_id):
    invitation = selectors.invitation_of(workshop, invitation_id)
    try:
        services.resend_invitation(invitation=invitation, by=request.user)
    except services.InvitationRefused as refusal:
        messages.error(request, f"Not sent: {refusal}")
    else:
        messages.success(request, f"The invitation is sent again to {invitation.email}.")
    return redirect("reviews:chair_reviewers", slug=workshop.slug)


@require_POST
@workshop_permission_required("reviews.manage_reviewers")
def chair_withdraw(request, workshop, invitation_id):
    invitation = selectors.invitation_of(workshop, invitation_id)
    try:
        services.withdraw_invitation(invitation=invitation, by=request.user)
    except services.InvitationRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"The invitation to {invitation.email} is withdrawn; its links no longer work.")
    return redirect("reviews:chair_reviewers", slug=workshop.slug)


@require_POST
@workshop_permission_required("reviews.manage_reviewers")
def chair_remind(request, workshop):
    report = services.remind_pending(workshop=workshop, by=request.user)
    if report.sent:
        messages.success(
            request, f"A reminder is on its way to {_plural(report.sent, 'person')} who have not answered."
        )
    if report.too_soon:
        messages.warning(request, "Not reminded, emailed less than an hour ago: " + _again_at(report.too_soon) + ".")
    if not report.sent and not report.too_soon:
        messages.info(request, "Nobody to remind: every invitation is answered.")
    return redirect("reviews:chair_reviewers", slug=workshop.slug)


@require_POST
@workshop_permission_required("reviews.manage_reviewers")
def chair_set_load(request, workshop, user_id):
    reviewer = selectors.reviewer_of(workshop, user_id)
    form = MaxLoadForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Load of {reviewer} not changed: {form.errors['max_load'][0]}")
    else:
        profile = services.set_max_load(
            workshop=workshop, reviewer=reviewer, max_load=form.cleaned_data["max_load"], by=request.user
        )
        default = " (the workshop's default)" if profile.max_load is None else ""
        messages.success(request, f"{reviewer} now reviews at most {profile.effective_max_load} papers{default}.")
    return redirect("reviews:chair_reviewers", slug=workshop.slug)


# --- reviewers -------------------------------------------------------------------------------


@workshop_permission_required("reviews.edit_reviewer_profile")
def reviewer_profile(request, workshop):
    profile = selectors.reviewer_profile(workshop, request.user)
    form = ReviewerProfileForm(request.POST or None, instance=profile, workshop=workshop)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Your reviewer profile for {workshop.short_name} is saved.")
        return redirect("reviews:profile", slug=workshop.slug)
    return render(request, "reviews/profile.html", {"workshop": workshop, "form": form, "profile": profile})


# --- the invitation's links ------------------------------------------------------------------


def _invitation_from_link(slug, token):
    try:
        workshop = workshop_by_slug(slug)
    except Http404:
        return None, None
    return workshop, selectors.invitation_for_link(workshop, token)


def _invalid_link(request, workshop):
    return render(request, "reviews/invitation_invalid.html", {"workshop": workshop}, status=404)


def _welcome(request, workshop, already):
    if already:
        messages.info(request, f"You are a reviewer of {workshop.short_name} already.")
    else:
        messages.success(
            request,
            f"Welcome to the reviewers of {workshop.name}! Please fill in your expertise and a few of your "
            "papers below: they decide which papers you are asked to review.",
        )
    return redirect("reviews:profile", slug=workshop.slug)


def invitation_accept(request, slug, token):
    """Anyone holding the link may open it; who accepts depends on who is signed in (see the page)."""
    workshop, invitation = _invitation_from_link(slug, token)
    if invitation is None:
        return _invalid_link(request, workshop)
    context = {"workshop": workshop, "invitation": invitation}
    user = request.user
    if user.is_authenticated:
        if invitation.email not in verified_emails(user):
            return render(request, "reviews/invitation_accept.html", {**context, "state": "other_account"})
        already = invitation.status == InvitationStatus.ACCEPTED
        if request.method == "POST" or already:
            services.accept_invitation(invitation=invitation, user=user)
            return _welcome(request, workshop, already)
        return render(request, "reviews/invitation_accept.html", {**context, "state": "confirm"})
    if selectors.account_exists(invitation.email):
        login_url = reverse("account_login") + "?" + urlencode({"next": request.path})
        return render(request, "reviews/invitation_accept.html", {**context, "state": "log_in", "login_url": login_url})
    form = AcceptWithNewAccountForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = workshop_services.create_account(
                email=invitation.email,
                password=form.cleaned_data["password1"],
                name=form.cleaned_data["name"],
                verified=True,  # the link in the email proves the address
            )
            services.accept_invitation(invitation=invitation, user=user)
        login(request, user, backend=LOGIN_BACKEND)
        return _welcome(request, workshop, already=False)
    return render(request, "reviews/invitation_accept.html", {**context, "state": "new_account", "form": form})


def invitation_decline(request, slug, token):
    workshop, invitation = _invitation_from_link(slug, token)
    if invitation is None:
        return _invalid_link(request, workshop)
    context = {"workshop": workshop, "invitation": invitation}
    if invitation.status == InvitationStatus.ACCEPTED:
        return render(request, "reviews/invitation_decline.html", {**context, "form": None})
    form = DeclineForm(request.POST or None, initial={"reason": invitation.decline_reason})
    if request.method == "POST" and form.is_valid():
        services.decline_invitation(invitation=invitation, reason=form.cleaned_data["reason"])
        messages.success(request, f"You declined to review for {workshop.name}. Thank you for letting the chairs know.")
        return redirect(workshop.get_absolute_url())
    return render(request, "reviews/invitation_decline.html", {**context, "form": form})
