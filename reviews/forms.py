from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from reviews.enums import Outcome
from reviews.models import ReviewerProfile
from reviews.services import reviewers as services
from reviews.services.reviews import CriterionInput
from submissions.enums import Presentation
from workshop import placeholders
from workshop.forms import ModelMultipleIdField
from workshop.models import Direction, User
from workshop.validators import parse_email_domains

MAX_CSV_BYTES = 1024 * 1024


def _helper(*layout, submit="Save"):
    helper = FormHelper()
    helper.layout = Layout(*layout)
    helper.add_input(Submit("save", submit))
    return helper


class InviteForm(forms.Form):
    """People to invite, pasted or uploaded; good lines are kept, bad ones reported by number."""

    invitees = forms.CharField(
        required=False,
        label="People to invite",
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "Grace Hopper <grace@navy.example>\nalan@cam.example"}),
        # crispy renders help texts as HTML
        help_text="One a line: “Name &lt;email&gt;”, a bare email, or “email, name”.",
    )
    csv_file = forms.FileField(
        required=False,
        label="Or a CSV file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="With the columns name and email (a first line naming them is welcome).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_errors = []
        self.helper = _helper("invitees", "csv_file", submit="Send invitations")

    def clean(self):
        data = super().clean()
        invitees, errors = services.parse_invitees(data.get("invitees", ""))
        upload = data.get("csv_file")
        if upload:
            if upload.size > MAX_CSV_BYTES:
                raise ValidationError("The CSV file is larger than 1 MB; split it or paste the lines instead.")
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError(
                    "The CSV file is not UTF-8 text; save it as “CSV UTF-8” and upload it again."
                ) from None
            from_file, file_errors = services.parse_invitees(text, label="CSV line")
            known = {invitee.email for invitee in invitees}
            invitees += [invitee for invitee in from_file if invitee.email not in known]
            errors += file_errors
        if not invitees and not errors:
            raise ValidationError("Paste at least one line such as “Ada Lovelace <ada@uni.example>”, or upload a CSV.")
        data["parsed"], self.line_errors = invitees, errors
        return data

    def bad_lines(self):
        """The pasted lines that were not understood, to send again once fixed."""
        numbers = {int(message.split(":")[0].split()[-1]) for message in self.line_errors if message.startswith("Line")}
        lines = (self.data.get("invitees") or "").splitlines()
        return "\n".join(line for number, line in enumerate(lines, start=1) if number in numbers)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=2000,
        label="Reason (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The chairs read it; for example, a conflict with another commitment, or a colleague to ask instead.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("reason", submit="Decline the invitation")
        self.helper.inputs[0].field_classes = "btn btn-danger"


class AcceptWithNewAccountForm(forms.Form):
    """An invitee without an account makes one while accepting; the email link proves the address."""

    name = forms.CharField(max_length=200, label="Full name", help_text="As it should appear to the chairs.")
    password1 = forms.CharField(label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(
        label="Password (again)", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.initial.setdefault("name", invitation.name)
        self.helper = _helper("name", "password1", "password2", submit="Create my account and accept")

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords differ: type the same one twice.")
        elif password1:
            candidate = User(email=self.invitation.email, name=data.get("name", ""))
            try:
                validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class ReviewerProfileForm(forms.ModelForm):
    email_domains = forms.CharField(
        required=False,
        label="Institutional email domains",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Of the institutions you belong to or recently belonged to, one per line, e.g. mpg.de. "
        "Used to keep you away from papers you are in conflict with; saved on your account.",
    )
    affiliation = forms.CharField(
        required=False,
        max_length=300,
        help_text="Your institution, e.g. University of Oxford; saved on your account.",
    )
    directions = ModelMultipleIdField(
        queryset=Direction.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Directions of expertise",
    )

    class Meta:
        model = ReviewerProfile
        fields = ["expertise", "own_papers", "directions", "max_load"]
        widgets = {
            "expertise": forms.Textarea(attrs={"rows": 4}),
            "own_papers": forms.Textarea(attrs={"rows": 10}),
            "max_load": forms.NumberInput(attrs={"min": 0}),
        }
        help_texts = {"expertise": "A few sentences on what you work on; it helps match you to papers."}

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = workshop
        self.fields["directions"].queryset = Direction.objects.filter(workshop=workshop).order_by("order", "id")
        self.initial["email_domains"] = "\n".join(self.instance.user.email_domains or [])
        self.initial["affiliation"] = self.instance.user.affiliation
        load = self.fields["max_load"]
        load.error_messages["min_value"] = "A load is a number of papers: 0 or more (empty for the default)."
        load.help_text = f"Leave empty for the workshop's default of {workshop.default_reviewer_load} papers."
        self.helper = _helper(
            Fieldset("Expertise", "expertise", "directions", "own_papers"),
            Fieldset("Conflicts and load", "affiliation", "email_domains", "max_load"),
            submit="Save profile",
        )

    def clean_email_domains(self):
        return parse_email_domains(self.cleaned_data["email_domains"])

    def save(self, commit=True):
        data = self.cleaned_data
        return services.update_reviewer_profile(
            workshop=self.workshop,
            user=self.instance.user,
            expertise=data["expertise"],
            own_papers=data["own_papers"],
            directions=data["directions"],
            max_load=data["max_load"],
            email_domains=data["email_domains"],
            affiliation=data["affiliation"],
        )


class MaxLoadForm(forms.Form):
    """The chair's per-reviewer load on the reviewers page; empty means the workshop's default."""

    max_load = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=1000,
        error_messages={
            "min_value": "A load is a number of papers: 0 or more (empty for the default).",
            "max_value": "A load of more than 1000 papers is surely a typo.",
            "invalid": "A load is a whole number of papers, such as 4 (empty for the default).",
        },
    )


# --- assignment --------------------------------------------------------------------------------


class RunForm(forms.Form):
    """The settings of an automatic assignment run."""

    reviews_per_paper = forms.IntegerField(min_value=1, max_value=20, label="Reviews per paper")
    affinity_weight = forms.FloatField(min_value=0, max_value=100, initial=1.0, label="Weight of affinity")
    bid_weight = forms.FloatField(
        min_value=0, max_value=100, initial=1.0, label="Weight of bids", help_text="Eager counts 1, willing 0.5."
    )
    direction_weight = forms.FloatField(
        min_value=0,
        max_value=100,
        initial=0.3,
        label="Weight of direction match",
        help_text="A match of the paper's primary direction counts 1, of a secondary one 0.5.",
    )
    fair = forms.BooleanField(
        required=False,
        label="Fair: raise the worst-off paper first",
        help_text="Gives the least well-matched papers better reviewers for at most 0.5% of the total score.",
    )
    threshold = forms.FloatField(
        initial=0.5, label="List papers whose mean pair score is below", help_text="For the preview only."
    )

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviews_per_paper"].initial = workshop.reviews_per_paper
        self.helper = FormHelper()
        self.helper.add_input(Submit("run", "Run the assignment"))


def reviewer_from_text(workshop, text):
    """The workshop's reviewer named by `Name <email>` or a bare email, as typed from the list; None if none."""
    from reviews.selectors import reviewer_by_email

    text = (text or "").strip()
    email = text[text.rfind("<") + 1 : -1] if text.endswith(">") and "<" in text else text
    return reviewer_by_email(workshop, email.strip())


class ReviewerChoiceForm(forms.Form):
    """Pick a reviewer of the workshop by typing from the page's list of `Name <email>`."""

    reviewer = forms.CharField(max_length=400, label="Reviewer")

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = workshop

    def clean_reviewer(self):
        reviewer = reviewer_from_text(self.workshop, self.cleaned_data["reviewer"])
        if reviewer is None:
            raise ValidationError("No reviewer of this workshop has that name and email; pick one from the list.")
        return reviewer


# --- bidding -----------------------------------------------------------------------------------


class BiddingFilterForm(forms.Form):
    """The bidding page's filters (a GET form); an unknown direction or an overlong search is ignored."""

    direction = forms.ChoiceField(required=False, label="Direction")
    q = forms.CharField(required=False, max_length=200, label="Search titles, abstracts and keywords")

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].choices = [
            ("", "All directions"),
            *((direction.slug, direction.name) for direction in workshop.directions.all()),
        ]

    def filters(self) -> dict:
        """The selector's keyword arguments, from the fields that are valid (the others are ignored)."""
        if not self.is_bound:
            return {"direction": None, "query": ""}
        self.is_valid()  # cleaned_data then holds the fields that are valid
        data = self.cleaned_data
        return {"direction": data.get("direction") or None, "query": data.get("q", "")}


# --- reviews -----------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    """A review: the text fields, one radio list per scored criterion, and the version the page
    was loaded with. Nothing is required here: a draft may be incomplete, and the service says
    what a submission still lacks."""

    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What the paper claims and how it supports the claims, in your words.",
    )
    strengths = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    weaknesses = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    questions = forms.CharField(
        required=False, label="Questions for the authors", widget=forms.Textarea(attrs={"rows": 3})
    )
    confidential_comments = forms.CharField(
        required=False,
        label="Confidential comments to the chairs",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only the chairs read these; neither the authors nor the other reviewers see them.",
    )
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    TEXT_FIELDS = ["summary", "strengths", "weaknesses", "questions", "confidential_comments"]
    is_stale = False  # set when the service refused a save as stale (another window saved first)

    def __init__(self, *args, criteria, review=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.fields["summary"].label = "Summary *"
        for criterion in criteria:
            points = range(criterion.scale_min, criterion.scale_max + 1)
            self.fields[f"score_{criterion.key}"] = forms.ChoiceField(
                required=False,
                label=f"{criterion.name}{' *' if criterion.required else ''}",
                help_text=criterion.description,
                choices=[
                    (str(n), f"{n} · {criterion.labels[str(n)]}" if criterion.labels.get(str(n)) else str(n))
                    for n in points
                ],
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": f"Choose a score from {criterion.scale_min} to {criterion.scale_max}."
                },
            )
        if review is not None:
            self.initial.update({name: getattr(review, name) for name in self.TEXT_FIELDS})
            self.initial.update({f"score_{key}": str(value) for key, value in review.scores.items()})
        self.initial["version"] = review.version if review is not None else 0
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset("Your review", "summary", "strengths", "weaknesses", "questions"),
            Fieldset("Scores", *(f"score_{criterion.key}" for criterion in criteria)),
            Fieldset("For the chairs only", "confidential_comments"),
            "version",
        )

    def texts(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.TEXT_FIELDS}

    def scores(self) -> dict:
        return {criterion.key: self.cleaned_data.get(f"score_{criterion.key}") for criterion in self.criteria}

    def add_refusal(self, errors: dict):
        """Show the service's messages (by field name) on their fields."""
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)


