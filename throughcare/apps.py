from django.apps import AppConfig


class ThroughcareConfig(AppConfig):
    name = "throughcare"
    verbose_name = "Thematic reviews"
