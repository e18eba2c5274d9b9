"""Piper's phoneme alignments → the time of each written word.

Piper (1.8, ``include_alignments``) reports how many samples each phoneme lasts. espeak writes a
space between spoken words, so the phonemes between spaces are a word — except that espeak joins
some short words ("of the" → ``ʌvðə``) and splits others ("25" → "twenty five"). When the counts
differ, each written word is phonemized alone and a small dynamic programme pairs groups with
words (a group may cover up to three words, a word up to three groups) by phoneme similarity; a
group shared by several words is split by their phoneme counts.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

#: Phonemes espeak writes for punctuation: they end a word, they are not one.
PUNCTUATION = set(".,;:!?¡¿—…\"«»“”()")
_STRESS = set("ˈˌ")
_MAX_SPAN = 3


def phoneme_groups(chunks: Sequence[Any]) -> list[tuple[int, int, str]] | None:
    """(start, end, phonemes) of each space-separated phoneme group in the chunks' joined
    audio; None when the voice reported no alignments."""
    groups: list[tuple[int, int, str]] = []
    offset = 0
    for chunk in chunks:
        if not chunk.phoneme_alignments:
            return None
        position, start, end, spelled = offset, None, offset, ""
        for aligned in chunk.phoneme_alignments:
            phoneme, samples = aligned.phoneme, int(aligned.num_samples)
            if phoneme in (" ", "$"):
                if start is not None:
                    groups.append((start, end, spelled))
                start, spelled = None, ""
            elif phoneme != "^" and phoneme not in PUNCTUATION:
                start = position if start is None else start
                end = position + samples
                spelled += "" if phoneme in _STRESS else phoneme
            position += samples
        if start is not None:
            groups.append((start, end, spelled))
        offset += chunk.audio_float_array.size
    return groups


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def word_spans(chunks: Sequence[Any], words: Sequence[str],
               phonemize: Callable[[str], str] | None = None) -> list[tuple[int, int]] | None:
    """Each written word's (start, end) sample; None when the voice gives no alignments or the
    groups cannot be paired with the words (then the recogniser times them)."""
    groups = phoneme_groups(chunks)
    if groups is None or not groups:
        return None
    if len(groups) == len(words):
        return [(a, b) for a, b, _ in groups]
    if phonemize is None:
        return None
    spelled = [phonemize(w) for w in words]
    n, m = len(groups), len(words)
    inf = float("-inf")
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    how: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for g in range(n + 1):
        for w in range(m + 1):
            if best[g][w] == inf:
                continue
            for dg, dw in [(1, k) for k in range(1, _MAX_SPAN + 1)] + [
                    (k, 1) for k in range(2, _MAX_SPAN + 1)]:
                if g + dg > n or w + dw > m:
                    continue
                score = best[g][w] + _similarity(
                    "".join(s for _, _, s in groups[g:g + dg]), "".join(spelled[w:w + dw]))
                if score > best[g + dg][w + dw]:
                    best[g + dg][w + dw], how[g + dg][w + dw] = score, (dg, dw)
    if best[n][m] == inf or best[n][m] < 0.5 * max(n, m):
        return None
    pairs: list[tuple[int, int, int, int]] = []
    g, w = n, m
    while g or w:
        dg, dw = how[g][w]
        pairs.append((g - dg, g, w - dw, w))
        g, w = g - dg, w - dw
    spans: list[tuple[int, int]] = []
    for g0, g1, w0, w1 in reversed(pairs):
        start, end = groups[g0][0], groups[g1 - 1][1]
        weights = [max(1, len(s)) for s in spelled[w0:w1]]
        at = float(start)
        for weight in weights:
            step = (end - start) * weight / sum(weights)
            spans.append((round(at), round(at + step)))
            at += step
    return spans
