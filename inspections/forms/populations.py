"""Forms for inspections: uploading a population."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

from core.uploads import UploadField, UploadFormMixin


class PopulationUploadForm(UploadFormMixin, forms.Form):
    file = UploadField(policy="import", label="Upload the population file")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("file", context={"label_size": Size.for_label(Size.MEDIUM)}),
            Button("upload", "Upload the population"),
        )
