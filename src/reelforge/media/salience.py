"""Where a picture's subject is: a face when one is found, else what stands out in colour.

A picture's slow zoom (Ken Burns) moves toward this point, and its crop to another aspect keeps
it, instead of the centre. Cheap on purpose (indexing runs it on every picture): the face
detector on a copy of at most 480 pixels, else a frequency-tuned saliency map (Achanta et al.,
2009: how far each pixel's slightly blurred colour is from the picture's mean colour) on a copy
of 64 pixels, whose centroid is the point. Arrays in, numbers out.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from reelforge.errors import DependencyMissing

#: Long side of the copy the saliency map is computed on.
MAP_SIDE = 64
#: Long side of the copy faces are looked for on.
FACE_SIDE = 480
#: Below this colour distance (0..255 opponent units) nothing stands out: no point.
MIN_CONTRAST = 12.0


def salient_point(rgb: np.ndarray, *, faces: bool = True) -> tuple[float, float] | None:
    """The subject of an (h, w, 3) RGB picture as (x, y) in 0..1 of its width and height: the
    largest face's centre, else the centroid of what stands out; None when nothing does (a
    plain or evenly busy picture: keep the centre)."""
    from reelforge.media.image_analysis import resized

    # one reduction for both, every n-th pixel first: filtering all of a 12-megapixel photo
    # down took most of the time, and 2× the size kept is fine enough for either
    step = max(1, max(rgb.shape[:2]) // (2 * FACE_SIDE))
    small = resized(np.ascontiguousarray(rgb[::step, ::step]), FACE_SIDE)
    if faces:
        found = face_point(small)
        if found is not None:
            return found
    return saliency_centroid(small)


def face_point(rgb: np.ndarray) -> tuple[float, float] | None:
    """The centre of the largest face (``media/faces.detect_faces``), or None (none found, or
    OpenCV missing)."""
    from reelforge.media import faces
    from reelforge.media.image_analysis import resized

    small = resized(rgb, FACE_SIDE)
    try:
        found = faces.detect_faces(small)
    except DependencyMissing:
        return None
    if not found:
        return None
    h, w = small.shape[:2]
    face = found[0]
    return round(face.centre_x / w, 3), round(face.centre_y / h, 3)


def saliency_map(rgb: np.ndarray) -> np.ndarray:
    """Per pixel of a ``MAP_SIDE`` copy: the distance of its (blurred) colour from the
    picture's mean colour, in an opponent colour space (lightness, red–green, yellow–blue)."""
    image = Image.fromarray(np.ascontiguousarray(rgb[..., :3]))
    scale = MAP_SIDE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)
    blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(1)), dtype=np.float32)
    r, g, b = blurred[..., 0], blurred[..., 1], blurred[..., 2]
    opponent = np.stack([(r + g + b) / 3, r - g, (r + g) / 2 - b], axis=-1)
    mean = opponent.reshape(-1, 3).mean(axis=0)
    return np.asarray(np.linalg.norm(opponent - mean, axis=-1))


def saliency_centroid(rgb: np.ndarray) -> tuple[float, float] | None:
    """The centroid of the pixels that stand out more than the picture does on average (so a
    small bright object pulls it, a large even background does not); None when nothing stands
    out by ``MIN_CONTRAST``."""
    saliency = saliency_map(rgb)
    if saliency.size == 0 or float(saliency.max()) < MIN_CONTRAST:
        return None
    weight = np.clip(saliency - saliency.mean(), 0, None) ** 2
    total = float(weight.sum())
    if total <= 0:
        return None
    h, w = saliency.shape
    ys, xs = np.mgrid[0:h, 0:w]
    x = float((weight * (xs + 0.5)).sum() / total / w)
    y = float((weight * (ys + 0.5)).sum() / total / h)
    return round(x, 3), round(y, 3)
