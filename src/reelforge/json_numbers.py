"""Numbers as JSON means them, for request models: ``true`` is not 1 and ``"30"`` is not 30.

Pydantic's lax mode turns booleans and numeric strings into numbers, so an API documented as
``"type": "integer"`` accepted ``seed: false``. Its strict mode goes too far the other way and
refuses ``25.0`` for an integer, which JSON Schema (and so the OpenAPI document) allows. These
types sit in between: a JSON number is required, then the usual conversion applies.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def json_number(value: Any) -> Any:
    """Refuse anything but a JSON number (in ``Annotated``, put it after a field's bounds, or
    the bounds of an optional field do not reach its JSON Schema)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a JSON number, not " + type(value).__name__)
    return value


#: An integer (``25`` or ``25.0``); never a boolean or a string.
JsonInt = Annotated[int, BeforeValidator(json_number)]
#: A number; never a boolean or a string.
JsonNumber = Annotated[float, BeforeValidator(json_number)]
