from django.apps import AppConfig


class ThroughcareConfig(AppConfig):
    name = "throughcare"
    verbose_name = "Thematic reviews"

    def ready(self) -> None:
        # Keep this a short list of imports: each registers something at start-up.
        from throughcare import assignments, population_schema  # noqa: F401

        assignments.register()
        from throughcare import demo_outputs, demo_surveys, documents  # noqa: F401
