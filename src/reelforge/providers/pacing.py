"""How long a text takes to say: the speaking rate the script writers size their scripts to.

Measured on the shipped Piper voice (joe, neutral, 80 sentences of the template writer's banks
plus sentences with numbers): a sentence lasts about 0.0528 s per character (spaces and
punctuation included) plus 0.2 s, i.e. ~3.15 words a second, not the 2.5 the writer used to
assume. Emotions change Piper's speed (``voice.emotion``: the pitch trick keeps the speed), so a
style's ``speed`` divides the time (checked at intensity 0.5: sad measured 0.0561 s/char against
0.0574 predicted, excited 0.0501 against 0.0491); sentences of a scene are joined by the style's
pause. Per sentence the estimate is within ~10 %; over a script the errors mostly cancel.
Remote voices speak at a similar pace; the timeline absorbs what the estimate misses.
"""

from __future__ import annotations

from reelforge.providers.voice.emotion import voice_style
from reelforge.text import split_sentences

SECONDS_PER_CHAR = 0.0528
SECONDS_PER_SENTENCE = 0.2
#: The video around the words (``pipeline/timeline.py`` places scenes by these): silence before
#: the first word, between one scene's last word and the next one's first, after the last word.
FIRST_LEAD_S = 0.25
GAP_S = 0.45
END_S = 0.9
#: What the writers leave unfilled. None: Piper reads a script a few per cent faster or slower
#: from run to run (its duration noise), and the writers fill below the budget anyway (whole
#: sentences); a reading that runs long shrinks the silences (``pipeline/timeline.py``).
MARGIN = 0.0


def sentence_seconds(sentence: str, speed: float = 1.0) -> float:
    """Seconds one sentence takes at ``speed`` (1 = Piper's neutral reading)."""
    return (SECONDS_PER_CHAR * len(sentence.strip()) + SECONDS_PER_SENTENCE) / speed


def speech_seconds(text: str, emotion: str = "neutral", intensity: float = 0.5) -> float:
    """Seconds from a scene's first word to its last: its sentences and the pauses between."""
    style = voice_style(emotion, intensity)
    sentences = split_sentences(text)
    if not sentences:
        return 0.0
    spoken = sum(sentence_seconds(s, style.speed) for s in sentences)
    return spoken + style.pause_s * (len(sentences) - 1)


def pause_seconds(emotion: str = "neutral", intensity: float = 0.5) -> float:
    """The silence between two sentences of a scene."""
    return voice_style(emotion, intensity).pause_s


def speech_budget(duration_s: float, scenes: int) -> float:
    """Seconds of speech (first word to last, per scene summed) that fill a video of
    ``duration_s`` with ``scenes`` scenes, less a small margin for the estimate's error."""
    around = FIRST_LEAD_S + END_S + GAP_S * (scenes - 1)
    return max(1.0, (duration_s - around) * (1 - MARGIN))
