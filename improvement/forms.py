"""Forms for improvement plans: shapes of input only; the rules are improvement.services'."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

from accounts.models import User
from core.uploads import UploadField, UploadFormMixin
from improvement.models import ImprovementAction
from inspections.forms.setup import GovDateField

EMAIL_INVALID = "Enter an email address in the correct format, like name@example.gov.uk"


class HelperMixin:
    button = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.label_size = Size.SMALL
        self.helper.legend_size = Size.SMALL
        self.helper.layout = Layout(
            *[Field(name) for name in self.fields], Button("submit", self.button)
        )


class ActionForm(HelperMixin, forms.Form):
    button = "Save the action"
    description = forms.CharField(
        label="What will be done?",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Describe the action so that anyone reading the plan understands it.",
        error_messages={"required": "Describe the action"},
    )
    owner_name = forms.CharField(
        label="Who owns the action?",
        max_length=150,
        help_text="The person responsible, for example the justice service manager.",
        error_messages={"required": "Enter the name of the person who owns the action"},
    )
    owner_email = forms.EmailField(
        label="Owner’s email address (optional)",
        required=False,
        help_text="We email the owner if the action becomes overdue.",
        widget=forms.TextInput(
            attrs={"inputmode": "email", "autocomplete": "email", "spellcheck": "false"}
        ),
        error_messages={"invalid": EMAIL_INVALID},
    )
    due_date = GovDateField(label="Due date", required=True, help_text="For example 31 3 2027")

    def __init__(self, *args, with_status: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].error_messages["required"] = "Enter the date the action is due"
        if with_status:
            self.fields["status"] = forms.ChoiceField(
                label="How far has it got?",
                choices=ImprovementAction.Status.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose how far the action has got"},
            )
            # The version the form was based on, so that a change made meanwhile is detected.
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)
            self.helper.layout = Layout(
                *[Field(name) for name in self.fields], Button("submit", self.button)
            )


class ProgressUpdateForm(UploadFormMixin, HelperMixin, forms.Form):
    button = "Add the progress update"
    text = forms.CharField(
        label="What progress has been made?",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Describe the progress made"},
    )
    file = UploadField(policy="evidence", label="Evidence file (optional)", required=False)


class CommentForm(HelperMixin, forms.Form):
    button = "Add comment"
    body = forms.CharField(
        label="Your comment",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The authority sees your comment on its plan.",
        error_messages={"required": "Enter a comment"},
    )


class AddressForm(HelperMixin, forms.Form):
    button = "Mark as addressed"
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why you are confident this element has been addressed.",
    )


class ReopenForm(HelperMixin, forms.Form):
    button = "Reopen the element"
    reason = forms.CharField(
        label="Why does this element need more work?",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Give a reason for reopening this element"},
    )


class LinkInspectorForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Who will be the link inspector?",
        queryset=User.objects.none(),
        empty_label="Choose an inspector",
        error_messages={"required": "Choose an inspector"},
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = people
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.select("user", legend_size=Size.MEDIUM),
            Button("submit", "Assign the link inspector"),
        )
