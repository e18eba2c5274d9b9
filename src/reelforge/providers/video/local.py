"""The offline video engine: real moving visuals for a scene, made by FFmpeg's generators.

Layers, bottom to top: a slowly turning multi-colour gradient in the scene's palette, blended with
evolving Perlin noise (texture), drifting soft light particles (depth and motion), a vignette, and
the scene's title fading in. Rendered at ``scale`` of the output size (0.5 by default: the
assembly's Lanczos upscale costs far less than encoding twice at full size) and deterministic for a
seed. No image–text model is available offline, so the prompt steers colour, speed and words only.
"""

from __future__ import annotations

import math
import random
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from reelforge.assemble.fit import Fitted, fit_text, pil_font
from reelforge.assemble.fonts import font_file
from reelforge.domain import ProviderCall
from reelforge.media.ffmpeg import find_ffmpeg, run_ffmpeg
from reelforge.providers.base import ClipRequest, ClipResult
from reelforge.providers.video.palette import ffmpeg_color, scene_palette
from reelforge.settings import Settings

ENERGY = {
    "energetic": 2.0,
    "dramatic": 1.6,
    "happy": 1.4,
    "calm": 0.6,
    "tender": 0.7,
    "nostalgic": 0.8,
    "mysterious": 0.9,
    "serious": 0.8,
}


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


#: The title's box: 84 % of the width, at most this share of the height, from 22 % down.
TITLE_WIDTH, TITLE_HEIGHT, TITLE_TOP = 0.84, 0.36, 0.22
LINE_SPACING = 1.18


def fit_title(text: str, width: int, height: int, font_path: Path) -> Fitted:
    """The whole title, upper-cased, in at most three lines inside the title box: wrapped by
    the font's real metrics, then shrunk until it fits (nothing is ever cut off)."""
    size = max(18, int(min(width, height) * 0.085))
    while True:
        fitted = fit_text(text.upper(), font_path, width * TITLE_WIDTH, 3, size, bold=True)
        if len(fitted.lines) * fitted.size * LINE_SPACING <= height * TITLE_HEIGHT or size <= 8:
            return fitted
        size = fitted.size - 1


