"""The creator's own footage as a scene's clip: a chosen shot cut, fitted and timed by FFmpeg.

A video shot is cut to its segment (never past its own cuts: the chooser picked the seconds),
slowed or looped when the chooser said so, and a picture slowly zooms (Ken Burns) toward its
salient point (a face, else what stands out; found at indexing). Both are fitted to the job's
aspect: a crop (centred on the salient point of a picture or of a video shot's keyframe, else
the centre) when it keeps most of
the frame, else the whole frame over a blurred, enlarged copy of itself. Output is at most the
source's own resolution (the assembly scales up once, instead of encoding pixels that carry
nothing), at the job's frame rate and exactly the scene's length.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from reelforge.domain import FootageChoice, FootagePick, ProviderCall
from reelforge.errors import InputError
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.providers.base import ClipRequest, ClipResult

#: A crop that keeps less than this share of the frame loses too much: blurred fill instead.
MIN_KEPT = 0.5
#: How far a picture zooms over its scene (1.12: 12 % closer at the end).
ZOOM = 0.12


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


@dataclass(frozen=True)
class Framing:
    """How a source of one aspect fills a frame of another: the output size and the method."""

    width: int
    height: int
    fill: bool  # True: blurred fill around the whole frame; False: centre crop


def framing(source_w: int, source_h: int, target_w: int, target_h: int,
            min_kept: float = MIN_KEPT) -> Framing:
    """Crop when it keeps at least ``min_kept`` of the frame; the output no larger than the
    source's pixels allow (never above the target size)."""
    source, target = source_w / source_h, target_w / target_h
    kept = min(source, target) / max(source, target)
    fill = kept < min_kept
    wider = source > target
    if fill:  # the whole frame fits inside: its long side sets the scale
        scale = source_w / target_w if wider else source_h / target_h
    else:  # the crop fills the frame: its short side sets the scale
        scale = source_h / target_h if wider else source_w / target_w
    scale = min(1.0, scale)
    return Framing(_even(target_w * scale), _even(target_h * scale), fill)


def fit_graph(frame: Framing, focus: tuple[float, float] | None = None) -> str:
    """Filters from square-pixel input to ``frame``'s size (crop, or fill over a blur). A crop
    is centred on ``focus`` (0..1 of the source; None: the centre), as far as the frame allows."""
    w, h = frame.width, frame.height
    if not frame.fill:
        at = "" if focus is None else (f":x='clip(iw*{focus[0]:.4f}-ow/2,0,iw-ow)'"
                                       f":y='clip(ih*{focus[1]:.4f}-oh/2,0,ih-oh)'")
        return (f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=bicubic,"
                f"crop={w}:{h}{at},setsar=1")
    bw, bh = _even(w / 8), _even(h / 8)  # blur a small copy: cheap, and softer
    return (f"split[fg0][bg0];[bg0]scale={bw}:{bh}:force_original_aspect_ratio=increase,"
            f"crop={bw}:{bh},boxblur=4:2,eq=brightness=-0.08,scale={w}:{h}[bg];"
            f"[fg0]scale={w}:{h}:force_original_aspect_ratio=decrease:flags=bicubic[fg];"
            f"[bg][fg]overlay=(W-w)/2:(H-h)/2,setsar=1")


def focus_in_frame(focus: tuple[float, float], source_w: int, source_h: int,
                   frame: Framing) -> tuple[float, float]:
    """Where a point of the source (0..1) lands in the fitted frame (0..1), after the crop
    centred on it (``fit_graph``) or the fill's letterbox."""
    fx, fy = focus
    w, h = frame.width, frame.height
    if frame.fill:
        scale = min(w / source_w, h / source_h)
        fw, fh = source_w * scale, source_h * scale
        return ((w - fw) / 2 + fx * fw) / w, ((h - fh) / 2 + fy * fh) / h
    scale = max(w / source_w, h / source_h)
    sw, sh = source_w * scale, source_h * scale
    cx = min(max(fx * sw - w / 2, 0.0), sw - w)
    cy = min(max(fy * sh - h / 2, 0.0), sh - h)
    return (fx * sw - cx) / w, (fy * sh - cy) / h


#: Display-aspect pixels first: footage with non-square pixels (704×576 shown 16:9) is not
#: squeezed by the crop.
SQUARE_PIXELS = "scale='trunc(iw*sar/2)*2':ih,setsar=1"


