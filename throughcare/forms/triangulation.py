"""Forms for the triangulation pages: the threshold above which sources are said to differ."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout
from django import forms

__all__ = ["ThresholdForm"]


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(
        label="Difference to flag, in percentage points",
        help_text="Sources whose proportions of positive answers differ by more than this are "
        "flagged as differing.",
        min_value=1,
        max_value=100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter the difference as a whole number, like 15",
            "min_value": "Enter a difference of at least 1 percentage point",
            "max_value": "Enter a difference of 100 percentage points or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Field.text("threshold", field_width=Fluid.ONE_QUARTER),
            Button.secondary("show", "Show differences"),
        )
