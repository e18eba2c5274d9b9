"""Image parts of the OpenAI fake's chat completions: checked as the real API checks them, and
answered with a deterministic one-sentence description derived from the picture itself.

A message's ``content`` is a string or a list of parts: ``{"type": "text", "text": …}`` and
``{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,…", "detail": "low"}}``.
The real API refuses image parts for text-only models, unknown part types, pictures it cannot
decode and URLs it cannot download (the fake downloads nothing: only data URLs are read). Image
tokens follow OpenAI's published rule for the 4o family: 85 for ``low`` detail, else 85 + 170 per
512-pixel tile of the picture fitted into 2048 and then 768 on its short side.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PART_TYPES = ("text", "image_url", "input_audio", "refusal", "audio", "file")
IMAGE_FORMATS = ("png", "jpeg", "gif", "webp")
TEXT_ONLY_MODELS = ("gpt-3.5-turbo",)
UNSUPPORTED_IMAGE = ("You uploaded an unsupported image. Please make sure your image has of one "
                     "the following formats: ['png', 'jpeg', 'gif', 'webp'].")


@dataclass
class Parts:
    """What one message holds: its texts, its decoded pictures (RGB) and their token count."""

    texts: list[str] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)
    image_tokens: int = 0


@dataclass(frozen=True)
class PartError:
    message: str
    param: str | None
    code: str | None = None


def content_parts(content: Any, index: int, model: str) -> Parts | PartError:
    """The parts of ``messages[index].content``, or the 400 the real API would answer."""
    if content is None or isinstance(content, str):
        return Parts(texts=[content or ""])
    if not isinstance(content, list):
        return PartError(f"Invalid type for 'messages[{index}].content': expected one of a "
                         "string or array of objects.", f"messages[{index}].content")
    parts = Parts()
    for k, part in enumerate(content):
        where = f"messages[{index}].content[{k}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in PART_TYPES:
            return PartError(f"Invalid value: '{kind}'. Supported values are: 'text', "
                             "'image_url', 'input_audio', 'refusal', 'audio', and 'file'.",
                             f"{where}.type", "invalid_value")
        assert isinstance(part, dict)
        if kind == "text":
            if not isinstance(part.get("text"), str):
                return PartError(f"Missing required parameter: '{where}.text'.", f"{where}.text",
                                 "missing_required_parameter")
            parts.texts.append(part["text"])
        elif kind == "image_url":
            if model in TEXT_ONLY_MODELS:
                return PartError("Invalid content type. image_url is only supported by certain "
                                 "models.", f"messages.[{index}].content.[{k}].type")
            found = _image(part.get("image_url"), where)
            if isinstance(found, PartError):
                return found
            picture, detail = found
            parts.images.append(picture)
            parts.image_tokens += image_tokens(picture.shape[1], picture.shape[0], detail)
    return parts


def _image(spec: Any, where: str) -> tuple[np.ndarray, str] | PartError:
    from PIL import Image

    if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
        return PartError(f"Missing required parameter: '{where}.image_url.url'.",
                         f"{where}.image_url.url", "missing_required_parameter")
    url, detail = spec["url"], spec.get("detail", "auto")
    if detail not in ("auto", "low", "high"):
        return PartError(f"Invalid value: '{detail}'. Supported values are: 'auto', 'low', and "
                         "'high'.", f"{where}.image_url.detail", "invalid_value")
    if not url.startswith("data:"):
        return PartError(f"Timeout while downloading {url[:200]}.", f"{where}.image_url.url",
                         "invalid_image_url")
    head, _, data = url.partition(",")
    if not head.startswith("data:image/") or not head.endswith(";base64"):
        return PartError(UNSUPPORTED_IMAGE, None, "invalid_image_format")
    try:
        raw = base64.b64decode(data, validate=True)
        with Image.open(io.BytesIO(raw)) as image:
            if (image.format or "").lower() not in IMAGE_FORMATS:
                return PartError(UNSUPPORTED_IMAGE, None, "invalid_image_format")
            picture = np.asarray(image.convert("RGB"))
    except (binascii.Error, ValueError, OSError):
        return PartError("The image data you provided does not represent a valid image. Please "
                         "check your input and try again with one of the supported image "
                         "formats: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'].", None,
                         "invalid_image_format")
    return picture, detail


def image_tokens(width: int, height: int, detail: str) -> int:
    """OpenAI's published token count of one picture (4o family)."""
    if detail == "low":
        return 85
    fit = min(1.0, 2048 / max(width, height))
    wide, high = width * fit, height * fit
    short = min(1.0, 768 / min(wide, high))
    tiles = math.ceil(wide * short / 512) * math.ceil(high * short / 512)
    return 85 + 170 * tiles


def describe_picture(rgb: np.ndarray) -> str:
    """One sentence about a picture's light, colours and layout — deterministic, so tests can
    know what a "vision model" will say about the pictures they make."""
    from reelforge.media.image_analysis import color_name

    height, width = rgb.shape[:2]

    def colour(region: np.ndarray) -> str:
        r, g, b = (int(v) for v in np.median(region.reshape(-1, 3), axis=0))
        return color_name(r, g, b)

    top, bottom = colour(rgb[: height // 3]), colour(rgb[2 * height // 3:])
    centre = colour(rgb[height // 3: 2 * height // 3, width // 3: 2 * width // 3])
    light = float(rgb.mean()) / 255
    mood = "dark" if light < 0.25 else "bright" if light > 0.65 else "softly lit"
    shape = "wide" if width > 1.1 * height else "tall" if height > 1.1 * width else "square"
    layout = f"mostly {top}" if top == bottom else f"{top} at the top and {bottom} below"
    subject = f", with something {centre} in the middle" if centre not in (top, bottom) else ""
    return f"A {mood} {shape} picture, {layout}{subject}."
