from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from workshop import services
from workshop.calendar import deadlines_calendar
from workshop.filters import OutboxFilter
from workshop.forms import DirectionForm, NotificationPreferencesForm, ProfileForm, WorkshopSettingsForm
from workshop.mail import retry_failed_emails
from workshop.selectors import directions_of, listed_workshops, outbox_of, workshop_by_slug

OUTBOX_PAGE_SIZE = 50


def workshop_permission_required(permission):
    """Resolve the workshop from the URL and check `permission` on it; a refusal is a 404."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, slug, *args, **kwargs):
            workshop = workshop_by_slug(slug)
            if not request.user.has_perm(permission, workshop):
                raise Http404("No such page.")
            return view(request, workshop, *args, **kwargs)

        return wrapped

    return decorator


def home(request):
    return render(request, "workshop/home.html", {"workshops": listed_workshops(), "now": timezone.now()})


def workshop_detail(request, slug):
    workshop = workshop_by_slug(slug)
    return render(
        request,
        "workshop/detail.html",
        {"workshop": workshop, "directions": workshop.directions.all(), "now": timezone.now()},
    )


def deadlines_ics(request, slug):
    workshop = workshop_by_slug(slug)
    response = HttpResponse(
        deadlines_calendar(workshop, request.build_absolute_uri(workshop.get_absolute_url())),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{workshop.slug}-deadlines.ics"'
    return response


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your profile is saved.")
        return redirect("profile")
    return render(request, "workshop/profile.html", {"form": form})


@login_required
def notification_preferences(request):
    form = NotificationPreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your email preferences are saved.")
        return redirect("notification_preferences")
    return render(request, "workshop/notifications.html", {"form": form})


@workshop_permission_required("workshop.change_workshop")
def workshop_settings(request, workshop):
    form = WorkshopSettingsForm(request.POST or None, instance=workshop)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "The workshop settings are saved.")
        return redirect("workshop:settings", slug=workshop.slug)
    return render(request, "workshop/chair/settings.html", {"workshop": workshop, "form": form})


@workshop_permission_required("workshop.change_workshop")
def directions(request, workshop):
    form = DirectionForm(request.POST or None, workshop=workshop)
    if request.method == "POST" and form.is_valid():
        direction = form.save()
        messages.success(request, f"Direction “{direction.name}” added.")
        return redirect("workshop:directions", slug=workshop.slug)
    return render(
        request,
        "workshop/chair/directions.html",
        {"workshop": workshop, "directions": directions_of(workshop), "form": form},
    )


@workshop_permission_required("workshop.change_workshop")
def direction_edit(request, workshop, direction_id):
    direction = get_object_or_404(directions_of(workshop), pk=direction_id)
    form = DirectionForm(request.POST or None, instance=direction, workshop=workshop)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Direction “{direction.name}” saved.")
        return redirect("workshop:directions", slug=workshop.slug)
    return render(
        request, "workshop/chair/direction_form.html", {"workshop": workshop, "direction": direction, "form": form}
    )


@require_POST
@workshop_permission_required("workshop.change_workshop")
def direction_move(request, workshop, direction_id):
    direction = get_object_or_404(directions_of(workshop), pk=direction_id)
    services.move_direction(direction=direction, offset=-1 if request.POST.get("to") == "up" else 1)
    return redirect("workshop:directions", slug=workshop.slug)


@workshop_permission_required("workshop.view_outbox")
def outbox(request, workshop):
    emails = OutboxFilter(request.GET or None, queryset=outbox_of(workshop, request.user))
    page = Paginator(emails.qs, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workshop/chair/outbox.html", {"workshop": workshop, "filter": emails, "page": page})


@workshop_permission_required("workshop.view_outbox")
def outbox_email(request, workshop, email_id):
    email = get_object_or_404(outbox_of(workshop, request.user), pk=email_id)
    return render(request, "workshop/chair/outbox_email.html", {"workshop": workshop, "email": email})


@require_POST
@workshop_permission_required("workshop.view_outbox")
def outbox_retry(request, workshop):
    # Ticked boxes carry ids: anything else (a garbled or forged form, a number too large for the database) is
    # ignored rather than crashing the query.
    ticked = [value for value in request.POST.getlist("email") if value.isascii() and value.isdigit()]
    ticked = [int(value) for value in ticked if len(value) <= 18]
    ids = outbox_of(workshop, request.user).filter(pk__in=ticked).values_list("pk", flat=True)
    count = retry_failed_emails(email_ids=list(ids))
    if count:
        messages.success(request, f"{count} failed email{'s' if count != 1 else ''} queued again.")
    else:
        messages.info(request, "Nothing to retry: only failed emails can be sent again.")
    return redirect("workshop:outbox", slug=workshop.slug)


@require_POST
@workshop_permission_required("workshop.view_outbox")
def outbox_test(request, workshop):
    services.send_test_email(workshop=workshop, to_user=request.user)
    messages.success(request, f"A test email to {request.user.email} is in the outbox.")
    return redirect("workshop:outbox", slug=workshop.slug)
