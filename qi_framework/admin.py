"""Read-only admin views of the framework; administrators edit through the framework pages,
which version and audit every change."""

from django.contrib import admin

from qi_framework.models import FrameworkVersion


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "is_current", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
