"""Skimmed gaps whose two ends differ, decoded frame by frame before any detector runs.

GOP skimming (``media.gop_skim``) decodes only the first quarter second of a GOP whose packets
show no change. If the picture changed in the skipped part anyway (a cut the encoder coded
cheaply, a dissolve, a fade), the decoded frames on either side of the gap differ: such a gap
is decoded in full here, with its RGB samples, so the detectors see every frame wherever
anything may have happened, and only steady stretches keep their gaps.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from reelforge.media.decode import DecodedVideo, frames_between
from reelforge.media.gop_skim import differ

#: Gaps longer than this (frames) were left by skimming (skipping B-frames leaves at most 4).
SKIM_GAP = 5


def changed_gaps(video: DecodedVideo) -> list[tuple[int, int]]:
    """Display ordinals (first, last) of the frames inside each skimmed gap whose ends differ."""
    indices = video.indices
    if len(indices) < 2:
        return []
    rows = np.flatnonzero(np.diff(indices) > SKIM_GAP)
    out = []
    for row in rows:
        if differ(video.tiny[row], video.tiny[row + 1]):  # ``gop_skim.SUSPECT_CHANGE``
            out.append((int(indices[row]) + 1, int(indices[row + 1]) - 1))
    return out


def fill_changed_gaps(video: DecodedVideo, sample_interval_s: float = 0.25) -> DecodedVideo:
    """``video`` with every frame of its changed gaps decoded (samples there too, if the first
    pass kept any)."""
    gaps = changed_gaps(video)
    if not gaps:
        return video
    long_side = max((max(s.shape[:2]) for s in video.samples.values()), default=0)
    tiny, samples = frames_between(video, gaps, sample_interval_s=sample_interval_s
                                   if long_side else 0.0, sample_long_side=long_side or 160)
    new = np.array(sorted(set(tiny) - set(video.indices.tolist())), dtype=np.int64)
    if new.size == 0:
        return video
    indices = np.concatenate([video.indices, new])
    order = np.argsort(indices, kind="stable")
    frames = np.concatenate([video.tiny, np.stack([tiny[int(i)] for i in new])])
    merged = indices[order]
    return replace(video, indices=merged, times=video.frame_times[merged],
                   tiny=frames[order], samples={**video.samples, **samples})
