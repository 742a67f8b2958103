from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from workshop import selectors, services
from workshop.enums import DIGESTIBLE
from workshop.models import Direction, User, Workshop
from workshop.phases import AOE, DATE_FIELDS
from workshop.validators import parse_email_domains


class AoEDateTimeField(forms.DateTimeField):
    """A date and time typed in Anywhere on Earth (UTC-12), the way workshops state deadlines."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S")

    def prepare_value(self, value):
        with timezone.override(AOE):
            return super().prepare_value(value)

    def to_python(self, value):
        with timezone.override(AOE):
            value = super().to_python(value)
        # Year 9999 AoE is year 10000 in UTC, which no database stores; a deadline outside these years is a typo.
        if value is not None and not 2000 <= value.year <= 2999:
            raise ValidationError("Choose a date between the years 2000 and 2999.", code="invalid")
        return value


class ModelMultipleIdField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that refuses an integer too large for a database id as an invalid choice: on
    SQLite, Django's own check of the choices crashes on one (OverflowError) instead of refusing it."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number: Django refuses it itself
            if not -(2**63) <= number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
        return super()._check_values(value)


def member_option_value(workshop, user_id) -> str:
    """What a page outside the chairs' puts in place of a member's user id (an option's value): an
    HMAC of the workshop and the id, the same for the same person on every page of that workshop,
    telling nothing about the id, its order, or the person in another workshop."""
    return salted_hmac("workshop.member-option", f"{workshop.pk}:{user_id}", algorithm="sha256").hexdigest()[:32]


class _ByNameChoices(forms.models.ModelChoiceIterator):
    """The members by name and affiliation, ties by their opaque value: nothing in the order
    follows their ids or addresses."""

    def __iter__(self):
        members = sorted(
            self.queryset,
            key=lambda user: (user.name.casefold(), user.affiliation.casefold(), self.field.prepare_value(user)),
        )
        for user in members:
            yield self.choice(user)


class MemberMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Members of a workshop (users) chosen on a page that people outside the chairs see: the
    options carry member_option_value, never user ids, and a posted value is matched to a member
    on the server. Set `workshop` and `queryset` (the members offered) before use."""

    iterator = _ByNameChoices
    default_error_messages = {
        "invalid_choice": "Choose among the people listed: one you ticked is no longer among them.",
    }

    def __init__(self, *args, workshop=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = workshop

    def _value_of(self, value):
        if not isinstance(value, User):
            return value
        # Each value is asked for twice a render (order, then option): a conference has thousands.
        cache = self.__dict__.setdefault("_member_values", {})
        if value.pk not in cache:
            cache[value.pk] = member_option_value(self.workshop, value.pk)
        return cache[value.pk]

    def prepare_value(self, value):
        if isinstance(value, list | tuple | set | models.QuerySet):
            return [self._value_of(item) for item in value]
        return self._value_of(value)

    def _check_values(self, value):
        members = {self._value_of(user): user for user in self.queryset}
        for item in value:
            if not isinstance(item, str) or item not in members:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return [members[item] for item in dict.fromkeys(value)]


def _helper(*layout, submit="Save"):
    helper = FormHelper()
    helper.layout = Layout(*layout)
    helper.add_input(Submit("save", submit))
    return helper


class SignupNameForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    name = forms.CharField(max_length=200, label="Full name", help_text="As it should appear on papers and reviews.")

    def signup(self, request, user):
        user.name = self.cleaned_data["name"]
        user.save(update_fields=["name"])


class ProfileForm(forms.ModelForm):
    email_domains = forms.CharField(
        required=False,
        label="Institutional email domains",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line, e.g. mpg.de. Used to find conflicts of interest; public mail providers are ignored.",
    )
    expertise_directions = ModelMultipleIdField(
        queryset=Direction.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Directions of expertise",
    )

    class Meta:
        model = User
        fields = ["name", "affiliation", "email_domains", "orcid", "expertise", "expertise_directions"]
        widgets = {"expertise": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "orcid": "Optional, e.g. 0000-0002-1825-0097.",
            "expertise": "A few sentences on what you work on; it helps match you to papers you can review.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["email_domains"] = "\n".join(self.instance.email_domains or [])
        # Directions of the workshops the person belongs to (and any chosen before), not every
        # direction of every workshop hosted here.
        directions = (
            Direction.objects.filter(Q(workshop__memberships__user=self.instance) | Q(experts=self.instance))
            .select_related("workshop")
            .distinct()
            .order_by("workshop__name", "order", "id")
        )
        field = self.fields["expertise_directions"]
        field.queryset = directions
        field.label_from_instance = lambda d: f"{d.workshop.short_name}: {d.name}"
        expertise = ["expertise", "expertise_directions"] if directions.exists() else ["expertise"]
        if not directions.exists():
            del self.fields["expertise_directions"]
        self.helper = _helper(
            Fieldset("About you", "name", "affiliation", "email_domains", "orcid"),
            Fieldset("Expertise", *expertise),
            submit="Save profile",
        )

    def clean_email_domains(self):
        return parse_email_domains(self.cleaned_data["email_domains"])

    def save(self, commit=True):
        data = {field: self.cleaned_data[field] for field in services.PROFILE_FIELDS}
        return services.update_profile(
            user=self.instance, expertise_directions=self.cleaned_data.get("expertise_directions"), **data
        )


class WorkshopSettingsForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = list(services.WORKSHOP_SETTINGS_FIELDS)
        field_classes = {key: AoEDateTimeField for key, _ in DATE_FIELDS}
        widgets = {
            "call_for_papers": forms.Textarea(attrs={"rows": 12}),
            "dual_submission_policy": forms.Textarea(attrs={"rows": 2}),
        }
        labels = dict(DATE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, _ in DATE_FIELDS:
            self.fields[key].help_text = "Anywhere on Earth (UTC-12)."
        self.helper = _helper(
            Fieldset("The workshop", "name", "short_name", "contact_email", "call_for_papers"),
            Fieldset(
                "Dates, in Anywhere on Earth (UTC-12)",
                Div(*[Div(key, css_class="col-md-6") for key, _ in DATE_FIELDS], css_class="row"),
                "grace_minutes",
            ),
            Fieldset(
                "Reviewing and limits",
                Div(
                    Div("reviews_per_paper", css_class="col-md-4"),
                    Div("default_reviewer_load", css_class="col-md-4"),
                    Div("anonymity_policy", css_class="col-md-4"),
                    css_class="row",
                ),
                Div(
                    Div("page_limit", css_class="col-md-3"),
                    Div("max_upload_mb", css_class="col-md-3"),
                    Div("supplementary_max_mb", css_class="col-md-3"),
                    Div("abstract_word_limit", css_class="col-md-3"),
                    css_class="row",
                ),
                "dual_submission_policy",
            ),
            submit="Save settings",
        )

    def save(self, commit=True):
        return services.update_workshop(
            workshop=self.instance, **{field: self.cleaned_data[field] for field in services.WORKSHOP_SETTINGS_FIELDS}
        )


class DirectionForm(forms.ModelForm):
    class Meta:
        model = Direction
        fields = ["slug", "name", "description"]
        help_texts = {"slug": "Short tag used in filters and exports, e.g. “in”."}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = workshop
        self.helper = _helper("slug", "name", "description", submit="Save direction")

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        taken = Direction.objects.filter(workshop=self.workshop, slug=slug).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(f"This workshop already has a direction tagged “{slug}”.")
        return slug

    def validate_unique(self):
        # The slug is checked per workshop in clean_slug; the workshop is not a form field.
        pass

    def save(self, commit=True):
        data = self.cleaned_data
        if self.instance.pk:
            return services.update_direction(
                direction=self.instance, slug=data["slug"], name=data["name"], description=data["description"]
            )
        return services.add_direction(
            workshop=self.workshop, slug=data["slug"], name=data["name"], description=data["description"]
        )


class NotificationPreferencesForm(forms.Form):
    """A person's choice, per kind of non-essential email, of one email each or a daily digest."""

    CHOICES = [("now", "One email each, as it happens"), ("digest", "A daily digest")]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        digests = selectors.digest_kinds_of(user)
        for kind in DIGESTIBLE:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=self.CHOICES, widget=forms.RadioSelect, initial="now"
            )
            self.initial[kind.value] = "digest" if kind in digests else "now"
        self.helper = _helper(*[kind.value for kind in DIGESTIBLE], submit="Save preferences")

    def save(self):
        chosen = {kind for kind in DIGESTIBLE if self.cleaned_data[kind.value] == "digest"}
        services.set_notification_preferences(user=self.user, digest_kinds=chosen)
