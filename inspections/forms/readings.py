"""Forms for reading records and moderating them (the questions themselves are rendered from
the instrument; see templates/inspections/reading_question.html)."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout
from django import forms

from core.uploads import UploadField, UploadFormMixin

REASON_REQUIRED = "Enter the reason"


class ReadingReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why does the reading need to be reopened?",
        help_text="The reader and the audit log will see this.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the reading is being reopened"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.textarea("reason"), Button("reopen", "Reopen reading"))


class ReadingImportForm(UploadFormMixin, forms.Form):
    file = UploadField(policy="import", label="Upload the completed spreadsheet")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field("file"), Button("upload", "Check and import"))
