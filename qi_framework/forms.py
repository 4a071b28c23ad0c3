"""Administrators' forms for editing a framework version and instruments."""

import json

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms

from qi_framework.instruments.validation import OPTION_VALUE_PATTERN


class QualityIndicatorForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    themes = forms.CharField(
        label="Themes",
        help_text="One theme on each line.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("name", field_width=Fluid.FULL),
            Field.textarea("description"),
            Field.textarea("themes"),
            Button("submit", "Save changes"),
        )

    def clean_themes(self):
        return [line.strip() for line in self.cleaned_data["themes"].splitlines() if line.strip()]


class IllustrationsForm(forms.Form):
    """One text box per level of the six-point scale; empty means no illustration."""

    def __init__(self, *args, scale, **kwargs):
        super().__init__(*args, **kwargs)
        for level in scale:
            self.fields[f"level_{level.value}"] = forms.CharField(
                label=f"{level.value} – {level.label}",
                help_text=level.short_definition,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *[Field.textarea(name, label_size=Size.SMALL) for name in self.fields],
            Button("submit", "Save illustrations"),
        )

    def texts(self) -> dict[int, str]:
        return {int(name.split("_")[1]): value for name, value in self.cleaned_data.items()}


# Instruments: administrators edit a draft's questions and sections, and import data files.

OPTIONS_HELP = (
    "One option on each line, as value | label, for example: supervision | Offender supervision. "
    "The value is what is stored; keep it the same across versions."
)
OPTION_LINE_ERROR = "Line {line}: write each option as value | label."
OPTION_VALUE_ERROR = (
    "Line {line}: the value “{value}” may only use lower-case letters, digits, hyphens and "
    "underscores (up to 100)."
)
OPTION_DUPLICATE_ERROR = "The value “{value}” is used more than once."
IMPORT_LIMIT_BYTES = 1024 * 1024
IMPORT_TOO_LARGE = "The file must be smaller than 1 MB."
IMPORT_NOT_JSON = (
    "The file must be an instrument data file (JSON), as downloaded from this service."
)


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", widget=forms.Textarea(attrs={"rows": 2}))
    help_text = forms.CharField(
        label="Help text", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    required = forms.BooleanField(label="An answer is required", required=False)
    options = forms.CharField(
        label="Options",
        help_text=OPTIONS_HELP,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    min_value = forms.DecimalField(label="Lowest number allowed", required=False)
    max_value = forms.DecimalField(label="Highest number allowed", required=False)

    def __init__(self, *args, question, **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        fields = [
            Field.textarea("text", rows=2),
            Field.textarea("help_text", rows=3),
            Field.checkbox("required"),
        ]
        if question.kind in question.CHOICE_KINDS:
            self.fields["options"].required = True
            fields.append(Field.textarea("options", rows=max(4, len(question.options) + 2)))
        else:
            del self.fields["options"]
        if question.kind == question.Kind.NUMBER:
            fields += [
                Field.text("min_value", field_width=5),
                Field.text("max_value", field_width=5),
            ]
        else:
            del self.fields["min_value"], self.fields["max_value"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*fields, Button("submit", "Save question"))

    def clean_options(self) -> list[dict[str, str]]:
        options, seen = [], set()
        for number, line in enumerate(self.cleaned_data["options"].splitlines(), start=1):
            if not line.strip():
                continue
            value, bar, label = (part.strip() for part in line.partition("|"))
            if not (bar and value and label):
                raise forms.ValidationError(OPTION_LINE_ERROR.format(line=number))
            if not OPTION_VALUE_PATTERN.match(value):
                raise forms.ValidationError(OPTION_VALUE_ERROR.format(line=number, value=value))
            if value in seen:
                raise forms.ValidationError(OPTION_DUPLICATE_ERROR.format(value=value))
            seen.add(value)
            options.append({"value": value, "label": label})
        return options


class SectionForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    help = forms.CharField(
        label="Help text", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("title", field_width=Fluid.FULL),
            Field.textarea("help", rows=3),
            Button("submit", "Save section"),
        )


class InstrumentImportForm(forms.Form):
    """A data file, parsed here. It is read and discarded, never stored or served."""

    file = forms.FileField(
        label="Instrument data file",
        help_text="A JSON file downloaded from an instrument version’s page, up to 1 MB.",
        widget=forms.FileInput(
            attrs={"accept": ".json,application/json", "class": "govuk-file-upload"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field("file"), Button("submit", "Import as a new draft"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_LIMIT_BYTES:
            raise forms.ValidationError(IMPORT_TOO_LARGE)
        try:
            return json.loads(upload.read(IMPORT_LIMIT_BYTES + 1).decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise forms.ValidationError(IMPORT_NOT_JSON) from None


class PublicHolidayForm(forms.Form):
    date = forms.DateField(
        label="Date",
        help_text="For example 26/12/2031",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.TextInput,
        error_messages={"invalid": "Enter a real date, for example 26/12/2031."},
    )
    name = forms.CharField(label="Name", max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("date", field_width=10),
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Button("submit", "Add holiday"),
        )
