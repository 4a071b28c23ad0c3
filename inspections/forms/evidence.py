"""Forms for the evidence pages: the inspectors' notes on one QI."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms

from inspections.services.evidence import EVIDENCE_NOTE_LIMIT, EVIDENCE_NOTE_TOO_LONG

__all__ = ["EvidenceNoteForm", "FeedbackYearForm"]


class EvidenceNoteForm(forms.Form):
    text = forms.CharField(
        label="Update the notes",
        help_text=(
            "What the evidence for this QI shows, for the team’s discussion of the grade. You can "
            "use paragraphs, headings and lists."
        ),
        required=False,
        max_length=EVIDENCE_NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"max_length": EVIDENCE_NOTE_TOO_LONG},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.textarea("text"), Button("save", "Save notes"))


class FeedbackYearForm(forms.Form):
    year = forms.TypedChoiceField(
        label="Year the feedback was given",
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", "All years")] + [(y, str(y)) for y in years]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(Field.select("year"), Button("filter", "Show"))
