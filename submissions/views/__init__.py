import csv
import io
from collections import Counter, defaultdict
from datetime import UTC, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import TruncDate
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from submissions import pdf, selectors, services
from submissions.enums import FileKind, SubmissionStatus
from submissions.filters import ChairSubmissionFilter
from submissions.forms import (
    AuthorFormSet,
    ConflictMemberForm,
    ConflictRulingForm,
    DeskRejectForm,
    ExtensionForm,
    SubmissionForm,
)
from submissions.models import Submission, SubmissionAuthor, SubmissionFile
from workshop.phases import format_aoe
from workshop.selectors import workshop_by_slug
from workshop.views import workshop_permission_required


def _submitter_row(user):
    return [{"name": user.name, "email": user.email, "affiliation": user.affiliation}]


def _author_rows(submission):
    return [{"name": a.name, "email": a.email, "affiliation": a.affiliation} for a in submission.authors.all()]


def _check_submitter_listed(formset, user):
    emails = selectors.verified_emails(user)
    if formset.is_valid() and not any(entry.email in emails for entry in formset.entries()):
        formset._non_form_errors = formset.error_class(
            [
                f"List yourself among the authors with your account email ({user.email}): "
                "only listed authors can see and edit the paper."
            ]
        )
        return False
    return True


def _save(request, form, formset, save):
    """Run create or update from a valid form; turn refusals into form errors."""
    submit = request.POST.get("action") == "submit"
    if submit and not form.check_can_submit():
        return None
    try:
        return save(
            by=request.user,
            fields=form.content_fields(),
            authors=formset.entries(),
            conflicted_members=form.cleaned_data["conflicted_members"],
            secondary_directions=form.cleaned_data["secondary_directions"],
            paper=form.cleaned_data["paper"],
            supplementary=form.cleaned_data["supplementary"],
            submit=submit,
        )
    except services.StaleEdit as stale:
        form.add_error(None, str(stale))
        form.stale_changes = stale.changes
    except services.SubmissionRefused as refusal:
        form.add_error(None, str(refusal))
    return None


def _after_save(request, submission, was_status):
    if submission.status == SubmissionStatus.SUBMITTED and was_status != SubmissionStatus.SUBMITTED:
        messages.success(
            request,
            f"Your paper is submitted as #{submission.number}. A confirmation email is on its way to the "
            "authors with an account; the others are invited to sign up.",
        )
    elif submission.status == SubmissionStatus.SUBMITTED:
        messages.success(request, "Your changes are saved; the authors with an account get an email about them.")
    else:
        messages.info(request, "Your draft is saved. It is not submitted yet.")
    for notice in submission.coauthor_notices:
        messages.warning(request, notice)
    return redirect(submission.get_absolute_url())


@login_required
def new_submission(request, slug):
    workshop = workshop_by_slug(slug)
    if not services.may_create(workshop):
        messages.error(request, "New submissions to this workshop are closed.")
        return redirect(workshop.get_absolute_url())
    form = SubmissionForm(request.POST or None, request.FILES or None, workshop=workshop, user=request.user)
    formset = AuthorFormSet(
        request.POST or None, initial=None if request.POST else _submitter_row(request.user), prefix="authors"
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and formset.is_valid()
        and _check_submitter_listed(formset, request.user)
    ):
        key = form.cleaned_data["creation_key"]
        if key is None:
            form.add_error(None, "The form was incomplete; please submit it again.")
        else:
            submission = _save(
                request,
                form,
                formset,
                lambda **kw: services.create_submission(workshop=workshop, creation_key=key, **kw),
            )
            if submission is not None:
                return _after_save(request, submission, SubmissionStatus.DRAFT)
    return render(request, "submissions/form.html", {"workshop": workshop, "form": form, "formset": formset})