def parse_labels(text) -> dict:
    """Labels typed one a line as “1: Strong reject” into {"1": "Strong reject"}."""
    labels = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        score, separator, label = line.partition(":")
        try:
            number = int(score.strip())
        except ValueError:
            number = None
        if not separator or number is None:
            raise ValidationError(f"“{line.strip()}”: write the score, a colon and its label, e.g. 1: Strong reject.")
        labels[str(number)] = label.strip()
    return labels


class CriterionForm(forms.Form):
    """One scored criterion of the review form, as the chairs edit it."""

    key = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    scale_min = forms.IntegerField(label="Lowest score", initial=1, min_value=-10, max_value=100)
    scale_max = forms.IntegerField(label="Highest score", initial=5, min_value=-10, max_value=100)
    labels = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One a line: the score, a colon and its label, e.g. “1: Strong reject”.",
    )
    required = forms.BooleanField(required=False, initial=True, label="Required to submit a review")

    def clean_labels(self):
        return parse_labels(self.cleaned_data["labels"])


class BaseCriterionFormSet(forms.BaseFormSet):
    def __init__(self, *args, locked=False, **kwargs):
        self.locked = locked
        if locked:
            self.extra = 0  # nothing can be added any more
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this criterion"

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if self.locked:  # after the first submitted review, the scales and the required flags stay
            for name in ("scale_min", "scale_max", "required"):
                form.fields[name].disabled = True
        return form

    def entries(self):
        """The criteria to keep, in the chosen order, for services.save_criteria."""
        chosen = [form for form in self.ordered_forms if form.has_changed() or form.cleaned_data.get("key")]
        return [
            CriterionInput(
                key=form.cleaned_data["key"],
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                scale_min=form.cleaned_data["scale_min"],
                scale_max=form.cleaned_data["scale_max"],
                labels=form.cleaned_data["labels"],
                required=form.cleaned_data["required"],
            )
            for form in chosen
        ]


