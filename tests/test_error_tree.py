"""The one error tree: every error class says how each interface shows it, in one place."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import reelforge
from reelforge.errors import (
    InputError,
    ProviderError,
    QuotaExceeded,
    ReelforgeError,
    TooLarge,
    error_body,
)

SRC = Path(reelforge.__file__).parent
SKIP = ("reelforge.store.migrations",)  # alembic scripts need alembic's context to import


def _every_error_class() -> list[type[ReelforgeError]]:
    for module in pkgutil.walk_packages([str(SRC)], "reelforge."):
        if not module.name.startswith(SKIP):
            importlib.import_module(module.name)
    found: list[type[ReelforgeError]] = []
    todo = [ReelforgeError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _declared_by(cls: type, attribute: str) -> type:
    return next(c for c in cls.__mro__ if attribute in c.__dict__)


@pytest.fixture(scope="module")
def error_classes() -> list[type[ReelforgeError]]:
    return _every_error_class()


def test_every_error_class_maps_to_an_http_status_and_exit_code_chosen_below_the_base(
    error_classes: list[type[ReelforgeError]],
) -> None:
    assert len(error_classes) > 10
    for cls in error_classes:
        if cls is ReelforgeError:
            continue
        for attribute in ("http_status", "exit_code", "code"):
            assert _declared_by(cls, attribute) is not ReelforgeError, (cls, attribute)
        assert 400 <= cls.http_status < 600, cls
        assert cls.exit_code in (2, 130), cls


def test_error_families_live_in_errors_py(error_classes: list[type[ReelforgeError]]) -> None:
    """A module may refine a family (a code of its own), never start a new one."""
    for cls in error_classes:
        if ReelforgeError in cls.__bases__:
            assert cls.__module__ == "reelforge.errors", cls


def test_no_interface_picks_a_status_by_matching_error_codes_or_classes() -> None:
    pattern = re.compile(r"\.code\s*==\s*['\"]|(?<!http_)status_of\(|"
                         r"isinstance\(exc, (?!ReelforgeError)\w+\) else \d{3}")
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_error_body_is_one_shape_for_every_error() -> None:
    quota = error_body(QuotaExceeded("budget used up", retry_after=2.2, hint="wait"))
    assert quota == {"code": "quota_exceeded", "message": "budget used up",
                     "details": {"hint": "wait", "retry_after": 3}}
    provider = error_body(ProviderError("down", provider="hume", retryable=True, status=503))
    assert provider["details"] == {"provider": "hume", "retryable": True, "status": 503}
    assert error_body(TooLarge("too big"))["code"] == "too_large"
    assert TooLarge.http_status == 413 and InputError.http_status == 400
    crash = error_body(KeyError("x"))
    assert crash["code"] == "internal" and crash["message"].startswith("KeyError")
