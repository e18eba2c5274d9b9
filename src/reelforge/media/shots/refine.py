"""Exact frames for cuts that fast decoding saw only between two decoded frames far apart.

Fast decoding normally decodes every frame around a cut (the encoder marks it with a keyframe
or a large packet). When it did not, the cut is known only to lie in a gap of skipped frames:
this decodes that gap in full (a seek to the keyframe before it) and puts the cut on the
largest step inside it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reelforge.media.decode import DecodedVideo, tiny_frames_between
from reelforge.media.shots.model import Transition
from reelforge.media.shots.signals import FrameSeries


def refine_inexact_cuts(video: DecodedVideo, series: FrameSeries,
                        found: list[Transition]) -> list[Transition]:
    """``found`` with every inexact hard cut moved to its exact frame (and marked exact)."""
    out = []
    for t in found:
        if t.kind != "cut" or t.exact:
            out.append(t)
            continue
        row = series.row_at(t.cut_frame)
        before = int(series.indices[max(0, row - 1)])
        frames = tiny_frames_between(video, before, t.cut_frame)
        indices = sorted(frames)
        if len(indices) < 2 or indices != list(range(before, t.cut_frame + 1)):
            out.append(t)
            continue
        vectors = np.stack([frames[i].reshape(-1).astype(np.float32) for i in indices])
        steps = np.mean(np.abs(np.diff(vectors, axis=0)), axis=1)
        cut = indices[int(np.argmax(steps)) + 1]
        out.append(replace(t, cut_frame=cut, start_frame=cut, end_frame=cut + 1, exact=True))
    return out
