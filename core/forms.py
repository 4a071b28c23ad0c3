"""Forms for the shared kernel's pages."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Fluid, Layout, Size
from django import forms

from core.selectors import audit_event_actions


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label="Event", required=False)
    actor = forms.CharField(label="Person (email contains)", required=False, max_length=254)
    object_type = forms.CharField(
        label="Object type",
        required=False,
        max_length=100,
        help_text="For example accounts.membership",
    )
    date_from = forms.DateField(
        label="From",
        required=False,
        help_text="For example 2026-11-01",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any event")] + [
            (a, a.replace("_", " ").capitalize()) for a in sorted(audit_event_actions())
        ]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.layout = Layout(
            Fieldset(
                Field.select("action"),
                Field.text("actor", field_width=Fluid.TWO_THIRDS),
                Field.text("object_type", field_width=Fluid.TWO_THIRDS),
                Field("date_from"),
                Field("date_to"),
                legend="Filter the log",
                legend_size=Size.MEDIUM,
            ),
            Button("filter", "Filter"),
        )


def add_service_errors(form, error) -> None:
    """Put a service's refusal (an ApplicationError) on the fields it names, else on the form.

    A service names fields with `extra={"errors": [(field, message), ...]}`; a name the form
    does not have, or no name, puts the message at the top of the form.
    """
    for field, message in error.extra.get("errors") or [(None, error.message)]:
        form.add_error(field if field in form.fields else None, message)
