"""Views for inspections: moderation (patterns collected in inspections/urls.py)."""

urlpatterns: list = []
