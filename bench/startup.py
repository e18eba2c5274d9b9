"""Start-up benchmark: how long a user waits for `reelforge --help`, and for `reelforge video
shots CLIP --json` on a 24 s clip beside PySceneDetect's own CLI on the same clip.

Run (PySceneDetect comes with the bench extra: ``pip install -e '.[bench]'``)::

    PYTHONPATH=src .venv/bin/python bench/startup.py            # 10 runs of each
    PYTHONPATH=src .venv/bin/python bench/startup.py --runs 20 --size 640x360

Every figure is wall time of a whole process, start-up included, as a user sees it. The clip is
synthetic (tests/video/synth.py: 16 textured, moving shots joined by 14 cuts and one 12-frame
dissolve; 720 frames, 30 fps, H.264) and made once into ``--dir``. PySceneDetect runs its
AdaptiveDetector (the detector reelforge's is compared with in bench/shots.py) with its default,
documented settings: ``scenedetect -q -i CLIP detect-adaptive list-scenes -n``. Runs are
interleaved (help, shots, PySceneDetect, help, ...) after one untimed warm-up of each, so both
sides see the same machine load; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIP_VERSION = 1
CLIP_SECONDS = 24
HELP_TARGET_S = 0.3


@dataclass(frozen=True)
class Timing:
    """Wall times of one command over every timed run."""

    name: str
    command: list[str]
    seconds: list[float]
    cpu_seconds: list[float]  # user + system of the process; less sensitive to machine load

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def row(self) -> str:
        return (f"{self.name:<34} median {self.median:6.3f} s   min {min(self.seconds):6.3f}"
                f"   max {max(self.seconds):6.3f}   CPU median "
                f"{statistics.median(self.cpu_seconds):6.3f} s   ({len(self.seconds)} runs)")


def make_clip(folder: Path, width: int, height: int) -> tuple[Path, int]:
    """The 24 s synthetic clip (made once per size) and how many shots it truly has."""
    sys.path.insert(0, str(ROOT / "tests" / "video"))
    from synth import Join, ShotSpec, make_video

    motions = [(0.5, 0.0), (4.0, 0.0), (-2.0, 1.3), (0.0, 0.0), (1.5, -1.0), (8.0, 0.0)]
    shots = [ShotSpec(45 + (12 if i == 15 else 0), 700 + i, *motions[i % len(motions)])
             for i in range(16)]  # 16 x 45 frames + 12, less the dissolve's 12: 720 frames
    joins = [Join("dissolve", 12) if i == 7 else Join("cut") for i in range(15)]
    path = folder / f"clip-{CLIP_SECONDS}s-{width}x{height}-v{CLIP_VERSION}.mp4"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part.mp4")
        truth = make_video(partial, shots, joins, width=width, height=height)
        assert truth.frames == CLIP_SECONDS * 30, truth.frames
        partial.replace(path)
    return path, len(shots)


def reelforge_command() -> list[str]:
    """The console script a user runs, or the module when it is not installed."""
    script = Path(sys.executable).with_name("reelforge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reelforge.cli.main"]


def scenedetect_command() -> list[str] | None:
    script = Path(sys.executable).with_name("scenedetect")
    found = str(script) if script.exists() else shutil.which("scenedetect")
    return [found] if found else None


def timed(command: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n"
                         f"{done.stderr.decode(errors='replace')[-2000:]}")
    return elapsed, cpu


def shots_found(reelforge: list[str], scenedetect: list[str] | None,
                clip: Path) -> tuple[int, int | None]:
    """How many shots each side reports (a sanity check that both did the work)."""
    doc = json.loads(subprocess.run([*reelforge, "video", "shots", str(clip), "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    if scenedetect is None:
        return len(doc["shots"]), None
    listed = subprocess.run([*scenedetect, "-i", str(clip), "detect-adaptive", "list-scenes",
                             "-n"], capture_output=True, text=True, check=True).stdout
    scenes = sum(1 for line in listed.splitlines()
                 if line.strip().startswith("|") and line.split("|")[1].strip().isdigit())
    return len(doc["shots"]), scenes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="Timed runs of each command.")
    parser.add_argument("--size", default="1280x720", help="Clip size, WIDTHxHEIGHT.")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/reelforge-bench-startup"),
                        help="Where the synthetic clip is made (once).")
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    clip, true_shots = make_clip(args.dir, width, height)
    reelforge, scenedetect = reelforge_command(), scenedetect_command()
    commands = {
        "reelforge --help": [*reelforge, "--help"],
        "reelforge video shots CLIP --json": [*reelforge, "video", "shots", str(clip), "--json"],
    }
    if scenedetect is None:
        print("scenedetect not found: install the bench extra (pip install scenedetect-headless)"
              "; timing reelforge only", file=sys.stderr)
    else:
        commands["scenedetect detect-adaptive"] = [*scenedetect, "-q", "-i", str(clip),
                                                   "detect-adaptive", "list-scenes", "-n"]
    ours, theirs = shots_found(reelforge, scenedetect, clip)
    load_before = os.getloadavg()
    for command in commands.values():  # warm the page cache and .pyc files; not timed
        timed(command)
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            runs[name].append(timed(command))
    load_after = os.getloadavg()
    timings = [Timing(name, command, [wall for wall, _ in runs[name]],
                      [cpu for _, cpu in runs[name]]) for name, command in commands.items()]

    source = subprocess.run([sys.executable, "-c", "import reelforge; print(reelforge.__file__)"],
                            capture_output=True, text=True, check=True).stdout.strip()
    print(f"reelforge: {' '.join(reelforge)} (package {source})")
    print(f"clip: {clip.name} (synthetic: {true_shots} shots, {CLIP_SECONDS} s, 30 fps, H.264)")
    print(f"shots found: reelforge {ours}"
          + (f", PySceneDetect AdaptiveDetector {theirs}" if theirs is not None else ""))
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"({os.cpu_count()} CPUs)")
    for timing in timings:
        print(timing.row())
    help_s = timings[0].median
    verdict = "meets" if help_s <= HELP_TARGET_S else "misses"
    print(f"--help: {help_s:.3f} s median, {verdict} the {HELP_TARGET_S} s target")
    ratio = None
    if len(timings) == 3:
        ratio = timings[1].median / timings[2].median
        faster = "faster" if ratio < 1 else "SLOWER"
        print(f"video shots / PySceneDetect CLI: {ratio:.2f} (reelforge {faster})")
    if args.json:
        args.json.write_text(json.dumps({
            "clip": str(clip), "true_shots": true_shots, "shots_found": {
                "reelforge": ours, "pyscenedetect": theirs},
            "load_average": {"before": load_before[0], "after": load_after[0]},
            "timings": {t.name: {"median_s": t.median, "min_s": min(t.seconds),
                                 "max_s": max(t.seconds), "runs": t.seconds,
                                 "cpu_median_s": statistics.median(t.cpu_seconds),
                                 "command": t.command} for t in timings},
            "shots_over_pyscenedetect": ratio}, indent=2))


if __name__ == "__main__":
    main()
