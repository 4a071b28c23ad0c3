"""The dashboard's filters: a period of years, a local authority, a kind of scrutiny."""

from django import forms

from qi_framework.models import ScrutinyKind
from reports.dashboards.selectors import DashboardFilters

ANY = ("", "Any")


class DashboardFilterForm(forms.Form):
    year_from = forms.TypedChoiceField(label="From", required=False, coerce=int, empty_value=None)
    year_to = forms.TypedChoiceField(label="To", required=False, coerce=int, empty_value=None)
    authority = forms.TypedChoiceField(
        label="Local authority", required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(
        label="Kind of scrutiny", required=False, choices=[("", "All kinds"), *ScrutinyKind.choices]
    )
    qi = forms.CharField(required=False, max_length=10, widget=forms.HiddenInput)

    def __init__(self, *args, years: list[int], authorities: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        year_choices = [ANY, *[(str(y), str(y)) for y in years]]
        self.fields["year_from"].choices = year_choices
        self.fields["year_to"].choices = year_choices
        self.fields["authority"].choices = [("", "All local authorities"), *authorities]

    def clean(self):
        data = super().clean()
        start, end = data.get("year_from"), data.get("year_to")
        if start and end and start > end:
            self.add_error(
                "year_to", "The end of the period must be the same as or after its start"
            )
        return data

    def filters(self) -> DashboardFilters:
        """Return the filters asked for; any that are not valid are left out."""
        if not self.is_bound:
            return DashboardFilters()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return DashboardFilters(
            year_from=data.get("year_from") if "year_from" not in self.errors else None,
            year_to=data.get("year_to") if "year_to" not in self.errors else None,
            authority_id=data.get("authority") if "authority" not in self.errors else None,
            kind=data.get("kind") or "" if "kind" not in self.errors else "",
            qi=data.get("qi") or "",
        )
