"""Views for inspections: interviews (patterns collected in inspections/urls.py)."""

urlpatterns: list = []
