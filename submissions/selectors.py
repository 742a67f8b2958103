"""Reads of submissions, scoped to a workshop and a person. Blindness and conflicts live here."""

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, Q
from django.http import Http404

from submissions.enums import FileKind
from submissions.models import Submission, SubmissionAuthor, SubmissionFile
from workshop.models import OutboxEmail
from workshop.selectors import hide_outbox_topics


def verified_emails(user) -> set[str]:
    """The person's verified addresses, lower-cased; an author entry with one of them is theirs."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_verified_emails_cache"):
        emails = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
        user._verified_emails_cache = {email.lower() for email in emails}
    return user._verified_emails_cache


def _with_details(queryset):
    return queryset.select_related("workshop", "primary_direction").prefetch_related(
        Prefetch("authors", queryset=SubmissionAuthor.objects.order_by("order")),
        Prefetch("files", queryset=SubmissionFile.objects.order_by("kind", "-version")),
        "secondary_directions",
    )


def submissions_of_author(user, workshop=None):
    """Every submission that lists one of the person's verified emails, newest first."""
    queryset = Submission.objects.filter(authors__email__in=verified_emails(user)).distinct()
    if workshop is not None:
        queryset = queryset.filter(workshop=workshop)
    return _with_details(queryset).order_by("-created_at")


def submission_for_author(user, workshop, pk) -> Submission:
    """The submission if the person is one of its authors; 404 otherwise (its existence does not leak)."""
    submission = submissions_of_author(user, workshop).filter(pk=pk).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


def is_author(user, submission) -> bool:
    emails = verified_emails(user)
    return any(author.email.lower() in emails for author in submission.authors.all())


def _domains_of(user) -> set[str]:
    return {user.email.rpartition("@")[2].lower(), *(domain.lower() for domain in user.email_domains or [])}


def is_conflicted(user, submission) -> bool:
    """Whether the person may not handle this paper: declared by its authors, an author themself,
    or from an institution (email domain) the authors named. Reviewer bids and automatic
    conflicts join this rule with the reviewing issue."""
    if is_author(user, submission):
        return True
    if user.pk in {member.pk for member in submission.conflicted_members.all()}:
        return True
    return bool(_domains_of(user) & {domain.lower() for domain in submission.conflict_domains})


def conflicted_submissions(user, workshop):
    """The workshop's submissions `user` is in conflict with, as one query (see is_conflicted)."""
    # Domains are matched inside the JSON list's text, quotes included, so "mpg.de" does not
    # match "tuebingen.mpg.de"; this works alike on SQLite and PostgreSQL.
    authored = SubmissionAuthor.objects.filter(email__in=verified_emails(user)).values("submission_id")
    declared = Submission.conflicted_members.through.objects.filter(user_id=user.pk).values("submission_id")
    rule = Q(pk__in=authored) | Q(pk__in=declared)
    for domain in _domains_of(user):
        rule |= Q(conflict_domains__icontains=f'"{domain}"')
    return Submission.objects.filter(rule, workshop=workshop)


@hide_outbox_topics
def outbox_topics_hidden_from(user, workshop):
    """Emails about a paper name its authors: a chair in conflict with it must not read them."""
    return [f"submission:{pk}" for pk in conflicted_submissions(user, workshop).values_list("pk", flat=True)]


def submissions_for_chair(workshop):
    """All submissions of a workshop except drafts, for the chairs' list (conflicts are marked per row)."""
    return (
        Submission.objects.filter(workshop=workshop, number__isnull=False)
        .select_related("primary_direction")
        .prefetch_related(
            Prefetch("authors", queryset=SubmissionAuthor.objects.order_by("order")),
            "conflicted_members",
            "secondary_directions",
        )
    )


def submission_for_chair(user, workshop, pk) -> Submission:
    """A numbered submission of the workshop the chair is not in conflict with; 404 otherwise."""
    submission = _with_details(Submission.objects.filter(workshop=workshop, number__isnull=False, pk=pk)).first()
    if submission is None or is_conflicted(user, submission):
        raise Http404("No such submission.")
    return submission


def current_file(submission, kind=FileKind.PAPER):
    """The newest version of the paper (or supplementary material), from the prefetched files."""
    return next((f for f in submission.files.all() if f.kind == kind), None)


def emails_about(submissions):
    """Outbox rows about these submissions, grouped by submission id (one query)."""
    topics = {f"submission:{s.pk}": s.pk for s in submissions}
    grouped = {pk: [] for pk in topics.values()}
    for email in OutboxEmail.objects.filter(topic__in=topics).order_by("-created_at"):
        grouped[topics[email.topic]].append(email)
    return grouped


def file_for_download(submission, file_id) -> SubmissionFile:
    file = next((f for f in submission.files.all() if f.pk == file_id), None)
    if file is None:
        raise Http404("No such file.")
    return file


def search_filter(queryset, text):
    """Search by title or number only: searching author names would tell a conflicted chair who wrote what."""
    text = text.strip().lstrip("#")
    return queryset.filter(
        Q(title__icontains=text) | Q(number=int(text)) if text.isdigit() else Q(title__icontains=text)
    )
