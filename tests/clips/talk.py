"""A talk of paragraphs on distinct topics: one an obvious stand-alone hook, one a dangling
continuation that only makes sense after what came before."""

from __future__ import annotations

from reelforge.domain import Word
from reelforge.text import spoken_words

INTRO = ("Good evening and welcome to the library. Tonight we look at a few corners of the "
         "natural world. I will keep each part short. Please hold your questions until the end.")
HOOK = ("Why does an octopus have three hearts? It sounds impossible, but every octopus is "
        "born with them. Two hearts push blood through the gills. The third one stops when it "
        "swims, so octopuses would rather crawl.")
BREAD = ("Bakers in the old town start their ovens before dawn. The dough rests overnight in "
         "cool rooms. Slow rising gives the crust its deep colour. Each loaf is shaped by hand "
         "before it goes in.")
DANGLING = ("And that is why it kept failing. As I said, this was the problem all along. So "
            "that's why they changed it again. Which is exactly what we saw in the last part.")
TRAINS = ("High in the mountains a small red train climbs through the snow. The railway was "
          "built by hand over many years. Its tunnels curl inside the rock like a spring. "
          "Travellers watch glaciers pass beside the windows.")
PARAGRAPHS = [INTRO, HOOK, BREAD, DANGLING, TRAINS]


def timed_words(paragraphs: list[str], word_s: float = 0.32, gap_s: float = 0.06,
                sentence_gap_s: float = 0.5, paragraph_gap_s: float = 1.2,
                ) -> tuple[list[Word], list[tuple[float, float]]]:
    """Words at a steady speaking rate as a recogniser would report them, and each
    paragraph's (start, end)."""
    words: list[Word] = []
    spans = []
    at = 0.5
    for paragraph in paragraphs:
        first = len(words)
        for token in spoken_words(paragraph):
            words.append(Word(text=token, start_s=round(at, 3), end_s=round(at + word_s, 3)))
            at += word_s + (sentence_gap_s if token[-1] in ".?!" else gap_s)
        spans.append((words[first].start_s, words[-1].end_s))
        at += paragraph_gap_s
    return words, spans
