"""Forms for recommendations to national partners, their tracking and feedback to the
commissioning subgroup."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms

from inspections.forms.setup import _date
from qi_framework.models import QualityIndicator
from throughcare.models import ReviewRecommendation

__all__ = [
    "RecommendationForm",
    "RecommendationUpdateForm",
    "SubgroupFeedbackForm",
]


class RecommendationForm(forms.Form):
    text = forms.CharField(
        label="Recommendation",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Enter the recommendation"},
    )
    owner = forms.CharField(
        label="National partner responsible (optional)",
        max_length=200,
        required=False,
        help_text="For example Scottish Government, Scottish Prison Service, Social Work Scotland.",
    )
    quality_indicators = forms.ModelMultipleChoiceField(
        label="QIs it relates to (optional)",
        queryset=QualityIndicator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, review, button: str = "Save recommendation", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["quality_indicators"]
        field.queryset = review.quality_indicators.order_by("position")
        field.label_from_instance = lambda qi: f"{qi.code} {qi.name}"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.textarea("text", label_size=Size.MEDIUM),
            Field.text("owner", field_width=Fluid.TWO_THIRDS),
            Field.checkboxes("quality_indicators", legend_size=Size.SMALL, small=True),
            Button("submit", button),
        )


class RecommendationUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label="Status now",
        choices=ReviewRecommendation.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the recommendation’s status"},
    )
    text = forms.CharField(
        label="What has happened",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Enter what has happened"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("status", legend_size=Size.SMALL),
            Field.textarea("text"),
            Button("submit", "Add update"),
        )


class SubgroupFeedbackForm(forms.Form):
    held_on = _date("Date", required=True, help_text="For example 30 9 2021")
    attendees = forms.CharField(
        label="Who took part (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    points = forms.CharField(
        label="Points made",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        error_messages={"required": "Enter the points made"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("held_on"),
            Field.textarea("attendees"),
            Field.textarea("points"),
            Button("submit", "Record feedback"),
        )
