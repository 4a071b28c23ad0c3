"""Views for inspections: samples (patterns collected in inspections/urls.py)."""

urlpatterns: list = []