@login_required
def edit_submission(request, slug, pk):
    workshop = workshop_by_slug(slug)
    submission = selectors.submission_for_author(request.user, workshop, pk)
    if not services.may_edit(submission):
        messages.error(request, services.closed_message(submission))
        return redirect(submission.get_absolute_url())
    form = SubmissionForm(
        request.POST or None, request.FILES or None, instance=submission, workshop=workshop, user=request.user
    )
    formset = AuthorFormSet(
        request.POST or None, initial=None if request.POST else _author_rows(submission), prefix="authors"
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and formset.is_valid()
        and _check_submitter_listed(formset, request.user)
    ):
        base_version = form.cleaned_data["version"] or submission.version
        was = submission.status
        saved = _save(
            request,
            form,
            formset,
            lambda **kw: services.update_submission(submission=submission, base_version=base_version, **kw),
        )
        if saved is not None:
            return _after_save(request, saved, was)
    return render(
        request,
        "submissions/form.html",
        {"workshop": workshop, "form": form, "formset": formset, "submission": submission},
    )


@login_required
def submission_detail(request, slug, pk):
    workshop = workshop_by_slug(slug)
    submission = selectors.submission_for_author(request.user, workshop, pk)
    return render(
        request,
        "submissions/detail.html",
        {
            "workshop": workshop,
            "submission": submission,
            "paper": selectors.current_file(submission),
            "emails": selectors.emails_to_authors_of([submission])[submission.pk],
            "may_edit": services.may_edit(submission),
            "may_withdraw": services.may_withdraw(submission),
            "edit_deadline": services.edit_deadline(submission),
            "now": timezone.now(),
        },
    )


@login_required
def withdraw_submission(request, slug, pk):
    workshop = workshop_by_slug(slug)
    submission = selectors.submission_for_author(request.user, workshop, pk)
    if request.method == "POST":
        try:
            services.transition(submission=submission, to=SubmissionStatus.WITHDRAWN, by=request.user)
        except services.SubmissionRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "The paper is withdrawn. Every author gets an email about it.")
        return redirect(submission.get_absolute_url())
    return render(request, "submissions/withdraw.html", {"workshop": workshop, "submission": submission})


@login_required
def download(request, slug, pk, file_id):
    """Authors get their file as uploaded; chairs get paper-N.pdf without the document's metadata."""
    workshop = workshop_by_slug(slug)
    own = selectors.submissions_of_author(request.user, workshop).filter(pk=pk).first()
    if own is not None:
        file = selectors.file_for_download(own, file_id)
        return FileResponse(
            file.file.open("rb"), as_attachment=True, filename=file.original_name, content_type=file.content_type
        )
    if not request.user.has_perm("workshop.change_workshop", workshop):
        raise Http404("No such file.")
    submission = selectors.submission_for_chair(request.user, workshop, pk)
    return anonymous_copy(submission, selectors.file_for_download(submission, file_id))


def anonymous_copy(submission, file):
    """The file as reviewers and chairs get it: named by number, metadata removed from PDFs."""
    with file.file.open("rb") as handle:
        content = pdf.strip_metadata(handle) if file.is_pdf else handle.read()
    # FileResponse sends the content length and the attachment name itself.
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=file.anonymous_name, content_type=file.content_type
    )


@login_required
def my_submissions(request):
    submissions = list(selectors.submissions_of_author(request.user))
    emails = selectors.emails_to_authors_of(submissions)
    rows = [
        {
            "submission": s,
            "paper": selectors.current_file(s),
            "emails": emails[s.pk],
            "edit_deadline": services.edit_deadline(s),
            "may_edit": services.may_edit(s),
        }
        for s in submissions
    ]
    return render(request, "submissions/my_submissions.html", {"rows": rows, "now": timezone.now()})


# --- chairs ----------------------------------------------------------------------------------

CHAIR_PAGE_SIZE = 50
CSV_CHUNK_SIZE = 500
CHART_WIDTH, CHART_HEIGHT = 600, 120
CSV_HEADER = [
    "number",
    "title",
    "status",
    "primary direction",
    "secondary directions",
    "authors",
    "author emails",
    "affiliations",
    "submitted at (UTC)",
    "pages",
    "anonymity flag",
    "conflict",
]


