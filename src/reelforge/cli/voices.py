"""`reelforge voices`: every voice, with language, accent and engine."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console

from reelforge.cli.tables import compact_table
from reelforge.errors import InputError


def voices_command(
    provider: str = typer.Option(
        "offline", "--provider", "-p",
        help="offline (Piper + espeak-ng), hume (pages Hume's voice library; needs HUME_API_KEY) "
        "or openai (OpenAI-compatible speech voices).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the list as JSON."),
) -> None:
    """List voices: the offline ones by default, or a remote provider's.

    Use an id with `reelforge make --voice`; remote ids carry their engine (`hume:<name>`,
    `openai:<voice>`).
    """
    from reelforge.providers.registry import offline_voices
    from reelforge.settings import Settings

    settings = Settings()
    if provider == "offline":
        voices = offline_voices(settings)
    elif provider == "hume":
        from reelforge.providers.voice.hume import HumeVoice

        voices = HumeVoice.from_settings(settings).voices()
    elif provider == "openai":
        from reelforge.providers.voice.openai_speech import OpenAISpeechVoice

        voices = OpenAISpeechVoice.from_settings(settings).voices()
    else:
        raise InputError(f"unknown --provider {provider!r}", hint="use offline, hume or openai")
    if as_json:
        print(json.dumps([asdict(v) for v in voices], indent=2))
        return
    table = compact_table("id", "name", "language", "accent", "gender", "engine",
                          title="Voices (use the id with `reelforge make --voice`)",
                          whole=("id", "engine"))
    for v in voices:
        table.add_row(v.id, v.name, v.language, v.accent, v.gender, v.engine)
    Console().print(table)
    if provider == "offline" and not any(v.engine == "espeak" for v in voices):
        Console(stderr=True).print(
            "note: install espeak-ng for 24 more voices (sudo apt-get install espeak-ng)"
        )
