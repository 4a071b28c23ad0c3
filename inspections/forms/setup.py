"""Forms for setting up an inspection: details, QIs, lifecycle, team, timetable, self-evaluation.

Forms check the shape of input; the rules between fields (dates in order, a place or remote)
are the services' (inspections.services.setup), whose errors the views put on the fields.
"""

import datetime as dt

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Fluid, Layout, Size
from django import forms

from accounts.models import Membership, Organisation, Role, User
from core.uploads import UploadField, UploadFormMixin
from inspections.models import FieldworkEvent, Inspection
from inspections.services.setup import ATTENDEE_CATEGORIES
from qi_framework.models import QualityIndicator

DATE_INVALID = "{label} must be a real date"
TIME_INVALID = "Enter a time using the 24-hour clock, for example 09:30 or 14:00"


class GovDateField(DateInputField):
    """The GOV.UK date input (day, month, year), with messages that name the date."""

    def __init__(self, *, label: str, **kwargs):
        super().__init__(label=label, require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter {label[0].lower()}{label[1:]}"
        self.error_messages["incomplete"] = f"{label} must include a day, month and year"
        for sub in self.fields:
            sub.error_messages["incomplete"] = f"{label} must include a day, month and year"
            sub.validators = []
        self.invalid_message = DATE_INVALID.format(label=label)

    def clean(self, value):
        try:
            return super().clean(value)
        except forms.ValidationError as error:
            messages = set(error.messages)
            if messages & {self.error_messages["required"], self.error_messages["incomplete"]}:
                raise forms.ValidationError(sorted(messages)[0]) from None
            raise forms.ValidationError(self.invalid_message) from None

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            value = dt.date(int(year), int(month), int(day))
        except (TypeError, ValueError):
            raise forms.ValidationError(self.invalid_message) from None
        if value.year < 2000:
            raise forms.ValidationError(self.invalid_message)
        return value


def _date(label: str, *, required: bool = False, help_text: str = "For example 4 11 2019"):
    return GovDateField(label=label, required=required, help_text=help_text)


def optional_time(label: str, example: str) -> forms.TimeField:
    """An optional 24-hour time field ("09:30" or "09.30") with GOV.UK wording."""
    return forms.TimeField(
        label=f"{label} (optional)",
        required=False,
        input_formats=["%H:%M", "%H.%M"],
        help_text=f"For example {example}",
        error_messages={"invalid": TIME_INVALID},
    )


def _date_field(name: str):
    return Field(name)


PERIOD_HINT = (
    "Leave blank to use the two years before fieldwork starts (for fieldwork starting on "
    "4 November 2019: 4 November 2017 to 3 November 2019)."
)


class InspectionForm(forms.Form):
    """Details of an inspection. With `create`, also the authority and the lead inspector."""

    authority = forms.ModelChoiceField(
        label="Local authority",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.LOCAL_AUTHORITY),
        empty_label="Choose a local authority",
        error_messages={"required": "Choose the local authority to inspect"},
    )
    title = forms.CharField(
        label="Title",
        max_length=200,
        required=False,
        help_text="Leave blank for “Inspection of justice social work services in” and the "
        "authority’s name.",
    )
    governance = forms.ChoiceField(
        label="How is the justice social work service governed?",
        choices=Inspection.Governance.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    lead = forms.ModelChoiceField(
        label="Lead inspector",
        queryset=User.objects.none(),
        empty_label="Choose an inspector",
        error_messages={"required": "Choose the lead inspector"},
    )
    notice_date = _date("Notice to the authority")
    self_evaluation_due = _date("Self-evaluation due")
    fieldwork_start = _date("First day of fieldwork", required=True)
    fieldwork_end = _date("Last day of fieldwork", required=True)
    feedback_date = _date("Verbal feedback")
    target_publication = _date("Target publication")
    period_start = _date("Records in scope from", help_text=PERIOD_HINT)
    period_end = _date("Records in scope to", help_text="Leave blank for the day before fieldwork")

    def __init__(self, *args, create: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.create = create
        if create:
            self.fields["lead"].queryset = User.objects.filter(
                is_active=True,
                id__in=Membership.objects.filter(is_active=True, role=Role.INSPECTOR).values(
                    "user_id"
                ),
            ).order_by("name")
        else:
            del self.fields["authority"]
            del self.fields["lead"]
            self.fields["title"].required = True
            self.fields["title"].help_text = ""
            self.fields["title"].error_messages["required"] = "Enter a title"
        self.helper = FormHelper()
        self.helper.form_tag = False
        first = [Field.select("authority"), Field.select("lead")] if create else []
        self.helper.layout = Layout(
            *first,
            Field.text("title", field_width=Fluid.FULL),
            Field.radios("governance", legend_size=Size.SMALL),
            Fieldset(
                _date_field("notice_date"),
                _date_field("self_evaluation_due"),
                _date_field("fieldwork_start"),
                _date_field("fieldwork_end"),
                _date_field("feedback_date"),
                _date_field("target_publication"),
                legend="Key dates",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                _date_field("period_start"),
                _date_field("period_end"),
                legend="Period whose records are in scope",
                legend_size=Size.MEDIUM,
            ),
            Button("submit", "Create inspection" if create else "Save details"),
        )


class InspectionQIsForm(forms.Form):
    reported = forms.ModelMultipleChoiceField(
        label="QIs the inspection reports on",
        queryset=QualityIndicator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    evaluated = forms.ModelMultipleChoiceField(
        label="QIs evaluated on the six-point scale",
        queryset=QualityIndicator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Only QIs the inspection reports on can be evaluated.",
    )

    def __init__(self, *args, framework, **kwargs):
        super().__init__(*args, **kwargs)
        qis = QualityIndicator.objects.filter(
            framework=framework, kind=QualityIndicator.Kind.QI
        ).order_by("position")
        for name in ("reported", "evaluated"):
            self.fields[name].queryset = qis
            self.fields[name].label_from_instance = lambda qi: f"{qi.code} {qi.name}"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.checkboxes("reported", legend_size=Size.MEDIUM, small=True),
            Field.checkboxes("evaluated", legend_size=Size.MEDIUM, small=True),
            Button("submit", "Save QIs"),
        )


class TransitionForm(forms.Form):
    """Confirm a move along a lifecycle; a move back (`with_reason`) also asks why.

    A subclass names its lifecycle's `status_choices` and the `reason_label` question.
    """

    status_choices = ()
    reason_label = ""

    to = forms.ChoiceField(widget=forms.HiddenInput)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=500,
    )

    def __init__(self, *args, button: str = "Confirm", with_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = self.status_choices
        self.fields["reason"].label = self.reason_label
        self.helper = FormHelper()
        self.helper.form_tag = False
        if with_reason:
            self.helper.layout = Layout(
                Field("to"), Field.textarea("reason", rows=4), Button("submit", button)
            )
        else:
            del self.fields["reason"]
            self.helper.layout = Layout(Field("to"), Button("submit", button))


class InspectionTransitionForm(TransitionForm):
    status_choices = Inspection.Status.choices
    reason_label = "Why is the inspection moving back?"


class TeamAddForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Person",
        queryset=User.objects.none(),
        empty_label="Choose a person",
        error_messages={"required": "Choose a person to add"},
    )

    def __init__(self, *args, people, kind_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        article = "an" if kind_label[:1].lower() in "aeiou" else "a"
        self.fields["user"].label = f"Who will be {article} {kind_label.lower()}?"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("user", legend_size=Size.MEDIUM), Button("submit", "Add to the team")
        )


class FieldworkEventForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is it?",
        choices=[("", "Choose a kind of event"), *FieldworkEvent.Kind.choices],
        error_messages={"required": "Choose what kind of event it is"},
    )
    date = _date("Date", required=True, help_text="For example 12 11 2019")
    start_time = optional_time("Start time", "09:30")
    end_time = optional_time("End time", "16:00")
    is_remote = forms.BooleanField(label="Remote (online or by phone)", required=False)
    place = forms.CharField(
        label="Place",
        max_length=200,
        required=False,
        help_text="For example Church Street offices, Dumbarton. Leave blank if remote.",
    )
    attendees = forms.MultipleChoiceField(
        label="Who attends?",
        choices=ATTENDEE_CATEGORIES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[
            c for c in FieldworkEvent.Status.choices if c[0] != FieldworkEvent.Status.CANCELLED
        ],
        widget=forms.RadioSelect,
        initial=FieldworkEvent.Status.PROPOSED,
        error_messages={"required": "Choose the event’s status"},
    )
    notes = forms.CharField(
        label="Notes (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, button: str = "Add event", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("kind"),
            _date_field("date"),
            Field.text("start_time", field_width=5),
            Field.text("end_time", field_width=5),
            Field.checkbox("is_remote"),
            Field.text("place", field_width=Fluid.TWO_THIRDS),
            Field.checkboxes("attendees", legend_size=Size.SMALL, small=True),
            Field.radios("status", legend_size=Size.SMALL, small=True),
            Field.textarea("notes", rows=4),
            Button("submit", button),
        )


class FieldworkEventCancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is it cancelled? (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=500,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.textarea("reason", rows=3),
            Button("submit", "Cancel the event", css_class="govuk-button--warning"),
        )


class SelfAssessmentForm(forms.Form):
    grade = forms.TypedChoiceField(
        label="Your grade",
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
        help_text="How good is the service for this QI, on the six-point scale?",
    )
    narrative = forms.CharField(
        label="Your evaluation",
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        max_length=20000,
        help_text="What the service does well, what it needs to improve, and how you know. "
        "Separate paragraphs with a blank line; start a line with “- ” for a bulleted list.",
    )

    def __init__(self, *args, scale, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [
            Choice(level.value, f"{level.value} – {level.label}", hint=level.short_definition)
            for level in scale
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("grade", legend_size=Size.MEDIUM),
            Field.textarea("narrative", label_size=Size.MEDIUM, rows=12),
            Button("submit", "Save"),
        )


class SelfEvaluationDocumentForm(UploadFormMixin, forms.Form):
    file = UploadField(policy="evidence", label="Upload a document")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("file"),
            Button("upload", "Upload document", css_class="govuk-button--secondary"),
        )
