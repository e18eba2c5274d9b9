"""Cold and warm wall time of an offline `reelforge make` (30 s, 9:16) on this machine.

Cold: a fresh data folder (empty step cache) and a fresh process (models load).
Warm: the same command again (every step is a cache hit).
Targets: cold under 60 s on 2 cores (issue "The spine"), under 25 s (issue 19).

    .venv/bin/python bench/make_offline.py [--duration 30] [--aspect 9:16] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_make(data: Path, out: Path, duration: float, aspect: str) -> tuple[float, dict]:
    env = dict(os.environ, REELFORGE_DATA_DIR=str(data))
    for key in ("OPENAI_API_KEY", "HUME_API_KEY", "RUNWARE_API_KEY", "SPOTIFY_CLIENT_ID"):
        env.pop(key, None)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "make",
         "Why octopuses are smarter than you think", "--duration", str(duration),
         "--aspect", aspect, "--voice", "joe", "--emotion", "curious", "--intensity", "0.7",
         "--out", str(out), "--json"],
        capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"make failed:\n{proc.stderr}")
    return wall, json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--aspect", default="9:16")
    parser.add_argument("--runs", type=int, default=1, help="cold runs to take the best of")
    args = parser.parse_args()
    colds, warms, manifest = [], [], {}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="rf-bench-") as tmp:
            data, out = Path(tmp, "data"), Path(tmp, "out")
            cold, manifest = run_make(data, out, args.duration, args.aspect)
            warm, again = run_make(data, out, args.duration, args.aspect)
            assert all(s["cache_hit"] for s in again["steps"]), "warm run missed the cache"
            colds.append(cold)
            warms.append(warm)
    by_kind: dict[str, float] = {}
    for step in manifest["steps"]:
        kind = step["step"].split()[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + step["duration_s"]
    print(f"offline make, {args.duration:g} s {args.aspect}, {os.cpu_count()} cores, "
          f"video {manifest['duration_s']:.1f} s")
    print(f"{'':<14}{'wall s':>10}")
    print(f"{'cold (best)':<14}{min(colds):>10.1f}   target < 60 s: "
          f"{'met' if min(colds) < 60 else 'NOT met'}; < 25 s (issue 19): "
          f"{'met' if min(colds) < 25 else 'NOT met'}")
    print(f"{'warm (best)':<14}{min(warms):>10.1f}")
    print("cold step time by kind (summed; scene steps overlap on the cores):")
    for kind, seconds in by_kind.items():
        print(f"  {kind:<12}{seconds:>8.1f}")


if __name__ == "__main__":
    main()