def _chair_filter(request, workshop):
    return ChairSubmissionFilter(request.GET, workshop=workshop, user=request.user)


class _UTCDate(TruncDate):
    """The UTC day of a datetime. On SQLite, TruncDate calls a Python function per row (100 ms at
    20,000 papers); SQLite's own DATE() does the same on the UTC text that Django stores."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"DATE({sql})", params


def _overview(workshop, excluded_ids):
    """Papers per primary direction (all numbered, and submitted) and per day of first submission.

    One grouped query, whatever the number of papers: a few hundred (direction, day, status) groups.
    """
    groups = (
        selectors.submissions_for_chair(workshop)
        .select_related(None)
        .prefetch_related(None)
        .exclude(pk__in=excluded_ids)
        .annotate(day=_UTCDate("submitted_at", tzinfo=UTC))
        .values("primary_direction", "day", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    totals, submitted, per_day = Counter(), Counter(), Counter()
    for group in groups:
        totals[group["primary_direction"]] += group["count"]
        if group["status"] == SubmissionStatus.SUBMITTED:
            submitted[group["primary_direction"]] += group["count"]
        if group["day"] is not None:
            per_day[group["day"]] += group["count"]
    directions = [
        {"direction": d, "total": totals[d.pk], "submitted": submitted[d.pk]} for d in workshop.directions.all()
    ]
    return directions, _timeline(per_day)


def _timeline(per_day):
    """Submissions per day, days without any included, as the bars of an SVG chart."""
    if not per_day:
        return {"days": [], "bars": []}
    first, last = min(per_day), max(per_day)
    days = [(first + timedelta(days=i), per_day[first + timedelta(days=i)]) for i in range((last - first).days + 1)]
    if len(days) > 366:  # a stray early paper: show the days that have submissions only
        days = sorted(per_day.items())
    peak, width = max(count for _, count in days), CHART_WIDTH / len(days)
    bars = []
    for index, (day, count) in enumerate(days):
        height = round(count / peak * (CHART_HEIGHT - 4), 2)
        bars.append(
            {
                "day": day,
                "count": count,
                "x": round(index * width, 2),
                "width": round(max(width - 1, 0.5), 2),
                "y": round(CHART_HEIGHT - height, 2),
                "height": height,
            }
        )
    return {"days": days, "bars": bars, "peak": peak}


def _sort_links(current):
    """For each sortable column: the ordering its link asks for, and how it is sorted now."""
    links = {}
    for key in ("number", "title", "status", "submitted_at"):
        ascending, descending = current == key, current == f"-{key}"
        links[key] = {
            "next": f"-{key}" if ascending else key,
            "arrow": " ▲" if ascending else " ▼" if descending else "",
            "aria": "ascending" if ascending else "descending" if descending else "",
        }
    return links


@workshop_permission_required("workshop.change_workshop")
def chair_list(request, workshop):
    papers = _chair_filter(request, workshop)
    page = Paginator(papers.qs, CHAIR_PAGE_SIZE).get_page(request.GET.get("page"))
    direction_of = {direction.pk: direction for direction in workshop.directions.all()}  # prefetched: no query
    rows = [
        {"submission": s, "conflicted": papers.is_conflicted(s), "direction": direction_of[s.primary_direction_id]}
        for s in page
    ]
    direction_counts, timeline = _overview(workshop, papers.conflicted_ids)
    return render(
        request,
        "submissions/chair/list.html",
        {
            "workshop": workshop,
            "filter": papers,
            "page": page,
            "rows": rows,
            "direction_counts": direction_counts,
            "timeline": timeline,
            "conflict_count": len(papers.conflicted_ids),
            "sort": _sort_links(request.GET.get("ordering") or "number"),
            "chart_width": CHART_WIDTH,
            "chart_height": CHART_HEIGHT,
        },
    )


def _csv_cell(value):
    """A spreadsheet must not run a cell as a formula: text starting like one gets a quote."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() hands back the line, for streaming csv.writer output."""

    def write(self, value):
        return value


