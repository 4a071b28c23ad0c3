"""Permissions for the shared kernel's own pages."""

import rules

import core.uploads.rules  # noqa: F401 (registers core.download_file)
from accounts.rules import is_administrator

rules.add_perm("core.view_audit_log", is_administrator)
