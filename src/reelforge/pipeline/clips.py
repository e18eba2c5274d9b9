"""Long video to shorts (``reelforge clips``) and whole-video reframing (``reelforge reframe``).

The sequence: probe (one clear error for a file that is not a usable video) → shots → the
words heard (local recogniser) → moments on whole sentences (``library.moments``) → each moment
reframed along the speaker's face with its words burned in as captions, in one FFmpeg graph →
``clips.json`` with every clip's range, transcript, scores and reason, and a contact sheet.
The transcript and the shots are kept in ``OUT/.clips-cache`` keyed by the file's size and
time (a queued ``clips`` job keeps them in the tenant's step cache instead: ``Remember``), so a
run that was interrupted resumes without transcribing again. ``services.clips`` is the name
the CLI uses; the code is here so the worker (``jobs/clips.py``) can run it too.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reelforge.domain import CaptionStyle, Word
from reelforge.errors import InputError
from reelforge.library.moments import Moment, MomentRules, activity_moments, find_moments
from reelforge.settings import Settings

#: Called with a stage name ("shots", "speech", "moments", "clip 2/5", …) and 0..1 done.
Progress = Callable[[str, float], None]
#: ``remember(name, make)``: the JSON-able value kept under ``name`` for this source, or
#: ``make()``'s, kept whole (never half written) for the next run.
Remember = Callable[[str, Callable[[], Any]], Any]
CLIPS_JSON = "clips.json"
CONTACT_SHEET = "contact-sheet.jpg"
HOOK_TITLE_S = 3.0  # how long the hook title shows (it fades out over its last half second)


@dataclass(frozen=True)
class ClipRequest:
    video: Path
    out_dir: Path
    count: int = 5
    min_s: float = 20.0
    max_s: float = 60.0
    aspect: str = "9:16"
    about: str = ""
    captions: CaptionStyle = "karaoke"
    visual_only: bool = False  # no speech: choose by visual activity instead of failing
    source_name: str = ""  # what clips.json calls the source (default: the path given)
    hook_title: bool = False  # the moment's first sentence as a title over its first seconds
    music: Path | None = None  # a song looped under each clip, ducked while someone speaks


@dataclass(frozen=True)
class MadeClip:
    file: Path
    moment: Moment
    face_share: float
    filled: bool
    title: str = ""  # the hook title shown over the first seconds ("" without one)


def parse_length(text: str) -> tuple[float, float]:
    """ "20-60" → (20.0, 60.0), or one clear error."""
    try:
        low, _, high = text.partition("-")
        found = (float(low), float(high or low))
    except ValueError:
        found = (0.0, -1.0)
    if not 0 < found[0] <= found[1]:
        raise InputError(f"--length {text!r} is not MIN-MAX seconds",
                         hint="e.g. --length 20-60 (clips of 20 to 60 seconds)")
    return found


def _fingerprint(video: Path) -> str:
    stat = video.stat()
    key = f"{video.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _cached(path: Path, make: Callable[[], Any]) -> Any:
    """``make()``'s JSON-able result, kept at ``path`` (written whole or not at all)."""
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(value), encoding="utf-8")
    os.replace(part, path)
    return value


def folder_memory(folder: Path) -> Remember:
    """``Remember`` in plain JSON files of ``folder`` (the CLI's ``OUT/.clips-cache/<key>``)."""
    return lambda name, make: _cached(folder / f"{name}.json", make)


