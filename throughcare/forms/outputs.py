"""Forms for the review's outputs: the national report's narrative sections."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms

from throughcare.services.outputs import MAX_SECTION_LENGTH

__all__ = ["NarrativeForm"]

NARRATIVE_HINT = "You can use paragraphs, headings (## Heading) and lists (- item)."


class NarrativeForm(forms.Form):
    """One textarea per section of the national report (`narrative_sections`)."""

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        for key, heading, hint in sections:
            self.fields[key] = forms.CharField(
                label=heading,
                help_text=f"{hint} {NARRATIVE_HINT}",
                required=False,
                max_length=MAX_SECTION_LENGTH,
                widget=forms.Textarea(attrs={"rows": 5}),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(Field.textarea(key) for key, _, _ in sections),
            Button("save", "Save the report’s text"),
        )
