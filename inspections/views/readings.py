"""Views for inspections: readings (patterns collected in inspections/urls.py)."""

urlpatterns: list = []
