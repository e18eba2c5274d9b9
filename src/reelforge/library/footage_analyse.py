"""One footage file → its shots, each measured and described (no vectors, no library).

A video is decoded once (shot detection keeps small RGB samples every 0.25 s, which give each
shot's keyframe, colours, brightness and sharpness), its sound is transcribed once and the words
are shared out to the shots they are said in. A picture is one shot. Runs in worker processes,
so it returns plain dataclasses and never raises: a bad file comes back with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from reelforge.errors import DependencyMissing, ReelforgeError
from reelforge.library.footage import FootageKind, FootageShot
from reelforge.library.footage_describe import (
    ShotFacts,
    Sidecar,
    describe,
    name_words,
    sidecar_for,
)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".mpg", ".mpeg",
                            ".ts", ".mts", ".m2ts", ".wmv", ".flv", ".3gp", ".ogv"})
PICTURE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".gif", ".bmp", ".tif", ".tiff",
                              ".webp", ".avif", ".heic", ".heif"})
#: A palette colour must cover this share of a shot to be named.
COLOUR_SHARE = 0.08
#: Tiny-frame change (0..255) per frame that counts as full motion.
FULL_MOTION = 20.0
#: Laplacian variance at which sharpness reads 0.5.
HALF_SHARP = 100.0
THUMB_SIDE = 160
#: Bumped when a shot's description changes, so ``footage add`` describes old files again
#: (2: faces, and where and when it was taken; 3: a shot's motion and sharpness profile and a
#: picture's salient point). A video shot's salient point (its keyframe's) came later without a
#: bump: shots indexed before it are cropped at the centre, as they were.
ANALYSIS_VERSION = 3
#: A shot's profile: one motion and one sharpness value per this many seconds (longer for a
#: shot of over ``PROFILE_MAX_STEPS`` steps, so a long take stays small in the library).
PROFILE_STEP_S = 0.5
PROFILE_MAX_STEPS = 240
#: Files longer than this are read in parts (shots and sound), so memory stays bounded.
LONG_FILE_S = 600.0
#: Sound window of a long file's transcription: faster-whisper makes the spectrogram of all the
#: audio it is given at once (a 300 s window lifted the peak by ~200 MB for a moment).
SPEECH_WINDOW_S = 120.0


def kind_of(path: Path) -> FootageKind | None:
    suffix = path.suffix.lower()
    if suffix in PICTURE_SUFFIXES:
        return "picture"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    return None


@dataclass(frozen=True)
class FileTask:
    path: Path
    root: Path | None
    content_hash: str
    transcribe: bool
    thumbs: Path | None  # where to write one small JPEG per shot


@dataclass
class FileResult:
    path: Path
    shots: list[FootageShot] = field(default_factory=list)
    duration_s: float = 0.0
    has_audio: bool = False
    problem: str = ""  # why the file was skipped ("" when it was indexed)
    warnings: list[str] = field(default_factory=list)  # indexed, but something was missing


def analyse_file(task: FileTask) -> FileResult:
    """The shots of one file, or the reason it has none; never raises."""
    try:
        if kind_of(task.path) == "picture":
            return _picture(task)
        if kind_of(task.path) == "video":
            return _video(task)
        return FileResult(task.path, problem=f"unsupported file type {task.path.suffix or '?'}")
    except ReelforgeError as exc:  # the report names the file: say only what is wrong
        return FileResult(task.path, problem=exc.message.replace(str(task.path), "the file")
                          .removeprefix("the file: "))
    except Exception as exc:  # a decoder's surprise about one file must not end the batch
        return FileResult(task.path, problem=f"could not be read ({type(exc).__name__}: {exc})")


def colour_names(palettes: Sequence[Sequence[tuple[str, float]]]) -> tuple[str, ...]:
    """Named colours over one or more palettes of (name, share), most present first."""
    totals: dict[str, float] = {}
    for palette in palettes:
        for name, share in palette:
            totals[name] = totals.get(name, 0.0) + share / max(1, len(palettes))
    ranked = sorted(totals.items(), key=lambda item: -item[1])
    return tuple(name for name, share in ranked if share >= COLOUR_SHARE)


def _sharpness01(laplacian_variance: float) -> float:
    return round(laplacian_variance / (laplacian_variance + HALF_SHARP), 4)


def _image_hash(rgb: np.ndarray) -> int:
    from reelforge.media.image_analysis import perceptual_hashes

    return int(perceptual_hashes(rgb)["phash"], 16)


def _thumbnail(rgb: np.ndarray, task: FileTask, number: int) -> str:
    if task.thumbs is None:
        return ""
    from PIL import Image

    from reelforge.media.image_analysis import resized

    task.thumbs.mkdir(parents=True, exist_ok=True)
    target = task.thumbs / f"{task.content_hash[:16]}-{number:03d}.jpg"
    Image.fromarray(resized(rgb, THUMB_SIDE)).save(target, "JPEG", quality=80)
    return str(target)


def _picture(task: FileTask) -> FileResult:
    from reelforge.media.image_analysis import pixel_stats
    from reelforge.media.image_files import UnreadableImage, decode_image
    from reelforge.media.salience import salient_point
    from reelforge.media.taken import place_name

    try:
        decoded = decode_image(task.path, include_gps=True)  # named as a town, never stored
    except UnreadableImage as exc:
        return FileResult(task.path, problem=exc.plain)
    stats = pixel_stats(decoded.rgb)
    sidecar = sidecar_for(task.path)
    gps = decoded.gps or {}
    place = place_name(gps["latitude"], gps["longitude"]) if gps else ""
    facts = ShotFacts(
        kind="picture", duration_s=0.0, width=decoded.width, height=decoded.height,
        names=name_words(task.path, task.root), sidecar=sidecar,
        colours=colour_names([[(c.name, c.share) for c in stats.palette]]),
        brightness=stats.brightness, sharpness=_sharpness01(stats.sharpness),
        captured_at=decoded.captured_at, place=place, faces=count_faces(decoded.rgb))
    extra: dict[str, object] = {"thumbnail": _thumbnail(decoded.rgb, task, 0)}
    focus = salient_point(decoded.rgb)  # where its slow zoom goes (a face, else what stands out)
    if focus is not None:
        extra["focus"] = list(focus)
    shot = _shot(task, 0, facts, start_s=0.0, end_s=0.0, keyframe_s=0.0,
                 image_hash=_image_hash(decoded.rgb), extra=extra)
    return FileResult(task.path, [shot], warnings=_sidecar_warning(sidecar))


def _video(task: FileTask) -> FileResult:
    from reelforge.media.keyframes import choose_keyframes, transition_frames
    from reelforge.media.pixel_aspect import display_size, sample_aspect_ratio, to_display_aspect
    from reelforge.media.probe import probe_video
    from reelforge.media.salience import salient_point
    from reelforge.media.shots import detect_shots_in
    from reelforge.media.shots.compact import detect_shots_compact
    from reelforge.media.taken import place_name, video_taken
    from reelforge.media.video_analysis import shot_analysis, shot_profile

    warnings = []
    heard: list[tuple[str, float, float]] = []
    # listening and looking run side by side: the recogniser and the decoder each release the
    # GIL, so one file keeps two cores busy
    probed = probe_video(task.path)
    long_file = (probed.duration_s or 0.0) > LONG_FILE_S
    with ThreadPoolExecutor(max_workers=1) as pool:
        listening = (pool.submit(heard_words, task.path, probed.duration_s or 0.0)
                     if task.transcribe and probed.has_audio else None)
        # a long file is decoded in parts and keeps only what the shots' analysis reads
        detection = detect_shots_compact(task.path) if long_file else detect_shots_in(task.path)
        if listening is not None:
            try:
                heard = listening.result()
            except DependencyMissing as exc:
                warnings.append(f"not transcribed: {exc}")
            except ReelforgeError as exc:
                warnings.append(f"not transcribed: {exc.message}")
            except Exception as exc:  # the pictures are still usable without the words
                warnings.append(f"not transcribed ({type(exc).__name__}: {exc})")
    video = detection.video
    info = video.info
    sar = sample_aspect_ratio(task.path)
    width, height = display_size(info.width, info.height, sar, info.rotation)
    keyframes = {k.shot_index: k for k in choose_keyframes(detection, max_per_shot=1)}
    blocked = transition_frames(detection)
    sidecar = sidecar_for(task.path)
    warnings += _sidecar_warning(sidecar)
    names = name_words(task.path, task.root)
    taken = video_taken(task.path)
    place = (place_name(taken.latitude, taken.longitude)
             if taken.latitude is not None and taken.longitude is not None else "")
    samples = video.samples
    sample_frames = np.array(sorted(samples), dtype=np.int64)
    shots = []
    last = len(detection.shots) - 1
    for number, shot in enumerate(detection.shots):
        key = keyframes.get(shot.index)
        step = max(PROFILE_STEP_S, (shot.end_s - shot.start_s) / PROFILE_MAX_STEPS)
        doc = shot_analysis(detection, shot, [key] if key else [], blocked)
        frame = key.frame if key is not None else _nearest(sample_frames, shot)
        picture = samples.get(frame) if frame is not None else None
        upright = to_display_aspect(picture, sar, info.rotation) if picture is not None else None
        lower = shot.start_s if number > 0 else -np.inf  # words before or after the
        upper = shot.end_s if number < last else np.inf  # frames belong to the edge shots
        said = " ".join(w for w, a, b in heard if lower <= (a + b) / 2 < upper)
        palette = doc["palette"]
        assert isinstance(palette, list)
        facts = ShotFacts(
            kind="video", duration_s=shot.end_s - shot.start_s, width=width, height=height,
            names=names, sidecar=sidecar, transcript=said,
            colours=colour_names([[(c["name"], c["share"]) for c in palette]]),
            brightness=float(doc["brightness"]),  # type: ignore[arg-type]
            motion=round(min(1.0, float(doc["motion"]) / FULL_MOTION), 4),  # type: ignore[arg-type]
            sharpness=_sharpness01(float(doc["sharpness"])),  # type: ignore[arg-type]
            captured_at=taken.at, place=place,
            faces=count_faces(upright) if upright is not None else 0)
        extra: dict[str, object] = {
            "thumbnail": _thumbnail(upright, task, number) if upright is not None else "",
            "start_timecode": shot.start_timecode, "end_timecode": shot.end_timecode,
            **profile_extra(step, *shot_profile(detection, shot, blocked, step))}
        focus = salient_point(upright) if upright is not None else None
        if focus is not None:  # a crop to another aspect centres the keyframe's subject
            extra["focus"] = [round(v, 4) for v in focus]
        shots.append(_shot(
            task, number, facts, start_s=shot.start_s, end_s=shot.end_s,
            keyframe_s=key.time_s if key is not None else (shot.start_s + shot.end_s) / 2,
            image_hash=_image_hash(upright) if upright is not None else 0, extra=extra))
    duration = detection.shots[-1].end_s if detection.shots else 0.0
    return FileResult(task.path, shots, duration_s=duration, has_audio=info.has_audio,
                      warnings=warnings)


def profile_extra(step_s: float, motion: Sequence[float],
                  sharpness: Sequence[float]) -> dict[str, object]:
    """A shot's profile as stored in ``FootageShot.extra["profile"]``: per ``step_s`` seconds
    from the shot's start, motion (0..1, ``FULL_MOTION`` is 1) and sharpness (0..1), rounded to
    hundredths — what ``footage_choice`` picks the steadiest, sharpest part of a shot from."""
    if not motion or not sharpness:
        return {}
    return {"profile": {"step_s": round(step_s, 3),
                        "motion": [round(min(1.0, m / FULL_MOTION), 2) for m in motion],
                        "sharpness": [round(_sharpness01(v), 2) for v in sharpness]}}


def heard_words(path: Path, duration_s: float = 0.0) -> list[tuple[str, float, float]]:
    """(word, start, end) of what is said in a file's sound; words in silence (Whisper's
    invented "Thank you.") are dropped. Only what Silero's voice detector hears as speech is
    decoded, each window once, greedily (no temperature fallback: see
    ``Recogniser.transcribe``). A file longer than ``LONG_FILE_S`` is heard in windows of
    ``SPEECH_WINDOW_S`` (``speech.heard_in_windows``: no word cut at an edge), so its whole
    sound (115 MB for 30 minutes) and Whisper's spectrogram of it are never held at once."""
    from reelforge.media.speech import (
        HeardWord,
        heard_in_windows,
        read_speech,
        read_speech_part,
        recogniser,
        voiced_frames,
        voiced_only,
    )

    def hear(audio: np.ndarray) -> list[HeardWord]:
        return voiced_only(recogniser(threads=1).transcribe(audio, fallback=False, vad=True),
                           voiced_frames(audio))

    if duration_s <= LONG_FILE_S:
        heard = hear(read_speech(path))
    else:
        heard = heard_in_windows(duration_s,
                                 lambda start, length: read_speech_part(path, start, length),
                                 hear, window_s=SPEECH_WINDOW_S)
    return [(h.text, h.start_s, h.end_s) for h in heard]


