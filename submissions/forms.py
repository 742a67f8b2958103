import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError

from submissions import pdf, selectors, services
from submissions.enums import FileKind
from submissions.models import Submission
from submissions.publication import check_camera_ready
from workshop.enums import Role
from workshop.forms import AoEDateTimeField, MemberMultipleChoiceField, ModelMultipleIdField
from workshop.models import User
from workshop.validators import parse_email_domains


class AuthorForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField()
    affiliation = forms.CharField(max_length=300, required=False)


class BaseAuthorFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            email = form.cleaned_data["email"].lower()
            if email in seen:
                raise ValidationError(f"The same email, {email}, is listed for two authors: each author once.")
            seen.add(email)
        if not seen:
            raise ValidationError("List at least one author.")

    def entries(self):
        """The authors in the order the form gives (the ORDER numbers, then their place)."""
        rows = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        rows.sort(key=lambda f: (f.cleaned_data.get("ORDER") or 10_000, self.forms.index(f)))
        return [
            services.AuthorEntry(f.cleaned_data["name"], f.cleaned_data["email"].lower(), f.cleaned_data["affiliation"])
            for f in rows
        ]


# absolute_max: a posted form count is believed up to max_num + 1000 by default, each form built and shown again.
AuthorFormSet = forms.formset_factory(
    AuthorForm,
    formset=BaseAuthorFormSet,
    extra=2,
    can_order=True,
    can_delete=True,
    max_num=30,
    validate_max=True,
    absolute_max=30,
)


class SubmissionForm(forms.ModelForm):
    """The whole submission on one page. Files are checked here, before anything is saved."""

    conflict_domains = forms.CharField(
        required=False,
        label="Institutions in conflict (email domains)",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The domains of institutions the authors belong to or recently left, e.g. mpg.de, one per line.",
    )
    paper = forms.FileField(
        required=False,
        label="Paper (PDF)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
        error_messages={
            "empty": "The file is empty: choose your PDF again. Nothing was saved; your previous version is unchanged."
        },
    )
    supplementary = forms.FileField(
        required=False,
        label="Supplementary material (PDF or ZIP, optional)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,application/zip,.zip"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    creation_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Submission
        fields = [
            "title",
            "abstract",
            "keywords",
            "tldr",
            "primary_direction",
            "secondary_directions",
            "conflicted_members",
            "agreed_anonymity",
            "agreed_dual_submission",
        ]
        field_classes = {"secondary_directions": ModelMultipleIdField, "conflicted_members": MemberMultipleChoiceField}
        widgets = {
            "abstract": forms.Textarea(attrs={"rows": 8}),
            "secondary_directions": forms.CheckboxSelectMultiple,
            "conflicted_members": forms.CheckboxSelectMultiple,
        }
        error_messages = {
            "title": {"max_length": "Shorten the title to %(limit_value)d characters (it has %(show_value)d)."},
            "primary_direction": {
                "required": "Choose the paper's primary direction.",
                "invalid_choice": "Choose one of this workshop's directions.",
            },
        }
        labels = {
            "conflicted_members": "Reviewers and chairs in conflict with any author",
            "agreed_anonymity": "The paper is anonymised: no author names, affiliations or revealing links.",
        }

    def __init__(self, *args, workshop, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop, self.user = workshop, user
        directions = workshop.directions.order_by("order", "id")
        self.fields["primary_direction"].queryset = directions
        self.fields["primary_direction"].empty_label = "Choose the primary direction"
        self.fields["secondary_directions"].queryset = directions
        self.fields["secondary_directions"].error_messages["invalid_choice"] = (
            "Choose among this workshop's directions."
        )
        # Authors see the reviewers and chairs by name and affiliation only: no addresses, and
        # option values that are not user ids (MemberMultipleChoiceField).
        members = User.objects.filter(
            memberships__workshop=workshop, memberships__role__in=[Role.REVIEWER, Role.CHAIR]
        ).distinct()
        self.fields["conflicted_members"].queryset = members.only("pk", "name", "affiliation")
        self.fields["conflicted_members"].workshop = workshop
        self.fields["conflicted_members"].label_from_instance = lambda u: (
            f"{u.name or 'Unnamed'} ({u.affiliation or 'no affiliation'})"
        )
        self.fields["abstract"].help_text = f"At most {workshop.abstract_word_limit} words."
        if not workshop.is_double_blind:
            del self.fields["agreed_anonymity"]
        if workshop.dual_submission_policy:
            self.fields["agreed_dual_submission"].label = workshop.dual_submission_policy
        else:
            del self.fields["agreed_dual_submission"]
        self.fields["paper"].help_text = f"Up to {workshop.page_limit} pages and {workshop.max_upload_mb} MB." + (
            " Uploading replaces nothing: every version is kept." if self.instance.pk else ""
        )
        self.fields["supplementary"].help_text = f"Up to {workshop.supplementary_max_mb} MB."
        if self.instance.pk:
            self.initial["version"] = self.instance.version
            self.initial["conflict_domains"] = "\n".join(self.instance.conflict_domains)
        else:
            self.initial.setdefault("creation_key", uuid.uuid4())
        confirmations = [f for f in ("agreed_anonymity", "agreed_dual_submission") if f in self.fields]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset("The paper", "title", "abstract", "tldr", "keywords"),
            Fieldset("Directions", "primary_direction", "secondary_directions"),
            HTML("{% include 'submissions/_authors_formset.html' %}"),
            Fieldset("Conflicts of interest", "conflicted_members", "conflict_domains"),
            Fieldset("Files", "paper", "supplementary"),
            *([Fieldset("Confirmations", *confirmations)] if confirmations else []),
            "version",
            "creation_key",
        )

    def clean_abstract(self):
        abstract = self.cleaned_data["abstract"]
        words = len(abstract.split())
        if words > self.workshop.abstract_word_limit:
            raise ValidationError(f"The abstract has {words} words; the limit is {self.workshop.abstract_word_limit}.")
        return abstract

    def clean_conflict_domains(self):
        return parse_email_domains(self.cleaned_data["conflict_domains"])

    def clean_paper(self):
        upload = self.cleaned_data.get("paper")
        if not upload:
            return None
        try:
            return services.check_paper(upload, workshop=self.workshop)
        except pdf.UploadRefused as refusal:
            raise ValidationError(f"{refusal} Nothing was saved; your previous version is unchanged.") from None

    def clean_supplementary(self):
        upload = self.cleaned_data.get("supplementary")
        if not upload:
            return None
        try:
            return services.check_supplementary(upload, workshop=self.workshop)
        except pdf.UploadRefused as refusal:
            raise ValidationError(f"{refusal} Nothing was saved.") from None

    def clean(self):
        data = super().clean()
        primary = data.get("primary_direction")
        if primary and primary in (data.get("secondary_directions") or []):
            data["secondary_directions"] = [d for d in data["secondary_directions"] if d != primary]
        return data

    def check_can_submit(self):
        """Errors for what a submission needs beyond a draft; True when nothing is missing."""
        has_paper = self.cleaned_data.get("paper") or (
            self.instance.pk and self.instance.files.filter(kind=FileKind.PAPER).exists()
        )
        if not has_paper:
            self.add_error("paper", "Upload the paper's PDF to submit (or save a draft without it).")
        for name in ("agreed_anonymity", "agreed_dual_submission"):
            if name in self.fields and not self.cleaned_data.get(name):
                self.add_error(name, "Confirm this to submit.")
        return not self.errors

    def content_fields(self):
        data = self.cleaned_data
        fields = {name: data[name] for name in ("title", "abstract", "keywords", "tldr", "primary_direction")}
        fields["conflict_domains"] = data["conflict_domains"]
        for name in ("agreed_anonymity", "agreed_dual_submission"):
            if name in self.fields:
                fields[name] = data[name]
        return fields


class DeskRejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Reason, sent to the authors")


class ExtensionForm(forms.Form):
    until = AoEDateTimeField(label="New deadline for this paper (Anywhere on Earth)")


class ConflictMemberForm(forms.Form):
    """Names one of the workshop's reviewers or chairs, for a chair's conflict ruling."""

    member = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Member",
        empty_label="Choose a reviewer or chair",
        error_messages={"invalid_choice": "Choose one of this workshop's reviewers or chairs."},
    )

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = selectors.workshop_members(workshop)
        self.fields["member"].label_from_instance = lambda u: f"{u.name or 'Unnamed'} <{u.email}>"