def video_args(pick: FootagePick, choice: FootageChoice, frame: Framing, fps: int,
               duration_s: float) -> tuple[list[str], str]:
    """Input arguments and filter graph for a video shot's segment, timed to ``duration_s``."""
    length = max(0.05, pick.end_s - pick.start_s)
    inputs = ["-ss", f"{pick.start_s:.3f}", "-t", f"{length:.3f}", "-i", pick.source]
    timing = f"setpts=(PTS-STARTPTS)/{choice.speed:.4f},fps={fps}"
    if choice.treatment == "loop":
        frames = math.ceil(length * fps) + 1
        timing = (f"setpts=PTS-STARTPTS,fps={fps},loop=loop=-1:size={frames}:start=0,"
                  f"setpts=N/{fps}/TB")
    graph = f"[0:v]{SQUARE_PIXELS},{timing},{fit_graph(frame, pick.focus)}"
    return inputs, graph


def picture_args(pick: FootagePick, frame: Framing, fps: int, duration_s: float,
                 zoom_in: bool) -> tuple[list[str], str]:
    """Input arguments and filter graph for a picture: fitted at twice the size (so the zoom
    moves smoothly, not in whole pixels), then zoomed in toward its salient point
    (``pick.focus``, else the centre) or out from it: the zoomed view is centred on the point
    as far as the frame allows, so the subject ends nearer the centre (zoom in) or starts there
    (zoom out)."""
    frames = math.ceil(duration_s * fps - 1e-6)
    big = Framing(frame.width * 2, frame.height * 2, frame.fill)
    span = max(1, frames - 1)
    zoom = (f"1+{ZOOM}*on/{span}" if zoom_in else f"{1 + ZOOM}-{ZOOM}*on/{span}")
    px, py = (focus_in_frame(pick.focus, pick.width, pick.height, big)
              if pick.focus is not None else (0.5, 0.5))
    graph = (f"[0:v]{SQUARE_PIXELS},{fit_graph(big, pick.focus)},"
             f"zoompan=z='{zoom}':x='clip(iw*{px:.4f}-iw/zoom/2,0,iw-iw/zoom)'"
             f":y='clip(ih*{py:.4f}-ih/zoom/2,0,ih-ih/zoom)':d={frames}"
             f":s={frame.width}x{frame.height}:fps={fps}")
    return ["-i", pick.source], graph


class FootageVideo:
    """VideoGenerator that shows one chosen piece of the creator's footage for a scene.

    ``name`` and ``version`` key the step cache together with the choice itself (file content,
    seconds, treatment), so another choice re-renders that scene only."""

    name = "footage"
    version = "2"  # 2: a picture zooms toward its salient point, its crop keeps it

    def __init__(self, choice: FootageChoice, *, ffmpeg: Path | None = None,
                 preset: str = "ultrafast", min_kept: float = MIN_KEPT) -> None:
        if choice.shot is None:
            raise ValueError("a FootageVideo needs a choice with a shot")
        self.choice, self.pick = choice, choice.shot
        self.ffmpeg, self.preset, self.min_kept = ffmpeg, preset, min_kept

    def generate(self, request: ClipRequest, out_mp4: Path) -> ClipResult:
        started = time.monotonic()
        pick, fps, duration = self.pick, request.fps, request.duration_s
        if not Path(pick.source).is_file():
            raise InputError(f"the footage file {pick.source} is gone",
                             hint="put it back, or index the folder again with "
                                  "`reelforge footage add`")
        frame = framing(pick.width, pick.height, request.width, request.height, self.min_kept)
        if pick.kind == "picture":
            inputs, graph = picture_args(pick, frame, fps, duration,
                                         zoom_in=request.scene.index % 2 == 0)
        else:
            inputs, graph = video_args(pick, self.choice, frame, fps, duration)
        frames = math.ceil(duration * fps - 1e-6)
        # a segment a frame short (rounding, a slow decoder's last frame) holds its last frame
        graph += f",format=yuv420p,tpad=stop_mode=clone:stop_duration={duration:.3f}[out]"
        tmp_out = out_mp4.with_name(out_mp4.name + ".part.mp4")
        run_ffmpeg(
            ["-filter_complex_threads", "1", *inputs, "-filter_complex", graph,
             "-map", "[out]", "-an", "-frames:v", str(frames), "-c:v", "libx264",
             "-preset", self.preset, "-crf", "18", "-pix_fmt", "yuv420p",
             "-movflags", "+faststart", tmp_out],
            ffmpeg=find_ffmpeg(self.ffmpeg),
            what=f"footage of scene {request.scene.index + 1} ({Path(pick.source).name})",
        )
        tmp_out.replace(out_mp4)
        call = ProviderCall(provider=self.name, operation=self.choice.treatment,
                            model="ffmpeg", duration_s=time.monotonic() - started)
        return ClipResult(duration_s=frames / fps, width=frame.width, height=frame.height,
                          fps=float(fps), calls=[call])
