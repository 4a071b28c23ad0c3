"""Views for inspections: populations (patterns collected in inspections/urls.py)."""

urlpatterns: list = []
