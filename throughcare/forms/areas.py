"""Forms for one area of a review: position statement, focus groups, meetings, survey numbers."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms

from core.uploads import UploadField, UploadFormMixin
from inspections.forms.setup import _date, optional_time
from inspections.models import FieldworkEvent
from throughcare.models import AreaMeeting

__all__ = [
    "FocusGroupForm",
    "MeetingForm",
    "PositionStatementDocumentForm",
    "PositionStatementForm",
    "PositionStatementReviewForm",
    "StaffSurveyPopulationForm",
]


def _helper(*fields, button: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields, Button("submit", button))
    return helper


class PositionStatementForm(forms.Form):
    strengths = forms.CharField(
        label="Strengths",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
        help_text="What works well in throughcare in your area.",
    )
    challenges = forms.CharField(
        label="Challenges",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
    )
    areas_for_improvement = forms.CharField(
        label="Areas for improvement",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.textarea("strengths", label_size=Size.MEDIUM),
            Field.textarea("challenges", label_size=Size.MEDIUM),
            Field.textarea("areas_for_improvement", label_size=Size.MEDIUM),
            button="Save",
        )


class PositionStatementDocumentForm(UploadFormMixin, forms.Form):
    file = UploadField(policy="evidence", label="Upload the position statement or a document")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("file"),
            Button("upload", "Upload document", css_class="govuk-button--secondary"),
        )


class PositionStatementReviewForm(forms.Form):
    notes = forms.CharField(
        label="Notes from the review team (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("notes"), button="Mark as reviewed")


class FocusGroupForm(forms.Form):
    date = _date("Date", required=True, help_text="For example 14 6 2021")
    start_time = optional_time("Start time", "10:00")
    end_time = optional_time("End time", "11:30")
    place = forms.CharField(
        label="Place (optional)",
        max_length=200,
        required=False,
        help_text="Leave blank for a virtual focus group.",
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[
            c for c in FieldworkEvent.Status.choices if c[0] != FieldworkEvent.Status.CANCELLED
        ],
        widget=forms.RadioSelect,
        initial=FieldworkEvent.Status.PROPOSED,
        error_messages={"required": "Choose the focus group’s status"},
    )
    notes = forms.CharField(
        label="Notes (optional)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text="For example the areas of uncertainty the group will discuss.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("date"),
            Field.text("start_time", field_width=5),
            Field.text("end_time", field_width=5),
            Field.text("place", field_width=Fluid.TWO_THIRDS),
            Field.radios("status", legend_size=Size.SMALL),
            Field.textarea("notes"),
            button="Add focus group",
        )


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(
        label="What was it?",
        choices=AreaMeeting.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose verbal feedback or follow-up meeting"},
    )
    held_on = _date("Date held", required=True, help_text="For example 23 8 2021")
    attendees = forms.CharField(
        label="Who took part (optional)",
        help_text="By role, for example head of justice services, team leaders.",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    points = forms.CharField(
        label="Points made",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        error_messages={"required": "Enter the points made"},
    )

    def __init__(self, *args, button: str = "Save meeting", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("kind", legend_size=Size.SMALL),
            Field("held_on"),
            Field.textarea("attendees"),
            Field.textarea("points"),
            button=button,
        )


class StaffSurveyPopulationForm(forms.Form):
    staff_survey_population = forms.IntegerField(
        label="How many staff was the survey sent to?",
        min_value=1,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        help_text="Used for the response rate. Leave blank if not known.",
        error_messages={
            "invalid": "Enter the number of staff as a whole number",
            "min_value": "Enter a number of staff of 1 or more",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("staff_survey_population", field_width=5, label_size=Size.SMALL),
            button="Save",
        )
