"""Read-only admin view of documents, to find failed or stuck renders. Only reports.services
changes a document (retry from the document's own page)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from reports.models import Document


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "version", "state", "requested_at", "rendered_at", "attempts"]
    list_filter = ["state", "kind"]
    search_fields = ["title"]
    exclude = ["file"]  # files are served only by the permission-checked download view