def _batches(rows, size):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _csv_lines(papers):
    """The export, a batch of rows at a time: three queries per batch, and plain values rather
    than model instances (20,000 papers take well under a second instead of about ten)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    directions = list(papers.workshop.directions.all())
    direction_names = {d.pk: d.name for d in directions}
    direction_rank = {d.pk: rank for rank, d in enumerate(directions)}
    current_pages = (
        SubmissionFile.objects.filter(submission=OuterRef("pk"), kind=FileKind.PAPER)
        .order_by("-version")
        .values("page_count")[:1]
    )
    rows = (
        papers.qs.prefetch_related(None)
        .annotate(paper_pages=Subquery(current_pages))
        .values_list(
            "pk",
            "number",
            "title",
            "status",
            "primary_direction_id",
            "submitted_at",
            "paper_pages",
            "anonymity_findings",
            named=True,
        )
    )
    for batch in _batches(rows.iterator(chunk_size=CSV_CHUNK_SIZE), CSV_CHUNK_SIZE):
        # Nothing but the number and title is read for a paper the chair is in conflict with.
        visible = [row.pk for row in batch if row.pk not in papers.conflicted_ids]
        authors, secondary = defaultdict(list), defaultdict(list)
        for author in (
            SubmissionAuthor.objects.filter(submission_id__in=visible)
            .order_by("submission_id", "order")
            .values_list("submission_id", "name", "email", "affiliation", named=True)
        ):
            authors[author.submission_id].append(author)
        for submission_id, direction_id in Submission.secondary_directions.through.objects.filter(
            submission_id__in=visible
        ).values_list("submission_id", "direction_id"):
            secondary[submission_id].append(direction_id)
        for row in batch:
            if row.pk in papers.conflicted_ids:
                cells = [row.number, row.title, *[""] * (len(CSV_HEADER) - 3), "yes"]
            else:
                listed = authors[row.pk]
                cells = [
                    row.number,
                    row.title,
                    SubmissionStatus(row.status).label,
                    direction_names[row.primary_direction_id],
                    "; ".join(direction_names[d] for d in sorted(secondary[row.pk], key=direction_rank.get)),
                    "; ".join(a.name for a in listed),
                    "; ".join(a.email for a in listed),
                    "; ".join(a.affiliation for a in listed),
                    row.submitted_at.astimezone(UTC).isoformat(timespec="seconds") if row.submitted_at else "",
                    "" if row.paper_pages is None else row.paper_pages,
                    "yes" if row.anonymity_findings else "no",
                    "",
                ]
            yield writer.writerow([_csv_cell(cell) for cell in cells])


@workshop_permission_required("workshop.change_workshop")
def chair_csv(request, workshop):
    response = StreamingHttpResponse(
        _csv_lines(_chair_filter(request, workshop)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{workshop.slug}-submissions.csv"'
    return response


def _render_chair_detail(
    request, workshop, submission, *, extension_form=None, desk_reject_form=None, conflict_form=None, status=200
):
    open_for_chair = submission.status == SubmissionStatus.SUBMITTED
    return render(
        request,
        "submissions/chair/detail.html",
        {
            "workshop": workshop,
            "submission": submission,
            "paper": selectors.current_file(submission),
            "emails": selectors.emails_about(request.user, workshop, submission),
            "edit_deadline": max(filter(None, [workshop.submission_deadline, submission.deadline_extension])),
            "may_edit": services.may_edit(submission),
            "download_name": f"paper-{submission.number}.pdf",
            "extension_form": (extension_form or ExtensionForm()) if open_for_chair else None,
            "desk_reject_form": (desk_reject_form or DeskRejectForm()) if open_for_chair else None,
            "member_conflicts": selectors.member_conflicts(submission),
            "conflict_form": conflict_form or ConflictRulingForm(workshop=workshop),
        },
        status=status,
    )


@workshop_permission_required("workshop.change_workshop")
def chair_detail(request, workshop, pk):
    submission = selectors.submission_for_chair(request.user, workshop, pk)
    return _render_chair_detail(request, workshop, submission)


@require_POST
@workshop_permission_required("workshop.change_workshop")
def chair_extend(request, workshop, pk):
    submission = selectors.submission_for_chair(request.user, workshop, pk)
    form = ExtensionForm(request.POST)
    if form.is_valid() and form.cleaned_data["until"] <= max(workshop.submission_deadline, timezone.now()):
        form.add_error(
            "until",
            "Choose a time after the submission deadline "
            f"({format_aoe(workshop.submission_deadline)}) that has not passed yet.",
        )
    if not form.is_valid():
        return _render_chair_detail(request, workshop, submission, extension_form=form)
    try:
        saved = services.extend_deadline(submission=submission, until=form.cleaned_data["until"], by=request.user)
    except services.SubmissionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        until = format_aoe(saved.deadline_extension)
        messages.success(request, f"Paper #{saved.number} may now be changed until {until}.")
    return redirect("submissions:chair_detail", slug=workshop.slug, pk=submission.pk)


@require_POST
@workshop_permission_required("workshop.change_workshop")
def chair_desk_reject(request, workshop, pk):
    submission = selectors.submission_for_chair(request.user, workshop, pk)
    form = DeskRejectForm(request.POST)
    if not form.is_valid():
        return _render_chair_detail(request, workshop, submission, desk_reject_form=form)
    try:
        services.transition(
            submission=submission,
            to=SubmissionStatus.DESK_REJECTED,
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except services.SubmissionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, f"Paper #{submission.number} is desk-rejected. Every author gets an email with the reason."
        )
    return redirect("submissions:chair_detail", slug=workshop.slug, pk=submission.pk)


def _after_conflict_change(request, workshop, submission):
    # A chair who has just put themself in conflict with the paper may no longer open it.
    if selectors.is_conflicted(request.user, submission):
        return redirect("submissions:chair_list", slug=workshop.slug)
    return redirect(f"{reverse('submissions:chair_detail', args=[workshop.slug, submission.pk])}#conflicts-heading")


@require_POST
@workshop_permission_required("workshop.change_workshop")
def chair_set_conflict(request, workshop, pk):
    """Set a conflict between a member and the paper, or (is_conflict "no") lift one."""
    submission = selectors.submission_for_chair(request.user, workshop, pk)
    form = ConflictRulingForm(request.POST, workshop=workshop)
    if not form.is_valid():
        return _render_chair_detail(request, workshop, submission, conflict_form=form)
    member, is_conflict = form.cleaned_data["member"], form.cleaned_data["is_conflict"]
    try:
        services.set_conflict_ruling(
            submission=submission, user=member, is_conflict=is_conflict, by=request.user, note=form.cleaned_data["note"]
        )
    except services.SubmissionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        done = (
            f"{member} is now in conflict with paper #{submission.number}: never assigned to it, nor shown it."
            if is_conflict
            else f"The conflict between {member} and paper #{submission.number} is lifted: they may be assigned."
        )
        messages.success(request, done)
    return _after_conflict_change(request, workshop, submission)


@require_POST
@workshop_permission_required("workshop.change_workshop")
def chair_clear_conflict(request, workshop, pk):
    """Remove the chairs' ruling on a member, so the declarations and automatic rules decide again."""
    submission = selectors.submission_for_chair(request.user, workshop, pk)
    form = ConflictMemberForm(request.POST, workshop=workshop)
    if not form.is_valid():
        messages.error(request, "Choose one of this workshop's reviewers or chairs.")
        return redirect("submissions:chair_detail", slug=workshop.slug, pk=submission.pk)
    member = form.cleaned_data["member"]
    services.clear_conflict_ruling(submission=submission, user=member, by=request.user)
    now = "in conflict with it" if selectors.is_conflicted(member, submission) else "not in conflict with it"
    messages.success(
        request,
        f"The chairs' ruling on {member} for paper #{submission.number} is removed: by the declarations and "
        f"the automatic rules, they are {now}.",
    )
    return _after_conflict_change(request, workshop, submission)
