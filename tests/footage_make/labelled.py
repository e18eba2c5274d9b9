"""A labelled footage library and a script whose scenes each have one right shot.

The media are tiny (160×90, 10 fps, a few seconds, one flat colour per file) and made with PyAV
and Pillow; the shots' descriptions say what a real indexer would have found in them (words
from file names, sidecars, transcripts). ``RIGHT`` maps each scene to its shot.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from reelforge.domain import Plan, Scene
from reelforge.library.footage import FootageShot, InMemoryFootageIndex
from reelforge.library.footage_choice import SceneNeed

W, H, FPS = 160, 90, 10


@dataclass(frozen=True)
class Source:
    """One test file: a video of ``shots`` (seconds each) or a picture, in one colour per shot."""

    name: str
    colours: tuple[tuple[int, int, int], ...]
    shots: tuple[float, ...] = ()  # empty: a picture
    descriptions: tuple[str, ...] = ()


SOURCES = (
    Source("beach.mp4", ((230, 160, 60), (40, 90, 200)), (4.0, 3.0), (
        "a dog running on a sandy beach at sunset, waves rolling in",
        "surfers riding big ocean waves under a blue sky")),
    Source("coffee.jpg", ((110, 70, 40),), (), (
        "a steaming cup of coffee on a wooden cafe table in the morning",)),
    Source("city.mp4", ((200, 30, 160), (20, 20, 40)), (3.0, 5.0), (
        "city traffic at night, cars with headlights on a busy street and neon signs",
        "a subway train arriving at an underground station platform")),
    Source("mountains.mp4", ((235, 240, 250),), (6.0,), (
        "snowy mountain peaks under a clear sky, hikers climbing a ridge",)),
    Source("kitchen.mp4", ((220, 60, 40),), (4.0,), (
        "a chef chopping vegetables in a kitchen, cooking dinner on the stove",)),
    Source("football.jpg", ((40, 180, 60),), (), (
        "children playing football on a green grass field in a park",)),
    Source("desk.mp4", ((60, 60, 70),), (5.0,), (
        "a laptop on a desk with code on the screen, a programmer typing",)),
    Source("forest.jpg", ((20, 110, 50),), (), (
        "a forest stream with moss and ferns, water flowing over rocks",)),
)

#: The script: (narration, visual prompt, the right shot's description prefix, seconds).
SCRIPT = (
    ("Every evening our puppy sprints along the shore as the sun goes down.",
     "dog on the beach", "a dog running", 3.0),
    ("Nothing starts the day like a fresh hot brew.", "coffee cup", "a steaming cup", 2.5),
    ("After dark the streets fill with headlights and glowing signs.",
     "busy street at night", "city traffic", 3.0),
    ("High above the clouds, climbers reach the frozen summit.", "snowy peaks",
     "snowy mountain", 3.0),
    ("Dinner begins with a sharp knife and fresh carrots.", "chef cooking", "a chef", 3.0),
    ("On Saturdays the kids kick a ball around the park.", "kids playing soccer",
     "children playing", 2.5),
    ("Late at night she writes software until the bug is fixed.", "programmer at a laptop",
     "a laptop", 3.0),
    ("Deep in the woods, a little creek runs between mossy stones.", "woodland brook",
     "a forest stream", 2.5),
    ("The big swell brings the best surfing of the year.", "surfers on waves",
     "surfers riding", 2.5),
    ("Commuters pour out of the metro every morning.", "underground train station",
     "a subway train", 3.0),
)
#: A scene nothing in the library shows: it must fall back to the video engine.
UNRELATED = ("Quarterly tax filings are due before the end of April for small businesses.",
             "tax forms and a calculator", 3.0)


def file_id(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def write_video(path: Path, colours: Sequence[tuple[int, int, int]],
                seconds: Sequence[float]) -> None:
    """Flat-colour shots with a moving bar (so frames differ), hard cuts between them."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.codec_context.time_base = Fraction(1, FPS)
        n = 0
        for colour, length in zip(colours, seconds, strict=True):
            for f in range(round(length * FPS)):
                frame = np.empty((H, W, 3), np.uint8)
                frame[:] = colour
                x = (f * 4) % W
                frame[:, x:x + 6] = 255 - np.array(colour, np.uint8)
                video = av.VideoFrame.from_ndarray(frame, format="rgb24")
                video.pts = n
                n += 1
                out.mux(stream.encode(video))
        out.mux(stream.encode(None))