def choose_moments(request: ClipRequest, settings: Settings,
                   on_progress: Progress | None = None, remember: Remember | None = None,
                   ) -> tuple[list[Moment], list[Word], list[float]]:
    """The moments to cut, the words heard and the shot changes (cached per source file)."""
    from reelforge.media.probe import probe_video

    video = request.video
    info = probe_video(video)
    if info.duration_s < request.min_s:
        raise InputError(f"{video} is {info.duration_s:.1f} s long, shorter than the shortest "
                         f"clip asked for ({request.min_s:g} s)",
                         hint="use a longer video or a smaller --length, e.g. --length 5-15")
    keep = remember or folder_memory(request.out_dir / ".clips-cache" / _fingerprint(video))
    report = on_progress or (lambda stage, fraction: None)

    def shots_and_activity() -> dict[str, list[float]]:
        from reelforge.media.activity import scan_activity
        from reelforge.media.ffmpeg import find_ffmpeg

        found = scan_activity(video, find_ffmpeg(settings.ffmpeg_binary),
                              duration_s=info.duration_s,
                              on_progress=lambda f: report("shots", f))
        return {"cuts": found.cuts_s, "activity": found.per_second}

    found = keep("shots", shots_and_activity)
    report("shots", 1.0)
    words: list[Word] = []
    levels: list[float] = []
    if info.has_audio:
        from reelforge.media.ffmpeg import find_ffmpeg
        from reelforge.media.heard import heard_words

        report("speech", 0.0)
        ffmpeg = find_ffmpeg(settings.ffmpeg_binary)
        heard = keep("words", lambda: [w.model_dump() for w in heard_words(video, ffmpeg)])
        words = [Word.model_validate(w) for w in heard]

        def sound_levels() -> list[float]:
            from reelforge.media.sound_level import levels_per_second

            return levels_per_second(video, ffmpeg, duration_s=info.duration_s)

        levels = keep("loudness", sound_levels) if words else []
        report("speech", 1.0)
    rules = MomentRules(min_s=request.min_s, max_s=request.max_s)
    if not words:
        if not request.visual_only:
            raise InputError(f"no speech was heard in {video}" +
                             ("" if info.has_audio else " (it has no sound track)"),
                             hint="add --visual-only to pick moments by visual activity alone")
        moments = activity_moments(found["activity"], 1.0, request.count, rules)
    else:
        from reelforge.media.embeddings import get_text_encoder

        moments = find_moments(words, request.count, rules, encoder=get_text_encoder(),
                               about=request.about, shot_changes_s=found["cuts"],
                               end_of_source_s=info.duration_s, sound_levels_db=levels)
    if not moments:
        raise InputError(f"no stretch of whole sentences in {video} lasts "
                         f"{request.min_s:g}-{request.max_s:g} s",
                         hint="widen --length, e.g. --length 10-90")
    report("moments", 1.0)
    return moments, words, found["cuts"]


def _clip_words(words: Sequence[Word], start_s: float, end_s: float) -> list[Word]:
    return [Word(text=w.text, start_s=round(max(0.0, w.start_s - start_s), 3),
                 end_s=round(max(0.0, min(end_s, w.end_s) - start_s), 3))
            for w in words if w.start_s >= start_s and w.end_s <= end_s + 1e-6]


def hook_title_text(moment: Moment, max_words: int = 12) -> str:
    """The title over a clip's first seconds: its first sentence (cut after ``max_words``)."""
    from reelforge.text import split_sentences

    first = (split_sentences(moment.text, max_chars=400) or [moment.text])[0].split()
    return " ".join(first[:max_words]) + ("…" if len(first) > max_words else "")


def hook_title_filters(text: str, width: int, height: int, font: Path, work_dir: Path,
                       seconds: float = HOOK_TITLE_S) -> str:
    """FFmpeg ``drawtext`` filters showing ``text`` centred near the top for ``seconds``, fading
    out: wrapped by the font's real metrics (``assemble.fit``), one filter per line, the text
    read from files in ``work_dir`` (nothing of it is parsed by the filter graph)."""
    from reelforge.assemble.fit import fit_text

    fitted = fit_text(text, font, width * 0.86, 4, max(10, round(height * 0.05)))
    size = fitted.size
    link = work_dir / f"title-font{font.suffix}"
    if not link.exists():
        os.symlink(font, link)
    fade = min(0.5, seconds / 4)
    alpha = f"'if(lt(t,{seconds - fade:g}),1,max(0,({seconds:g}-t)/{fade:g}))'"
    top, step = round(height * 0.12), round(size * 1.45)
    filters = []
    for k, line in enumerate(fitted.lines):
        (work_dir / f"title-{k}.txt").write_text(line, encoding="utf-8")
        filters.append(
            f"drawtext=fontfile={link.name}:textfile=title-{k}.txt:expansion=none:"
            f"fontsize={size}:fontcolor=white:borderw={max(1, size // 14)}:bordercolor=black:"
            f"box=1:boxcolor=black@0.5:boxborderw={max(2, size // 4)}:x=(w-text_w)/2:"
            f"y={top + k * step}:alpha={alpha}:enable='lt(t,{seconds:g})'")
    return ",".join(filters)


