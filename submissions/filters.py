"""The chairs' list of submissions: filters, search and sorting.

A chair in conflict with a paper may see its number and title only. Filtering on anything else
(direction, status, anonymity flag) therefore never matches the papers the chair is in conflict
with, and sorting by status puts them last: otherwise "status = desk-rejected" would list a
conflicted paper's title and so tell its status.
"""

import django_filters
from django.db.models import Case, IntegerField, Q, Value, When

from submissions import selectors
from submissions.enums import SubmissionStatus
from submissions.models import Submission

CHAIR_STATUSES = [(value, label) for value, label in SubmissionStatus.choices if value != SubmissionStatus.DRAFT]
FLAG_CHOICES = [("yes", "Flagged"), ("no", "Not flagged")]


def conflicted_submission_ids(user, workshop) -> set[int]:
    """The numbered papers of the workshop that `user` is in conflict with, in one query."""
    papers = selectors.conflicted_submissions(user, workshop).filter(number__isnull=False)
    return set(papers.values_list("pk", flat=True))


class ChairOrderingFilter(django_filters.OrderingFilter):
    """Sorting with the number as tie-breaker (stable pages); conflicted papers last by status."""

    def filter(self, qs, value):
        fields = [self.get_ordering_value(param) for param in value or [] if param]
        if not fields:
            return qs
        conflicted = self.parent.conflicted_ids
        if conflicted and any(field.lstrip("-") == "status" for field in fields):
            qs = qs.alias(
                hidden=Case(When(pk__in=conflicted, then=Value(1)), default=Value(0), output_field=IntegerField())
            )
            fields = ["hidden", *fields]
        return qs.order_by(*fields, "number")


class ChairSubmissionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Title or number")
    direction = django_filters.ChoiceFilter(
        field_name="primary_direction__slug",
        method="visible_only",
        label="Primary direction",
        empty_label="Any direction",
    )
    status = django_filters.ChoiceFilter(
        choices=CHAIR_STATUSES, method="visible_only", label="Status", empty_label="Any status"
    )
    flag = django_filters.ChoiceFilter(
        choices=FLAG_CHOICES, method="anonymity_flag", label="Anonymity flag", empty_label="Any"
    )
    ordering = ChairOrderingFilter(
        fields=(("number", "number"), ("title", "title"), ("submitted_at", "submitted_at"), ("status", "status")),
        field_labels={"number": "Number", "title": "Title", "submitted_at": "Submitted", "status": "Status"},
        label="Sort by",
    )

    class Meta:
        model = Submission
        fields = []

    def __init__(self, data=None, *, workshop, user, **kwargs):
        kwargs.setdefault("queryset", selectors.submissions_for_chair(workshop))
        # The long texts are not shown in lists; leaving them out makes sorting 20,000 rows cheap.
        kwargs["queryset"] = kwargs["queryset"].defer("abstract", "keywords", "tldr", "desk_reject_reason")
        kwargs["queryset"] = kwargs["queryset"].order_by("number")
        super().__init__(data, **kwargs)
        self.workshop, self.user = workshop, user
        # workshop_by_slug prefetched the directions: no query here.
        self.filters["direction"].extra["choices"] = [(d.slug, d.name) for d in workshop.directions.all()]
        self.conflicted_ids = conflicted_submission_ids(user, workshop)

    def is_conflicted(self, submission) -> bool:
        """For one row of a page, with no query: conflicted_submissions matches is_conflicted exactly."""
        return submission.pk in self.conflicted_ids

    def search(self, queryset, name, value):
        return selectors.search_filter(queryset, value) if value.strip().lstrip("#") else queryset

    def visible_only(self, queryset, name, value):
        lookup = "primary_direction__slug" if name == "direction" else name
        return queryset.filter(**{lookup: value}).exclude(pk__in=self.conflicted_ids)

    def anonymity_flag(self, queryset, name, value):
        # Compared with [] rather than by length: the same SQL works on SQLite and PostgreSQL.
        flagged = ~Q(anonymity_findings=[])
        return queryset.filter(flagged if value == "yes" else ~flagged).exclude(pk__in=self.conflicted_ids)

    @property
    def is_filtered(self):
        self.errors  # noqa: B018 (validates the form, so that cleaned_data exists)
        return any(self.form.cleaned_data.get(name) for name in ("q", "direction", "status", "flag"))