def draw_title(text: str, width: int, height: int, font_path: Path, out_png: Path) -> None:
    """A transparent layer with the title in the upper third, soft shadow for contrast."""
    fitted = fit_title(text, width, height, font_path)
    size, font = fitted.size, pil_font(font_path, fitted.size, bold=True)
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    shadow = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    y = int(height * TITLE_TOP)
    draw, shadow_draw = ImageDraw.Draw(layer), ImageDraw.Draw(shadow)
    for line in fitted.lines:
        w = font.getlength(line)
        x = (width - w) / 2
        shadow_draw.text((x + size * 0.06, y + size * 0.08), line, font=font, fill=(0, 0, 0, 170))
        draw.text((x, y), line, font=font, fill=(255, 255, 255, 245))
        y += int(size * LINE_SPACING)
    shadow = shadow.filter(ImageFilter.GaussianBlur(max(2, size // 10)))
    Image.alpha_composite(shadow, layer).save(out_png)


def draw_vignette(width: int, height: int, out_png: Path) -> None:
    """A static dark edge (cheaper as one overlay than FFmpeg's per-frame vignette filter)."""
    import numpy as np

    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    d = np.hypot((xx - width / 2) / (width / 2), (yy - height / 2) / (height / 2)) / math.sqrt(2)
    alpha = (np.clip((d - 0.45) / 0.55, 0, 1) ** 1.6 * 150).astype(np.uint8)
    rgba = np.zeros((height, width, 4), np.uint8)
    rgba[..., 3] = alpha
    Image.fromarray(rgba, "RGBA").save(out_png)


def draw_particles(width: int, height: int, seed: int, out_png: Path) -> None:
    """Soft translucent light discs on a layer twice the frame's height (it drifts upward)."""
    rng = random.Random(seed)
    layer = Image.new("RGBA", (width, height * 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(28):
        r = rng.uniform(0.01, 0.06) * width
        x, y = rng.uniform(0, width), rng.uniform(0, height * 2)
        alpha = int(rng.uniform(25, 80))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, alpha))
    layer.filter(ImageFilter.GaussianBlur(max(2, width // 120))).save(out_png)


def _still(index: int, frames: int, fps: int) -> str:
    """Filter chain that plays input ``index`` (one picture) as ``frames`` frames at ``fps``.

    The picture is decoded and converted to the overlay's format once, then its frame is
    repeated by reference: ``-loop 1`` on the input would decode the PNG again for every frame
    (half the renderer's CPU time). One frame to spare, so an ``overlay=shortest=1`` never ends
    a frame before the background does.
    """
    return f"[{index}:v]format=yuva420p,loop=loop={frames}:size=1,setpts=N/({fps}*TB)"


class LocalRenderer:
    """VideoGenerator that needs no network, no GPU and no model."""

    name = "local-renderer"
    version = "4"  # 3: titles fitted whole (wrap, then shrink); 4: stills decoded once

    def __init__(
        self,
        *,
        ffmpeg: Path | None = None,
        font: Path | None = None,
        scale: float = 0.5,
        preset: str = "ultrafast",
        max_fps: int = 15,
    ) -> None:
        self.ffmpeg = ffmpeg
        self.font = font
        self.scale = scale
        self.preset = preset
        self.max_fps = max_fps

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalRenderer:
        return cls(ffmpeg=settings.ffmpeg_binary, font=settings.font_file)

    def generate(self, request: ClipRequest, out_mp4: Path) -> ClipResult:
        started = time.monotonic()
        scene = request.scene
        w, h = _even(request.width * self.scale), _even(request.height * self.scale)
        # Slow generative motion looks the same at 15 fps; assembly converts to the output rate.
        fps, dur = min(request.fps, self.max_fps), request.duration_s
        seed = (request.seed * 1_000_003 + scene.index * 7919) % (2**31)
        palette = scene_palette(scene.mood, scene.visual_prompt, seed)
        energy = ENERGY.get(scene.mood, 1.0)
        rng = random.Random(seed)
        colors = ":".join(f"c{i}={ffmpeg_color(c)}" for i, c in enumerate(palette))
        frames = math.ceil(dur * fps - 1e-6)
        drift = h * (0.05 + 0.05 * energy) / max(dur, 1.0)  # particle drift, px per second
        with tempfile.TemporaryDirectory(prefix="rf-render-") as tmp:
            title_png, particles_png = Path(tmp, "title.png"), Path(tmp, "particles.png")
            vignette_png = Path(tmp, "vignette.png")
            draw_title(scene.title, w, h, font_file(self.font), title_png)
            draw_particles(w, h, seed, particles_png)
            draw_vignette(w, h, vignette_png)
            graph = (
                f"gradients=s={w}x{h}:r={fps}:d={dur:.3f}:n=4:{colors}"
                f":speed={0.006 * energy:.4f}:seed={seed},format=yuv420p[g];"
                f"perlin=s={w // 4}x{h // 4}:r={fps}:octaves=2:persistence=0.55"
                f":xscale={rng.uniform(1.5, 3):.2f}:yscale={rng.uniform(1.5, 3):.2f}"
                f":tscale={0.15 * energy:.3f}:random_mode=seed:seed={seed},"
                f"trim=duration={dur:.3f},scale={w}:{h},format=yuv420p[n];"
                # texture on luma only: colour stays the palette's, light and shade move
                f"[g][n]blend=c0_mode=softlight:c0_opacity=0.6:c1_mode=normal:c1_opacity=1:c2_mode=normal:c2_opacity=1"
                f":shortest=1[bg];"
                f"{_still(0, frames, fps)}[p];{_still(2, frames, fps)}[vg];"
                f"[bg][p]overlay=x=0:y='-{h}*0.5-{drift:.3f}*t':shortest=1:eval=frame[bp];"
                f"[bp][vg]overlay=0:0:shortest=1[v];"
                f"{_still(1, frames, fps)},fade=in:st=0.25:d=0.7:alpha=1[t];"
                f"[v][t]overlay=x=0:y='{h * 0.02:.1f}*(1-min(t/1.2,1))':shortest=1:eval=frame,"
                f"format=yuv420p[out]"
            )
            tmp_out = out_mp4.with_name(out_mp4.name + ".part.mp4")
            run_ffmpeg(
                [
                    "-filter_complex_threads",
                    "1",
                    "-i",
                    particles_png,
                    "-i",
                    title_png,
                    "-i",
                    vignette_png,
                    "-filter_complex",
                    graph,
                    "-map",
                    "[out]",
                    "-frames:v",
                    str(frames),
                    "-c:v",
                    "libx264",
                    "-preset",
                    self.preset,
                    "-crf",
                    "20",
                    "-pix_fmt",
                    "yuv420p",
                    "-movflags",
                    "+faststart",
                    tmp_out,
                ],
                ffmpeg=find_ffmpeg(self.ffmpeg),
                what=f"local renderer (scene {scene.index + 1})",
            )
            tmp_out.replace(out_mp4)
        call = ProviderCall(
            provider=self.name,
            operation="render",
            model="ffmpeg-generators",
            duration_s=time.monotonic() - started,
        )
        return ClipResult(
            duration_s=frames / fps,
            width=w,
            height=h,
            fps=float(fps),
            calls=[call],
        )