def render_clip(video: Path, out: Path, moment: Moment, words: Sequence[Word],
                request: ClipRequest, settings: Settings,
                on_progress: Callable[[float], None] | None = None) -> MadeClip:
    """One moment reframed to the aspect with its words burned in; its SRT beside it (shot
    changes inside the moment found to the frame by the same scan that finds the faces)."""
    from reelforge.assemble.captions import write_captions
    from reelforge.assemble.fonts import font_family, font_file
    from reelforge.media.ffmpeg import find_ffmpeg
    from reelforge.media.probe import probe_video
    from reelforge.media.reframe import (
        Encoding,
        parse_aspect,
        plan_crop,
        render_reframed,
        scan_stretch,
    )

    info = probe_video(video)
    fps = info.fps or 30.0
    duration = moment.end_s - moment.start_s
    stretch = scan_stretch(video, moment.start_s, moment.end_s)
    plan = plan_crop(info.width, info.height, parse_aspect(request.aspect), fps,
                     max(1, round(duration * fps)), stretch.samples, stretch.cuts_s)
    encoding = Encoding(find_ffmpeg(settings.ffmpeg_binary), settings.x264_preset,
                        settings.x264_crf)
    with tempfile.TemporaryDirectory(prefix="rf-clip-") as tmp_name:
        tmp = Path(tmp_name)
        filters = []
        title = hook_title_text(moment) if request.hook_title and moment.text else ""
        clip_words = _clip_words(words, moment.start_s, moment.end_s)
        if clip_words:
            font = font_file(settings.font_file)
            captions = write_captions(clip_words, request.captions, tmp, plan.width,
                                      plan.height, font, font_family(font),
                                      extra={"source": str(video), "start_s": moment.start_s})
            os.replace(captions.srt, out.with_suffix(".srt"))
            if captions.ass is not None:
                (tmp / "fonts").mkdir()
                os.symlink(font, tmp / "fonts" / font.name.replace("[", "").replace("]", ""))
                filters.append("subtitles=filename=captions.ass:fontsdir=fonts")
        if title:
            filters.append(hook_title_filters(title, plan.width, plan.height,
                                              font_file(settings.font_file), tmp,
                                              min(HOOK_TITLE_S, duration)))
        render_reframed(video, out, plan, encoding, tmp, start_s=moment.start_s,
                        duration_s=duration, extra_filters=",".join(filters),
                        music=request.music, has_audio=info.has_audio,
                        on_progress=on_progress)
    return MadeClip(file=out, moment=moment, face_share=plan.face_share, filled=plan.fill,
                    title=title)


def make_clips(request: ClipRequest, settings: Settings,
               on_progress: Progress | None = None,
               remember: Remember | None = None) -> list[MadeClip]:
    """Choose the moments of ``request.video``, render each, write ``clips.json``."""
    from reelforge.media.reframe import parse_aspect

    parse_aspect(request.aspect)  # a bad aspect fails before an hour of transcription
    if request.count < 1:
        raise InputError("--count must be at least 1")
    if request.music is not None:
        check_music(request.music)
    request.out_dir.mkdir(parents=True, exist_ok=True)
    moments, words, _cuts = choose_moments(request, settings, on_progress, remember)
    made = []
    for n, moment in enumerate(moments, start=1):
        stage = f"clip {n}/{len(moments)}"
        out = request.out_dir / f"clip-{n:02d}.mp4"
        made.append(render_clip(request.video, out, moment, words, request, settings,
                                _stage(on_progress, stage)))
    write_clips_json(request, made)
    write_contact_sheet(made, request.out_dir / CONTACT_SHEET)
    return made


