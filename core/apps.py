from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.staticfiles import apps as staticfiles_apps


class CoreConfig(AppConfig):
    default = True
    name = "core"
    verbose_name = "Core"


class ProjectAdminConfig(admin_apps.AdminConfig):
    """Django's admin, behind the project's own permission rules (administrators only)."""

    default = False
    default_site = "core.admin_site.ProjectAdminSite"


class StaticFilesConfig(staticfiles_apps.StaticFilesConfig):
    """Django's staticfiles, skipping the front-end build source under static/src/."""

    default = False
    ignore_patterns = ["CVS", ".*", "*~", "src"]