class ConflictRulingForm(ConflictMemberForm):
    """A chair sets a conflict (or, with is_conflict "no", lifts one) between a member and the paper."""

    is_conflict = forms.TypedChoiceField(
        choices=[("yes", "In conflict"), ("no", "Not in conflict")],
        coerce=lambda value: value == "yes",
        required=False,
        empty_value=True,
        widget=forms.HiddenInput,
    )
    note = forms.CharField(max_length=300, required=False, label="Note for the chairs (optional)")


class CameraReadyForm(forms.Form):
    """The final version of an accepted paper: its title and abstract (the authors come in an
    AuthorFormSet beside it) and the non-anonymous PDF, checked here before anything is saved."""

    title = forms.CharField(max_length=250)
    abstract = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
    paper = forms.FileField(
        required=False,
        label="Camera-ready PDF",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
        error_messages={
            "empty": "The file is empty: choose your PDF again. Nothing was saved; your previous version is unchanged."
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, submission, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = submission.workshop
        self.initial.update(title=submission.title, abstract=submission.abstract, version=submission.version)
        self.fields["abstract"].help_text = f"At most {self.workshop.abstract_word_limit} words."
        self.fields["paper"].help_text = (
            f"The final version, with the authors' names: up to {self.workshop.page_limit} pages and "
            f"{self.workshop.max_upload_mb} MB. Every version is kept; the newest is published."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset("The paper", "title", "abstract"),
            HTML("{% include 'submissions/_authors_formset.html' %}"),
            Fieldset("File", "paper"),
            "version",
        )

    def clean_abstract(self):
        abstract = self.cleaned_data["abstract"]
        words = len(abstract.split())
        if words > self.workshop.abstract_word_limit:
            raise ValidationError(f"The abstract has {words} words; the limit is {self.workshop.abstract_word_limit}.")
        return abstract

    def clean_paper(self):
        upload = self.cleaned_data.get("paper")
        if not upload:
            return None
        try:
            return check_camera_ready(upload, workshop=self.workshop)
        except pdf.UploadRefused as refusal:
            raise ValidationError(f"{refusal} Nothing was saved; your previous version is unchanged.") from None
