"""A shot in words: the sentence its vector is made from, and why a search found it.

Pure text work (no media is read here except a sidecar file), so what a shot "means" to search
can be tested and tuned without decoding anything. The sentence puts what people name a clip
by first (sidecar description, file and folder words, tags), then what is said in it, then how
it looks: MiniLM weighs early words most.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reelforge.library.footage import FootageKind, FootageShot
from reelforge.media.taken import when_words

#: Words in camera and export file names that say nothing about the content.
NAME_NOISE = frozenset({
    "img", "dsc", "dscn", "dscf", "mov", "mvi", "vid", "video", "clip", "pxl", "gopr", "gp",
    "final", "copy", "export", "untitled", "edit", "edited", "raw", "new", "version", "take",
    "mp4", "jpg", "jpeg", "png", "hd", "uhd", "4k", "1080p", "720p", "footage", "tmp", "scaled",
})
#: Query words too common to count as a match.
STOP_WORDS = frozenset({
    "a", "an", "the", "on", "in", "of", "and", "or", "with", "at", "to", "is", "are", "it", "by",
    "for", "from", "this", "that", "some", "my", "our", "into", "over", "under", "up", "down",
    "shot", "clip", "video", "picture", "photo", "footage", "scene", "someone", "says",
    "have", "has", "had", "do", "does", "did", "be", "was", "were", "how", "many", "much", "what",
    "who", "where", "when", "why", "which", "there", "they", "their", "he", "she", "we", "you",
    "me", "his", "her", "its", "very", "can", "will", "would", "not", "no", "all", "any", "about",
})


#: Query stems that ask for people (so a shot with a face says it shows one).
PEOPLE_STEMS = frozenset({"person", "people", "face", "man", "men", "woman", "women", "girl",
                          "boy", "kid", "child", "children", "speaker", "host", "portrait",
                          "selfie", "friend", "family", "crowd"})


@dataclass(frozen=True)
class Sidecar:
    """What the creator wrote next to a file: a description and tags."""

    description: str = ""
    tags: tuple[str, ...] = ()
    problem: str = ""  # why a sidecar next to the file could not be read


@dataclass(frozen=True)
class ShotFacts:
    """Everything measured about one shot or picture, before it is put into words."""

    kind: FootageKind
    duration_s: float
    width: int
    height: int
    names: tuple[str, ...] = ()
    sidecar: Sidecar = Sidecar()
    transcript: str = ""
    colours: tuple[str, ...] = ()
    brightness: float = 0.0  # 0..1
    motion: float = 0.0  # 0..1
    sharpness: float = 0.0  # 0..1
    captured_at: str | None = None
    place: str = ""  # the town and country it was taken in ("Lisbon, Portugal"), from GPS
    faces: int = 0  # faces found in the keyframe (media/faces.py)


def name_words(path: Path, root: Path | None = None) -> tuple[str, ...]:
    """Words of the file's name and of the folders between ``root`` and it, in that order,
    without camera noise ("IMG_0042") or repeats: ``holidays/Spain 2023/BeachDog_03.mp4`` →
    beach, dog, holidays, spain."""
    folders: Sequence[str]
    if root is not None and root != path:
        try:
            folders = path.parent.relative_to(root).parts
        except ValueError:
            folders = (path.parent.name,)
        if not folders:
            folders = (root.name,)
    else:
        folders = (path.parent.name,)
    words: list[str] = []
    for part in (path.stem, *reversed(folders)):
        for word in split_words(part):
            if word not in words:
                words.append(word)
    return tuple(words)


def split_words(text: str) -> list[str]:
    """Lower-case words of a file or folder name: separators and camelCase split, digits and
    camera noise dropped."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    out = []
    for word in re.split(r"[^A-Za-z0-9]+", text):
        word = word.lower()
        if len(word) < 2 or word in NAME_NOISE or any(ch.isdigit() for ch in word):
            continue
        out.append(word)
    return out


def sidecar_for(path: Path) -> Sidecar:
    """The ``.txt`` or ``.json`` written next to ``path`` (``beach.mp4`` → ``beach.txt``,
    ``beach.json``, ``beach.mp4.txt`` or ``beach.mp4.json``); JSON holds ``description`` and
    ``tags`` (a list or a comma-separated string)."""
    for candidate in (path.with_suffix(".json"), path.with_name(path.name + ".json")):
        if candidate.is_file():
            return _json_sidecar(candidate)
    for candidate in (path.with_suffix(".txt"), path.with_name(path.name + ".txt")):
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                return Sidecar(problem=f"{candidate.name}: {exc.strerror or exc}")
            return Sidecar(description=" ".join(text.split())[:1000])
    return Sidecar()


def _json_sidecar(path: Path) -> Sidecar:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Sidecar(problem=f"{path.name} is not readable JSON ({exc})")
    if not isinstance(data, dict):
        return Sidecar(problem=f"{path.name} should hold an object with description and tags")
    tags = data.get("tags") or ()
    if isinstance(tags, str):
        tags = tags.split(",")
    clean = tuple(dict.fromkeys(str(t).strip().lower() for t in tags if str(t).strip()))
    description = " ".join(str(data.get("description") or "").split())[:1000]
    return Sidecar(description=description, tags=clean)


