"""Which frames fast decoding decodes in an H.264 stream: the packet plan, one GOP at a time.

With B-frames, fast decoding skips them except around packets where the picture probably
changes (``packet_watch``). Phones and many editors write no B-frames (I, P, P, …): every frame
is a reference, so nothing could be skipped and a 1080p file cost a full decode (~5 ms a frame
here). There a GOP whose packets show no change (no P-frame far above its neighbours) is
*skimmed*: its first ``run`` frames are decoded (a quarter of a second: what motion and a
sample need) and the rest of it is not sent to the decoder's work at all (``NONKEY``), which
is legal because the next GOP starts from its own keyframe. A change that the packets did not
show is still found: shot detection decodes every gap whose two ends differ
(``shots.fill``), so skimming costs accuracy nothing it cannot win back. Where the picture
moves (handheld, pans), every gap differs, so there GOPs are decoded in full (``GopChange``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import av
import numpy as np

from reelforge.media.packet_watch import PacketWatch

SkipFrame = Literal["DEFAULT", "BIDIR", "NONREF", "NONKEY"]
#: Two tiny frames (mean absolute YUV difference, 0..255) differing by this much across a GOP's
#: skippable part may hide a change: half the content detector's smallest cut and a third of a
#: dissolve's, so a change cannot be missed for being split in two.
SUSPECT_CHANGE = 4.5
#: A GOP is buffered before its plan is made; one longer than this (packets) is planned in
#: pieces, staying skimmed to its end once skimming began (bounds memory on huge GOPs).
MAX_GOP_PACKETS = 600


def differ(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two tiny frames differ enough to hide a change between them."""
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16)))) >= SUSPECT_CHANGE


@dataclass
class GopChange:
    """Whether the picture moves: fed every decoded tiny frame, it compares each GOP's frame
    at the end of its run with the next keyframe, which is what a skimmed GOP would show.
    While it moves, GOPs are decoded in full: skimming them would only send their gaps back
    to be decoded again (``shots.fill``), run frames and all."""

    run: int
    moving: bool = False
    _count: int = 0
    _end_of_run: np.ndarray | None = field(default=None, repr=False)

    def see(self, keyframe: bool, tiny: np.ndarray) -> None:
        if keyframe:
            if self._end_of_run is not None:
                self.moving = differ(self._end_of_run, tiny)
            self._count, self._end_of_run = 0, None
        self._count += 1
        if self._count == self.run:
            self._end_of_run = tiny


@dataclass(frozen=True)
class Planned:
    packet: av.Packet
    skip_frame: SkipFrame


def planned_packets(packets: Iterable[av.Packet], watch: PacketWatch, skip: SkipFrame,
                    change: GopChange) -> Iterator[Planned]:
    """Packets in decode order, each with the ``skip_frame`` it is decoded with.

    A GOP with B-frames: ``DEFAULT`` where the watch marks a change, else ``skip``. A GOP without
    B-frames and without a marked change after its keyframe: ``DEFAULT`` for its first ``run``
    packets, ``NONKEY`` for the rest, unless the picture was moving at the last GOP seen
    (``change``). Anything else is decoded in full, and so is the file's last
    GOP. (A part of a file, ``DecodeSpan``, begins at a keyframe and reads past its own end, so
    each of its own GOPs is followed by a decoded keyframe.)
    """
    gop: list[tuple[av.Packet, bool, str | None, bool]] = []
    skimming = False  # the current GOP's frames are being skipped to its end
    for packet in packets:
        if not packet.size:  # the demuxer's final flush: pass it on as it is
            yield from _plan(gop, skip, change, skimming, last=True)
            gop = []
            yield Planned(packet, "DEFAULT")
            continue
        if packet.is_keyframe and gop:
            yield from _plan(gop, skip, change, skimming)
            gop, skimming = [], False
        full = watch.full(bytes(packet), packet.size, packet.is_keyframe)
        gop.append((packet, full, watch.last_kind, watch.last_marked))
        if len(gop) >= MAX_GOP_PACKETS:
            plan = list(_plan(gop, skip, change, skimming))
            skimming = skimming or any(p.skip_frame == "NONKEY" for p in plan)
            yield from plan
            gop = []
    yield from _plan(gop, skip, change, skimming, last=True)


def _plan(gop: list[tuple[av.Packet, bool, str | None, bool]], skip: SkipFrame, change: GopChange,
          skimming: bool, *, last: bool = False) -> Iterator[Planned]:
    """The plan of one GOP (or a piece of a long one). The file's last GOP is never skimmed:
    no decoded frame follows it to show whether its skipped part changed."""
    if not gop:
        return
    if skimming:  # the frames these depend on were not decoded
        yield from (Planned(packet, "NONKEY") for packet, *_ in gop)
        return
    if any(kind == "B" for _, _, kind, _ in gop):
        yield from (Planned(packet, "DEFAULT" if full else skip) for packet, full, *_ in gop)
        return
    run = change.run
    starts_with_key = gop[0][0].is_keyframe
    # a change marked inside the run is decoded anyway; one after it would be skipped
    steady = not any(marked for *_, marked in gop[run:])
    if last or not (steady and starts_with_key and len(gop) > 2 * run):
        yield from (Planned(packet, "DEFAULT") for packet, *_ in gop)
        return
    yield from (Planned(packet, "DEFAULT") for packet, *_ in gop[:run])
    # asked for once the run is decoded: its keyframe has shown ``change`` whether the last
    # GOP's skippable part changed, i.e. whether the picture moves now
    rest: SkipFrame = "DEFAULT" if change.moving else "NONKEY"
    yield from (Planned(packet, rest) for packet, *_ in gop[run:])
