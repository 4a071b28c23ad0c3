"""Forms for themes: name a theme (tagging answers is a plain list of checkboxes)."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

__all__ = ["ThemeForm"]


class ThemeForm(forms.Form):
    name = forms.CharField(label="Theme", max_length=120)
    description = forms.CharField(
        label="What it covers",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="So that everyone tagging answers uses the theme the same way.",
    )

    def __init__(self, *args, button: str = "Add theme", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("name", label_size=Size.SMALL),
            Field.textarea("description", label_size=Size.SMALL),
            Button("submit", button),
        )
