"""Forms for the inspection report's sections.

Forms check only the shape of input; the rules (figures that exist, no change after publication)
are the service's (inspections.services.report) and the views put its errors on the fields.
"""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

from inspections.services.report import BODY_LIMIT, HEADING_LIMIT, SECTION_HINTS

TEXT_HINT = (
    "You can use paragraphs, headings (a line starting with ## ) and lists (lines starting "
    "with - ). To insert a figure, copy its token from the list of figures, for example "
    "[[figure:M-records]]. The figure’s words are printed in its place."
)


class ReportSectionForm(forms.Form):
    heading = forms.CharField(
        label="Heading",
        max_length=HEADING_LIMIT,
        help_text="The question the topical section answers, as it will be printed.",
        error_messages={"required": "Enter a heading for the topical section"},
    )
    body = forms.CharField(
        label="Text",
        required=False,
        max_length=BODY_LIMIT,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
    )

    def __init__(self, *args, key: str, **kwargs):
        super().__init__(*args, **kwargs)
        topical = key == "topical"
        hint = SECTION_HINTS.get(key, "")
        self.fields["body"].help_text = f"{hint} {TEXT_HINT}".strip()
        fields = [Field.textarea("body", label_size=Size.MEDIUM)]
        if topical:
            fields.insert(0, Field.text("heading", label_size=Size.MEDIUM))
        else:
            del self.fields["heading"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*fields, Button("save", "Save section"))
