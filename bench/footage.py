"""Benchmark of the footage library: indexing speed on real-size footage with speech, and search
latency at library scale.

Indexing: FFmpeg makes a 1080p30 H.264 file of ``--seconds`` seconds from four of its test
sources (testsrc2, smptehdbars, rgbtestsrc, testsrc, with moving grain: four shots, hard
cuts) under a Piper narration
repeated to length, then ``add_footage`` indexes it (shots, keyframes, looks, transcript,
embedding) with ``--workers`` processes; reported as × real time, with the peak RSS of this
process and its children.

Search: a library of ``--shots`` shots whose vectors are composed from encoded phrases (subject,
place, colour, motion, what is said: the cluster structure of real descriptions without encoding
every one), searched through ``FolderFootageIndex.search`` — text encoding, FAISS, and the reason
included — for p50/p99.

    .venv/bin/python bench/footage.py                        # 60 s of 1080p, 100k shots
    .venv/bin/python bench/footage.py --seconds 1800 --workers 1   # memory on a 30-minute file
    .venv/bin/python bench/footage.py --skip-search --moving   # a panning camera in every shot

Targets (issue 17): indexing ≥ 10× real time on 2 cores; search p50 < 15 ms at 100k shots;
peak memory < 1 GB while indexing a 30-minute file.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_support import percentile

from reelforge.library.footage import FootageShot
from reelforge.library.footage_add import add_footage
from reelforge.library.footage_store import FolderFootageIndex, FootageLibrary
from reelforge.media.embeddings import get_text_encoder, normalize
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.media.index import VectorIndex

SOURCES = ("testsrc2", "smptehdbars", "rgbtestsrc", "testsrc")
NARRATION = ("The harbour wakes before the sun. Fishing boats head out past the lighthouse, "
             "and gulls follow them over the grey water.")
SUBJECTS = ("a dog", "two children", "a cyclist", "an old fisherman", "a red car", "a cat",
            "a crowd", "a chef", "a surfer", "a street musician", "a family", "a drone view")
PLACES = ("on the beach", "in a forest", "in a city at night", "in a kitchen", "on a mountain",
          "in the snow", "at a market", "by a lake", "in an office", "at a concert")
COLOURS = ("blue", "green", "orange", "grey", "white", "black", "yellow", "purple", "red")
MOTION = ("still", "steady", "moving", "fast-moving")
SAID = ("", "Someone says: “welcome back to the channel”.", "Someone says: “look at that”.",
        "Someone says: “this is the best part”.", "Someone says: “we made it”.")
QUERIES = ("a dog running on the beach", "city lights at night", "someone cooking in a kitchen",
           "snowy mountain view", "kids laughing by the lake", "a busy market", "we made it",
           "fast car on a road", "calm forest morning", "a concert crowd cheering")


#: A moving camera: each shot scrolls sideways by this share of its width per frame (~4 px).
PAN_PER_FRAME = 0.002


def make_footage(path: Path, seconds: float, *, moving: bool = False) -> None:
    """1080p30 with four shots and a looped narration, encoded as a phone writes H.264 (no
    B-frames; here ``ultrafast``, whose packets are large); ``moving``: every shot pans."""
    from reelforge.providers.base import SpeechRequest
    from reelforge.providers.voice.piper import PiperVoiceEngine

    wav = path.with_suffix(".wav")
    PiperVoiceEngine().speak(SpeechRequest(sentences=(NARRATION,), voice="joe"), wav)
    part = seconds / len(SOURCES)
    args: list[str] = []
    for source in SOURCES:
        args += ["-f", "lavfi", "-i", f"{source}=size=1920x1080:rate=30"]
    pan = f"scroll=horizontal={PAN_PER_FRAME}," if moving else ""
    inputs = "".join(f"[{i}:v]trim=duration={part},setpts=PTS-STARTPTS,{pan}format=yuv420p,"
                     f"noise=alls=12:allf=t+u[v{i}];"
                     for i in range(len(SOURCES)))
    concat = "".join(f"[v{i}]" for i in range(len(SOURCES)))
    graph = f"{inputs}{concat}concat=n={len(SOURCES)}:v=1:a=0[v]"
    run_ffmpeg([*args, "-stream_loop", "-1", "-i", str(wav), "-filter_complex", graph,
                "-map", "[v]", "-map", f"{len(SOURCES)}:a", "-t", str(seconds),
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-g", "60",
                "-c:a", "aac", "-b:a", "96k", str(path)], ffmpeg=find_ffmpeg(),
               what="making the benchmark footage")


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def bench_indexing(seconds: float, workers: int, footage: Path | None,
                   moving: bool = False) -> None:
    encoder = get_text_encoder()
    encoder.encode(["warm up"])
    with tempfile.TemporaryDirectory(prefix="rf-footage-bench-") as tmp:
        clip = footage or Path(tmp) / "harbour_morning.mp4"
        if footage is None:
            started = time.perf_counter()
            make_footage(clip, seconds, moving=moving)
            print(f"made {seconds:.0f} s of 1080p30 with speech"
                  f"{', every shot panning' if moving else ''} in "
                  f"{time.perf_counter() - started:.1f} s ({clip.stat().st_size / 1e6:.1f} MB)")
        else:
            from reelforge.media.probe import probe_video

            seconds = probe_video(clip).duration_s
        started, cpu = time.perf_counter(), _cpu_s()
        report = add_footage([clip], Path(tmp) / "library", embed=encoder.encode,
                             transcribe=True, workers=workers)
        wall, cpu = time.perf_counter() - started, _cpu_s() - cpu
        assert report.added, report.failed
        print(f"indexing: {wall:.1f} s wall = {seconds / wall:.1f}× real time, {cpu:.1f} CPU s "
              f"({report.shots_added} shots, workers={workers}); peak RSS {peak_rss_mb():.0f} MB")
        # the load-robust figure: on two idle cores the file would take cpu / 2 seconds at best
        print(f"  {cpu / seconds:.3f} CPU-s per video second = {2 * seconds / cpu:.1f}× real time "
              f"if two idle cores were kept busy; load average {_load()}")


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _cpu_s() -> float:
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                          resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_search(count: int, queries: int) -> None:
    encoder = get_text_encoder()
    rng = random.Random(17)
    phrase_sets = (SUBJECTS, PLACES, COLOURS, MOTION, SAID[1:])
    phrase_vectors = [encoder.encode(list(group)) for group in phrase_sets]
    vectors = np.zeros((count, encoder.dimension), np.float32)
    shots: dict[int, FootageShot] = {}
    noise = np.random.default_rng(17)
    for i in range(count):
        picks = [rng.randrange(len(group)) for group in phrase_sets]
        vectors[i] = sum(phrase_vectors[g][p] * w for g, (p, w) in
                         enumerate(zip(picks, (1.0, 0.8, 0.4, 0.3, 0.5), strict=True)))
        words = [phrase_sets[g][p] for g, p in enumerate(picks)]
        shots[i + 1] = FootageShot(
            shot_id=f"bench#{i}", source=f"/footage/clip_{i // 8:05d}.mp4", kind="video",
            start_s=(i % 8) * 4.0, end_s=(i % 8) * 4.0 + 4.0, width=1920, height=1080,
            description=". ".join(words), names=tuple(words[0].split()),
            colours=(words[2],), transcript=words[4])
    vectors += noise.normal(0, 0.02, vectors.shape).astype(np.float32)
    index = VectorIndex.build(np.arange(1, count + 1), normalize(vectors))
    library = FootageLibrary(Path("/nonexistent"), shots=shots, next_id=count + 1)
    footage = FolderFootageIndex(library, index, encoder.encode)
    footage.search("warm up", 10)
    times, cpu, filtered, filtered_cpu = [], [], [], []
    for q in range(queries):
        text = QUERIES[q % len(QUERIES)] + ("" if q < len(QUERIES) else f" {q}")
        started, started_cpu = time.perf_counter(), time.thread_time()
        footage.search(text, 10)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        started, started_cpu = time.perf_counter(), time.thread_time()
        footage.search(text, 10, min_duration_s=3.0, kind="video")
        filtered.append((time.perf_counter() - started) * 1000)
        filtered_cpu.append((time.thread_time() - started_cpu) * 1000)
    print(f"search at {count} shots (encoding included): p50 {percentile(times, 50):.1f} ms "
          f"wall ({percentile(cpu, 50):.1f} ms CPU), p99 {percentile(times, 99):.1f} ms; with "
          f"kind+duration filter p50 {percentile(filtered, 50):.1f} ms wall "
          f"({percentile(filtered_cpu, 50):.1f} ms CPU)")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--shots", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-indexing", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--footage", type=Path, help="index this file instead of making one")
    parser.add_argument("--moving", action="store_true",
                        help="every shot of the made footage pans (nothing can be skimmed)")
    args = parser.parse_args(argv)
    if not args.skip_search:
        bench_search(args.shots, args.queries)
    if not args.skip_indexing:
        bench_indexing(args.seconds, args.workers, args.footage, args.moving)


if __name__ == "__main__":
    main(sys.argv[1:])
