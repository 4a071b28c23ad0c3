"""Forms for the overview report: its title and period, and the inspectors' text."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms

from inspections.forms.setup import GovDateField
from reports.overview.services import MAX_SECTION_LENGTH, SECTIONS

__all__ = ["NARRATIVE_HINT", "NarrativeForm", "OverviewForm"]

NARRATIVE_HINT = "You can use paragraphs, headings (## Heading) and lists (- item)."


class OverviewForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="For example, Justice overview report 2018 to 2021.",
        error_messages={"required": "Enter a title for the overview report"},
    )
    period_start = GovDateField(
        label="Start of the period", required=True, help_text="For example 1 9 2018"
    )
    period_end = GovDateField(
        label="End of the period", required=True, help_text="For example 31 8 2021"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("title"),
            Field("period_start"),
            Field("period_end"),
            Button("save", "Start the overview report"),
        )


class NarrativeForm(forms.Form):
    """One textarea per section the inspectors write (reports.overview.services.SECTIONS)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, heading, hint in SECTIONS:
            self.fields[key] = forms.CharField(
                label=heading,
                help_text=f"{hint} {NARRATIVE_HINT}",
                required=False,
                max_length=MAX_SECTION_LENGTH,
                widget=forms.Textarea(attrs={"rows": 6}),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(Field.textarea(key) for key, _, _ in SECTIONS),
            Button("save", "Save the report’s text"),
        )
