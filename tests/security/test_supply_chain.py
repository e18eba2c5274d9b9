"""CI's supply-chain gate: fixable vulnerabilities fail, an audit that looked nothing up says
so, and the security lint (ruff S) is clean over the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from reelforge.security.supply_chain import NOT_AUDITED, OK, VULNERABLE, read_report, verdict

ROOT = Path(__file__).resolve().parents[2]


def report(*deps: dict) -> dict:
    return {"dependencies": list(deps), "fixes": []}


def test_a_vulnerability_with_a_fix_fails_the_build() -> None:
    data = report({"name": "jinja2", "version": "3.1.2", "vulns": [
        {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}]},
        {"name": "httpx", "version": "0.28.1", "vulns": []})
    code, text = verdict(read_report(data), required=False)
    assert code == VULNERABLE and "jinja2 3.1.2 GHSA-h5c8-rqwp-cp95 → 3.1.3" in text


def test_a_vulnerability_without_a_fix_is_reported_but_passes() -> None:
    data = report({"name": "a", "version": "1", "vulns": [{"id": "PYSEC-1", "fix_versions": []}]})
    code, text = verdict(read_report(data), required=True)
    assert code == OK and "no fix yet: a 1 PYSEC-1" in text


def test_an_audit_that_could_look_nothing_up_says_not_audited_instead_of_passing_silently(
) -> None:
    data = report(*[{"name": f"p{i}", "version": "1", "skip_reason": "Dependency not found on "
                     "PyPI and could not be audited"} for i in range(5)])
    code, text = verdict(read_report(data), required=False)
    assert code == OK and "NOT AUDITED" in text and "0 dependencies audited" in text
    assert verdict(read_report(data), required=True)[0] == NOT_AUDITED


def test_the_security_lint_is_clean() -> None:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "S", "--ignore",
                           "S101", "src", "tests", "bench"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout
