"""The final render, measured: reelforge's assembly against MoviePy and a bare FFmpeg encode.

    PYTHONPATH=src .venv/bin/python bench/render.py [--minutes 1 10] [--engines reelforge bare]
        [--threads 2] [--keep]

One timeline per length, 1080×1920 at 30 fps: six scenes cross-faded (0.5 s), each scene's
narration at its place, a built-in music track under it, word-timed karaoke captions. The
source clips are what ``reelforge make`` feeds the assembler offline: the local renderer's own
clips (540×960 at 15 fps, light generative content), made once before any timing. Narration is
synthetic voiced tones at 22.05 kHz, one burst per word, with the words' times known.

Engines, each in a fresh process (wall time and peak RSS of the whole process tree, polled):

- ``reelforge``: the assemble step's own calls: the caption writer, then ``render_video``
  (narration mix, loudness measurement, one FFmpeg graph with ducking and loudnorm).
- ``moviepy``: MoviePy 2.x's documented API: ``VideoFileClip`` resized and cropped,
  ``CrossFadeIn`` in a ``CompositeVideoClip``, ``TextClip`` captions (a white page and the
  spoken word in yellow over it), ``CompositeAudioClip`` with the music looped at the same
  gain, faded in and out; no ducking and no loudness normalisation (MoviePy has neither).
- ``bare``: the floor: the six clips concatenated (concat demuxer) and encoded at 1080×1920,
  30 fps, with only the conversion that makes those frames (``fps``, ``scale`` fast bilinear):
  no fades, captions, audio or second pass.

All three encode with libx264 at the same preset, CRF and ``-threads``.
Targets (issue 19): ≥ 8× MoviePy, ≤ 1.3× the bare encode, peak RSS of the 10-minute render
≤ the 1-minute one + 100 MB.

Measured 2026-12-02 (branch ``render13``, 2 shared cores, load average 4–12 during the runs,
main and the branch alternated on the same data, four runs each, ``--minutes 1 --engines
reelforge bare``): reelforge 56.6–58.8 CPU-s before (captions by ``subtitles`` on every frame,
Lanczos, dynamic loudness pass), 51.4–58.3 after; bare 41.7–49.6 with the load. Per run
1.19–1.33× before, **1.22–1.27× after in CPU**; started side by side with bare (same load)
1.28× before, 1.18× after. Wall ratios at that load (0.64–1.47 for the same code) measure the
other sessions. See docs/performance.md, "The render at 1.37×: where it went".
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

WIDTH, HEIGHT, FPS = 1080, 1920, 30
SCENES, CROSSFADE_S = 6, 0.5
VOICE_RATE = 22_050
STYLE = "karaoke"
ENGINES = ("reelforge", "moviepy", "bare")
MOODS = ("calm", "energetic", "happy", "mysterious", "dramatic", "tender")
VOCABULARY = (
    "octopus", "ocean", "arm", "taste", "neuron", "jar", "keeper", "shell", "armour", "floor",
    "species", "learn", "animal", "year", "water", "night", "light", "colour", "skin", "pattern",
    "hunt", "crab", "reef", "hide", "escape", "brain", "curious", "quick", "strange", "clever",
    "deep", "blue", "cold", "warm", "small", "giant", "patient", "every", "their", "most",
)


@dataclass(frozen=True)
class Figures:
    engine: str
    wall_s: float
    cpu_s: float  # user + system seconds of the whole process tree
    peak_rss_mb: float
    output_s: float


# ---- the data: a timeline as the pipeline builds it, with its files ---------------------------

def _speech(rng: random.Random, length_s: float, scene: int) -> tuple[np.ndarray, list, list]:
    """Voiced bursts, one per word, with sentence pauses; the words and sentences with times."""
    from reelforge.domain import Cue, Word

    audio = np.zeros(int(length_s * VOICE_RATE) + VOICE_RATE, dtype=np.float32)
    words: list[Word] = []
    cues: list[Cue] = []
    at, sentence, started = 0.05, [], 0.05
    while True:
        dur = rng.uniform(0.22, 0.48)
        if at + dur > length_s:
            break
        text = rng.choice(VOCABULARY)
        end_of_sentence = len(sentence) >= rng.randint(7, 13)
        text = text + "." if end_of_sentence else text
        n = int(dur * VOICE_RATE)
        t = np.arange(n) / VOICE_RATE
        f0 = rng.uniform(110, 170)
        tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 2, 3, 4))
        envelope = np.sin(np.pi * np.arange(n) / n) ** 0.5
        i = int(at * VOICE_RATE)
        audio[i:i + n] += (0.22 * tone * envelope).astype(np.float32)
        words.append(Word(text=text, start_s=round(at, 3), end_s=round(at + dur, 3),
                          scene_index=scene))
        sentence.append(text)
        at += dur + 0.07
        if end_of_sentence:
            cues.append(Cue(text=" ".join(sentence), start_s=round(started, 3),
                            end_s=round(at - 0.07, 3)))
            at += 0.35
            sentence, started = [], at
    if sentence:
        cues.append(Cue(text=" ".join(sentence), start_s=round(started, 3),
                        end_s=words[-1].end_s))
    return audio[: int((words[-1].end_s + 0.1) * VOICE_RATE)], words, cues


def prepare(folder: Path, minutes: float) -> None:
    """Clips (the local renderer), narration, the timeline and its words into ``folder``;
    kept as is when ``folder`` already holds them for this length."""
    import soundfile as sf

    from reelforge.domain import MusicChoice, Narration, Scene
    from reelforge.pipeline.timeline import build_timeline
    from reelforge.providers.base import ClipRequest
    from reelforge.providers.music.builtin import builtin_tracks
    from reelforge.providers.video.local import LocalRenderer

    done = folder / "timeline.json"
    if done.is_file() and json.loads(done.read_text()).get("minutes") == minutes:
        return
    (folder / "clips").mkdir(parents=True, exist_ok=True)
    (folder / "narration").mkdir(exist_ok=True)
    total = minutes * 60
    duration = round((total + (SCENES - 1) * CROSSFADE_S) / SCENES, 3)
    rng = random.Random(19)
    renderer = LocalRenderer()
    narrations, clips, scene_words = [], [], []
    started = time.perf_counter()
    for i in range(SCENES):
        lead = 0.25 if i == 0 else 0.2
        audio, words, cues = _speech(rng, duration - lead - 1.0, i)
        wav = f"narration/scene-{i + 1:02d}.wav"
        sf.write(folder / wav, audio, VOICE_RATE, subtype="PCM_16")
        narrations.append(Narration(scene_index=i, audio=wav, duration_s=audio.size / VOICE_RATE,
                                    sample_rate=VOICE_RATE, cues=cues, engine="bench",
                                    voice="tones", words=words))
        scene_words.append(words)
        clip = f"clips/scene-{i + 1:02d}.mp4"
        scene = Scene(index=i, title=f"Scene {i + 1}: {' '.join(w.text for w in words[:4])}",
                      narration=cues[0].text, visual_prompt="deep blue ocean light",
                      mood=MOODS[i % len(MOODS)])
        renderer.generate(ClipRequest(scene=scene, width=WIDTH, height=HEIGHT, fps=FPS,
                                      duration_s=duration, seed=19), folder / clip)
        clips.append(clip)
        print(f"  made clip {i + 1}/{SCENES} ({duration:.1f} s)", file=sys.stderr, flush=True)
    music = next(t for t in builtin_tracks() if t.id.startswith("builtin:calm/"))
    timeline = build_timeline([duration] * SCENES, narrations, clips, width=WIDTH, height=HEIGHT,
                              fps=FPS, music=MusicChoice(track=music, query="calm",
                                                         score=1.0, reason="bench"))
    starts = {s.scene_index: s.narration_start_s for s in timeline.scenes}
    words = [w.model_copy(update={"start_s": round(starts[w.scene_index] + w.start_s, 3),
                                  "end_s": round(starts[w.scene_index] + w.end_s, 3)})
             for ws in scene_words for w in ws]
    done.write_text(json.dumps({
        "minutes": minutes, "prepare_s": round(time.perf_counter() - started, 1),
        "timeline": timeline.model_dump(mode="json"),
        "words": [w.model_dump(mode="json") for w in words]}))


def load(folder: Path) -> tuple:
    from reelforge.domain import Timeline, Word

    doc = json.loads((folder / "timeline.json").read_text())
    return (Timeline.model_validate(doc["timeline"]),
            [Word.model_validate(w) for w in doc["words"]])


# ---- the engines (each runs in its own process) ------------------------------------------------

def render_reelforge(folder: Path, out: Path, preset: str, crf: int, threads: int) -> None:
    """What the assemble step does (``pipeline/steps/assemble.py``), minus the thumbnail."""
    from reelforge.assemble.captions import write_captions
    from reelforge.assemble.fonts import font_file
    from reelforge.assemble.render import RenderOptions, render_video, subtitle_font_name
    from reelforge.media.ffmpeg import find_ffmpeg

    timeline, words = load(folder)
    font = font_file()
    captions = write_captions(words, STYLE, out.parent, WIDTH, HEIGHT, font,
                              subtitle_font_name(font))
    options = RenderOptions(ffmpeg=find_ffmpeg(), font=font, preset=preset, crf=crf,
                            threads=threads)
    render_video(timeline, folder, captions.ass, out, options)


def _caption_clips(words: list, font: Path, duration_s: float) -> list:
    """The karaoke captions as MoviePy TextClips, laid out by reelforge's own page maker: each
    page's lines in white for the page, the spoken word in yellow over it for its window."""
    from moviepy import TextClip

    from reelforge.assemble.captions.layout import safe_area
    from reelforge.assemble.captions.styles import style_pages

    area = safe_area(WIDTH, HEIGHT)
    clips = []
    for page in style_pages(words, STYLE, font, area):
        letters = page.lettering
        stroke = max(2, round(letters.ass_size * 0.09))
        count = len(page.lines)
        for i, line in enumerate(page.lines):
            text = " ".join(w.text for w in line)
            bottom = area.bottom - (count - 1 - i) * letters.line_height
            top = bottom - letters.line_height
            left = area.centre_x - letters.measure(text) / 2
            end = min(page.end_s, duration_s)
            clips.append(TextClip(font=str(font), text=text, font_size=letters.pil_size,
                                  color="white", stroke_color="black", stroke_width=stroke)
                         .with_position((left, top)).with_start(page.start_s)
                         .with_end(end))
            for n, word in enumerate(line):
                index = page.words.index(word)
                start = page.start_s if index == 0 else word.start_s
                stop = (page.end_s if index == len(page.words) - 1
                        else page.words[index + 1].start_s)
                if stop <= start:
                    continue
                before = " ".join(w.text for w in line[:n])
                x = left + (letters.measure(before + " ") if before else 0.0)
                clips.append(TextClip(font=str(font), text=word.text,
                                      font_size=letters.pil_size, color="#FFD322",
                                      stroke_color="black", stroke_width=stroke)
                             .with_position((x, top)).with_start(start)
                             .with_end(min(stop, duration_s)))
    return clips


