"""Django's admin site, limited to administrators and refusing everyone else with a 403."""

from functools import update_wrapper

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse


class ProjectAdminSite(admin.AdminSite):
    site_header = "Justice social work scrutiny: administration"
    site_title = "Administration"
    index_title = "Administration"

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.has_perm("accounts.administer")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect(f"{reverse('accounts:sign_in')}?next={request.get_full_path()}")
            if not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, view)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied
        return redirect(f"{reverse('accounts:sign_in')}?next={reverse('admin:index')}")


admin_site = admin.site
