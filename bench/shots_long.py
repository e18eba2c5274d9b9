"""Shot detection of a long 1080p file: one piece against parts in processes; frames/s, peak RSS.

    .venv/bin/python bench/shots_long.py                 # a 60-minute 1080p30 file
    .venv/bin/python bench/shots_long.py --minutes 10    # shorter, same method

The file is made once (kept in ``--dir``): reels of real photographs (``tests/video/
photo_synth.py``, 30 fps) scaled to 1920x1080 with FFmpeg's bicubic scaler and temporal grain,
encoded with libx264 veryfast CRF 21 (keyframe at most every 250 frames) into a 5-minute chunk,
which is then repeated by stream copy to the asked length. Every method runs in a fresh process
(import and start-up included, on both sides alike); peak RSS is the process tree's, polled
every 0.1 s. The split run must find exactly the shots the one-piece run finds.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "video"))

CHUNK_S = 300

RUNNERS = {
    "reelforge one piece": "from reelforge.media.shots import detect_shots\n"
                           "shots = detect_shots(PATH)\n",
    "reelforge in parts": "from reelforge.media.shots.split import detect_shots_split\n"
                          "shots = detect_shots_split(PATH, workers=WORKERS).shots\n",
    "bare PyAV decode": "import av\nshots = []\n"
                        "with av.open(PATH) as c:\n"
                        "    s = c.streams.video[0]; s.thread_type = 'AUTO'\n"
                        "    for _ in c.decode(s): pass\n",
}


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def make_chunk(folder: Path) -> Path:
    """Five minutes of photograph reels at 1080p30 (made once)."""
    from photo_synth import hard_reel, make_photo_video
    from synth import Join

    chunk = folder / "chunk-5min-1080p30.mp4"
    if chunk.exists():
        return chunk
    small = folder / "chunk-5min-320x180.mp4"
    shots, joins = [], []
    rotate = 0
    while sum(s.frames for s in shots) < CHUNK_S * 30:
        more, more_joins = hard_reel(30, rotate=rotate)
        if shots:
            joins.append(Join("cut"))
        shots += more
        joins += more_joins
        rotate += 1
    print(f"making {small.name} ({len(shots)} shots) ...", file=sys.stderr, flush=True)
    make_photo_video(small, shots, joins, fps=30)
    print(f"scaling to {chunk.name} ...", file=sys.stderr, flush=True)
    subprocess.run([ffmpeg(), "-v", "error", "-y", "-i", str(small), "-t", str(CHUNK_S),
                    "-vf", "scale=1920:1080:flags=bicubic,noise=alls=5:allf=t",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "21", "-g", "250",
                    "-pix_fmt", "yuv420p", str(chunk)], check=True)
    return chunk


def make_long(folder: Path, minutes: int) -> Path:
    path = folder / f"long-{minutes}min-1080p30.mp4"
    if path.exists():
        return path
    chunk = make_chunk(folder)
    repeats = max(1, round(minutes * 60 / CHUNK_S))
    listing = folder / "concat.txt"
    listing.write_text("".join(f"file '{chunk.name}'\n" for _ in range(repeats)))
    subprocess.run([ffmpeg(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i",
                    str(listing), "-c", "copy", str(path)], check=True)
    return path


def run(method: str, path: Path, workers: int) -> tuple[float, float, int]:
    """(wall s, peak RSS MB of the process tree, shots found) of one method in a new process."""
    code = (RUNNERS[method].replace("PATH", repr(str(path))).replace("WORKERS", str(workers))
            + "print(len(shots))\n")
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=out)
        watched = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.1)
        wall = time.perf_counter() - t0
        if proc.returncode:
            raise SystemExit(f"{method} failed ({proc.returncode})")
        out.seek(0)
        return wall, peak / 2**20, int(out.read().decode().split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/reelforge-bench-shots-long"))
    parser.add_argument("--methods", nargs="+", default=list(RUNNERS), choices=list(RUNNERS))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = make_long(args.dir, args.minutes)
    from reelforge.media.shots.split import frame_index

    frames = len(frame_index(path).all_pts)
    print(f"\n{path.name}: {frames} frames (real photographs scaled to 1920x1080, x264 CRF 21)")
    print(f"{'method':24} {'frames/s':>9} {'wall s':>8} {'peak RSS MB':>12} {'shots':>6}")
    found = {}
    for method in args.methods:
        wall, rss, shots = run(method, path, args.workers)
        found[method] = shots
        label = f"{method} ({args.workers} proc)" if method == "reelforge in parts" else method
        print(f"{label:24} {frames / wall:9.0f} {wall:8.1f} {rss:12.0f} "
              f"{shots if method != 'bare PyAV decode' else '':>6}", flush=True)
    if "reelforge one piece" in found and "reelforge in parts" in found:
        same = found["reelforge one piece"] == found["reelforge in parts"]
        print(f"\nsame shot count in parts as in one piece: {same}")
    print(json.dumps({"file": path.name, "frames": frames, "shots": found}))


if __name__ == "__main__":
    main()
