"""Text utilities shared by the script writer, the voices and the subtitles."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'“(A-Z0-9])")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:—–])\s+")
WORD = re.compile(r"[A-Za-z0-9'’-]+")


def split_sentences(text: str, max_chars: int = 110) -> list[str]:
    """Sentences in order; a sentence longer than ``max_chars`` is split at clause breaks.

    Each piece is spoken and timed on its own, so every subtitle cue gets an exact start and end.
    """
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        sentence = sentence.strip()
        if not sentence:
            continue
        if len(sentence) <= max_chars:
            pieces.append(sentence)
            continue
        current = ""
        for clause in _CLAUSE_BREAK.split(sentence):
            if current and len(current) + 1 + len(clause) > max_chars:
                pieces.append(current)
                current = clause
            else:
                current = f"{current} {clause}".strip()
        if current:
            pieces.append(current)
    return pieces


def count_words(text: str) -> int:
    return len(WORD.findall(text))


def spoken_words(text: str) -> list[str]:
    """The words a caption shows, as written (punctuation kept on its word): whitespace tokens
    with a letter or digit in them. Voices, the aligner and captions all count words this way."""
    return [token for token in text.split() if any(ch.isalnum() for ch in token)]


def timecode(seconds: float) -> str:
    """m:ss.s — enough to find a shot in an editor (the CLI's and the studio's footage rows)."""
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:04.1f}"
