"""Audit the installed Python packages for known vulnerabilities, as a report with an allow-list.

CI runs `.venv/bin/python .ci/pip_audit_report.py`. It runs `pip-audit -f json` on the
environment of the interpreter running it (the project's `.venv`), prints every finding, and
exits non-zero only for a finding that is not on the allow-list `.ci/pip-audit-allow.toml`, or
whose allow-list entry has expired. So a new advisory is seen at once (the next CI run fails and
names it), while an advisory someone has looked at and written down stays quiet until its
expiry date, when it must be looked at again.

Each allow-list entry has `id` (the advisory, e.g. GHSA-..., PYSEC-... or CVE-...; an alias
matches too), `package`, `reason` (why it is safe to carry for now) and `expires` (an ISO date;
from that day on the entry no longer allows). An entry without all four is an error.

If pip-audit cannot reach its advisory service (no network, DNS failure, time-out, or the
service answers nothing for every package), this prints a clear WARNING and exits 0: an outage
of somebody else's service must not turn main red overnight. The warning is in the CI log, and
the next run with the service up audits as usual.

Exit codes: 0 nothing new (or the service could not be reached), 1 a finding that is not allowed
or whose entry expired, 2 the allow-list is malformed or pip-audit itself failed.
"""

from __future__ import annotations

import json
import re

# subprocess runs pip-audit with a fixed argument list, never a shell.
import subprocess  # nosec B404
import sys
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ALLOW_LIST = Path(__file__).with_name("pip-audit-allow.toml")
PIP_AUDIT = [sys.executable, "-m", "pip_audit", "-f", "json", "--progress-spinner", "off"]
PIP_AUDIT += ["--skip-editable"]  # the project itself is not on PyPI
REQUIRED = ("id", "package", "reason", "expires")
OUTAGE_MARKERS = (
    "connectionerror",
    "connection error",
    "max retries exceeded",
    "name or service not known",
    "temporary failure in name resolution",
    "nameresolutionerror",
    "failed to resolve",
    "timed out",
    "timeout",
    "connection refused",
    "network is unreachable",
    "serviceerror",
)
NOT_FOUND = "not found on pypi"


class AllowListError(Exception):
    """The allow-list cannot be trusted (bad TOML or an entry without a required field)."""


@dataclass(frozen=True)
class AllowEntry:
    id: str
    package: str
    reason: str
    expires: date


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]


@dataclass
class Outcome:
    allowed: list[tuple[Finding, AllowEntry]]
    expired: list[tuple[Finding, AllowEntry]]
    new: list[Finding]
    unused: list[AllowEntry]

    @property
    def failed(self) -> bool:
        return bool(self.new or self.expired)


def normalise(name: str) -> str:
    """PEP 503 name normalisation, so `Django` matches `django`."""
    return re.sub(r"[-_.]+", "-", name).lower()


def load_allow_list(path: Path = ALLOW_LIST) -> list[AllowEntry]:
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise AllowListError(f"{path.name} is not valid TOML: {error}") from error
    entries = []
    for number, raw in enumerate(data.get("allow", []), start=1):
        missing = [key for key in REQUIRED if not raw.get(key)]
        if missing:
            raise AllowListError(f"{path.name} entry {number} has no {', '.join(missing)}")
        expires = raw["expires"]
        if isinstance(expires, str):
            try:
                expires = date.fromisoformat(expires)
            except ValueError as error:
                raise AllowListError(
                    f"{path.name} entry {number}: expires must be an ISO date (YYYY-MM-DD)"
                ) from error
        if not isinstance(expires, date):
            raise AllowListError(f"{path.name} entry {number}: expires must be a date")
        entries.append(
            AllowEntry(
                id=str(raw["id"]),
                package=normalise(str(raw["package"])),
                reason=str(raw["reason"]),
                expires=expires,
            )
        )
    return entries


def findings_of(report: dict) -> list[Finding]:
    findings = []
    for dependency in report.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            findings.append(
                Finding(
                    package=normalise(dependency["name"]),
                    version=dependency.get("version", "?"),
                    id=vuln["id"],
                    aliases=tuple(vuln.get("aliases", [])),
                    fix_versions=tuple(vuln.get("fix_versions", [])),
                )
            )
    return findings


