import django_filters

from workshop.enums import EmailStatus
from workshop.models import OutboxEmail


class OutboxFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EmailStatus.choices, empty_label="Any status")
    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = OutboxEmail
        fields = ["status"]

    def search(self, queryset, name, value):
        return queryset.filter(subject__icontains=value) | queryset.filter(to__icontains=value)
