"""The choices and limits of a brief, as plain constants for the CLI's help texts.

`reelforge --help` lists them without importing ``domain`` (pydantic models, ~0.2 s). ``domain``
is what validates; tests/test_cli_startup.py checks that these equal its values.
"""

from __future__ import annotations

ASPECT_SIZES: dict[str, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "16:9": (1920, 1080),
    "1:1": (1080, 1080),
}
EMOTIONS = (
    "neutral",
    "curious",
    "excited",
    "happy",
    "calm",
    "warm",
    "serious",
    "sad",
    "dramatic",
    "confident",
    "mysterious",
)
MOODS = ("calm", "energetic", "happy", "nostalgic", "tender")
MIN_DURATION_S, MAX_DURATION_S = 5.0, 600.0
MAX_PROMPT_CHARS = 2000
