"""The final render: one FFmpeg filter graph from timeline to MP4.

Video: each clip fitted (scale + crop) to the output size, cross-faded into the next, subtitles
burned in by libass. Audio: the narration track over the music, the music ducked under the voice
by a sidechain compressor, the mix normalised to the target loudness. Loudness is measured first
on the audio graph alone (about a second of work), so loudnorm runs in its exact linear mode
instead of the dynamic one-pass guess; the sound is made while the picture encodes.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from reelforge.assemble.caption_layer import caption_layer
from reelforge.assemble.fonts import font_family
from reelforge.domain import Timeline
from reelforge.errors import ReelforgeError, RenderError
from reelforge.media.ducking import MUSIC_GAIN, SIDECHAIN
from reelforge.media.ffmpeg import run_ffmpeg
from reelforge.media.probe import probe_video

MIX_RATE = 48_000
#: Bicubic, not Lanczos: on the 2× upscale of the local renderer's clips (540×960 → 1080×1920)
#: the two pictures are 51.8 dB PSNR / 0.9986 SSIM apart (bilinear: 43.2 dB / 0.9960), and
#: bicubic costs ~1 CPU-s less per minute of video.
SCALE_FLAGS = "bicubic"
#: libass reads the captions and fonts by plain relative names (no escaping) in the render's cwd.
SUBTITLES = "subtitles=filename=captions.ass:fontsdir=fonts"


@dataclass(frozen=True)
class RenderOptions:
    ffmpeg: Path
    font: Path
    preset: str = "veryfast"
    crf: int = 21
    target_lufs: float = -14.0
    burn_subtitles: bool = True
    #: Encoder threads (FFmpeg's ``-threads``); None lets FFmpeg choose (x264: 1.5 × cores).
    threads: int | None = None


def mix_narration(timeline: Timeline, job_dir: Path, out_wav: Path) -> None:
    """All scenes' narration on one mono track at their absolute start times, at the
    narrations' own rate when they share one (the mix graph's resampler takes it to 48 kHz),
    else at 48 kHz. Not resampling here spares the render SciPy's import (0.9 s of a fresh
    process's 1.6 s) and a pass over the audio."""
    voiced = [(scene, *sf.read(job_dir / scene.narration, dtype="float32", always_2d=True))
              for scene in timeline.scenes if scene.narration]  # a montage's shot says nothing
    rates = {rate for _, _, rate in voiced}
    rate = rates.pop() if len(rates) == 1 else MIX_RATE
    total = int(np.ceil(timeline.duration_s * rate))
    track = np.zeros(total, dtype=np.float32)
    for scene, audio, own_rate in voiced:
        mono = audio.mean(axis=1)
        if own_rate != rate:
            from scipy.signal import resample_poly

            mono = resample_poly(mono, rate, own_rate).astype(np.float32)
        at = round(scene.narration_start_s * rate)
        end = min(total, at + mono.size)
        track[at:end] += mono[: end - at]
    sf.write(out_wav, np.clip(track, -1, 1), rate, subtype="PCM_16")


def _audio_graph(timeline: Timeline, narration_in: int, music_in: int | None, loudnorm: str) -> str:
    t = timeline.duration_s
    stereo = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"
    if music_in is None:
        return f"[{narration_in}:a]{stereo},apad,atrim=0:{t:.3f},{loudnorm},{stereo}[aout]"
    fade_out = max(0.0, t - 2.0)
    return (
        f"[{narration_in}:a]{stereo},apad,atrim=0:{t:.3f},asplit=2[narr][key];"
        f"[{music_in}:a]{stereo},atrim=0:{t:.3f},asetpts=PTS-STARTPTS,volume={MUSIC_GAIN},"
        f"afade=t=in:d=1.0,afade=t=out:st={fade_out:.3f}:d=2.0[music];"
        f"[music][key]{SIDECHAIN}[ducked];"
        f"[narr][ducked]amix=inputs=2:duration=first:normalize=0,{loudnorm},{stereo}[aout]"
    )


def _audio_inputs(timeline: Timeline, narration_wav: Path) -> list[str]:
    args = ["-i", str(narration_wav)]
    if timeline.music is not None and timeline.music.track.path:
        args += [
            "-stream_loop",
            "-1",
            "-ss",
            f"{timeline.music.start_s:.3f}",
            "-i",
            timeline.music.track.path,
        ]
    return args


