"""Django admin for administrators. Changes to roles and assignments go through the services,
so they are validated and audited exactly as in the service's own pages."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Assignment, Membership, Organisation, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "is_active", "date_joined"]
    search_fields = ["name", "email"]
    fields = ["name", "email", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["covers"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active", "organisation__kind"]
    search_fields = ["user__name", "user__email", "organisation__name"]
    readonly_fields = ["user", "organisation", "role", "is_active"]

    def has_add_permission(self, request):
        return False  # use the organisation page, which validates and audits

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "target_type", "target_id", "created_at", "ended_at"]
    list_filter = ["kind"]
    readonly_fields = [f.name for f in Assignment._meta.fields]
    actions = ["end_assignments"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="End the selected assignments")
    def end_assignments(self, request, queryset):
        for assignment in queryset.filter(ended_at__isnull=True):
            services.assignment_end(assignment=assignment, by=request.user, request=request)


# Two-factor devices hold secret keys. They are kept out of the admin: an administrator resets a
# person's two-factor authentication from the organisation page (two_factor_reset), which is
# audited. django-otp's own admin modules are imported before this one (INSTALLED_APPS order).
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):
        admin.site.unregister(_device_model)
