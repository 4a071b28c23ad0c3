"""Forms for setting up a review: details, QIs considered, instruments, lifecycle, areas, team.

Forms check the shape of input; the rules between fields (dates in order, one lead) are the
services' (throughcare.services.reviews), whose errors the views put on the fields.
"""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Fluid, Layout, Size
from django import forms

from accounts.models import Membership, Organisation, Role, User
from inspections.forms.setup import TransitionForm, _date
from qi_framework.models import InstrumentVersion, QualityIndicator
from throughcare.models import ThematicReview
from throughcare.services.reviews import INSTRUMENT_CODES, INSTRUMENT_NAMES

__all__ = [
    "AreaAddForm",
    "PersonAddForm",
    "ReviewForm",
    "ReviewTransitionForm",
    "inspectors",
]


def _inspectors():
    return User.objects.filter(
        is_active=True,
        id__in=Membership.objects.filter(is_active=True, role=Role.INSPECTOR).values("user_id"),
    ).order_by("name")


class ReviewForm(forms.Form):
    """A review's details. With `create`, also its lead."""

    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter the review’s title"}
    )
    commissioned_by = forms.CharField(
        label="Commissioned by",
        max_length=300,
        help_text="For example, the Recover, Renew, Transform programme’s subgroup on the "
        "recovery of community justice and prevention of offending.",
        error_messages={"required": "Enter who commissioned the review"},
    )
    focus = forms.CharField(
        label="Focus",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="What the review looks at, for example breach of licence and recall to custody.",
        error_messages={"required": "Enter what the review focuses on"},
    )
    lead = forms.ModelChoiceField(
        label="Review lead",
        queryset=User.objects.none(),
        empty_label="Choose an inspector",
        error_messages={"required": "Choose the review lead"},
    )
    quality_indicators = forms.ModelMultipleChoiceField(
        label="QIs the review considers",
        help_text="Considered, never graded.",
        queryset=QualityIndicator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one QI the review considers"},
    )
    starts_on = _date("Review starts", required=True, help_text="For example 1 3 2021")
    fieldwork_start = _date("First day of fieldwork")
    fieldwork_end = _date("Last day of fieldwork")
    target_publication = _date("Target publication")
    reading_instrument = forms.ModelChoiceField(
        label="File-reading tool", queryset=InstrumentVersion.objects.none(), required=False
    )
    staff_survey_instrument = forms.ModelChoiceField(
        label="Staff survey", queryset=InstrumentVersion.objects.none(), required=False
    )
    prison_survey_instrument = forms.ModelChoiceField(
        label="Prison survey", queryset=InstrumentVersion.objects.none(), required=False
    )
    interview_instrument = forms.ModelChoiceField(
        label="Recall interview schedule", queryset=InstrumentVersion.objects.none(), required=False
    )

    def __init__(self, *args, framework, create: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if create:
            self.fields["lead"].queryset = _inspectors()
        else:
            del self.fields["lead"]
        field = self.fields["quality_indicators"]
        field.queryset = QualityIndicator.objects.filter(
            framework=framework, kind=QualityIndicator.Kind.QI
        ).order_by("position")
        field.label_from_instance = lambda qi: f"{qi.code} {qi.name}"
        for name, code in INSTRUMENT_CODES.items():
            field = self.fields[name]
            field.queryset = InstrumentVersion.objects.filter(
                instrument__code=code, status=InstrumentVersion.Status.PUBLISHED
            ).select_related("instrument")
            field.empty_label = "None yet"
            field.label_from_instance = lambda v: f"{v.instrument.name}, version {v.version}"
            field.help_text = f"The published {INSTRUMENT_NAMES[name]} used in every area."
        self.helper = FormHelper()
        self.helper.form_tag = False
        first = [Field.select("lead")] if create else []
        self.helper.layout = Layout(
            Field.text("title", field_width=Fluid.FULL),
            Field.text("commissioned_by", field_width=Fluid.FULL),
            Field.textarea("focus", rows=3),
            *first,
            Field.checkboxes("quality_indicators", legend_size=Size.MEDIUM, small=True),
            Fieldset(
                Field("starts_on"),
                Field("fieldwork_start"),
                Field("fieldwork_end"),
                Field("target_publication"),
                legend="Timeline",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.select("reading_instrument"),
                Field.select("staff_survey_instrument"),
                Field.select("prison_survey_instrument"),
                Field.select("interview_instrument"),
                legend="Instruments",
                legend_size=Size.MEDIUM,
            ),
            Button("submit", "Create review" if create else "Save details"),
        )


class ReviewTransitionForm(TransitionForm):
    status_choices = ThematicReview.Status.choices
    reason_label = "Why is the review moving back?"


class AreaAddForm(forms.Form):
    authority = forms.ModelChoiceField(
        label="Which authority is taking part?",
        queryset=Organisation.objects.none(),
        empty_label="Choose a local authority",
        error_messages={"required": "Choose a local authority"},
    )

    def __init__(self, *args, review: ThematicReview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].queryset = (
            Organisation.objects.filter(kind=Organisation.Kind.LOCAL_AUTHORITY)
            .exclude(scrutiny_activities__review_area__review=review)
            .order_by("name")
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("authority", label_size=Size.SMALL), Button("submit", "Add the area")
        )


class PersonAddForm(forms.Form):
    """Choose a person for a part (review inspector, lead, co-reader)."""

    user = forms.ModelChoiceField(
        label="Person",
        queryset=User.objects.none(),
        empty_label="Choose a person",
        error_messages={"required": "Choose a person to add"},
    )

    def __init__(self, *args, people, label: str, button: str = "Add", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        self.fields["user"].label = label
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.select("user", label_size=Size.SMALL), Button("submit", button)
        )


def inspectors():
    """Return the people who may be on a review team (inspectors)."""
    return _inspectors()
