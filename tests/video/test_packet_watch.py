"""Fast decoding's packet watch: slice types read from packets, and which packets it decodes."""

from __future__ import annotations

import av
from av.video.frame import PictureType

from reelforge.media import packet_watch
from reelforge.media.packet_watch import PacketWatch, h264_nal_length_size, slice_kind

from .conftest import Clip


def test_slice_types_read_from_packets_match_the_decoded_picture_types(cuts_clip: Clip) -> None:
    read: dict[int, str | None] = {}
    decoded: dict[int, str] = {}
    with av.open(str(cuts_clip.path)) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        nal_length = h264_nal_length_size(ctx.name, ctx.extradata)
        assert nal_length == 4
        for packet in container.demux(stream):
            if packet.size:
                read[int(packet.pts)] = slice_kind(bytes(packet), nal_length)
            for frame in packet.decode():
                decoded[int(frame.pts)] = PictureType(frame.pict_type).name
    assert set(read) == set(decoded)
    assert {read[p] for p in read} >= {"I", "P", "B"}
    assert all(read[p] == decoded[p] for p in read)


def test_watch_decodes_in_full_after_a_keyframe_and_a_jump_in_p_frame_size() -> None:
    watch = PacketWatch(nal_length_size=None)
    marks = [watch.full(b"", 5000, True)]
    marks += [watch.full(b"", 400, False) for _ in range(12)]
    following = packet_watch.FOLLOWING
    assert marks[:following + 1] == [True] * (following + 1)  # the keyframe and what follows
    assert not any(marks[following + 1:])
    assert watch.full(b"", 4000, False)  # ten times the recent packets: a change
    assert not PacketWatch(nal_length_size=None).full(b"", 400, False)
