"""Administrators' forms for editing a framework version."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fluid, Layout, Size
from django import forms


class QualityIndicatorForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    themes = forms.CharField(
        label="Themes",
        help_text="One theme on each line.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("name", field_width=Fluid.FULL),
            Field.textarea("description"),
            Field.textarea("themes"),
            Button("submit", "Save changes"),
        )

    def clean_themes(self):
        return [line.strip() for line in self.cleaned_data["themes"].splitlines() if line.strip()]


class IllustrationsForm(forms.Form):
    """One text box per level of the six-point scale; empty means no illustration."""

    def __init__(self, *args, scale, **kwargs):
        super().__init__(*args, **kwargs)
        for level in scale:
            self.fields[f"level_{level.value}"] = forms.CharField(
                label=f"{level.value} – {level.label}",
                help_text=level.short_definition,
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
            )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *[Field.textarea(name, label_size=Size.SMALL) for name in self.fields],
            Button("submit", "Save illustrations"),
        )

    def texts(self) -> dict[int, str]:
        return {int(name.split("_")[1]): value for name, value in self.cleaned_data.items()}