def write_picture(path: Path, colour: tuple[int, int, int]) -> None:
    image = np.empty((H * 2, W * 2, 3), np.uint8)
    image[:] = colour
    image[H // 2:H, W // 2:W] = 255 - np.array(colour, np.uint8)  # something to zoom toward
    Image.fromarray(image).save(path, quality=90)


def make_library(folder: Path) -> list[FootageShot]:
    """Write every source file into ``folder`` and return its shots, described."""
    folder.mkdir(parents=True, exist_ok=True)
    shots = []
    for n, source in enumerate(SOURCES):
        path = folder / source.name
        if source.shots:
            write_video(path, source.colours, source.shots)
        else:
            write_picture(path, source.colours[0])
        start = 0.0
        for k, description in enumerate(source.descriptions):
            length = source.shots[k] if source.shots else 0.0
            picture = not source.shots
            shots.append(FootageShot(
                shot_id=f"{file_id(path)}#{k}", source=str(path),
                kind="picture" if picture else "video", start_s=start, end_s=start + length,
                width=W * 2 if picture else W, height=H * 2 if picture else H,
                description=description,
                image_hash=random.Random(n * 16 + k).getrandbits(64),
            ))
            start += length
    return shots


def index_of(shots: list[FootageShot], encode) -> InMemoryFootageIndex:
    return InMemoryFootageIndex(shots, encode([s.description for s in shots]), encode)


def needs(script: Sequence[tuple[str, str, str, float]] = SCRIPT) -> list[SceneNeed]:
    return [SceneNeed(i, narration, visual, seconds)
            for i, (narration, visual, _, seconds) in enumerate(script)]


def plan_of(script: Sequence[tuple[str, str, str, float]]) -> Plan:
    return Plan(title="My week in pictures", template="story", music_brief="calm", scenes=[
        Scene(index=i, title=visual.title(), narration=narration, visual_prompt=visual)
        for i, (narration, visual, _, _) in enumerate(script)])


def store_library(shots: list[FootageShot], folder: Path, encode) -> None:
    """``shots`` as a footage library on disk (what `footage add` writes: a tenant's, say),
    each with a thumbnail of its colour; the vectors are made from the descriptions."""
    from reelforge.library.footage_store import (
        FootageFile,
        FootageLibrary,
        load_vectors,
        save_library,
    )
    from reelforge.media.embeddings import DIMENSION, MODEL_ID
    from reelforge.media.index import VectorIndex

    library = FootageLibrary(folder)
    (folder / "thumbs").mkdir(parents=True, exist_ok=True)
    by_source: dict[str, list[FootageShot]] = {}
    for shot in shots:
        thumbnail = folder / "thumbs" / f"{shot.shot_id.replace('#', '-')}.jpg"
        colour = next(c for s in SOURCES if s.name == Path(shot.source).name
                      for c in s.colours[int(shot.shot_id.split("#")[1]):][:1])
        Image.new("RGB", (32, 18), colour).save(thumbnail, quality=80)
        shot.extra["thumbnail"] = str(thumbnail)
        by_source.setdefault(shot.source, []).append(shot)
    for source, group in by_source.items():
        info = Path(source).stat()
        library.add_file(FootageFile(path=source, content_hash=file_id(Path(source)),
                                     size=info.st_size, mtime_ns=info.st_mtime_ns,
                                     kind=group[0].kind), group)
    save_library(library, VectorIndex(DIMENSION, model_id=MODEL_ID))
    load_vectors(library, encode)
