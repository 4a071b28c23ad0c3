"""Forms for interviews (generated from the interview instrument) and fieldwork outcomes.

Forms check only the shape of input. Which answers are required or kept (everything but
consent is dropped when the person does not consent) is the service's rule
(inspections.services.interviews); the views put its errors on the fields.
"""

import datetime as dt

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Field, Fieldset, Fixed, Layout, Size
from django import forms
from django.utils.html import format_html

from inspections.services.interviews import PARTICIPANT_CATEGORIES, PSEUDONYM_MAX
from qi_framework.instruments import questions_of
from qi_framework.models import Question

DATE_INVALID = "The date of the interview must be a real date"
RATING_CHOICES = [
    ("6", "6 – excellent"),
    ("5", "5 – very good"),
    ("4", "4 – good"),
    ("3", "3 – adequate"),
    ("2", "2 – weak"),
    ("1", "1 – unsatisfactory"),
]
YES_NO_NA_CHOICES = [("yes", "Yes"), ("no", "No"), ("na", "Not applicable")]
CONSENT_HINT = (
    "If the person does not agree, only this answer is kept: answers to the other questions "
    "are not stored."
)


class InterviewDateField(DateInputField):
    """The GOV.UK date input, with messages that name the date."""

    def __init__(self, **kwargs):
        super().__init__(require_all_fields=False, **kwargs)
        self.error_messages["required"] = "Enter the date of the interview"
        self.error_messages["incomplete"] = (
            "The date of the interview must include a day, month and year"
        )
        for sub in self.fields:
            sub.error_messages["incomplete"] = self.error_messages["incomplete"]
            sub.validators = []

    def clean(self, value):
        try:
            return super().clean(value)
        except forms.ValidationError as error:
            known = {self.error_messages["required"], self.error_messages["incomplete"]}
            if set(error.messages) & known:
                raise forms.ValidationError(sorted(set(error.messages) & known)[0]) from None
            raise forms.ValidationError(DATE_INVALID) from None

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            value = dt.date(int(year), int(month), int(day))
        except (TypeError, ValueError):
            raise forms.ValidationError(DATE_INVALID) from None
        if value.year < 2000:
            raise forms.ValidationError(DATE_INVALID)
        return value


def field_name(code: str) -> str:
    return f"q_{code}"


def _answer_field(question: Question) -> tuple[forms.Field, Field]:
    """Return the form field for a question, and how to lay it out."""
    label = question.text
    hint = question.help_text
    kind = question.kind
    name = field_name(question.code)
    options = [(o["value"], o.get("label", o["value"])) for o in question.options]
    if kind == Question.Kind.YES_NO_NA:
        f = forms.ChoiceField(choices=YES_NO_NA_CHOICES, widget=forms.RadioSelect)
        layout = Field.radios(name, legend_size=Size.SMALL, inline=True)
    elif kind == Question.Kind.SINGLE_CHOICE:
        f = forms.ChoiceField(choices=options, widget=forms.RadioSelect)
        layout = Field.radios(name, legend_size=Size.SMALL)
    elif kind == Question.Kind.MULTIPLE_CHOICE:
        f = forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple)
        layout = Field.checkboxes(name, legend_size=Size.SMALL, small=True)
        hint = hint or "Select all that apply."
    elif kind == Question.Kind.RATING_6:
        f = forms.ChoiceField(choices=RATING_CHOICES, widget=forms.RadioSelect)
        layout = Field.radios(name, legend_size=Size.SMALL, small=True)
    elif kind == Question.Kind.TEXT:
        f = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), strip=True)
        layout = Field.textarea(name, label_size=Size.SMALL)
    elif kind == Question.Kind.NUMBER:
        f = forms.CharField()
        layout = Field.text(name, label_size=Size.SMALL, field_width=Fixed.TEN)
    else:  # a date, typed as 26/11/2026
        f = forms.CharField()
        layout = Field.text(name, label_size=Size.SMALL, field_width=Fixed.TEN)
        hint = hint or "For example 26/11/2019"
    f.label = label
    f.help_text = hint
    f.required = False
    return f, layout


class InterviewForm(forms.Form):
    """An interview: its date, an optional pseudonym and one field per question, by section."""

    date = InterviewDateField(label="Date of the interview", help_text="For example 14 2 2019")
    pseudonym = forms.CharField(
        label="Pseudonym (optional)",
        required=False,
        max_length=PSEUDONYM_MAX,
        help_text="Leave blank to number the person automatically (P-001, P-002 and so on). "
        "Never use a name, a date of birth or any other identifier.",
    )

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        self.questions: dict[str, Question] = {}
        section_layouts = []
        questions = [q for q in questions_of(version) if not q.is_derived]
        for section in version.sections.order_by("position"):
            items = []
            for question in questions:
                if question.section_id != section.pk:
                    continue
                form_field, layout = _answer_field(question)
                if question.code == "consent_given":
                    form_field.help_text = " ".join(
                        filter(None, [form_field.help_text, CONSENT_HINT])
                    )
                self.fields[field_name(question.code)] = form_field
                self.questions[question.code] = question
                items.append(layout)
            if items:
                section_layouts.append(
                    HTML(format_html('<h2 class="govuk-heading-m">{}</h2>', section.title))
                )
                section_layouts.extend(items)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("date"),
            Field.text("pseudonym", field_width=Fixed.TEN),
            *section_layouts,
        )

    def answers(self) -> dict:
        """Return the raw answers by question code, as the service takes them."""
        return {
            code: self.cleaned_data.get(field_name(code))
            for code in self.questions
            if self.cleaned_data.get(field_name(code)) not in (None, "", [])
        }

    @staticmethod
    def initial_from(interview) -> dict:
        initial = {"date": interview.date, "pseudonym": interview.pseudonym}
        for answer in interview.answers.select_related("question"):
            value = answer.value
            question = answer.question
            if question.kind == Question.Kind.RATING_6 and value is not None:
                value = str(value)
            elif question.kind == Question.Kind.DATE and value is not None:
                value = f"{value:%d/%m/%Y}"
            elif question.kind == Question.Kind.NUMBER and value is not None:
                value = f"{value.normalize():f}"
            initial[field_name(question.code)] = value
        return initial


class FieldworkOutcomeForm(forms.Form):
    """Who took part in a focus group or interview (number per group), and the notes."""

    notes = forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What was discussed and what it tells the inspection. Do not name anyone.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, label in PARTICIPANT_CATEGORIES:
            self.fields[code] = forms.CharField(
                label=label,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                HTML(
                    '<div class="govuk-hint">Enter the number of people in each group who took '
                    "part. Leave a group blank if nobody from it came.</div>"
                ),
                *[
                    Field.text(code, field_width=Fixed.FOUR, label_size=Size.SMALL)
                    for code, _ in PARTICIPANT_CATEGORIES
                ],
                legend="Who took part",
                legend_size=Size.MEDIUM,
            ),
            Field.textarea("notes", label_size=Size.MEDIUM),
        )

    def participants(self) -> dict:
        return {code: self.cleaned_data.get(code, "") for code, _ in PARTICIPANT_CATEGORIES}
