"""Forms for report publication, the feedback questionnaire and verbal feedback.

Forms check only the shape of input; the rules (who may publish, when, dates after fieldwork)
are the services' (inspections.services.report_versions) and the views put their errors on the
fields.
"""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

from inspections.forms.setup import GovDateField
from inspections.services.report_versions import REASON_LIMIT, TEXT_LIMIT


class PublishForm(forms.Form):
    """The manager's confirmation; a new version of a published report needs a reason."""

    reason = forms.CharField(
        label="Why does this version replace the published report?",
        help_text="The authority, the inspection team and the audit log will see this.",
        max_length=REASON_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, superseding: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.superseding = superseding
        self.helper = FormHelper()
        self.helper.form_tag = False
        if superseding:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = (
                "Enter why this new version replaces the published report"
            )
            self.helper.layout = Layout(
                Field.textarea("reason"), Button("publish", "Publish the new version")
            )
        else:
            del self.fields["reason"]
            self.helper.layout = Layout(Button("publish", "Approve and publish the report"))


class FeedbackSendForm(forms.Form):
    """Choose which of the authority's contacts get a new single-use link."""

    recipients = forms.MultipleChoiceField(
        label="Who should get the feedback questionnaire?",
        help_text="Each person gets their own email with the same single-use link. Select all "
        "that apply.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one contact"},
    )

    def __init__(self, *args, contacts, **kwargs):
        super().__init__(*args, **kwargs)
        self.contacts = {str(person.pk): person for person in contacts}
        self.fields["recipients"].choices = [
            (str(person.pk), f"{person.name} ({person.email})") for person in contacts
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.checkboxes("recipients", legend_size=Size.MEDIUM),
            Button("send", "Send the feedback questionnaire"),
        )

    def chosen(self) -> list:
        return [self.contacts[pk] for pk in self.cleaned_data["recipients"]]


class VerbalFeedbackForm(forms.Form):
    given_on = GovDateField(
        label="Date the feedback was given",
        required=True,
        help_text="On or after the last day of fieldwork. For example 25 4 2019",
    )
    given_by = forms.CharField(
        label="Who gave the feedback",
        help_text="Names and roles, for example Iain MacLeod, lead inspector.",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter who gave the feedback"},
    )
    received_by = forms.CharField(
        label="Who received it (optional)",
        help_text="By role, for example chief social work officer, justice service manager.",
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    points = forms.CharField(
        label="Points made",
        help_text="You can use paragraphs, headings and lists.",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Enter the points made"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_on"].error_messages["required"] = "Enter the date the feedback was given"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field("given_on"),
            Field.textarea("given_by"),
            Field.textarea("received_by"),
            Field.textarea("points"),
            Button("save", "Save verbal feedback"),
        )