def _nearest(sample_frames: np.ndarray, shot: object) -> int | None:
    from reelforge.media.shots import Shot

    assert isinstance(shot, Shot)
    if sample_frames.size == 0:
        return None
    middle = (shot.start_frame + shot.end_frame) / 2
    return int(sample_frames[np.argmin(np.abs(sample_frames - middle))])


def count_faces(rgb: np.ndarray) -> int:
    """Faces in a keyframe or picture; 0 when OpenCV is missing (the rest still describes it)."""
    from reelforge.media import faces

    try:
        return faces.count_faces(rgb)
    except DependencyMissing:
        return 0


def _shot(task: FileTask, number: int, facts: ShotFacts, *, start_s: float, end_s: float,
          keyframe_s: float, image_hash: int, extra: dict[str, object]) -> FootageShot:
    if facts.sidecar.description:
        extra["sidecar"] = facts.sidecar.description
    extra.update({key: value for key, value in (("captured_at", facts.captured_at),
                                                  ("place", facts.place),
                                                  ("faces", facts.faces)) if value})
    return FootageShot(
        shot_id=f"{task.content_hash[:16]}#{number}", source=str(task.path), kind=facts.kind,
        start_s=round(start_s, 4), end_s=round(end_s, 4), width=facts.width,
        height=facts.height, description=describe(facts), transcript=facts.transcript,
        names=tuple(dict.fromkeys((*facts.names, *facts.sidecar.tags))), colours=facts.colours,
        brightness=round(facts.brightness, 4), motion=facts.motion, sharpness=facts.sharpness,
        image_hash=image_hash, keyframe_s=round(keyframe_s, 4), extra=extra)


def _sidecar_warning(sidecar: Sidecar) -> list[str]:
    return [f"sidecar ignored: {sidecar.problem}"] if sidecar.problem else []
