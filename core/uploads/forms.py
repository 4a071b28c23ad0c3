"""The file field every upload form uses: limits and types shown before upload.

    class EvidenceForm(UploadFormMixin, forms.Form):
        file = UploadField(policy="evidence", label="Upload evidence")

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.helper = FormHelper()
            self.helper.layout = Layout(Field("file"), Button("upload", "Upload"))

    form = EvidenceForm(request.POST, request.FILES, upload_refused=upload_refusal(request))

The hint reads "Upload a PDF, Word, Excel, PowerPoint, CSV or image file, up to 50 MB", and
the input's accept attribute narrows the browser's file picker to the same types. The field
checks only the shape (a file, not empty, not too large); the content checks belong to
core.uploads.services.upload_accept, whose UploadRejected the view adds to the field with
`add_upload_error`.
"""

from django import forms

from core.uploads.errors import EMPTY, NO_FILE, TOO_LARGE, UploadRejected
from core.uploads.policies import UploadPolicy, policy_get


class UploadField(forms.FileField):
    def __init__(self, *, policy: "str | UploadPolicy", **kwargs):
        self.policy = policy_get(policy)
        kwargs.setdefault("help_text", self.policy.hint)
        kwargs.setdefault("widget", forms.FileInput)
        kwargs.setdefault("max_length", 255)
        error_messages = {"required": NO_FILE, "empty": EMPTY, "invalid": NO_FILE}
        error_messages.update(kwargs.pop("error_messages", {}))
        super().__init__(error_messages=error_messages, **kwargs)

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file and file.size > self.policy.max_bytes:
            raise forms.ValidationError(
                TOO_LARGE.format(limit=self.policy.size_label), code="too_large"
            )
        return file

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = self.policy.accept
        # crispy-forms-gds styles ClearableFileInput but not the plain FileInput used here.
        attrs.setdefault("class", "govuk-file-upload")
        return attrs


class UploadFormMixin:
    """Show on the file field why an upload was stopped while streaming (too large)."""

    upload_field_name = "file"

    def __init__(self, *args, upload_refused: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_refused = upload_refused

    def clean(self):
        cleaned_data = super().clean()
        if self.upload_refused:
            self.errors.pop(self.upload_field_name, None)
            self.add_error(self.upload_field_name, self.upload_refused)
        return cleaned_data

    def add_upload_error(self, error: UploadRejected) -> None:
        """Show a refusal from upload_accept on the file field."""
        self.add_error(self.upload_field_name, error.message)