#: loudnorm's limits for linear mode (the second pass), as passed to it.
TRUE_PEAK_DB, LOUDNESS_RANGE = -1.5, 11.0


def _loudnorm_pass(timeline: Timeline, narration_wav: Path, ffmpeg: Path,
                   loudnorm: str) -> dict[str, str]:
    music_in = 1 if timeline.music is not None and timeline.music.track.path else None
    graph = _audio_graph(timeline, 0, music_in, f"{loudnorm}:print_format=json")
    log = run_ffmpeg(
        [
            *_audio_inputs(timeline, narration_wav),
            "-filter_complex",
            graph,
            "-map",
            "[aout]",
            "-f",
            "null",
            "-",
        ],
        ffmpeg=ffmpeg,
        loglevel="info",
        what="loudness measurement",
    )
    found = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", log, re.S)
    if not found:
        raise RenderError("loudness measurement printed no result")
    return json.loads(found.group(0))


def _linear_possible(measured: dict[str, str], target_lufs: float) -> bool:
    """Whether loudnorm's second pass will run in linear mode (its own test, ``config_input``)."""
    i, tp = float(measured["input_i"]), float(measured["input_tp"])
    lra, thresh = float(measured["input_lra"]), float(measured["input_thresh"])
    return (tp != 99 and thresh != -70 and lra != 0 and i != 0
            and tp + (target_lufs - i) <= TRUE_PEAK_DB and lra <= LOUDNESS_RANGE)


def measure_loudness(
    timeline: Timeline, narration_wav: Path, ffmpeg: Path, target_lufs: float
) -> dict[str, str]:
    """First pass of loudnorm over the audio mix alone: its measured values, for linear mode.

    The pass runs loudnorm in linear mode at unity gain (dummy measured values): the input
    figures are measured the same way, without the dynamic mode's gain smoothing and limiter
    at 192 kHz (2.2 → 0.6 CPU-s for a minute). Only when the second pass cannot be linear
    does the dynamic measurement run, for the ``target_offset`` that mode uses."""
    base = f"loudnorm=I={target_lufs}:TP={TRUE_PEAK_DB}:LRA={LOUDNESS_RANGE:g}"
    unity = (f"{base}:linear=true:measured_I={target_lufs}:measured_TP=-99:measured_LRA=1"
             f":measured_thresh={target_lufs - 10}")
    measured = _loudnorm_pass(timeline, narration_wav, ffmpeg, unity)
    if _linear_possible(measured, target_lufs):
        return measured | {"target_offset": "0.00"}  # linear mode sets its own gain
    return _loudnorm_pass(timeline, narration_wav, ffmpeg, base)


def _clip_rate(path: Path) -> float | None:
    """The clip's frame rate, or None when it cannot be read (the graph works either way)."""
    try:
        return probe_video(path).fps or None
    except ReelforgeError:
        return None