def brightness_word(brightness: float) -> str:
    if brightness < 0.2:
        return "dark"
    if brightness < 0.4:
        return "dim"
    if brightness > 0.7:
        return "bright"
    return ""


def motion_word(motion: float, kind: FootageKind) -> str:
    if kind == "picture":
        return ""
    if motion < 0.02:
        return "still"
    if motion < 0.15:
        return "steady"
    return "fast-moving" if motion > 0.45 else "moving"


def orientation_of(width: int, height: int) -> str:
    """landscape, portrait or square (within 10 %)."""
    ratio = width / max(1, height)
    if ratio > 1.1:
        return "landscape"
    if ratio < 1 / 1.1:
        return "portrait"
    return "square"


def describe(facts: ShotFacts) -> str:
    """The one sentence a shot is embedded from."""
    parts = []
    if facts.sidecar.description:
        parts.append(facts.sidecar.description.rstrip(".") + ".")
    if facts.names:
        parts.append(" ".join(facts.names) + ".")
    if facts.sidecar.tags:
        parts.append("Tags: " + ", ".join(facts.sidecar.tags) + ".")
    taken = taken_words(facts)
    if taken:
        parts.append(taken)
    if facts.transcript:
        parts.append(f"Someone says: “{facts.transcript[:400]}”.")
    looks = [w for w in (brightness_word(facts.brightness), motion_word(facts.motion, facts.kind))
             if w]
    colours = _and(facts.colours[:3])
    noun = "video shot" if facts.kind == "video" else "picture"
    words = " ".join([*looks, colours, noun]).split()
    article = "An" if words[0][0] in "aeiou" else "A"
    sentence = f"{article} {' '.join(words)}"
    if facts.faces:
        sentence += " of a person" if facts.faces == 1 else f" of {facts.faces} people"
    sentence += f", {orientation_of(facts.width, facts.height)}"
    if facts.kind == "video":
        sentence += f", {facts.duration_s:.0f} seconds" if facts.duration_s >= 1.5 else \
            ", under two seconds"
    if facts.sharpness and facts.sharpness < 0.15:
        sentence += ", blurry"
    parts.append(sentence + ".")
    return " ".join(parts)


def taken_words(facts: ShotFacts) -> str:
    """"Taken in Lisbon, Portugal, in June 2023, in the morning." from GPS and capture time;
    "" when the file says neither."""
    when = when_words(facts.captured_at)
    if not facts.place and not when:
        return ""
    place = facts.place if facts.place.startswith("near ") else \
        f"in {facts.place}" if facts.place else ""
    return "Taken " + ", ".join(p for p in (place, when) if p) + "."


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def stem(word: str) -> str:
    """A crude English stem, enough to pair "dogs"/"dog" and "running"/"run"."""
    word = re.sub(r"[^0-9a-z]", "", word.lower())
    if word.endswith(("us", "ss", "is")):  # octopus, grass, this: not plurals
        return word
    for suffix, keep in (("ning", 3), ("ing", 3), ("ies", 3), ("es", 4), ("s", 3), ("ed", 4)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            return word[: -len(suffix)]
    return word


def query_stems(text: str) -> list[str]:
    words = [w for w in re.split(r"[^0-9A-Za-z']+", text.lower()) if w]
    return list(dict.fromkeys(stem(w) for w in words if w not in STOP_WORDS and len(w) > 1))


def match_reason(query: str, shot: FootageShot) -> str:
    """Why ``shot`` came up for ``query``, in words: which of its names, spoken words, colours
    and looks the query shares, or else what it is about."""
    wanted = query_stems(query)
    said_words = shot.transcript.split()
    found: list[str] = []

    def shared(words: Iterable[str]) -> list[str]:
        return [w for w in dict.fromkeys(words) if stem(w) in wanted]

    named = shared(shot.names)
    if named:
        found.append("named " + ", ".join(f"“{w}”" for w in named))
    said = shared(re.sub(r"[^0-9a-z' ]", "", w.lower()) for w in said_words)
    if said:
        found.append("says " + ", ".join(f"“{w}”" for w in said))
    described = shared(str(shot.extra.get("sidecar", "")).lower().split())
    described = [w for w in described if w not in named]
    if described:
        found.append("described as " + ", ".join(f"“{w}”" for w in described))
    place = shared(split_words(str(shot.extra.get("place", ""))))
    if place:
        found.append("taken in " + ", ".join(p.title() for p in place))
    if shot.extra.get("faces") and wanted and set(wanted) & PEOPLE_STEMS:
        found.append("shows " + ("a person" if shot.extra["faces"] == 1
                                 else f"{shot.extra['faces']} people"))
    colours = shared(shot.colours)
    if colours:
        found.append("colour " + ", ".join(colours))
    looks = shared(w for w in (brightness_word(shot.brightness),
                               motion_word(shot.motion, shot.kind)) if w)
    if looks:
        found.append("looks " + ", ".join(looks))
    if found:
        return "; ".join(found)
    about = shot.description if len(shot.description) <= 70 else shot.description[:69] + "…"
    return f"close in meaning to “{about}”"
