"""The loudness measurement runs loudnorm's cheap linear pass and falls back to the dynamic one
exactly when loudnorm's second pass could not be linear (its own test, in its own order)."""

from __future__ import annotations

from reelforge.assemble.render import _linear_possible


def _measured(i: float, tp: float, lra: float = 1.6, thresh: float = -29.0) -> dict[str, str]:
    return {"input_i": f"{i:.2f}", "input_tp": f"{tp:.2f}", "input_lra": f"{lra:.2f}",
            "input_thresh": f"{thresh:.2f}"}


def test_quiet_mix_with_headroom_is_linear() -> None:
    assert _linear_possible(_measured(-18.91, -11.29), -14.0)  # the bench's mix: peak -6.4 dBTP


def test_peaks_that_would_pass_the_ceiling_need_the_dynamic_pass() -> None:
    assert not _linear_possible(_measured(-24.0, -4.0), -14.0)  # +10 dB gain: peak +6 dBTP
    assert _linear_possible(_measured(-24.0, -11.5), -14.0)  # lands exactly on -1.5 dBTP


def test_wide_range_or_silence_needs_the_dynamic_pass() -> None:
    assert not _linear_possible(_measured(-18.0, -12.0, lra=12.0), -14.0)
    assert not _linear_possible(_measured(-70.0, -99.0, lra=0.0, thresh=-70.0), -14.0)
