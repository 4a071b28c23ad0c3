"""Forms for supported and validated self-evaluation: shapes of input only; rules are services'."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout, Size
from django import forms

from accounts.models import Organisation, Role, User
from core.uploads import UploadField, UploadFormMixin
from partnerships.models import Answer, ExerciseQI, FollowUpActivity, PartnerOrganisation

DATE_HINT = "Use the format 2019-11-04 (year, month, day)."


def _helper(button: str, *fields) -> FormHelper:
    helper = FormHelper()
    helper.label_size = Size.SMALL
    helper.layout = Layout(*fields, Button("submit", button))
    return helper


class HelperMixin:
    button = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(self.button, *self.fields)


class DateField(forms.DateField):
    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", DATE_HINT)
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(**kwargs)


class ExerciseForm(HelperMixin, forms.Form):
    button = "Set up the exercise"
    partnership = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.PARTNERSHIP),
        empty_label="Choose a partnership",
    )
    title = forms.CharField(max_length=200)
    start_date = DateField()
    submission_due = DateField(required=False, label="Self-evaluation due")
    strategic_inspector = forms.ModelChoiceField(
        queryset=User.objects.filter(
            memberships__role=Role.INSPECTOR, memberships__is_active=True
        ).distinct(),
        empty_label="Choose an inspector",
    )
    hmics_inspector = forms.ModelChoiceField(
        label="HMICS inspector (optional)",
        required=False,
        queryset=User.objects.filter(
            memberships__role=Role.HMICS_INSPECTOR, memberships__is_active=True
        ).distinct(),
        empty_label="No HMICS involvement",
    )


class AnswersForm(HelperMixin, forms.ModelForm):
    button = "Save answers"

    class Meta:
        model = ExerciseQI
        fields = ["how_good_now", "how_do_we_know", "how_good_can_we_be", "grade", "contributors"]
        help_texts = {
            "how_good_now": "Strengths and areas for improvement.",
            "how_do_we_know": "The evidence that supports your evaluation. Link files below.",
            "how_good_can_we_be": "What needs to be done to deliver improvement.",
            "contributors": "Tick the partners who contributed to this QI.",
        }
        widgets = {
            "how_good_now": forms.Textarea(attrs={"rows": 8}),
            "how_do_we_know": forms.Textarea(attrs={"rows": 8}),
            "how_good_can_we_be": forms.Textarea(attrs={"rows": 8}),
            "contributors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, scale=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"] = forms.TypedChoiceField(
            label="Self-evaluated grade",
            required=False,
            coerce=int,
            empty_value=None,
            choices=[(level.value, f"{level.value} – {level.label}") for level in scale],
            widget=forms.RadioSelect,
            help_text="Where your evidence places you on the six-point scale.",
        )
        self.fields["contributors"].queryset = PartnerOrganisation.objects.filter(
            partnership=self.instance.exercise.partnership
        )
        self.fields["contributors"].required = False
        self.helper = _helper(self.button, *self.fields)


class EvidenceForm(UploadFormMixin, HelperMixin, forms.Form):
    button = "Upload evidence"
    file = UploadField(policy="evidence", label="Evidence file")
    answer = forms.ChoiceField(
        label="Which answer does it support?", choices=Answer.choices, widget=forms.RadioSelect
    )
    claim = forms.CharField(
        label="The claim it supports",
        max_length=300,
        help_text="For example: “All partners attend the quarterly planning group”.",
    )


class CommentForm(HelperMixin, forms.Form):
    button = "Add comment"
    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Everyone working on this self-evaluation will see it and be emailed.",
    )


class SubmitForm(HelperMixin, forms.Form):
    """Nothing to fill in: a confirmation button."""

    button = "Submit the self-evaluation"


class RequestChangesForm(forms.Form):
    """One optional note per submitted QI: a note reopens that QI."""

    def __init__(self, *args, qis=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.qis = list(qis)
        for qi in self.qis:
            self.fields[f"note_{qi.pk}"] = forms.CharField(
                label=f"What should change in {qi}?",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Leave blank to keep this QI as submitted.",
            )
        self.helper = _helper("Ask for changes", *self.fields)

    def notes(self) -> dict:
        return {
            qi: self.cleaned_data[f"note_{qi.pk}"]
            for qi in self.qis
            if self.cleaned_data.get(f"note_{qi.pk}", "").strip()
        }


class DecisionForm(HelperMixin, forms.Form):
    button = "Save the decision"
    analysis = forms.CharField(
        label="Analysis of the self-evaluation and evidence",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    decision = forms.ChoiceField(
        choices=ExerciseQI.Decision.choices, widget=forms.RadioSelect, label="Decision"
    )
    reasons = forms.CharField(
        label="Reasons (required if not validated)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    strengths = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    areas_for_improvement = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class UncertaintyForm(HelperMixin, forms.Form):
    button = "Add area of uncertainty"
    text = forms.CharField(label="Area of uncertainty", widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(HelperMixin, forms.Form):
    button = "Record the activity"
    kind = forms.ChoiceField(choices=FollowUpActivity.Kind.choices, widget=forms.RadioSelect)
    date = DateField()
    participants = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    resolves = forms.ModelMultipleChoiceField(
        label="Areas of uncertainty it resolved",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolves"].queryset = areas


class SessionForm(HelperMixin, forms.Form):
    button = "Record the session"
    date = DateField()
    attendees = forms.CharField(label="Who attended", widget=forms.Textarea(attrs={"rows": 3}))
    attendee_count = forms.IntegerField(label="Number attending", required=False, min_value=0)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ConclusionForm(HelperMixin, forms.Form):
    button = "Save"
    method = forms.CharField(
        label="Method (leave blank for the standard wording)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    confidence_statement = forms.CharField(
        label="Overall confidence statement",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next_steps = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    feedback_date = DateField(label="Verbal feedback given on", required=False)
    feedback_notes = forms.CharField(
        label="Notes of the verbal feedback",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    end_date = DateField(label="End of the exercise", required=False)


class ReasonForm(HelperMixin, forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, button="Continue", label="Reason", **kwargs):
        self.button = button
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


class PartnerForm(HelperMixin, forms.Form):
    button = "Add partner"
    name = forms.CharField(label="Partner organisation", max_length=200)
    kind = forms.ChoiceField(
        label="Kind of partner", choices=PartnerOrganisation.Kind.choices, widget=forms.RadioSelect
    )
    representative = forms.CharField(label="Representative’s name", required=False, max_length=150)
    role_title = forms.CharField(label="Representative’s role", required=False, max_length=150)
    email = forms.EmailField(label="Representative’s email (optional)", required=False)
    is_chair = forms.BooleanField(label="This person chairs the partnership", required=False)
