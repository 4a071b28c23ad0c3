"""Template context every page needs: the service name, the navigation and the header."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from core.navigation import navigation_for


def service(request) -> dict:
    def organisation():
        from accounts.selectors import user_primary_organisation

        if request.user.is_authenticated:
            return user_primary_organisation(request.user)
        return None

    return {
        "service_name": settings.SERVICE_NAME,
        "navigation": SimpleLazyObject(lambda: navigation_for(request)),
        "header_organisation": SimpleLazyObject(organisation),
    }
