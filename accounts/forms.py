"""Forms for signing in, account pages and managing people in organisations."""

import re

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Fluid, Layout, Size
from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

from accounts.models import ROLE_ORGANISATION_KINDS, Organisation, Role, User

INVALID_SIGN_IN = "Enter a correct email address and password."


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": INVALID_SIGN_IN,
        "inactive": INVALID_SIGN_IN,
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget = forms.TextInput(
            attrs={"autocomplete": "username", "spellcheck": "false", "inputmode": "email"}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("username", field_width=Fluid.TWO_THIRDS),
            Field.text("password", field_width=Fluid.TWO_THIRDS),
            Button("submit", "Sign in"),
        )


def _gds_helper(*fields, button: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(
        *[Field.text(f, field_width=Fluid.TWO_THIRDS) for f in fields], Button("submit", button)
    )
    return helper


class ResetRequestForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget = forms.TextInput(
            attrs={"autocomplete": "email", "spellcheck": "false", "inputmode": "email"}
        )
        self.fields["email"].label = "Email address"
        self.helper = _gds_helper("email", button="Send reset link")


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _gds_helper("new_password1", "new_password2", button="Save password")


class ChangePasswordForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _gds_helper(
            "old_password", "new_password1", "new_password2", button="Change password"
        )


class MembershipAddForm(forms.Form):
    """Add a person (new or existing) to an organisation with a role."""

    email = forms.EmailField(
        label="Email address",
        widget=forms.TextInput(attrs={"spellcheck": "false", "inputmode": "email"}),
    )
    name = forms.CharField(
        label="Full name",
        max_length=150,
        required=False,
        help_text="Needed only if the person does not have an account yet.",
    )
    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["role"].choices = [
            (role.value, role.label)
            for role in Role
            if organisation.kind in ROLE_ORGANISATION_KINDS[role]
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("email", field_width=Fluid.TWO_THIRDS),
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.radios("role", legend_size=Size.SMALL),
            Button("submit", "Add person"),
        )

    def clean(self):
        cleaned = super().clean()
        email = (cleaned.get("email") or "").lower()
        is_new = email and not User.objects.filter(email__iexact=email).exists()
        if is_new and not cleaned.get("name"):
            self.add_error("name", "Enter the person’s full name: they do not have an account yet.")
        return cleaned


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", widget=forms.RadioSelect)

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (role.value, role.label)
            for role in Role
            if organisation.kind in ROLE_ORGANISATION_KINDS[role]
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.radios("role", legend_size=Size.MEDIUM), Button("submit", "Save role")
        )


class AssignmentAddForm(forms.Form):
    user = forms.ModelChoiceField(label="Person", queryset=User.objects.none())

    def __init__(self, *args, users, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["user"].label = label
        self.fields["user"].empty_label = "Choose a person"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(Field.select("user"), Button("submit", "Assign"))


class SecurityCodeForm(forms.Form):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    code = forms.CharField(label="Security code", max_length=40)

    TOTP_REQUIRED = "Enter the security code from your authenticator app"
    TOTP_FORMAT = "The security code must be 6 numbers"
    RECOVERY_REQUIRED = "Enter one of your recovery codes"

    def __init__(self, *args, recovery: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.recovery = recovery
        field = self.fields["code"]
        if recovery:
            field.label = "Recovery code"
            field.help_text = (
                "One of the ten codes you saved when you set up two-factor authentication. "
                "Each code works once."
            )
            field.error_messages["required"] = self.RECOVERY_REQUIRED
            field.widget.attrs.update(
                {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
            )
        else:
            field.help_text = "The 6-digit code shown in your authenticator app."
            field.error_messages["required"] = self.TOTP_REQUIRED
            field.widget.attrs.update(_ONE_TIME_CODE_ATTRS)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("code", field_width=Fixed.TEN), Button("submit", "Continue")
        )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        compact = re.sub(r"[\s-]", "", code)
        # A recovery code pasted here is accepted too; anything else must be 6 digits.
        is_recovery_code = re.fullmatch(r"[A-Za-z2-7]{8}", compact)
        if not self.recovery and not is_recovery_code and not re.fullmatch(r"\d{6}", compact):
            raise forms.ValidationError(self.TOTP_FORMAT)
        return code


class TwoFactorEnrolForm(forms.Form):
    """Confirm a new authenticator app with the first code it shows."""

    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="Enter the 6-digit code the app shows for this account.",
        max_length=12,
        error_messages={"required": SecurityCodeForm.TOTP_REQUIRED},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(_ONE_TIME_CODE_ATTRS)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("code", field_width=Fixed.TEN), Button("submit", "Continue")
        )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(SecurityCodeForm.TOTP_FORMAT)
        return code


_ONE_TIME_CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "spellcheck": "false",
    "class": "govuk-input--extra-letter-spacing",
}
