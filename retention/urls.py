from retention.views import urlpatterns

app_name = "retention"

__all__ = ["app_name", "urlpatterns"]