def render_moviepy(folder: Path, out: Path, preset: str, crf: int, threads: int) -> None:
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        VideoFileClip,
        afx,
        vfx,
    )

    from reelforge.assemble.fonts import font_file
    from reelforge.assemble.render import MUSIC_GAIN

    timeline, words = load(folder)
    total = timeline.duration_s
    layers = []
    for i, scene in enumerate(timeline.scenes):
        # with_duration, not subclipped: MoviePy may read a clip as a frame shorter than the
        # scene (it then holds the last frame, inside the next scene's cross-fade)
        clip = (VideoFileClip(str(folder / scene.clip), audio=False)
                .resized(height=HEIGHT).cropped(x_center=None, width=WIDTH, height=HEIGHT)
                .with_duration(scene.duration_s).with_start(scene.start_s))
        if i > 0:
            clip = clip.with_effects([vfx.CrossFadeIn(timeline.crossfade_s)])
        layers.append(clip)
    layers += _caption_clips(words, font_file(), total)
    video = CompositeVideoClip(layers, size=(WIDTH, HEIGHT)).with_duration(total)
    voices = [AudioFileClip(str(folder / s.narration)).with_start(s.narration_start_s)
              for s in timeline.scenes]
    assert timeline.music is not None and timeline.music.track.path
    music = AudioFileClip(timeline.music.track.path).with_effects([
        afx.AudioLoop(duration=total), afx.MultiplyVolume(MUSIC_GAIN),
        afx.AudioFadeIn(1.0), afx.AudioFadeOut(2.0)])
    audio = CompositeAudioClip([music, *voices]).with_duration(total)
    video.with_audio(audio).write_videofile(
        str(out), fps=FPS, codec="libx264", preset=preset, threads=threads,
        ffmpeg_params=["-crf", str(crf), "-pix_fmt", "yuv420p"], audio_codec="aac",
        audio_bitrate="160k", audio_fps=48_000, logger=None)


