"""MIDI to audio: a Standard MIDI File played by FluidSynth with a General MIDI soundfont.

FluidSynth runs as its CLI (``fluidsynth -ni -F out.wav``): Debian ships it with the FluidR3 GM
soundfont (``fluid-soundfont-gm``, MIT), and pyfluidsynth would only wrap the same library. The
render is then cut or padded to exactly the asked number of frames, brought to one loudness
(peaks softly limited below −1 dBFS), and its last ``TAIL_FADE_S`` faded to digital silence, so
the piece ends silent on the last frame.
Same notes → same bytes (FluidSynth renders offline, single-threaded, float output).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelforge.errors import DependencyMissing, RenderError

SAMPLE_RATE = 44100
PEAK = 10 ** (-1 / 20)  # −1 dBFS
TARGET_RMS = 10 ** (-18 / 20)  # every piece at about the same loudness (≈ −16 LUFS)
TAIL_FADE_S = 0.6
SILENT_END_S = 0.05  # exact zeros at the very end
SOUNDFONTS = (Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
              Path("/usr/share/sounds/sf2/default-GM.sf2"))
SOUNDFONT_LICENCE = "FluidR3_GM soundfont (Frank Wen), MIT"
INSTALL_HINT = ("run `sudo apt-get install fluidsynth fluid-soundfont-gm` "
                "(or scripts/install-system-deps)")


@dataclass(frozen=True)
class Synth:
    """The FluidSynth binary and the soundfont it plays."""

    binary: Path
    soundfont: Path


def find_synth(soundfont: Path | None = None) -> Synth:
    """FluidSynth and a GM soundfont, or one DependencyMissing naming everything missing."""
    binary = shutil.which("fluidsynth")
    candidates = (soundfont,) if soundfont else SOUNDFONTS
    found = next((p for p in candidates if p and p.is_file()), None)
    missing = []
    if binary is None:
        missing.append("the fluidsynth synthesizer")
    if found is None:
        missing.append(f"a General MIDI soundfont ({soundfont or SOUNDFONTS[0]})")
    if missing:
        raise DependencyMissing(f"the composer needs {' and '.join(missing)}", hint=INSTALL_HINT)
    assert binary is not None and found is not None
    return Synth(Path(binary), found)


def render_midi(midi: bytes, synth: Synth, duration_s: float, out_wav: Path) -> None:
    """Play the MIDI through FluidSynth and write exactly ``duration_s`` of 16-bit stereo."""
    import soundfile as sf

    with tempfile.TemporaryDirectory(prefix="reelforge-synth-") as tmp:
        mid, raw = Path(tmp) / "score.mid", Path(tmp) / "raw.wav"
        mid.write_bytes(midi)
        # chorus off: no part sends to it (CC93 stays 0), yet it would cost ~15 % of the CPU;
        # dynamic sample loading reads only the samples the score plays from the 148 MB font
        command = [str(synth.binary), "-ni", "-q", "-g", "0.5", "-r", str(SAMPLE_RATE),
                   "-O", "float", "-T", "wav", "-C", "0", "-o", "synth.cpu-cores=1",
                   "-o", "synth.dynamic-sample-loading=1",
                   "-F", str(raw), str(synth.soundfont), str(mid)]
        env = {**os.environ, "LC_ALL": "C"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0 or not raw.is_file():
            raise RenderError(f"fluidsynth failed: {(done.stderr or done.stdout).strip()[-300:]}")
        samples, rate = sf.read(str(raw), dtype="float32", always_2d=True)
    frames = round(duration_s * SAMPLE_RATE)
    audio = finish(samples, frames, rate)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(out_wav), audio, SAMPLE_RATE, subtype="PCM_16", format="WAV")


def soft_limit(audio: np.ndarray, ceiling: float, knee: float = 0.7) -> np.ndarray:
    """Samples above ``knee`` × ceiling bend smoothly towards the ceiling (never past it), so a
    few drum transients do not set the level of the whole piece."""
    start = knee * ceiling
    magnitude = np.abs(audio)
    over = magnitude > start
    bent = start + (ceiling - start) * np.tanh((magnitude - start) / (ceiling - start))
    return np.where(over, np.sign(audio) * bent, audio)


def finish(samples: np.ndarray, frames: int, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Exactly ``frames`` long, at one loudness (RMS −18 dBFS, peaks softly limited below
    −1 dBFS), fading to exact silence at the end."""
    audio = np.zeros((frames, samples.shape[1]), dtype=np.float64)
    n = min(frames, samples.shape[0])
    audio[:n] = samples[:n]
    rms = float(np.sqrt(np.mean(audio**2))) if audio.size else 0.0
    if rms > 0:
        audio *= TARGET_RMS / rms
        audio = soft_limit(audio, PEAK)
    fade = min(frames, round(TAIL_FADE_S * rate))
    zeros = min(frames, round(SILENT_END_S * rate))
    if fade > zeros:
        ramp = np.cos(np.linspace(0.0, np.pi / 2, fade - zeros)) ** 2
        audio[frames - fade: frames - zeros] *= ramp[:, None]
    if zeros:
        audio[frames - zeros:] = 0.0
    return audio.astype(np.float32)
