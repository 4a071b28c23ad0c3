"""Read-only admin view of documents, to find failed or stuck renders. Only reports.services
changes a document (retry from the document's own page)."""

from django.contrib import admin

from reports.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "version", "state", "requested_at", "rendered_at", "attempts"]
    list_filter = ["state", "kind"]
    search_fields = ["title"]
    exclude = ["file"]  # files are served only by the permission-checked download view

    def has_module_permission(self, request):
        return request.user.has_perm("accounts.administer")

    def has_view_permission(self, request, obj=None):
        # Not Django's model permission (rules' reports.view_document needs a document).
        return request.user.has_perm("accounts.administer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
