from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Documents, statistics and dashboards"

    def ready(self):
        from reports import signals  # noqa: F401  (keeps dashboard summaries true)
        from reports.overview import demo, documents  # noqa: F401  (the overview report)
