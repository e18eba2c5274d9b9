"""Long video to shorts, end to end: wall time (× real time) and peak memory of
``reelforge clips`` on a talk-like input the bench makes itself.

    .venv/bin/python bench/clips.py                    # 60 min 1080p (the target's input)
    .venv/bin/python bench/clips.py --minutes 5 --size 1280x720   # a quick look

The input: a few paragraphs spoken by the offline Piper voice, looped to the length, over
1080p footage of a real face (scikit-image's astronaut photograph) on a few backgrounds that
change every half minute (shot changes), encoded as H.264 at 30 fps. The run is the CLI in a
child process (its peak RSS is read from the OS), cold: no transcript cache.
Targets (DESIGN.md): ≥ 6× real time for 5 clips, peak memory < 1.5 GB.
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

PARAGRAPHS = [
    "Why does an octopus have three hearts? It sounds impossible, but every octopus is born "
    "with them. Two hearts push blood through the gills. The third one stops when it swims.",
    "Bakers in the old town start their ovens before dawn. The dough rests overnight in cool "
    "rooms. Slow rising gives the crust its deep colour.",
    "High in the mountains a small red train climbs through the snow. The railway was built by "
    "hand over many years. Travellers watch glaciers pass beside the windows.",
    "Most people think sleep is wasted time. That is the biggest mistake you can make. Your "
    "brain clears its waste only while you sleep.",
]
SHOT_S = 30.0
#: The CLI in this child, which prints its own peak RSS and its children's (KiB) at the end.
_MEASURED = """
import resource, sys
sys.argv = ["reelforge", *sys.argv[1:]]
from reelforge.cli.main import app
try:
    app(standalone_mode=False)
finally:
    me, kids = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                    resource.RUSAGE_CHILDREN))
    print(me.ru_maxrss, kids.ru_maxrss, me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime)
"""


def make_talk(folder: Path, minutes: float, width: int, height: int) -> Path:
    """A talk of ``minutes`` at ``width``×``height``: looped Piper speech over still shots."""
    import soundfile as sf
    from PIL import Image
    from skimage import data

    from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
    from reelforge.providers.base import SpeechRequest
    from reelforge.providers.voice.piper import PiperVoiceEngine
    from reelforge.text import split_sentences

    engine = PiperVoiceEngine()
    parts, rate = [], 22050
    for k, paragraph in enumerate(PARAGRAPHS):
        wav = folder / f"p{k}.wav"
        engine.speak(SpeechRequest(sentences=tuple(split_sentences(paragraph)), voice="joe"), wav)
        audio, rate = sf.read(wav, dtype="float32")
        parts += [audio, np.zeros(round(1.0 * rate), np.float32)]
    sf.write(folder / "speech.wav", np.concatenate(parts), rate, subtype="PCM_16")
    side = height * 5 // 6
    photo = np.asarray(Image.fromarray(data.astronaut()).resize((side, side)))
    shots = []
    for k in range(4):
        rng = np.random.default_rng(k)
        small = rng.integers(30, 140, (9, 16, 3), dtype=np.uint8)
        frame = np.asarray(Image.fromarray(small).resize((width, height), Image.NEAREST)).copy()
        x = [width // 10, width // 2, width // 3, width // 5][k]
        frame[(height - side) // 2:(height - side) // 2 + side, x:x + side] = photo
        Image.fromarray(frame).save(folder / f"shot{k}.png")
        shots.append(folder / f"shot{k}.png")
    total = minutes * 60
    listing = "".join(f"file '{shots[n % 4]}'\nduration {SHOT_S}\n"
                      for n in range(int(np.ceil(total / SHOT_S))))
    (folder / "shots.txt").write_text(listing + f"file '{shots[0]}'\n")
    out = folder / "talk.mp4"
    run_ffmpeg(["-f", "concat", "-safe", "0", "-i", str(folder / "shots.txt"),
                "-stream_loop", "-1", "-i", str(folder / "speech.wav"), "-t", f"{total:.0f}",
                "-r", "30", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "stillimage",
                "-pix_fmt", "yuv420p", "-g", "60", "-c:a", "aac", "-b:a", "96k", str(out)],
               ffmpeg=find_ffmpeg(), what="making the bench talk")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="keep the input and clips in this folder")
    parser.add_argument("--input", type=Path, help="use this talk instead of making one")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="rf-bench-clips-") as tmp_name:
        folder = args.keep or Path(tmp_name)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        talk = args.input or make_talk(folder, args.minutes, width, height)
        if args.input:
            from reelforge.media.probe import probe_video

            info = probe_video(talk)
            args.minutes, width, height = info.duration_s / 60, info.width, info.height
        ready = time.perf_counter() - started
        print(f"input: {args.minutes:g} min {width}x{height} 30 fps "
              f"({talk.stat().st_size / 1e6:.0f} MB) ready after {ready:.0f} s")
        out = folder / "clips"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _MEASURED, "clips", str(talk),
                               "--count", str(args.count), "--length", "20-60", "--aspect",
                               "9:16", "--out", str(out)],
                              check=True, env=env, stdout=subprocess.PIPE, text=True)
        wall = time.perf_counter() - started
        own_kib, children_kib, cpu_s = done.stdout.strip().splitlines()[-1].split()
        own, children = int(own_kib) / 1024, int(children_kib) / 1024
        clips = json.loads((out / "clips.json").read_text())["clips"]
        seconds = args.minutes * 60
        print(f"clips: {len(clips)} ({sum(c['duration_s'] for c in clips):.0f} s in all)")
        print(f"wall: {wall:.1f} s = {seconds / wall:.1f}× real time (target ≥ 6×)")
        cores = os.cpu_count() or 1
        print(f"CPU: {float(cpu_s):.0f} CPU-s = {float(cpu_s) / seconds:.3f} CPU-s per second of "
              f"video; on {cores} idle cores at most {seconds * cores / float(cpu_s):.1f}× real "
              "time (the wall figure is what a loaded machine gave)")
        print(f"peak RSS: reelforge {own:.0f} MB (target < 1500 MB); its largest child (FFmpeg) "
              f"at most {children:.0f} MB (Linux counts a child's pages from before exec)")
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
