"""Public response pages, mounted at /r/ (qi_framework.views_public)."""

from django.urls import path

from qi_framework import views_public

app_name = "responses"

urlpatterns = [
    path("thanks/", views_public.response_thanks, name="thanks"),
    path("<str:token>/", views_public.response_form, name="respond"),
]
