"""Cost before running: what a brief will likely cost at the engines the settings select.

An estimate from list prices and the brief's length (about 2.6 spoken words a second, 6
characters a word, one clip per scene, as many scenes as the selected script writer plans);
the spend ledger records the real cost afterwards. Offline engines cost nothing.

With the creator's footage (``Brief.footage``) a scene that gets a shot pays for no clip, but
which scenes will is only known once the plan's scenes are searched in the library (the
writer's scenes, the text encoder, the index): too much for a quote. So the estimate is a
range: ``cost_usd`` is the most (every scene not swapped to a named shot is drawn by the paid
engine: what a budget is checked against), ``min_cost_usd`` the least (footage covers every
scene). A scene swapped to a named shot (``footage_swaps``) always shows it, so it is never
quoted a clip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reelforge.domain import Brief, Plan
from reelforge.pipeline.timeline import CROSSFADE_S
from reelforge.providers import registry
from reelforge.settings import Settings

CHARS_PER_SECOND = 2.6 * 6
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
    #: The least it can cost: with footage, when every scene finds a shot (no clip is paid
    #: for); without footage, ``cost_usd``.
    min_cost_usd: float = 0.0
    #: Scenes certain to show the creator's footage (swapped to a named shot): never quoted.
    footage_scenes: int = 0
    note: str = ""  # what the range means, in words ("" when there is no range)


def estimate_cost(brief: Brief, settings: Settings, engines: dict[str, str] | None = None,
                  plan: Plan | None = None) -> Estimate:
    """The cost of ``brief`` at the engines the one engine table picks for it (the job's own
    ``engines`` choices applied to the server's settings), which are the engines that run."""
    settings = registry.settings_for(settings, engines)
    selected = registry.selected_engines(settings, brief.voice, brief)
    scenes = len(plan.scenes) if plan is not None else planned_scenes(selected["script"], brief)
    costs: dict[str, float] = {}
    if selected.get("script") == "openai" and plan is None:
        costs["openai"] = costs.get("openai", 0.0) + OPENAI_SCRIPT_USD
    if selected["voice"] == "hume":
        chars = brief.duration_s * CHARS_PER_SECOND
        costs["hume"] = chars / 1000 * settings.hume_usd_per_1k_chars
    elif selected["voice"] == "openai":
        costs["openai"] = costs.get("openai", 0.0) + (
            brief.duration_s / 60 * OPENAI_SPEECH_USD_PER_MINUTE)
    footage_scenes = footage_covered(brief, scenes)
    clips_usd = 0.0
    if selected.get("video") == "runware":
        lengths = sorted(settings.runware_durations or [5.0])
        wanted = (brief.duration_s + (scenes - 1) * CROSSFADE_S) / scenes
        clip = next((d for d in lengths if d >= wanted), lengths[-1])  # as RunwareVideo picks
        from reelforge.providers.video.runware import ESTIMATED_USD_PER_SECOND

        clips_usd = (scenes - footage_scenes) * clip * ESTIMATED_USD_PER_SECOND
        if clips_usd > 0:
            costs["runware"] = clips_usd
    costs = {k: round(v, 4) for k, v in costs.items()}
    most = round(sum(costs.values()), 4)
    least, note = most, ""
    if brief.footage is not None and clips_usd > 0:
        least = round(most - round(clips_usd, 4), 4)
        note = (f"${least:.2f} if your footage covers every scene, ${most:.2f} if the video "
                f"engine draws {'every' if not footage_scenes else 'every other'} scene: "
                "which scenes your footage covers is known once they are searched")
    return Estimate(cost_usd=most, by_provider=costs, scenes=scenes, engines=selected,
                    min_cost_usd=least, footage_scenes=footage_scenes, note=note)


def footage_covered(brief: Brief, scenes: int) -> int:
    """Scenes certain to show the creator's footage before anything is searched: those swapped
    to a named shot (a swap naming a scene the plan lacks is refused when the job runs)."""
    if brief.footage is None:
        return 0
    return sum(1 for i in brief.footage_swaps if 0 <= i < scenes)


def planned_scenes(script_engine: str, brief: Brief) -> int:
    """The scenes the selected writer makes: a user's script has its own (and costs no LLM
    call), the extractive writer at most one per sentence of the text; a montage has one
    wordless scene (its shots are the creator's: no clip is paid for)."""
    if script_engine == "montage":
        return 1
    if script_engine == "your-script" and brief.script is not None:
        from reelforge.providers.script.user_script import parse_script

        return len(parse_script(brief.script).scenes)
    if script_engine == "extractive" and brief.source_text is not None:
        from reelforge.providers.script.extractive import planned_scenes as extractive_scenes

        return extractive_scenes(brief.source_text, brief.duration_s)
    if script_engine == "openai":
        from reelforge.providers.script.openai_writer import scene_count as openai_scenes

        return openai_scenes(brief.duration_s)
    from reelforge.providers.script.template import scene_count

    return scene_count(brief.duration_s)