def _video_graph(timeline: Timeline, burn: bool,
                 clip_rates: Sequence[float | None] | None = None,
                 captions: str | None = None) -> str:
    """Each clip fitted to the frame, then the timeline as a concat of pieces: each clip's
    middle as it is, and each cross-fade an ``xfade`` of one clip's last ``crossfade_s`` with
    the next one's first. Pieces are cut in whole frames, scene ``i`` starting at frame
    round(start × fps) as a chain of ``xfade`` filters places it (the frames are the same).
    Why not that chain: every frame would pass through up to n − 1 ``xfade`` filters, each
    copying it, and clips further down the chain were decoded and queued ahead (memory).
    A clip slower than the output (``clip_rates``) is scaled before ``fps`` repeats its frames,
    so each picture is scaled once; a faster one after ``fps`` has dropped the extra ones.
    ``captions`` (the ASS text), when given, is burned as a layer drawn only where it changes
    (``caption_layer``) rather than by libass on every frame."""
    w, h, fps = timeline.width, timeline.height, timeline.fps
    scenes = timeline.scenes
    fade = round(timeline.crossfade_s * fps)  # frames
    first = [round(s.start_s * fps) for s in scenes]
    parts, pieces = [], []
    for i, scene in enumerate(scenes):
        following = i < len(scenes) - 1
        head, tail = i > 0 and fade > 0, following and fade > 0
        until = first[i + 1] - first[i] if following else math.ceil(scene.duration_s * fps)
        outputs = "".join(f"[{k}{i}]" for k, on in (("h", head), ("b", True), ("t", tail)) if on)
        fit = (f"scale={w}:{h}:force_original_aspect_ratio=increase:flags={SCALE_FLAGS},"
               f"crop={w}:{h},setsar=1,format=yuv420p")
        retime = f"fps={fps},trim=end_frame={until + (fade if tail else 0)}"
        rate = clip_rates[i] if clip_rates is not None else None
        steps = f"{fit},{retime}" if rate is not None and rate <= fps else f"{retime},{fit}"
        parts.append(f"[{i}:v]{steps}"
                     + (f",split={1 + head + tail}{outputs}" if head or tail else f"[b{i}]"))
        if head:
            parts.append(f"[h{i}]trim=end_frame={fade},setpts=PTS-STARTPTS[hh{i}]")
            parts.append(f"[tt{i - 1}][hh{i}]xfade=transition=fade:duration={fade / fps:.6f}"
                         f":offset=0[f{i}]")
            pieces.append(f"[f{i}]")
        parts.append(f"[b{i}]trim=start_frame={fade if head else 0}:end_frame={until},"
                     f"setpts=PTS-STARTPTS[bb{i}]")
        pieces.append(f"[bb{i}]")
        if tail:
            parts.append(f"[t{i}]trim=start_frame={until},setpts=PTS-STARTPTS[tt{i}]")
    parts.append("".join(pieces) + f"concat=n={len(pieces)}:v=1:a=0[cat]")
    layer = (caption_layer(captions, w, h, fps, math.ceil(timeline.duration_s * fps) + 1,
                           SUBTITLES) if burn and captions is not None else None)
    if layer is not None:
        chain, top = layer
        parts.append(f"{chain}[caps]")
        # concat's output counts microseconds, the layer frames: a frame at 17.8666… s is
        # 17866666 µs in one and 536/30 in the other, and overlay would pair it with the
        # layer's frame before. On one time base each frame meets the layer frame of its own
        # time; back in microseconds, ``-t`` cuts the output where it did before.
        parts.append(f"[cat]settb=1/{fps}[main];[main][caps]overlay=y={top}:format=yuv420"
                     ":eof_action=repeat,settb=AVTB,format=yuv420p[vout]")
    elif burn:
        parts.append(f"[cat]{SUBTITLES},format=yuv420p[vout]")
    else:
        parts.append("[cat]format=yuv420p[vout]")
    return ";".join(parts)


def render_audio(timeline: Timeline, narration_wav: Path, out_wav: Path,
                 options: RenderOptions) -> None:
    """The finished sound track (AAC in MP4): the narration over the ducked music, measured
    first, then normalised by loudnorm in linear mode with the measured values."""
    measured = measure_loudness(timeline, narration_wav, options.ffmpeg, options.target_lufs)
    loudnorm = (
        f"loudnorm=I={options.target_lufs}:TP={TRUE_PEAK_DB}:LRA={LOUDNESS_RANGE:g}:linear=true"
        f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
        f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
        f":offset={measured['target_offset']}"
    )
    music_in = 1 if timeline.music is not None and timeline.music.track.path else None
    run_ffmpeg(
        [
            *_audio_inputs(timeline, narration_wav),
            "-filter_complex",
            _audio_graph(timeline, 0, music_in, loudnorm),
            "-map",
            "[aout]",
            "-c:a",
            "aac",
            "-b:a",
            "160k",
            "-ar",
            str(MIX_RATE),
            "-t",
            f"{timeline.duration_s:.3f}",
            str(out_wav),
        ],
        ffmpeg=options.ffmpeg,
        what="sound track",
    )


