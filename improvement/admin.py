"""Read-only admin views of improvement plans; only improvement.services changes them."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from improvement.models import ImprovementAction, ImprovementPlan, PlanElement


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
