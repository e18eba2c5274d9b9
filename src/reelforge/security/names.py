"""Artifact names: one plain file name, so no request can reach outside a job's folder or put
quotes and line breaks into a Content-Disposition header."""

from __future__ import annotations

import re

from reelforge.errors import InputError

ARTIFACT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class InvalidName(InputError):
    code = "invalid_name"


def check_artifact_name(name: str) -> str:
    """``name`` if it is a plain file name (letters, digits, ``._-``; no ``..``)."""
    if not ARTIFACT_NAME.fullmatch(name) or ".." in name:
        raise InvalidName(f"{name[:40]!r} is not an artifact name",
                          hint="use a name from GET /v1/jobs/{id}/artifacts, e.g. final.mp4")
    return name