def render_video(
    timeline: Timeline,
    job_dir: Path,
    ass_file: Path | None,
    out_mp4: Path,
    options: RenderOptions,
    on_progress: Callable[[float], None] | None = None,
) -> None:
    """Render ``timeline`` to ``out_mp4`` (H.264 + AAC, fast start), written atomically;
    ``ass_file`` (captions for libass) is burned in unless None or burning is off.

    The picture and the sound are made at the same time: the video graph is encoded while
    another FFmpeg measures the mix's loudness and writes the normalised sound track, so the
    measuring pass no longer delays the encode (x264 leaves a share of the cores idle). The
    two streams are then copied into one file.
    """
    with tempfile.TemporaryDirectory(prefix="rf-assemble-") as tmp_name:
        tmp = Path(tmp_name)
        # libass reads these through filter arguments: plain relative names avoid all escaping.
        (tmp / "fonts").mkdir()
        os.symlink(
            options.font, tmp / "fonts" / options.font.name.replace("[", "").replace("]", "")
        )
        burn = options.burn_subtitles and ass_file is not None
        if ass_file is not None:
            (tmp / "captions.ass").write_text(ass_file.read_text(encoding="utf-8"),
                                              encoding="utf-8")
        narration_wav, sound = tmp / "narration.wav", tmp / "sound.m4a"
        mix_narration(timeline, job_dir, narration_wav)
        inputs: list[str] = []
        for scene in timeline.scenes:
            inputs += [
                "-stream_loop",
                "-1",
                "-t",
                f"{scene.duration_s + 0.5:.3f}",
                "-i",
                str((job_dir / scene.clip).resolve()),
            ]
        graph = _video_graph(timeline, burn,
                             [_clip_rate(job_dir / scene.clip) for scene in timeline.scenes],
                             (tmp / "captions.ass").read_text(encoding="utf-8") if burn else None)
        picture = tmp / "picture.mp4"
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sound") as pool:
            made = pool.submit(render_audio, timeline, narration_wav, sound, options)
            try:
                run_ffmpeg(
                    [
                        *inputs,
                        "-filter_complex",
                        graph,
                        "-map",
                        "[vout]",
                        "-c:v",
                        "libx264",
                        "-preset",
                        options.preset,
                        "-crf",
                        str(options.crf),
                        *(["-threads", str(options.threads)] if options.threads else []),
                        "-pix_fmt",
                        "yuv420p",
                        "-r",
                        str(timeline.fps),
                        "-t",
                        f"{timeline.duration_s:.3f}",
                        "-an",
                        str(picture),
                    ],
                    ffmpeg=options.ffmpeg,
                    total_s=timeline.duration_s,
                    on_progress=on_progress,
                    what="final render",
                    cwd=tmp,
                )
            finally:
                made.exception()  # the sound's FFmpeg has ended (and its error is kept)
            made.result()
        part = out_mp4.with_name(out_mp4.name + ".part.mp4")
        run_ffmpeg(
            ["-i", str(picture), "-i", str(sound), "-map", "0:v:0", "-map", "1:a:0",
             "-c", "copy", "-t", f"{timeline.duration_s:.3f}", "-movflags", "+faststart",
             str(part.resolve())],
            ffmpeg=options.ffmpeg,
            what="final render (joining picture and sound)",
        )
        os.replace(part, out_mp4)


def write_thumbnail(
    video: Path, out_jpg: Path, at_s: float, ffmpeg: Path, width: int = 720
) -> None:
    part = out_jpg.with_name(out_jpg.name + ".part.jpg")
    run_ffmpeg(
        [
            "-ss",
            f"{at_s:.3f}",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-vf",
            f"scale={width}:-2",
            "-q:v",
            "3",
            str(part),
        ],
        ffmpeg=ffmpeg,
        what="thumbnail",
    )
    os.replace(part, out_jpg)


def subtitle_font_name(font: Path) -> str:
    return font_family(font)


def burn_captions(video: Path, ass_file: Path, out_mp4: Path, options: RenderOptions,
                  duration_s: float | None = None,
                  on_progress: Callable[[float], None] | None = None) -> None:
    """``video`` re-encoded with ``ass_file`` burned in by libass; its sound copied as is."""
    with tempfile.TemporaryDirectory(prefix="rf-captions-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "fonts").mkdir()
        os.symlink(
            options.font, tmp / "fonts" / options.font.name.replace("[", "").replace("]", "")
        )
        (tmp / "captions.ass").write_text(ass_file.read_text(encoding="utf-8"), encoding="utf-8")
        part = out_mp4.with_name(out_mp4.name + ".part.mp4")
        run_ffmpeg(
            ["-i", str(Path(video).resolve()), "-map", "0:v:0", "-map", "0:a?",
             "-vf", "subtitles=filename=captions.ass:fontsdir=fonts,format=yuv420p",
             "-c:v", "libx264", "-preset", options.preset, "-crf", str(options.crf),
             "-c:a", "copy", "-movflags", "+faststart", str(part.resolve())],
            ffmpeg=options.ffmpeg, total_s=duration_s, on_progress=on_progress,
            what="burning captions", cwd=tmp,
        )
        os.replace(part, out_mp4)
