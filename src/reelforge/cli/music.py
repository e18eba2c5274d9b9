"""`reelforge music compose` — a piece written for a brief, on its own (no video).

Parsing and printing only; the composer is ``reelforge.providers.music.composer`` (imported
inside the command so ``--help`` loads nothing heavy).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

app = typer.Typer(help="Music written for you, offline: `reelforge music compose`.",
                  no_args_is_help=True)


@app.command("compose")
def compose_command(
    brief: str = typer.Argument(..., help='What the music should feel like, e.g. "tense chase '
                                'at night" (any words: the nearest mood is used).'),
    duration: float = typer.Option(30.0, "--duration", "-d", help="Length in seconds (5–600)."),
    out: Path = typer.Option(Path("score.wav"), "--out", "-o", help="WAV file to write."),
    bpm: float | None = typer.Option(None, "--bpm", help="Tempo (default: the mood's)."),
    key: str | None = typer.Option(None, "--key", help='Key, e.g. "A minor" (default: the '
                                   "mood's)."),
    seed: int = typer.Option(0, "--seed", help="Another seed gives another piece."),
    sections: str = typer.Option("", "--sections", help="Section starts in seconds, comma "
                                 "separated (e.g. 8.5,21,34): a lift or a drop at each."),
    as_json: bool = typer.Option(False, "--json", help="Print the parameters as JSON."),
) -> None:
    """Compose a piece of exactly --duration seconds that ends on its final cadence."""
    from dataclasses import asdict

    from reelforge.errors import InputError
    from reelforge.providers.music.composer import Composer
    from reelforge.settings import Settings

    try:
        starts = tuple(float(s) for s in sections.split(",") if s.strip())
    except ValueError as exc:
        raise InputError(f"cannot read --sections {sections!r}",
                         hint="give seconds separated by commas, e.g. 8.5,21,34") from exc
    composer = Composer.from_settings(Settings())
    piece = composer.compose(brief, duration, seed=seed, bpm=bpm, key=key, sections_s=starts,
                             out_wav=out)
    if as_json:
        found = {"path": str(piece.path), "mood": asdict(piece.mood),
                 "params": asdict(piece.score.params), "cadence_s": piece.score.cadence_s,
                 "sections": [asdict(s) for s in piece.score.sections],
                 "licence": piece.track.licence}
        print(json.dumps(found, indent=2))
        return
    print(piece.describe())
    print(piece.path)
