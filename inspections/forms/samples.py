"""Forms for inspections: the sample calculator, replacements, double reading and readers."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

CONFIDENCE_CHOICES = [("90", "90%"), ("95", "95%"), ("99", "99%")]


def _number(mode: str = "numeric") -> forms.TextInput:
    """A text input for a number (GOV.UK advice: not type="number")."""
    return forms.TextInput(attrs={"inputmode": mode, "spellcheck": "false"})


class SampleCalculatorForm(forms.Form):
    confidence = forms.ChoiceField(
        label="Confidence level", choices=CONFIDENCE_CHOICES, initial="95", widget=forms.RadioSelect
    )
    margin = forms.DecimalField(
        label="Margin of error (%)",
        help_text="For example 9 for ±9%.",
        min_value=1,
        max_value=50,
        decimal_places=1,
        initial=9,
        widget=_number("decimal"),
    )
    proportion = forms.DecimalField(
        label="Expected proportion (%)",
        help_text="Use 50 if you do not know: it gives the largest, most cautious sample.",
        min_value=1,
        max_value=99,
        decimal_places=1,
        initial=50,
        widget=_number("decimal"),
    )
    stratify_by = forms.ChoiceField(label="Stratify by", required=False, widget=forms.RadioSelect)
    minimum_per_stratum = forms.IntegerField(
        label="Minimum per stratum",
        min_value=0,
        max_value=1000,
        initial=0,
        required=False,
        widget=_number(),
    )
    override_size = forms.IntegerField(
        label="Exact sample size (optional)",
        help_text="Leave empty to use the calculated size.",
        min_value=1,
        required=False,
        widget=_number(),
    )

    def __init__(self, *args, stratify_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stratify_by"].choices = [("", "Do not stratify"), *stratify_choices]
        self.fields["stratify_by"].initial = "order_type" if stratify_choices else ""
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("confidence", legend_size=Size.SMALL, inline=True),
            Field.text("margin", field_width=4),
            Field.text("proportion", field_width=4),
            Field.radios("stratify_by", legend_size=Size.SMALL),
            Field.text("minimum_per_stratum", field_width=4),
            Field.text("override_size", field_width=4),
            Button("calculate", "Calculate"),
        )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "confidence": int(data["confidence"]) / 100,
            "margin": float(data["margin"]) / 100,
            "proportion": float(data["proportion"]) / 100,
            "stratify_by": data["stratify_by"] or "",
            "minimum_per_stratum": data["minimum_per_stratum"] or 0,
            "override_size": data["override_size"],
        }


class SampleReplaceForm(forms.Form):
    reason = forms.CharField(
        label="Why can the record not be read?",
        max_length=300,
        error_messages={"required": "Enter why the record cannot be read"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("reason", label_size=Size.SMALL), Button("replace", "Replace the record")
        )


class DoubleReadingForm(forms.Form):
    share_percent = forms.IntegerField(
        label="Share of the sample to read twice (%)",
        min_value=0,
        max_value=100,
        initial=10,
        required=False,
        widget=_number(),
    )
    references = forms.CharField(
        label="Or name the records (one reference on each line)",
        help_text="If you name records, the share is ignored.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("share_percent", field_width=4, label_size=Size.SMALL),
            Field.textarea("references", label_size=Size.SMALL),
            Button(
                "double", "Choose records for double reading", css_class="govuk-button--secondary"
            ),
        )

    def clean_references(self):
        return [
            line.strip() for line in self.cleaned_data["references"].splitlines() if line.strip()
        ]


class ReadersForm(forms.Form):
    readers = forms.MultipleChoiceField(
        label="Who will read the records?",
        help_text="Records without a reader are shared evenly between the people you choose.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one reader"},
    )

    def __init__(self, *args, readers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["readers"].choices = [(str(user.pk), user.name) for user in readers]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.checkboxes("readers", legend_size=Size.SMALL),
            Button("assign", "Assign readers evenly", css_class="govuk-button--secondary"),
        )
