"""CI's dependency audit: ``python -m reelforge.security.supply_chain``.

Runs ``pip-audit`` over the installed environment (what CI installed from pyproject.toml) and
decides: a known vulnerability **with a fix available** fails the build; one without a fix is
reported. pip-audit quietly says "No known vulnerabilities found" even when it could look up
nothing (its database unreachable, or a mirror without PyPI's JSON API); here that case is
reported as NOT AUDITED, loudly, and fails when ``REELFORGE_AUDIT_REQUIRED=1``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

OK, VULNERABLE, NOT_AUDITED = 0, 1, 3


@dataclass
class AuditReport:
    audited: int = 0
    skipped: list[str] = field(default_factory=list)
    fixable: list[str] = field(default_factory=list)  # "name version ID → fix versions"
    unfixed: list[str] = field(default_factory=list)

    @property
    def not_audited(self) -> bool:
        """Nothing (or under half of the dependencies) could be looked up."""
        return self.audited == 0 or len(self.skipped) > self.audited


def read_report(data: dict[str, Any]) -> AuditReport:
    report = AuditReport()
    for dep in data.get("dependencies", []):
        label = f"{dep.get('name')} {dep.get('version', '')}".strip()
        if dep.get("skip_reason"):
            report.skipped.append(label)
            continue
        report.audited += 1
        for vuln in dep.get("vulns", []):
            fixes = vuln.get("fix_versions") or []
            line = f"{label} {vuln.get('id')}" + (f" → {', '.join(fixes)}" if fixes else "")
            (report.fixable if fixes else report.unfixed).append(line)
    return report


def verdict(report: AuditReport, *, required: bool) -> tuple[int, str]:
    """(exit code, what to print)."""
    lines = [f"pip-audit: {report.audited} dependencies audited, {len(report.skipped)} could "
             "not be looked up"]
    lines += [f"  VULNERABLE (fix available): {v}" for v in report.fixable]
    lines += [f"  known vulnerability, no fix yet: {v}" for v in report.unfixed]
    if report.fixable:
        return VULNERABLE, "\n".join([*lines, "FAIL: upgrade the packages above"])
    if report.not_audited:
        lines.append("NOT AUDITED: the vulnerability database could not be reached (PyPI's "
                     "JSON API / OSV); this is no evidence of safety")
        return (NOT_AUDITED if required else OK), "\n".join(lines)
    return OK, "\n".join([*lines, "OK: no known vulnerability with a fix available"])


def run_pip_audit() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--format", "json", "--skip-editable",
         "--progress-spinner", "off"], capture_output=True, text=True, check=False)
    try:
        return dict(json.loads(done.stdout or "{}"))
    except json.JSONDecodeError:
        sys.stderr.write(done.stderr)
        return {}


def main() -> int:
    code, text = verdict(read_report(run_pip_audit()),
                         required=os.environ.get("REELFORGE_AUDIT_REQUIRED") == "1")
    print(text)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
