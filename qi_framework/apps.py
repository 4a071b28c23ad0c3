from django.apps import AppConfig


class QiFrameworkConfig(AppConfig):
    name = "qi_framework"
    verbose_name = "Quality indicator framework"
