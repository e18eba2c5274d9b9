"""A picture's slow zoom goes toward its subject (a face, else what stands out), not the centre;
a crop to another aspect keeps the subject."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from reelforge.domain import FootageChoice, FootagePick, Scene
from reelforge.library.footage import FootageMatch
from reelforge.library.footage_analyse import FileTask, analyse_file
from reelforge.library.footage_choice import Candidate, pick
from reelforge.media.salience import salient_point
from reelforge.providers.base import ClipRequest
from reelforge.providers.video.footage import FootageVideo, Framing, focus_in_frame

FPS = 10


def _picture(path: Path, at: tuple[float, float], size=(320, 180)) -> Path:
    """A dim, flat picture with one bright disc at ``at`` (0..1 of width and height)."""
    w, h = size
    rgb = np.full((h, w, 3), 40, np.uint8)
    ys, xs = np.mgrid[0:h, 0:w]
    rgb[(xs - at[0] * w) ** 2 + (ys - at[1] * h) ** 2 < (h / 10) ** 2] = (250, 240, 200)
    Image.fromarray(rgb).save(path)
    return path


def _bright_centre(frame: np.ndarray) -> tuple[float, float]:
    """The centroid of the bright pixels, 0..1 of the frame."""
    ys, xs = np.nonzero(frame.mean(axis=2) > 150)
    assert xs.size, "the bright object is not in the frame"
    return (xs.mean() + 0.5) / frame.shape[1], (ys.mean() + 0.5) / frame.shape[0]


def _off_centre(point: tuple[float, float]) -> float:
    return float(np.hypot(point[0] - 0.5, point[1] - 0.5))


def _render(tmp_path: Path, shown: FootagePick, size: tuple[int, int],
            index: int = 0) -> list[np.ndarray]:
    scene = Scene(index=index, title="t", narration="n", visual_prompt="v")
    request = ClipRequest(scene=scene, width=size[0], height=size[1], fps=FPS, duration_s=1.5)
    out = tmp_path / f"clip-{index}.mp4"
    FootageVideo(FootageChoice(scene_index=index, shot=shown, treatment="ken-burns")).generate(
        request, out)
    with av.open(str(out)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def _indexed_pick(path: Path) -> FootagePick:
    shot = analyse_file(FileTask(path, None, "cd" * 32, False, None)).shots[0]
    return pick(Candidate(FootageMatch(shot, 0.6, "fixed"), 0.6), 4.0)


def test_the_salient_point_is_a_bright_object_off_centre_or_nothing_on_a_plain_picture() -> None:
    rgb = np.full((180, 320, 3), 40, np.uint8)
    ys, xs = np.mgrid[0:180, 0:320]
    rgb[(xs - 256) ** 2 + (ys - 135) ** 2 < 18 ** 2] = (250, 240, 200)
    x, y = salient_point(rgb)
    assert abs(x - 0.8) < 0.03 and abs(y - 0.75) < 0.03
    assert salient_point(np.full((90, 160, 3), 90, np.uint8)) is None  # plain: the centre


def test_indexing_stores_the_point_and_the_pick_carries_it(tmp_path) -> None:
    shown = _indexed_pick(_picture(tmp_path / "lamp.png", (0.8, 0.75)))
    assert shown.focus is not None
    assert abs(shown.focus[0] - 0.8) < 0.03 and abs(shown.focus[1] - 0.75) < 0.03


def test_a_zoom_in_ends_with_the_object_nearer_the_centre_than_it_started(tmp_path) -> None:
    shown = _indexed_pick(_picture(tmp_path / "lamp.png", (0.8, 0.75)))
    frames = _render(tmp_path, shown, (320, 180), index=0)  # even scene: zoom in
    first, last = _bright_centre(frames[0]), _bright_centre(frames[-1])
    assert _off_centre(last) < _off_centre(first) - 0.01, (first, last)
    # toward the centre the object would drift outward instead
    centred = _render(tmp_path, shown.model_copy(update={"focus": None}), (320, 180), index=2)
    assert _off_centre(_bright_centre(centred[-1])) > _off_centre(first)


def test_a_zoom_out_starts_on_the_object_and_pulls_back(tmp_path) -> None:
    shown = _indexed_pick(_picture(tmp_path / "lamp.png", (0.8, 0.75)))
    frames = _render(tmp_path, shown, (320, 180), index=1)  # odd scene: zoom out
    assert _off_centre(_bright_centre(frames[0])) < _off_centre(_bright_centre(frames[-1]))


def test_a_crop_to_another_aspect_keeps_the_object_a_centre_crop_would_cut(tmp_path) -> None:
    shown = _indexed_pick(_picture(tmp_path / "lamp.png", (0.9, 0.5), size=(320, 180)))
    frames = _render(tmp_path, shown, (180, 180))  # 16:9 → 1:1 keeps 56 %: a crop
    x, _ = _bright_centre(frames[0])
    assert 0.5 < x < 1.0
    centred = _render(tmp_path, shown.model_copy(update={"focus": None}), (180, 180), index=2)
    assert not (centred[0].mean(axis=2) > 150).any()  # the centre crop loses it


def test_a_point_lands_where_the_crop_or_the_fill_puts_it() -> None:
    crop = Framing(180, 180, False)  # 320×180 → 1:1: the crop is centred on the point
    assert focus_in_frame((0.5, 0.5), 320, 180, crop) == (0.5, 0.5)
    x, _ = focus_in_frame((0.95, 0.5), 320, 180, crop)  # at the edge: the crop stops there
    assert abs(x - (0.95 * 320 - 140) / 180) < 1e-6
    fill = Framing(180, 320, True)  # 16:9 in 9:16: letterboxed, the point moves inward
    _, y = focus_in_frame((0.5, 0.0), 320, 180, fill)
    assert abs(y - (320 - 101.25) / 2 / 320) < 1e-6


def _video_with_disc(path: Path, at: tuple[float, float], size=(320, 180)) -> Path:
    """Two seconds of a dim, flat scene with one bright disc at ``at``, as a video file."""
    frame = np.asarray(Image.open(_picture(path.with_suffix(".png"), at, size)).convert("RGB"))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(2 * FPS):
            image = av.VideoFrame.from_ndarray(frame, format="rgb24")
            image.pts = i
            for packet in stream.encode(image):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_a_video_shot_is_cropped_around_its_keyframes_subject_not_its_centre(tmp_path) -> None:
    shown = _indexed_pick(_video_with_disc(tmp_path / "lamp.mp4", (0.9, 0.5)))
    assert shown.kind == "video" and shown.focus is not None
    assert abs(shown.focus[0] - 0.9) < 0.05
    frames = _render(tmp_path, shown, (180, 180))  # 16:9 → 1:1: a crop
    assert 0.5 < _bright_centre(frames[0])[0] < 1.0
    centred = _render(tmp_path, shown.model_copy(update={"focus": None}), (180, 180), index=2)
    assert not (centred[0].mean(axis=2) > 150).any()  # the centre crop loses it
