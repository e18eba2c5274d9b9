"""Cost before running: what a brief will likely cost at the engines the settings select.

An estimate from list prices and the brief's length (about 2.6 spoken words a second, 6
characters a word, one clip per ~6 s scene); the manifest records the real cost afterwards.
Offline engines cost nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from reelforge.domain import Brief
from reelforge.settings import Settings

CHARS_PER_SECOND = 2.6 * 6
SECONDS_PER_SCENE = 6.0
#: USD per second of generated video at Runware (their Kling pricing is per clip; ~0.06/s).
RUNWARE_USD_PER_SECOND = 0.06
#: One structured-output chat completion for the script (~1.5k tokens in and out).
OPENAI_SCRIPT_USD = 0.002
OPENAI_SPEECH_USD_PER_MINUTE = 0.015


@dataclass
class Estimate:
    """Expected cost, per provider, in USD."""

    cost_usd: float
    by_provider: dict[str, float] = field(default_factory=dict)
    scenes: int = 0
    engines: dict[str, str] = field(default_factory=dict)


def estimate_cost(brief: Brief, settings: Settings) -> Estimate:
    from reelforge.cli.providers import engine_statuses

    selected = {s.capability: s.engine for s in engine_statuses(settings) if s.selected}
    voice_prefix = brief.voice.partition(":")[0] if ":" in brief.voice else selected.get("voice")
    selected["voice"] = voice_prefix or "piper"
    scenes = max(1, min(12, math.ceil(brief.duration_s / SECONDS_PER_SCENE)))
    costs: dict[str, float] = {}
    if selected.get("script") == "openai":
        costs["openai"] = costs.get("openai", 0.0) + OPENAI_SCRIPT_USD
    if selected["voice"] == "hume":
        chars = brief.duration_s * CHARS_PER_SECOND
        costs["hume"] = chars / 1000 * settings.hume_usd_per_1k_chars
    elif selected["voice"] == "openai":
        costs["openai"] = costs.get("openai", 0.0) + (
            brief.duration_s / 60 * OPENAI_SPEECH_USD_PER_MINUTE)
    if selected.get("video") == "runware":
        clip = min(settings.runware_durations or [5.0])
        per_scene = max(clip, SECONDS_PER_SCENE)
        costs["runware"] = scenes * per_scene * RUNWARE_USD_PER_SECOND
    costs = {k: round(v, 4) for k, v in costs.items()}
    return Estimate(cost_usd=round(sum(costs.values()), 4), by_provider=costs, scenes=scenes,
                    engines=selected)