# absolute_max: a posted form count is believed up to max_num + 1000 by default, each form built and shown again.
CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriterionFormSet, extra=1, can_order=True, can_delete=True, max_num=20, absolute_max=20
)


def _by_score(item):
    return int(item[0])


def criteria_initial(criteria) -> list[dict]:
    return [
        {
            "key": criterion.key,
            "name": criterion.name,
            "description": criterion.description,
            "scale_min": criterion.scale_min,
            "scale_max": criterion.scale_max,
            "labels": "\n".join(f"{n}: {label}" for n, label in sorted(criterion.labels.items(), key=_by_score)),
            "required": criterion.required,
            "ORDER": position,
            "role": criterion.role,  # not a field: tells the page which criteria cannot be removed
        }
        for position, criterion in enumerate(criteria, start=1)
    ]


# --- decisions ---------------------------------------------------------------------------------

PRESENTATION_CHOICES = [("", "—"), *Presentation.choices]


def _require_presentation(form, cleaned):
    if cleaned.get("outcome") == Outcome.ACCEPT and not cleaned.get("presentation"):
        form.add_error("presentation", "Choose how the accepted paper is presented: oral, spotlight or poster.")


class DecisionForm(forms.Form):
    """A chair's decision on one paper; `version` carries the decision they saw (0: none)."""

    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect, label="Decision")
    presentation = forms.ChoiceField(
        choices=PRESENTATION_CHOICES, required=False, help_text="Required to accept; ignored for a rejection."
    )
    note = forms.CharField(
        required=False,
        label="Note to the authors",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional; sent with the decision email and shown with the decision after the release.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("outcome", "presentation", "note", "version", submit="Save the decision")

    def clean(self):
        cleaned = super().clean()
        _require_presentation(self, cleaned)
        return cleaned


def _is_id(text) -> bool:
    # str.isdigit() accepts "²", which int() refuses; and SQLite cannot even be asked about 19 digits or more.
    return text.isascii() and text.isdigit() and len(text) <= 18


class BulkDecisionForm(forms.Form):
    """The decisions list's form: one outcome for every ticked paper. Each tick's value is
    "<submission id>:<decision version seen>", so that a stale row is refused on its own."""

    outcome = forms.ChoiceField(choices=Outcome.choices, label="Decision")
    presentation = forms.ChoiceField(choices=PRESENTATION_CHOICES, required=False)

    def clean(self):
        cleaned = super().clean()
        _require_presentation(self, cleaned)
        choices = []
        for value in self.data.getlist("paper"):
            pk, _, version = value.partition(":")
            if not (_is_id(pk) and _is_id(version)):
                raise ValidationError("The list of papers was garbled; reload the page.")
            choices.append((int(pk), int(version)))
        if not choices:
            raise ValidationError("Tick the papers to decide.")
        cleaned["choices"] = choices
        return cleaned


class EmailTemplateForm(forms.Form):
    """A workshop's wording of a decision email, in the placeholder language (workshop.placeholders):
    `allowed` are the email's placeholders (name → description). Text with template code or an
    unknown placeholder is refused with the list of the placeholders it may use."""

    # How many problems of one field are named; the rest are counted.
    SHOWN_PROBLEMS = 5

    subject = forms.CharField(max_length=300)
    body = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 20, "class": "font-monospace"}), strip=False
    )

    def __init__(self, *args, allowed, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = allowed
        self.helper = FormHelper()
        self.helper.form_id = "template-form"
        self.helper.layout = Layout(
            "subject",
            "body",
            StrictButton("Preview", type="submit", name="action", value="preview", css_class="btn-outline-secondary"),
            StrictButton("Save", type="submit", name="action", value="save", css_class="btn-primary ms-2"),
        )

    def _check(self, name):
        # Browsers send a textarea's lines ending in CRLF; the placeholders' values end theirs in LF.
        source = self.cleaned_data[name].replace("\r\n", "\n")
        found = placeholders.problems(source, self.allowed)
        if found:
            shown = found[: self.SHOWN_PROBLEMS]
            if len(found) > len(shown):
                shown.append(f"And {len(found) - len(shown)} more.")
            shown.append(f"The placeholders of this email: {placeholders.listing(self.allowed)}.")
            raise ValidationError(" ".join(shown))
        return source

    def clean_subject(self):
        return self._check("subject")

    def clean_body(self):
        return self._check("body")
