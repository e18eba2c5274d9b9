"""How music sits under speech, in one place: its level before ducking and the sidechain
compressor that pulls it down while someone speaks. ``make``'s render (assemble/render.py) and
the clips' music bed (media/reframe.py) use the same two."""

from __future__ import annotations

#: The music bed under a voice before ducking (about −10 dB).
MUSIC_GAIN = 0.32
#: FFmpeg's sidechain compressor keyed by the voice: fast enough to clear the first syllable,
#: slow enough to release between sentences rather than between words.
SIDECHAIN = "sidechaincompress=threshold=0.02:ratio=6:attack=20:release=400"
STEREO = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"


def music_bed_graph(voice: str | None, music: str, out: str, duration_s: float) -> str:
    """Filter-graph text putting input ``music`` (a label such as ``1:a``) under ``voice``
    (``0:a``; None for a clip with no sound of its own) into ``[out]``, faded in and out."""
    fade_out = max(0.0, duration_s - 2.0)
    bed = (f"[{music}]{STEREO},atrim=0:{duration_s:.3f},asetpts=PTS-STARTPTS,"
           f"volume={MUSIC_GAIN},afade=t=in:d=1.0,afade=t=out:st={fade_out:.3f}:d=2.0")
    if voice is None:
        return f"{bed}[{out}]"
    return (f"[{voice}]{STEREO},asplit=2[rf_voice][rf_key];{bed}[rf_bed];"
            f"[rf_bed][rf_key]{SIDECHAIN}[rf_ducked];"
            f"[rf_voice][rf_ducked]amix=inputs=2:duration=first:normalize=0[{out}]")
