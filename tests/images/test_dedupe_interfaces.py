"""One definition of a duplicate: the studio's library page and `reelforge images dedupe` find
the same groups, with the same keepers, on the same pictures."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

from PIL import Image, ImageDraw, ImageEnhance
from typer.testing import CliRunner

from reelforge.cli.images import app
from reelforge.jobs.analyze import analysis_of
from reelforge.services.library import duplicate_groups
from reelforge.settings import Settings
from reelforge.store.db import open_database
from reelforge.store.library import new_item
from reelforge.store.tenants import get_or_create_tenant

from .conftest import scene
from .test_dedupe import _copies

Save = Callable[..., Path]


def _poster(colour: tuple[int, int, int]) -> Image.Image:
    """A flat-coloured picture with a sun and a darker band, like the studio's own test."""
    picture = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((40, 40, 200, 200), fill=(250, 240, 220))
    draw.rectangle((0, 180, 320, 240), fill=tuple(c // 2 for c in colour))
    return picture


def _pictures(save: Save) -> list[Path]:
    original = scene(1, (640, 480))
    made = [save(original, "original.jpg", quality=95)]
    made += [save(image, f"copy_{name}", quality=quality)
             for name, (image, quality) in _copies(original).items()]
    well = ImageEnhance.Brightness(scene(3, (640, 480))).enhance(0.53)
    made.append(save(well, "well_exposed.jpg", quality=92))
    made.append(save(ImageEnhance.Brightness(well).enhance(0.5), "fading.jpg", quality=92))
    sunset = _poster((255, 140, 60))
    made.append(save(sunset, "sunset.png"))
    made.append(save(sunset.resize((160, 120)), "sunset-small.jpg", quality=85))
    made.append(save(_poster((40, 90, 200)), "lake.png"))
    made += [save(scene(seed), f"other{seed}.jpg") for seed in range(20, 24)]
    return made


def test_the_studio_and_the_cli_find_the_same_groups_and_keepers(
    save: Save, settings: Settings
) -> None:
    pictures = _pictures(save)
    folder = settings.data_dir.parent / "pictures"

    run = CliRunner().invoke(app, ["dedupe", str(folder), "--json", "-", "-w", "1"])
    assert run.exit_code == 0, run.output
    cli = sorted([Path(g["keeper"]).name, *(Path(p).name for p in g["copies"])]
                 for g in json.loads(run.stdout)["groups"])

    db = open_database(settings)
    names: dict[str, str] = {}
    with db.session() as session:
        tenant = get_or_create_tenant(session, "acme").id
        for path in pictures:  # as the studio's analysis worker stores them
            item = new_item(session, tenant, kind="image", name=path.name, location=str(path),
                            stored=False, size=path.stat().st_size, content_type="image/jpeg")
            item.state = "analyzed"
            item.analysis = json.loads(json.dumps(analysis_of("image", path)))
            names[item.id] = path.name
    studio = sorted([names[item_id] for item_id in group]
                    for group in duplicate_groups(SimpleNamespace(db=db), tenant))  # type: ignore[arg-type]

    assert studio == cli
    assert sorted(group[0] for group in cli) == ["original.jpg", "sunset.png", "well_exposed.jpg"]
    (scene_copies,) = [g for g in cli if g[0] == "original.jpg"]
    assert len(scene_copies) == 1 + len(_copies(scene(1)))