def bare_command(folder: Path, out: Path, preset: str, crf: int, threads: int) -> list[str]:
    """FFmpeg alone encoding the clips' frames at the output size and rate."""
    from reelforge.media.ffmpeg import find_ffmpeg

    timeline, _ = load(folder)
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{(folder / s.clip).resolve()}'\n"
                               for s in timeline.scenes))
    return [str(find_ffmpeg()), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
            "-f", "concat", "-safe", "0", "-i", str(listing),
            "-vf", f"fps={FPS},scale={WIDTH}:{HEIGHT}:flags=fast_bilinear",
            "-frames:v", str(round(timeline.duration_s * FPS)),
            "-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-threads", str(threads),
            "-pix_fmt", "yuv420p", "-an", "-movflags", "+faststart", str(out)]


# ---- measuring ---------------------------------------------------------------------------------

def measure(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system of the process and every descendant, from the
    kernel's accounting of waited-for children) and peak RSS (MB, the process tree's summed RSS
    polled every 50 ms). On a shared machine CPU seconds move less than wall time."""
    import resource

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        rss = 0
        with contextlib.suppress(psutil.Error):
            for p in [watched, *watched.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
        peak = max(peak, rss)
        time.sleep(0.05)
    wall = time.perf_counter() - started
    _, err = proc.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd[:4])}… failed (exit {proc.returncode}):\n{err[-2000:]}")
    return wall, cpu, peak / 2**20


def video_seconds(path: Path) -> float:
    import av

    with av.open(str(path)) as container:
        return float(container.duration or 0) / 1e6


def run_engine(engine: str, folder: Path, out: Path, args: argparse.Namespace) -> Figures:
    settings = [args.preset, str(args.crf), str(args.threads)]
    if engine == "bare":
        cmd = bare_command(folder, out, args.preset, args.crf, args.threads)
    else:
        cmd = [sys.executable, __file__, "--engine-run", engine, "--work", str(folder),
               "--out", str(out), "--preset", settings[0], "--crf", settings[1],
               "--threads", settings[2]]
    wall, cpu, peak = measure(cmd)
    return Figures(engine, wall, cpu, peak, video_seconds(out))


def report(minutes: float, figures: dict[str, Figures], prepare_s: float) -> None:
    bare = figures.get("bare")
    ours = figures.get("reelforge")
    print(f"\n{minutes:g}-minute timeline, 1080×1920 30 fps: 6 local-renderer clips (540×960, "
          f"15 fps, made in {prepare_s:.0f} s, not timed), synthetic narration, built-in music, "
          f"karaoke captions")
    print(f"{'engine':<10}{'wall s':>9}{'×bare':>8}{'MoviePy÷reelforge':>19}{'peak RSS MB':>13}"
          f"{'CPU s':>9}{'×bare':>8}{'MoviePy÷reelforge':>19}{'video s':>9}")
    for name in ENGINES:
        if name not in figures:
            continue
        f = figures[name]
        ratio = f"{f.wall_s / bare.wall_s:.2f}" if bare else "-"
        speedup = (f"{f.wall_s / ours.wall_s:.1f}" if name == "moviepy" and ours else "")
        cpu_ratio = f"{f.cpu_s / bare.cpu_s:.2f}" if bare else "-"
        cpu_speedup = (f"{f.cpu_s / ours.cpu_s:.1f}" if name == "moviepy" and ours else "")
        print(f"{name:<10}{f.wall_s:>9.1f}{ratio:>8}{speedup:>19}{f.peak_rss_mb:>13.0f}"
              f"{f.cpu_s:>9.1f}{cpu_ratio:>8}{cpu_speedup:>19}{f.output_s:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0])
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2,
                        help="libx264 threads for every engine")
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--crf", type=int, default=21)
    parser.add_argument("--keep", action="store_true", help="keep the data and the videos")
    parser.add_argument("--work", type=Path, help="data folder (made if missing, reused if not)")
    parser.add_argument("--engine-run", choices=("reelforge", "moviepy"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine_run:
        render = render_reelforge if args.engine_run == "reelforge" else render_moviepy
        render(args.work, args.out, args.preset, args.crf, args.threads)
        return
    if "moviepy" in args.engines and importlib.util.find_spec("moviepy") is None:
        raise SystemExit(
            "MoviePy is not installed. It pins Pillow<12, so install it without its pins:\n"
            "  .venv/bin/pip install --no-deps moviepy==2.2.1 decorator proglog python-dotenv\n"
            "(imageio, imageio-ffmpeg, numpy and tqdm are already there), or leave it out with "
            "--engines reelforge bare")
    root = args.work or Path(tempfile.mkdtemp(prefix="rf-bench-render-"))
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; libx264 "
          f"{args.preset} CRF {args.crf}, {args.threads} threads; data in {root}")
    summary: dict[float, dict[str, Figures]] = {}
    try:
        for minutes in args.minutes:
            folder = root / f"{minutes:g}min"
            prepare(folder, minutes)
            prepare_s = json.loads((folder / "timeline.json").read_text())["prepare_s"]
            figures = {}
            for engine in args.engines:
                out = folder / "out" / engine / "final.mp4"
                out.parent.mkdir(parents=True, exist_ok=True)
                figures[engine] = run_engine(engine, folder, out, args)
                print(f"  {engine}: {figures[engine].wall_s:.1f} s wall, "
                      f"{figures[engine].cpu_s:.1f} s CPU, "
                      f"{figures[engine].peak_rss_mb:.0f} MB (load average "
                      f"{os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
            summary[minutes] = figures
            report(minutes, figures, prepare_s)
        ours = {m: f["reelforge"].peak_rss_mb for m, f in summary.items() if "reelforge" in f}
        if len(ours) > 1:
            low, high = min(ours), max(ours)
            grew = ours[high] - ours[low]
            print(f"\nreelforge peak RSS {ours[low]:.0f} MB at {low:g} min, {ours[high]:.0f} MB "
                  f"at {high:g} min: +{grew:.0f} MB (target ≤ +100 MB: "
                  f"{'met' if grew <= 100 else 'NOT met'})")
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(root, ignore_errors=True)
        elif args.keep:
            print(f"kept: {root}")


if __name__ == "__main__":
    main()
