"""Songs decoded and analysed, many at once: a bad file comes back as its reason, never raises,
so one broken file does not end a batch (the built-in tracks, a user's music folder)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from reelforge.errors import InputError
from reelforge.media.audio_analysis import AudioFeatures, analyse_audio, decode_audio
from reelforge.media.parallel import map_in_processes

#: Version of the stored features; a row analysed by another version is analysed again.
ANALYSIS_VERSION = 1
Progress = Callable[[int, int], None]


def analyse_file(path: str) -> AudioFeatures | str:
    """Decode once and analyse; a failure comes back as its reason (workers never raise)."""
    try:
        return analyse_audio(decode_audio(Path(path)))
    except InputError as exc:
        return exc.message
    except MemoryError:
        return "not enough memory to decode it"
    except Exception as exc:  # a broken file must not stop the batch
        return f"analysis failed: {type(exc).__name__}: {exc}"


def analyse_files(
    paths: Sequence[str], *, workers: int = 2, progress: Progress | None = None
) -> list[AudioFeatures | str]:
    """``analyse_file`` over many files, in parallel over ``workers`` processes, in order."""
    return map_in_processes(analyse_file, paths, workers=workers, progress=progress)
