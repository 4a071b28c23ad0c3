"""Forms for evaluations (proposed and agreed grades) and recommendations.

Forms check only the shape of input; the rules (evaluated QIs only, the six-point scale, locking)
are the service's (inspections.services.evaluations) and the views put its errors on the fields.
"""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

from inspections.models import Recommendation
from inspections.services.evaluations import REASON_LIMIT, TEXT_LIMIT

NARRATIVE_HINT = "You can use paragraphs, headings and lists."


def _scale_choices(scale) -> list[Choice]:
    return [
        Choice(str(level.value), f"{level.value} – {level.label}", hint=level.short_definition)
        for level in scale
    ]


def _text(label: str, *, required: bool = False, rows: int = 5, hint: str = NARRATIVE_HINT):
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter the {label.lower()}"},
    )


class GradeProposalForm(forms.Form):
    grade = forms.ChoiceField(
        label="Grade you propose",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a grade"},
    )
    rationale = _text("Rationale", required=True)

    def __init__(self, *args, scale, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _scale_choices(scale)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("grade", legend_size=Size.MEDIUM),
            Field.textarea("rationale"),
            Button("save", "Save proposed grade"),
        )


class EvaluationForm(forms.Form):
    grade = forms.ChoiceField(
        label="Agreed grade",
        widget=forms.RadioSelect,
        required=False,
        help_text="You can save the evaluation before the grade is agreed.",
    )
    rationale = _text("Rationale")
    strengths = _text("Strengths")
    areas_for_improvement = _text("Areas for improvement")

    def __init__(self, *args, scale, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = _scale_choices(scale)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("grade", legend_size=Size.MEDIUM),
            Field.textarea("rationale"),
            Field.textarea("strengths"),
            Field.textarea("areas_for_improvement"),
            Button("save", "Save evaluation"),
        )


class CapacityStatementForm(forms.Form):
    text = _text("Capacity for improvement statement", rows=8)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.textarea("text", label_size=Size.MEDIUM), Button("save", "Save statement")
        )


class GradesUnlockForm(forms.Form):
    reason = forms.CharField(
        label="Why do the grades need to be unlocked?",
        help_text="The inspection team and the audit log will see this.",
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the grades need to be unlocked"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.textarea("reason"), Button("unlock", "Unlock grades"))


class RecommendationForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type",
        choices=Recommendation.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether this is a recommendation or an area for improvement"
        },
    )
    text = _text("Text", required=True)
    quality_indicators = forms.MultipleChoiceField(
        label="Which QIs does it concern?",
        help_text="Select all that apply.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one QI it concerns"},
    )

    def __init__(self, *args, qis, **kwargs):
        super().__init__(*args, **kwargs)
        self.qis = {str(qi.pk): qi for qi in qis}
        self.fields["quality_indicators"].choices = [(str(qi.pk), str(qi)) for qi in qis]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("kind", legend_size=Size.MEDIUM),
            Field.textarea("text"),
            Field.checkboxes("quality_indicators", legend_size=Size.MEDIUM, small=True),
            Button("save", "Save"),
        )

    def chosen_qis(self) -> list:
        return [self.qis[pk] for pk in self.cleaned_data["quality_indicators"]]