def evaluate(report: dict, allow: list[AllowEntry], today: date) -> Outcome:
    outcome = Outcome(allowed=[], expired=[], new=[], unused=list(allow))
    for finding in findings_of(report):
        ids = {finding.id, *finding.aliases}
        entry = next((e for e in allow if e.package == finding.package and e.id in ids), None)
        if entry is None:
            outcome.new.append(finding)
            continue
        if entry in outcome.unused:
            outcome.unused.remove(entry)
        if today >= entry.expires:
            outcome.expired.append((finding, entry))
        else:
            outcome.allowed.append((finding, entry))
    return outcome


def outage(returncode: int, stdout: str, stderr: str) -> str | None:
    """Why pip-audit could not ask its advisory service (so it audited nothing), or None."""
    report = parse(stdout)
    if report is None:
        if returncode != 0 and any(m in stderr.lower() for m in OUTAGE_MARKERS):
            lines = stderr.strip().splitlines()
            return lines[-1] if lines else "no answer"
        return None
    # PyPI's JSON API answering "not found" for every package means nothing was audited.
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    not_found = [d for d in dependencies if NOT_FOUND in d.get("skip_reason", "").lower()]
    if not audited and not_found:
        return f"the advisory service knew none of the {len(not_found)} packages (not found)"
    return None


def parse(stdout: str) -> dict | None:
    try:
        report = json.loads(stdout)
    except (json.JSONDecodeError, TypeError):
        return None
    return report if isinstance(report, dict) else None


def run_pip_audit() -> tuple[int, str, str]:
    # Fixed arguments (this interpreter, -m pip_audit), no shell: nothing untrusted reaches it.
    completed = subprocess.run(  # noqa: S603  # nosec B603
        PIP_AUDIT, capture_output=True, text=True, check=False, timeout=600
    )
    return completed.returncode, completed.stdout, completed.stderr


def describe(finding: Finding) -> str:
    fixed = ", ".join(finding.fix_versions) or "no fixed version yet"
    aliases = f" ({', '.join(finding.aliases)})" if finding.aliases else ""
    return f"{finding.package} {finding.version}: {finding.id}{aliases}; fixed in {fixed}"


def main(run=run_pip_audit, today: date | None = None, allow_path: Path = ALLOW_LIST) -> int:
    today = today or date.today()
    try:
        allow = load_allow_list(allow_path)
    except AllowListError as error:
        print(f"ERROR: {error}")
        return 2
    try:
        returncode, stdout, stderr = run()
    except subprocess.TimeoutExpired as error:  # a service that never answers is an outage
        returncode, stdout, stderr = 1, "", f"timed out: {error}"
    reason = outage(returncode, stdout, stderr)
    if reason:
        print(
            "WARNING: pip-audit could not reach its advisory service, so NOTHING WAS AUDITED "
            "this run. Not failing CI for an outage; look at the next run."
        )
        print(f"  {reason}")
        return 0
    report = parse(stdout)
    if report is None:
        print(f"ERROR: pip-audit failed (exit {returncode}) without a report:")
        print(stderr.strip() or "(no output)")
        return 2

    outcome = evaluate(report, allow, today)
    audited = [d for d in report.get("dependencies", []) if "skip_reason" not in d]
    skipped = [d for d in report.get("dependencies", []) if "skip_reason" in d]
    print(f"pip-audit: {len(audited)} packages audited, {len(skipped)} skipped.")
    for dependency in skipped:
        print(f"  skipped: {dependency['skip_reason']}")
    for finding, entry in outcome.allowed:
        print(f"ALLOWED until {entry.expires}: {describe(finding)}. Reason: {entry.reason}")
    for finding, entry in outcome.expired:
        print(
            f"EXPIRED on {entry.expires} (no longer allowed): {describe(finding)}. "
            f"Was allowed because: {entry.reason}"
        )
    for finding in outcome.new:
        print(f"NEW: {describe(finding)}")
    for entry in outcome.unused:
        print(f"note: allow-list entry {entry.id} ({entry.package}) matches nothing; remove it.")
    if outcome.failed:
        print(
            f"{len(outcome.new)} new and {len(outcome.expired)} expired finding(s): upgrade the "
            "package, or add an entry with id, package, reason and expires to "
            f"{allow_path.name}."
        )
        return 1
    print(f"No findings that are not allowed ({len(outcome.allowed)} allowed).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
