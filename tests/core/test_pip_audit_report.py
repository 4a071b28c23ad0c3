"""The pip-audit report CI runs (.ci/pip_audit_report.py): allow-list, expiry, new findings and
outages, fed with fake pip-audit JSON (no network)."""

import importlib.util
import json
import sys
from datetime import date
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "pip_audit_report.py"
TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def report_module():
    spec = importlib.util.spec_from_file_location("pip_audit_report", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def audit_json(*vulns_by_package) -> str:
    """pip-audit's JSON: (package, version, [(id, aliases)]) per dependency."""
    dependencies = [
        {
            "name": name,
            "version": version,
            "vulns": [
                {"id": vid, "aliases": aliases, "fix_versions": ["9.9"], "description": "…"}
                for vid, aliases in vulns
            ],
        }
        for name, version, vulns in vulns_by_package
    ]
    return json.dumps({"dependencies": dependencies, "fixes": []})


def allow_file(tmp_path, body: str) -> Path:
    path = tmp_path / "pip-audit-allow.toml"
    path.write_text(body)
    return path


DJANGO_ALLOWED = """
[[allow]]
id = "GHSA-aaaa-bbbb-cccc"
package = "Django"
reason = "Only affects the admin's password reset, which we do not expose."
expires = 2027-01-31
"""


def run(module, tmp_path, capsys, stdout, allow="", returncode=1, stderr=""):
    path = allow_file(tmp_path, allow)
    code = module.main(run=lambda: (returncode, stdout, stderr), today=TODAY, allow_path=path)
    return code, capsys.readouterr().out


def test_no_findings_passes(report_module, tmp_path, capsys):
    code, out = run(report_module, tmp_path, capsys, audit_json(("django", "5.2", [])), "", 0)
    assert code == 0
    assert "1 packages audited" in out


def test_an_allowed_finding_is_printed_and_passes(report_module, tmp_path, capsys):
    stdout = audit_json(("django", "5.2", [("GHSA-aaaa-bbbb-cccc", [])]))
    code, out = run(report_module, tmp_path, capsys, stdout, DJANGO_ALLOWED)
    assert code == 0
    assert "ALLOWED until 2027-01-31: django 5.2: GHSA-aaaa-bbbb-cccc" in out
    assert "which we do not expose" in out


def test_an_entry_matches_by_alias(report_module, tmp_path, capsys):
    stdout = audit_json(("django", "5.2", [("PYSEC-2026-1", ["GHSA-aaaa-bbbb-cccc"])]))
    code, out = run(report_module, tmp_path, capsys, stdout, DJANGO_ALLOWED)
    assert code == 0
    assert "ALLOWED" in out


def test_an_expired_entry_no_longer_allows(report_module, tmp_path, capsys):
    stdout = audit_json(("django", "5.2", [("GHSA-aaaa-bbbb-cccc", [])]))
    expired = DJANGO_ALLOWED.replace("2027-01-31", "2026-11-26")  # expires today
    code, out = run(report_module, tmp_path, capsys, stdout, expired)
    assert code == 1
    assert "EXPIRED on 2026-11-26 (no longer allowed): django 5.2: GHSA-aaaa-bbbb-cccc" in out


def test_a_new_finding_fails_and_is_named(report_module, tmp_path, capsys):
    stdout = audit_json(
        ("django", "5.2", [("GHSA-aaaa-bbbb-cccc", [])]),
        ("pillow", "11.0", [("GHSA-new0-new0-new0", ["CVE-2026-0001"])]),
    )
    code, out = run(report_module, tmp_path, capsys, stdout, DJANGO_ALLOWED)
    assert code == 1
    assert "NEW: pillow 11.0: GHSA-new0-new0-new0 (CVE-2026-0001); fixed in 9.9" in out
    assert "ALLOWED until 2027-01-31: django" in out
    assert "1 new and 0 expired" in out


def test_an_entry_for_another_package_does_not_allow(report_module, tmp_path, capsys):
    stdout = audit_json(("weasyprint", "70", [("GHSA-aaaa-bbbb-cccc", [])]))
    code, out = run(report_module, tmp_path, capsys, stdout, DJANGO_ALLOWED)
    assert code == 1
    assert "NEW: weasyprint" in out
    assert "matches nothing" in out


@pytest.mark.parametrize("missing", ["id", "package", "reason", "expires"])
def test_an_entry_without_a_required_field_is_an_error(report_module, tmp_path, capsys, missing):
    body = "\n".join(
        line for line in DJANGO_ALLOWED.splitlines() if not line.startswith(f"{missing} =")
    )
    code, out = run(report_module, tmp_path, capsys, audit_json(), body, 0)
    assert code == 2
    assert f"has no {missing}" in out


def test_an_expiry_that_is_not_a_date_is_an_error(report_module, tmp_path, capsys):
    body = DJANGO_ALLOWED.replace("2027-01-31", '"next spring"')
    code, out = run(report_module, tmp_path, capsys, audit_json(), body, 0)
    assert code == 2
    assert "ISO date" in out


def test_a_network_failure_warns_and_passes(report_module, tmp_path, capsys):
    stderr = (
        "Traceback (most recent call last):\n"
        "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): "
        "Max retries exceeded with url: /pypi/django/json (Caused by NameResolutionError)"
    )
    code, out = run(report_module, tmp_path, capsys, "", DJANGO_ALLOWED, 1, stderr)
    assert code == 0
    assert "WARNING: pip-audit could not reach its advisory service" in out
    assert "NOTHING WAS AUDITED" in out


def test_every_package_not_found_is_an_outage(report_module, tmp_path, capsys):
    stdout = json.dumps(
        {
            "dependencies": [
                {"name": "django", "skip_reason": "Dependency not found on PyPI: django (5.2)"},
                {"name": "justice-scrutiny", "skip_reason": "distribution marked as editable"},
            ],
            "fixes": [],
        }
    )
    code, out = run(report_module, tmp_path, capsys, stdout, "", 0)
    assert code == 0
    assert "WARNING" in out


def test_a_failure_that_is_not_an_outage_fails(report_module, tmp_path, capsys):
    stderr = "/work/main/.venv/bin/python: No module named pip_audit"
    code, out = run(report_module, tmp_path, capsys, "", "", 1, stderr)
    assert code == 2
    assert "No module named pip_audit" in out


def test_the_committed_allow_list_is_valid(report_module):
    for entry in report_module.load_allow_list():
        assert entry.reason.strip() and entry.expires
