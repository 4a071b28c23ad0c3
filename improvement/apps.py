from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "improvement"
    verbose_name = "Improvement plans"

    def ready(self) -> None:
        # The link inspector is accounts' "link_inspector" assignment kind, which points at the
        # local authority (a Care Inspectorate inspector for that authority), so it is not
        # registered again here.
        from improvement import documents  # noqa: F401  (registers the progress document)
