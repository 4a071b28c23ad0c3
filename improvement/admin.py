"""Read-only admin views of improvement plans; only improvement.services changes them."""

from django.contrib import admin

from improvement.models import ImprovementAction, ImprovementPlan, PlanElement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.has_perm("accounts.administer")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("accounts.administer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(ReadOnlyAdmin):
    list_display = ["inspection", "status", "revision", "created_at", "closed_at"]
    list_filter = ["status"]


@admin.register(PlanElement)
class PlanElementAdmin(ReadOnlyAdmin):
    list_display = ["plan", "recommendation", "status", "addressed_at"]
    list_filter = ["status"]


@admin.register(ImprovementAction)
class ImprovementActionAdmin(ReadOnlyAdmin):
    list_display = ["element", "owner_name", "due_date", "status", "last_reminded_at"]
    list_filter = ["status"]
    exclude = ["owner_email"]
