"""The audit log is read in its own page (core:audit_list); it is not editable in the admin.

ReadOnlyAdmin: the admin view of records that only an app's services change. Administrators
may see them; nobody may add, change or delete them here.
"""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.has_perm("accounts.administer")

    def has_view_permission(self, request, obj=None):
        # Not Django's model permission (rules' reports.view_document, say, needs a document).
        return request.user.has_perm("accounts.administer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
