"""Views for inspections, one module per area; each module defines its `urlpatterns`."""
