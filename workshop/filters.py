import django_filters
from django.db.models import Q

from workshop.enums import EmailStatus
from workshop.models import OutboxEmail


class OutboxFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EmailStatus.choices, empty_label="Any status")
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = OutboxEmail
        fields = ["status"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(subject__icontains=value) | Q(to__icontains=value))
