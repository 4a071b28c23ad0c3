"""Views for inspections: setup (patterns collected in inspections/urls.py)."""

urlpatterns: list = []
