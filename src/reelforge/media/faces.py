"""Faces in a picture: OpenCV's Haar cascades, shipped inside ``opencv-python-headless``.

No model is downloaded: the cascade XML files come with the wheel (``cv2.data.haarcascades``).
Haar cascades are old but fast (a few ms on a 480-pixel frame), need no GPU and are good at
what the reframer needs: where the frontal face of a speaker is. A profile cascade is tried
when no frontal face is found, so a speaker turning aside is not lost at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from reelforge.errors import DependencyMissing

_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")


@dataclass(frozen=True)
class Face:
    """A face's box in the picture's pixels."""

    x: float
    y: float
    width: float
    height: float

    @property
    def centre_x(self) -> float:
        return self.x + self.width / 2

    @property
    def centre_y(self) -> float:
        return self.y + self.height / 2

    def scaled(self, factor: float) -> Face:
        return Face(self.x * factor, self.y * factor, self.width * factor, self.height * factor)


@lru_cache(maxsize=1)
def _classifiers() -> tuple[Any, ...]:
    try:
        import cv2
    except ImportError as exc:
        raise DependencyMissing("OpenCV is not installed (face detection needs it)",
                                hint="pip install opencv-python-headless") from exc
    found = []
    for name in _CASCADES:
        path = Path(cv2.data.haarcascades) / name  # type: ignore[attr-defined]
        classifier = cv2.CascadeClassifier(str(path))
        if classifier.empty():
            raise DependencyMissing(f"OpenCV's face model {path} is missing or unreadable",
                                    hint="reinstall opencv-python-headless")
        found.append(classifier)
    return tuple(found)


_lock = threading.Lock()  # a CascadeClassifier is not safe to share between threads


def detect_faces(rgb: np.ndarray, min_size_fraction: float = 0.08) -> list[Face]:
    """Faces in an (h, w, 3) RGB picture, largest first; faces smaller than
    ``min_size_fraction`` of the picture's height are ignored (crowds, posters)."""
    import cv2

    # no histogram equalisation: on a busy background it hid half the faces it should find
    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    side = max(12, round(gray.shape[0] * min_size_fraction))
    with _lock:
        for classifier in _classifiers():
            boxes = classifier.detectMultiScale(gray, scaleFactor=1.08, minNeighbors=4,
                                                minSize=(side, side))
            if len(boxes):
                faces = [Face(float(x), float(y), float(w), float(h)) for x, y, w, h in boxes]
                return sorted(faces, key=lambda f: -f.width * f.height)
    return []


#: Picture size faces are counted at: small keyframes are enlarged to it, large pictures reduced.
COUNT_LONG_SIDE = 480
#: The frontal cascade's confidence (its last stage's weight) a counted face must reach: real
#: faces score 5–7 in a photo and 2.5–4 in a 160-pixel video keyframe, the shoulders and badges
#: it also fires on 1–1.5.
COUNT_MIN_CONFIDENCE = 2.0


def count_faces(rgb: np.ndarray, min_size_fraction: float = 0.08) -> int:
    """How many people face the camera in an (h, w, 3) RGB picture — for describing a shot, so
    it is stricter than ``detect_faces`` (frontal faces only, confident ones only) and works at
    one size whatever the picture's (a 160-pixel keyframe and a 4000-pixel photo alike)."""
    frontal = _classifiers()[0]  # DependencyMissing, not ImportError, without OpenCV
    import cv2

    height, width = rgb.shape[:2]
    scale = COUNT_LONG_SIDE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    gray = cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA)
    side = max(24, round(size[1] * min_size_fraction))
    with _lock:
        boxes, _levels, weights = frontal.detectMultiScale3(
            gray, scaleFactor=1.08, minNeighbors=4, minSize=(side, side), outputRejectLevels=True)
    return int(sum(1 for w in np.ravel(weights) if w >= COUNT_MIN_CONFIDENCE)) if len(boxes) else 0