def check_music(path: Path) -> None:
    """A music bed must be a file with sound in it: said before the transcription starts."""
    import av

    if not path.is_file():
        raise InputError(f"--music {path}: no such file", hint="give a song file (mp3, wav, "
                         "m4a, flac, ogg), e.g. --music ~/Music/calm.mp3")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InputError(f"--music {path.name} has no sound in it",
                                 hint="give a song file (mp3, wav, m4a, flac, ogg)")
    except av.error.FFmpegError as exc:
        raise InputError(f"--music {path.name} cannot be read as audio ({exc})",
                         hint="give a song file (mp3, wav, m4a, flac, ogg)") from None


def write_contact_sheet(made: Sequence[MadeClip], path: Path, height: int = 320) -> Path:
    """One picture with the middle frame of every clip side by side, in order."""
    import av
    from PIL import Image

    tiles = []
    for clip in made:
        with av.open(str(clip.file)) as container:
            stream = container.streams.video[0]
            middle = clip.moment.duration_s / 2
            if stream.time_base is not None:
                container.seek(int(middle / float(stream.time_base)), stream=stream,
                               backward=True)
            frame = None
            for frame in container.decode(stream):
                if frame.time is not None and frame.time >= middle:
                    break
            if frame is not None:
                picture = frame.to_image()
                tiles.append(picture.resize((max(1, round(picture.width * height
                                                          / picture.height)), height)))
    gap = 8
    sheet = Image.new("RGB", (sum(t.width for t in tiles) + gap * (len(tiles) + 1),
                              height + 2 * gap), (24, 24, 24))
    x = gap
    for tile in tiles:
        sheet.paste(tile, (x, gap))
        x += tile.width + gap
    sheet.save(path, quality=88)
    return path


def _stage(on_progress: Progress | None, stage: str) -> Callable[[float], None] | None:
    if on_progress is None:
        return None
    report = on_progress
    return lambda fraction: report(stage, fraction)


def write_clips_json(request: ClipRequest, made: Sequence[MadeClip]) -> Path:
    document = {
        "source": request.source_name or str(request.video), "aspect": request.aspect,
        "about": request.about,
        "length": [request.min_s, request.max_s],
        "music": request.music.name if request.music is not None else None,
        "clips": [{
            "file": clip.file.name, "start_s": clip.moment.start_s, "end_s": clip.moment.end_s,
            "duration_s": round(clip.moment.duration_s, 3),
            "speech_start_s": clip.moment.speech_start_s,
            "speech_end_s": clip.moment.speech_end_s,
            "transcript": clip.moment.text, "scores": asdict(clip.moment.scores),
            "reason": clip.moment.reason, "hook_title": clip.title or None,
            "reframe": {"face_share": round(clip.face_share, 3),
                        "blurred_fill": clip.filled},
        } for clip in made],
    }
    path = request.out_dir / CLIPS_JSON
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def reframe_video(video: Path, out: Path, aspect: str, settings: Settings,
                  on_progress: Progress | None = None) -> float:
    """The whole of ``video`` reframed to ``aspect`` following the face; returns the share of
    samples in which a face was found. One streaming scan finds faces and shot changes."""
    from reelforge.media.ffmpeg import find_ffmpeg
    from reelforge.media.probe import probe_video
    from reelforge.media.reframe import (
        Encoding,
        parse_aspect,
        plan_crop,
        render_reframed,
        scan_stretch,
    )

    target = parse_aspect(aspect)
    info = probe_video(video)
    report = on_progress or (lambda stage, fraction: None)
    report("faces and shots", 0.0)
    stretch = scan_stretch(video)
    report("faces and shots", 1.0)
    fps = info.fps or 30.0
    plan = plan_crop(info.width, info.height, target, fps, max(1, round(info.duration_s * fps)),
                     stretch.samples, stretch.cuts_s)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rf-reframe-") as tmp:
        render_reframed(video, out, plan, Encoding(find_ffmpeg(settings.ffmpeg_binary),
                                                   settings.x264_preset, settings.x264_crf),
                        Path(tmp), on_progress=lambda f: report("render", f))
    return plan.face_share
