"""Which packets fast decoding must decode in full: those where the picture probably changes.

Encoders spend bits where content changes: x264 starts a scene with an I-frame, or at least with
a P-frame far larger than the P-frames before it. Watching packet sizes (no decoding) therefore
tells where to decode every frame; everywhere else the B-frames can be skipped. For H.264 the
slice type is read from the first slice header, so P-frames are compared with P-frames (B-frames
are small and would make every P-frame look big); other codecs compare all packets.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

#: A P-frame this many times the median P-frame since the last keyframe marks a change.
BIG_P = 3.0
#: Before a baseline exists: a P-frame this share of the last keyframe's size marks a change.
NEAR_KEY = 0.4
#: Without slice types: a packet this many times the median of recent packets.
BIG_ANY = 2.5
#: Packets decoded in full after a marked one: the B-frames that follow it in decode order
#: (x264 and most encoders use runs of up to 3) and precede it on screen.
FOLLOWING = 3


@dataclass
class PacketWatch:
    """Feed packets in decode order; ``full(...)`` says whether to decode this one in full."""

    nal_length_size: int | None  # H.264 in avcC form (MP4/MOV/MKV): 1..4; else None
    sizes: deque[int] = field(default_factory=lambda: deque(maxlen=32))
    count: int = 0
    full_until: int = -1
    key_size: int = 0
    last_kind: str | None = None  # slice type of the last packet ("I", "P", "B"; H.264 only)
    last_marked: bool = False  # the last packet looked like a change (a keyframe does not)

    def full(self, data: bytes, size: int, is_keyframe: bool) -> bool:
        self.count += 1
        self.last_kind = None
        self.last_marked = False
        if is_keyframe:
            self.sizes.clear()  # a new scene's motion is unknown: start a new baseline
            self.key_size = size
            self._mark(change=False)
        elif self.nal_length_size is not None:
            kind = self.last_kind = slice_kind(data, self.nal_length_size)
            if kind in ("P", "I"):
                if len(self.sizes) >= 4:
                    big = size > BIG_P * float(np.median(self.sizes))
                else:  # no baseline yet: a P-frame almost as big as a keyframe is a new picture
                    big = size > NEAR_KEY * self.key_size
                if big:
                    self._mark()
                self.sizes.append(size)
        else:
            if len(self.sizes) >= 8 and size > BIG_ANY * float(np.median(self.sizes)):
                self._mark()
            self.sizes.append(size)
        return self.count <= self.full_until

    def _mark(self, *, change: bool = True) -> None:
        self.full_until = self.count + FOLLOWING
        self.last_marked = change


def h264_nal_length_size(codec: str, extradata: bytes | None) -> int | None:
    """NAL length prefix size of an avcC H.264 stream, or None (Annex B, other codecs)."""
    if codec != "h264" or not extradata or len(extradata) < 5 or extradata[0] != 1:
        return None
    return (extradata[4] & 0x03) + 1


def slice_kind(data: bytes, nal_length_size: int) -> str | None:
    """"P", "B" or "I" from the first slice header of an avcC access unit (None if none)."""
    pos = 0
    while pos + nal_length_size < len(data):
        length = int.from_bytes(data[pos:pos + nal_length_size], "big")
        start = pos + nal_length_size
        if length <= 0 or start >= len(data):
            return None
        nal_type = data[start] & 0x1F
        if nal_type in (1, 5):
            bits = np.unpackbits(np.frombuffer(data[start + 1:start + 9], dtype=np.uint8))
            try:
                _, at = _exp_golomb(bits, 0)  # first_mb_in_slice
                slice_type, _ = _exp_golomb(bits, at)
            except IndexError:
                return None
            return "PBI"[slice_type % 5] if slice_type % 5 < 3 else None
        pos = start + length
    return None


def _exp_golomb(bits: np.ndarray, pos: int) -> tuple[int, int]:
    zeros = 0
    while bits[pos] == 0:
        zeros += 1
        pos += 1
    pos += 1
    value = 0
    for _ in range(zeros):
        value = (value << 1) | int(bits[pos])
        pos += 1
    return (1 << zeros) - 1 + value, pos
