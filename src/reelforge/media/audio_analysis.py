"""What a song sounds like, in numbers: tempo, key, loudness, energy over time, brightness.

``decode_audio`` is the one function that touches a file: it decodes a track once, to mono at
``ANALYSIS_SR``. Everything else is pure (samples in, numbers out), so the whole analysis runs on
that one decoded array and the result (``AudioFeatures``, JSON-friendly) is stored, never redone.
The beat grid and the per-second energy curve are kept so the score step can trim a track at a
musical boundary without decoding it again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reelforge.errors import InputError

ANALYSIS_SR = 22050
HOP = 512
MAX_ANALYSED_S = 600.0  # longer tracks are analysed on their first ten minutes
SILENCE_DB = -45.0  # relative to the track's peak RMS

PITCH_CLASSES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Krumhansl–Kessler key profiles (probe-tone ratings), C as tonic.
_MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True)
class AudioFeatures:
    """Everything measured about one track; ``to_dict``/``from_dict`` round-trip through JSON."""

    duration_s: float
    bpm: float
    tempo_confidence: float
    key: str
    mode: str  # "major" | "minor"
    key_confidence: float
    loudness_lufs: float
    dynamic_range_db: float  # spread of short-term loudness (10th→95th percentile), like EBU LRA
    brightness_hz: float  # mean spectral centroid
    onset_density: float  # note onsets per second
    vocal_likelihood: float  # 0..1, a rough cue from syllable-rate modulation of the voice band
    intro_silence_s: float
    outro_silence_s: float
    energy_curve: list[float] = field(default_factory=list)  # RMS per second, max = 1
    beat_times: list[float] = field(default_factory=list)

    @property
    def key_name(self) -> str:
        return f"{self.key} {self.mode}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AudioFeatures:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


# --- decoding ----------------------------------------------------------------------------------


def decode_audio(
    path: Path, *, sr: int = ANALYSIS_SR, max_duration_s: float = MAX_ANALYSED_S
) -> np.ndarray:
    """Mono float32 samples at ``sr``; libsndfile reads wav/flac/ogg/opus/mp3, PyAV the rest (m4a).

    Raises InputError when neither can read the file, so callers can skip it with a reason.
    """
    try:
        samples, native_sr = _decode_soundfile(path, max_duration_s)
    except Exception as first:  # any libsndfile failure: try the next decoder
        try:
            samples, native_sr = _decode_pyav(path, max_duration_s)
        except Exception as second:
            reason = str(second) or str(first) or type(second).__name__
            raise InputError(f"cannot decode {path.name}: {reason}") from second
    if samples.size == 0:
        raise InputError(f"{path.name} contains no audio samples")
    if native_sr != sr:
        import soxr

        samples = soxr.resample(samples, native_sr, sr, quality="HQ").astype(np.float32)
    if not np.all(np.isfinite(samples)):
        raise InputError(f"{path.name} decodes to invalid (NaN/inf) samples")
    return samples


def _decode_soundfile(path: Path, max_duration_s: float) -> tuple[np.ndarray, int]:
    import soundfile as sf

    with sf.SoundFile(str(path)) as f:
        frames = int(min(f.frames, max_duration_s * f.samplerate)) if f.frames > 0 else -1
        data = f.read(frames, dtype="float32", always_2d=True)
        return data.mean(axis=1), f.samplerate


def _decode_pyav(path: Path, max_duration_s: float) -> tuple[np.ndarray, int]:
    import av

    chunks: list[np.ndarray] = []
    with av.open(str(path)) as container:
        stream: Any = next(s for s in container.streams if s.type == "audio")
        rate = stream.rate or stream.codec_context.sample_rate
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        total = 0
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunk = out.to_ndarray().reshape(-1)
                chunks.append(chunk)
                total += chunk.size
            if total >= max_duration_s * rate:
                break
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
    return samples[: int(max_duration_s * rate)].astype(np.float32), int(rate)


# --- analysis (pure) ---------------------------------------------------------------------------


def analyse_audio(samples: np.ndarray, sr: int = ANALYSIS_SR) -> AudioFeatures:
    """All features of a mono track, computed from one STFT where they can share it."""
    import librosa

    y = np.ascontiguousarray(samples, dtype=np.float32)
    duration = y.size / sr
    if duration < 1.0:
        raise InputError(f"the track lasts {duration:.2f} s; at least 1 s is needed to analyse it")
    spectrum = np.abs(librosa.stft(y, n_fft=2048, hop_length=HOP))
    power = spectrum**2
    rms = librosa.feature.rms(S=spectrum, frame_length=2048, hop_length=HOP)[0]

    onset_env = librosa.onset.onset_strength(S=librosa.power_to_db(power), sr=sr)
    bpm, confidence, beats = estimate_tempo(onset_env, sr)
    # tuning=0: recordings are near A440, and estimating it costs time and warns on pure tones.
    chroma = librosa.feature.chroma_stft(S=power, sr=sr, hop_length=HOP, tuning=0.0)
    key, mode, key_conf = estimate_key(chroma.mean(axis=1))
    centroid = librosa.feature.spectral_centroid(S=spectrum, sr=sr)[0]
    intro, outro = silence_bounds(rms, sr)
    loud_mask = rms > rms.max() * 10 ** (SILENCE_DB / 20) if rms.max() > 0 else rms > 0

    return AudioFeatures(
        duration_s=round(duration, 3),
        bpm=round(bpm, 2),
        tempo_confidence=round(confidence, 3),
        key=key,
        mode=mode,
        key_confidence=round(key_conf, 3),
        loudness_lufs=round(integrated_loudness(y, sr), 2),
        dynamic_range_db=round(loudness_range(y, sr), 2),
        brightness_hz=round(float(np.mean(centroid[loud_mask])) if loud_mask.any() else 0.0, 1),
        onset_density=round(count_onsets(onset_env, sr) / duration, 3),
        vocal_likelihood=round(vocal_likelihood(spectrum, sr), 3),
        intro_silence_s=round(intro, 3),
        outro_silence_s=round(outro, 3),
        energy_curve=energy_curve(rms, sr),
        beat_times=[round(float(t), 3) for t in beats],
    )


def estimate_tempo(
    onset_env: np.ndarray, sr: int, hop: int = HOP
) -> tuple[float, float, np.ndarray]:
    """(BPM, confidence 0..1, beat times in s) for music with a steady pulse.

    The period is the autocorrelation peak of the onset envelope under a log-normal prior around
    120 BPM (as librosa does), refined to a fraction of a frame; beats are the best-fitting grid
    of that period, each snapped to its nearest onset, and the BPM is finally the slope of a line
    fitted through them, which is precise to well under 1 BPM. Plain numpy: no JIT warm-up.
    """
    fps = sr / hop
    env = np.asarray(onset_env, dtype=np.float64)
    env = env - env.mean()
    n = env.size
    if n < fps * 2 or not np.any(env):
        return 0.0, 0.0, np.zeros(0)
    spectrum = np.fft.rfft(env, 2 * n)
    ac = np.fft.irfft(np.abs(spectrum) ** 2)[:n]
    ac = ac / ac[0]
    lags = np.arange(n, dtype=np.float64)
    valid = (lags >= 60 * fps / 240) & (lags <= min(60 * fps / 40, n / 2))
    if not valid.any():
        return 0.0, 0.0, np.zeros(0)
    bpm_of_lag = 60 * fps / np.maximum(lags, 1)
    prior = np.exp(-0.5 * (np.log2(bpm_of_lag / 120.0)) ** 2)
    weighted = np.where(valid, np.maximum(ac, 0) * prior, -np.inf)
    lag = int(np.argmax(weighted))
    if not np.isfinite(weighted[lag]) or weighted[lag] <= 0:
        return 0.0, 0.0, np.zeros(0)
    period = float(lag)
    if 0 < lag < n - 1:  # parabolic interpolation of the peak
        a, b, c = ac[lag - 1], ac[lag], ac[lag + 1]
        denom = a - 2 * b + c
        if denom < 0:
            period += 0.5 * (a - c) / denom
    confidence = float(np.clip(ac[lag], 0.0, 1.0))
    beats = _beat_grid(np.asarray(onset_env, dtype=np.float64), period)
    bpm = 60 * fps / period
    if beats.size >= 4:
        slope = float(np.polyfit(np.arange(beats.size), beats, 1)[0])
        if slope > 0 and abs(slope - period) < 0.05 * period:
            bpm = 60 * fps / slope
    return bpm, confidence, beats / fps


def _beat_grid(env: np.ndarray, period: float) -> np.ndarray:
    """Frame positions of a grid of ``period`` placed where the onsets fall, each beat snapped
    to the strongest onset within 15% of a period."""
    best_phase, best_score = 0.0, -np.inf
    for phase in np.arange(0.0, period, 1.0):
        idx = np.round(np.arange(phase, env.size - 1, period)).astype(int)
        score = env[idx].mean()
        if score > best_score:
            best_phase, best_score = phase, score
    grid = np.arange(best_phase, env.size - 1, period)
    reach = max(1, int(period * 0.15))
    snapped = []
    for pos in np.round(grid).astype(int):
        lo, hi = max(0, pos - reach), min(env.size, pos + reach + 1)
        snapped.append(lo + int(np.argmax(env[lo:hi])))
    return np.asarray(snapped, dtype=np.float64)


def count_onsets(onset_env: np.ndarray, sr: int, hop: int = HOP) -> int:
    """Note onsets: peaks of the onset envelope clearly above its local level, >= 50 ms apart."""
    from scipy.signal import find_peaks

    env = np.asarray(onset_env, dtype=np.float64)
    if env.size < 3 or env.max() <= 0:
        return 0
    threshold = np.median(env) + 0.5 * env.std()
    peaks, _ = find_peaks(env, height=threshold, distance=max(1, int(0.05 * sr / hop)))
    return int(peaks.size)


def estimate_key(chroma_mean: np.ndarray) -> tuple[str, str, float]:
    """(tonic, "major"/"minor", confidence) by correlating the pitch-class profile with the 24
    Krumhansl–Kessler key profiles; confidence is the margin to the runner-up."""
    profile = np.asarray(chroma_mean, dtype=np.float64)
    if not np.any(profile > 0):
        return "C", "major", 0.0
    scores = []
    for tonic in range(12):
        for mode, ref in (("major", _MAJOR_PROFILE), ("minor", _MINOR_PROFILE)):
            scores.append((float(np.corrcoef(profile, np.roll(ref, tonic))[0, 1]), tonic, mode))
    scores.sort(reverse=True)
    best, runner_up = scores[0], scores[1]
    return PITCH_CLASSES[best[1]], best[2], max(0.0, best[0] - runner_up[0])


def _k_weighted(y: np.ndarray, sr: int) -> np.ndarray:
    """ITU-R BS.1770 K-weighting (high shelf + high pass), designed for any sample rate."""
    from scipy.signal import lfilter

    # Shelf (+4 dB above ~1.5 kHz) and RLB high-pass, via the bilinear formulas of BS.1770.
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = np.tan(np.pi * f0 / sr)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf_b = [
        (vh + vb * k / q + k * k) / a0,
        2 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
    ]
    shelf_a = [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = np.tan(np.pi * f0 / sr)
    hp_b = [1.0, -2.0, 1.0]
    a0 = 1 + k / q + k * k
    hp_a = [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return lfilter(hp_b, hp_a, lfilter(shelf_b, shelf_a, y))


def _block_loudness(y: np.ndarray, sr: int, block_s: float, step_s: float) -> np.ndarray:
    z = _k_weighted(y.astype(np.float64), sr) ** 2
    block, step = int(block_s * sr), int(step_s * sr)
    if z.size < block:
        return np.array([-0.691 + 10 * np.log10(max(z.mean(), 1e-12))])
    csum = np.concatenate([[0.0], np.cumsum(z)])
    starts = np.arange(0, z.size - block + 1, step)
    power = (csum[starts + block] - csum[starts]) / block
    return -0.691 + 10 * np.log10(np.maximum(power, 1e-12))


def integrated_loudness(y: np.ndarray, sr: int) -> float:
    """Integrated loudness in LUFS (BS.1770-4: 400 ms blocks, absolute and relative gates)."""
    blocks = _block_loudness(y, sr, 0.4, 0.1)
    gated = blocks[blocks > -70.0]
    if gated.size == 0:
        return -70.0
    relative = 10 * np.log10(np.mean(10 ** (gated / 10))) - 10.0
    gated = gated[gated > relative]
    return float(10 * np.log10(np.mean(10 ** (gated / 10)))) if gated.size else -70.0


def loudness_range(y: np.ndarray, sr: int) -> float:
    """Spread of 3 s short-term loudness, 10th to 95th percentile (EBU Tech 3342's LRA)."""
    blocks = _block_loudness(y, sr, 3.0, 1.0)
    gated = blocks[blocks > -70.0]
    if gated.size < 2:
        return 0.0
    relative = 10 * np.log10(np.mean(10 ** (gated / 10))) - 20.0
    gated = gated[gated > relative]
    if gated.size < 2:
        return 0.0
    return float(np.percentile(gated, 95) - np.percentile(gated, 10))


def energy_curve(rms: np.ndarray, sr: int, hop: int = HOP) -> list[float]:
    """Mean RMS per second, scaled so the loudest second is 1 (the shape the score step fits)."""
    per_s = sr / hop
    n = max(1, round((rms.size - 1) / per_s))  # centred frames: one more than duration
    values = [float(rms[int(i * per_s) : int((i + 1) * per_s)].mean()) for i in range(n)]
    values = [v if np.isfinite(v) else 0.0 for v in values]
    peak = max(values) or 1.0
    return [round(v / peak, 4) for v in values]


def silence_bounds(rms: np.ndarray, sr: int, hop: int = HOP) -> tuple[float, float]:
    """Seconds of near-silence (below SILENCE_DB of the peak) at the start and at the end."""
    if rms.size == 0 or rms.max() <= 0:
        return 0.0, 0.0
    loud = np.flatnonzero(rms > rms.max() * 10 ** (SILENCE_DB / 20))
    frame_s = hop / sr
    return float(loud[0] * frame_s), float((rms.size - 1 - loud[-1]) * frame_s)


def vocal_likelihood(spectrum: np.ndarray, sr: int, hop: int = HOP) -> float:
    """A cheap vocal cue: the voice band (300–3400 Hz) of sung or spoken audio is modulated at
    syllable rate (3–8 Hz) far more than instruments are. Rough: good for "probably vocal"."""
    freqs = np.linspace(0, sr / 2, spectrum.shape[0])
    band = spectrum[(freqs >= 300) & (freqs <= 3400)].sum(axis=0)
    frames_per_s = sr / hop
    if band.size < frames_per_s * 4 or band.max() <= 0:
        return 0.0
    envelope = np.log1p(band / band.max() * 100)
    envelope = envelope - envelope.mean()
    mod = np.abs(np.fft.rfft(envelope * np.hanning(envelope.size))) ** 2
    mod_freqs = np.fft.rfftfreq(envelope.size, d=1 / frames_per_s)
    total = mod[(mod_freqs >= 0.5) & (mod_freqs <= 20)].sum()
    if total <= 0:
        return 0.0
    syllabic = mod[(mod_freqs >= 3) & (mod_freqs <= 8)].sum() / total
    return float(np.clip((syllabic - 0.25) / 0.35, 0.0, 1.0))
