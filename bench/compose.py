"""Benchmark of the composer: how fast it renders, and what each mood sounds like in numbers.

  * speed: seconds of music rendered per wall-clock second, composing different pieces in
    ``--workers`` processes at once (2 = the machine's cores), plus the CPU seconds spent (the
    Python score writing and FluidSynth together), so a loaded machine can be read through;
  * listening sheet: for each mood a ``--excerpt``-second piece (seed 0) measured by the
    project's own analysis (tempo, key, loudness, spectral brightness) beside what was asked,
    and beside the built-in catalog's first track of that mood, where the catalog has one.

    .venv/bin/python bench/compose.py                 # 2 workers, 8 × 30 s, sheet at 20 s
    .venv/bin/python bench/compose.py --pieces 4 --seconds 60 --no-sheet

Target (issue 20): ≥ 20× real time on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

MOODS_IN_ORDER = ("calm", "tender", "happy", "energetic", "nostalgic", "tense", "dark", "epic",
                  "sad", "mysterious", "playful", "romantic", "inspiring")


def _compose_one(job: tuple[str, float, int, str]) -> tuple[float, float]:
    """Compose one piece; (wall seconds, CPU seconds of this process and its fluidsynth)."""
    from reelforge.providers.music.composer import Composer

    mood, seconds, seed, folder = job
    started = time.perf_counter()
    cpu0 = _cpu()
    Composer(Path(folder)).compose(mood, seconds, seed=seed,
                                   out_wav=Path(folder) / f"{mood}-{seed}.wav")
    return time.perf_counter() - started, _cpu() - cpu0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def speed(pieces: int, seconds: float, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-compose-") as folder:
        jobs = [(MOODS_IN_ORDER[i % len(MOODS_IN_ORDER)], seconds, 100 + i, folder)
                for i in range(pieces)]
        load_before = os.getloadavg()[0]
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_compose_one, jobs[:workers]))  # warm: imports, soundfont in page cache
            started = time.perf_counter()
            done = list(pool.map(_compose_one, jobs))
            wall = time.perf_counter() - started
    music = pieces * seconds
    cpu = sum(c for _, c in done)
    return {"music_s": music, "wall_s": wall, "cpu_s": cpu, "x_realtime": music / wall,
            "x_realtime_per_cpu_s": music / cpu, "load_before": load_before,
            "load_after": os.getloadavg()[0]}


def sheet(excerpt_s: float) -> list[dict[str, object]]:
    from reelforge.media.audio_analysis import analyse_audio, decode_audio
    from reelforge.providers.music.builtin import builtin_tracks
    from reelforge.providers.music.composer import Composer

    catalog = {}
    for track in builtin_tracks():
        catalog.setdefault(track.moods[0], track)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sheet-") as folder:
        composer = Composer(Path(folder))
        for mood in MOODS_IN_ORDER:
            piece = composer.compose(mood, excerpt_s, seed=0)
            got = analyse_audio(decode_audio(piece.path))
            row: dict[str, object] = {
                "mood": mood, "asked": f"{piece.score.params.bpm:g} BPM {piece.score.params.key}",
                "bpm": got.bpm, "key": got.key_name, "lufs": got.loudness_lufs,
                "brightness_hz": got.brightness_hz,
                "tempo_ok": abs(got.bpm - piece.score.params.bpm) <= 2,
                "key_ok": got.key_name == piece.score.params.key}
            song = catalog.get(mood)
            if song and song.path:
                theirs = analyse_audio(decode_audio(Path(song.path), max_duration_s=excerpt_s))
                row["catalog"] = {"title": song.title, "bpm": theirs.bpm,
                                  "key": theirs.key_name, "lufs": theirs.loudness_lufs,
                                  "brightness_hz": theirs.brightness_hz}
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pieces", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--excerpt", type=float, default=20.0)
    parser.add_argument("--no-sheet", action="store_true")
    args = parser.parse_args()

    s = speed(args.pieces, args.seconds, args.workers)
    print(f"speed: {s['music_s']:.0f} s of music in {s['wall_s']:.1f} s wall on "
          f"{args.workers} workers = {s['x_realtime']:.1f}× real time "
          f"({s['x_realtime_per_cpu_s']:.1f} s of music per CPU second; "
          f"load average {s['load_before']:.1f} → {s['load_after']:.1f} on "
          f"{os.cpu_count()} cores)")
    if args.no_sheet:
        return
    print(f"\nlistening sheet ({args.excerpt:g} s excerpts, seed 0; catalog: its first track "
          "of the mood, first excerpt seconds)\n")
    print("| mood | asked | measured | LUFS | brightness Hz | catalog track | its tempo, key "
          "| its LUFS | its brightness Hz |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in sheet(args.excerpt):
        marks = ("" if row["tempo_ok"] else " (tempo off)") + ("" if row["key_ok"] else
                                                               " (key off)")
        cat = row.get("catalog")
        theirs = (f"{cat['title']} | {cat['bpm']:.0f} BPM {cat['key']} | {cat['lufs']:.1f} | "
                  f"{cat['brightness_hz']:.0f}") if isinstance(cat, dict) else "— | — | — | —"
        print(f"| {row['mood']} | {row['asked']} | {row['bpm']:.1f} BPM {row['key']}{marks} | "
              f"{row['lufs']:.1f} | {row['brightness_hz']:.0f} | {theirs} |")


if __name__ == "__main__":
    main()
