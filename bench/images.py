"""Benchmark of `reelforge images`: analysis speed and near-duplicate precision/recall.

Builds a labelled set — generated originals (12 MP JPEGs by default) plus transformed copies of
each (resize, JPEG quality 30–95, crop ≤ 10 %, brightness ±20 %, small rotation) — then:
  * images/s of the analysis on the 12 MP originals and on the whole set (process pool, draft
    decode), with a single-process run for the ratio;
  * pairwise precision and recall of the duplicate groups against the true labels;
  * how many clusters the clustering finds.

    .venv/bin/python bench/images.py                       # 60 originals × 5 copies, 2 workers
    .venv/bin/python bench/images.py --originals 20 --keep /tmp/imgset

Targets (issue 5): precision ≥ 0.98, recall ≥ 0.95, ≥ 50 images/s for 12 MP JPEGs on 2 cores.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

TRANSFORMS = ("resize", "jpeg", "crop", "brightness", "rotate")
FAMILY_PALETTES = [
    [(30, 60, 140), (200, 210, 230), (240, 180, 60)],
    [(20, 90, 40), (160, 200, 90), (90, 60, 30)],
    [(15, 15, 25), (200, 40, 60), (250, 220, 200)],
    [(230, 220, 200), (120, 100, 80), (60, 130, 160)],
    [(250, 120, 40), (250, 230, 120), (90, 20, 60)],
    [(90, 90, 95), (170, 170, 175), (40, 40, 45)],
]


def make_original(seed: int, size: tuple[int, int]) -> Image.Image:
    """A photo-like synthetic scene: gradient sky, shapes, texture; families share a palette."""
    rng = random.Random(seed)
    palette = FAMILY_PALETTES[seed % len(FAMILY_PALETTES)]
    w, h = 800, 600
    top, bottom = rng.choice(palette), rng.choice(palette)
    ramp = np.linspace(0.0, 1.0, h)[:, None, None]
    base = (np.array(top) * (1 - ramp) + np.array(bottom) * ramp) * np.ones((1, w, 1))
    image = Image.fromarray(base.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(6, 14)):
        colour = tuple(min(255, max(0, c + rng.randint(-50, 50))) for c in rng.choice(palette))
        x0, y0 = rng.randint(-100, w), rng.randint(-100, h)
        x1, y1 = x0 + rng.randint(40, 400), y0 + rng.randint(40, 300)
        shape = rng.choice(("ellipse", "rect", "poly", "line"))
        if shape == "ellipse":
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif shape == "rect":
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif shape == "poly":
            points = [(rng.randint(0, w), rng.randint(0, h)) for _ in range(rng.randint(3, 6))]
            draw.polygon(points, fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=rng.randint(3, 20))
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
    nrng = np.random.default_rng(seed)
    grain = nrng.normal(0, rng.uniform(2, 8), (h // 2, w // 2, 1))
    grain_img = np.repeat(np.repeat(grain, 2, axis=0), 2, axis=1)
    arr = np.asarray(image).astype(np.float32) + grain_img
    image = Image.fromarray(arr.clip(0, 255).astype(np.uint8))
    image = image.resize(size, Image.Resampling.BICUBIC)
    detail = np.random.default_rng(seed + 1).normal(0, 4, (size[1], size[0], 1)).astype(np.float32)
    return Image.fromarray((np.asarray(image) + detail).clip(0, 255).astype(np.uint8))


def transformed(image: Image.Image, kind: str, rng: random.Random) -> tuple[Image.Image, int]:
    """One labelled copy and the JPEG quality to save it with."""
    w, h = image.size
    quality = rng.randint(70, 95)
    if kind == "resize":
        scale = rng.uniform(0.25, 0.7)
        image = image.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)
    elif kind == "jpeg":
        quality = rng.randint(30, 60)
    elif kind == "crop":
        fx, fy = rng.uniform(0.02, 0.10), rng.uniform(0.02, 0.10)
        left, top = rng.uniform(0, fx) * w, rng.uniform(0, fy) * h
        image = image.crop((round(left), round(top), round(left + w * (1 - fx)),
                            round(top + h * (1 - fy))))
    elif kind == "brightness":
        factor = 1 + rng.choice((-1, 1)) * rng.uniform(0.08, 0.2)
        image = ImageEnhance.Brightness(image).enhance(factor)
    elif kind == "rotate":
        angle = rng.choice((-1, 1)) * rng.uniform(0.5, 3.0)
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC)
        margin = math.sin(math.radians(abs(angle)))
        dx, dy = round(h * margin), round(w * margin)
        image = image.crop((dx, dy, w - dx, h - dy))
    return image, quality


def _build_one(args: tuple[Path, int, tuple[int, int], int]) -> list[tuple[str, int]]:
    folder, seed, size, copies = args
    original = make_original(seed, size)
    rng = random.Random(seed * 7919)
    name = folder / f"orig_{seed:04d}.jpg"
    original.save(name, quality=90)
    rows = [(name.name, seed)]
    for index, kind in enumerate(TRANSFORMS[:copies]):
        copy, quality = transformed(original, kind, rng)
        path = folder / "copies" / f"copy_{seed:04d}_{index}_{kind}.jpg"
        copy.save(path, quality=quality)
        rows.append((f"copies/{path.name}", seed))
    return rows


def build_labelled_set(folder: Path, originals: int, copies: int, size: tuple[int, int],
                       workers: int) -> dict[str, int]:
    """Write originals and copies under ``folder``; return relative path → true group id."""
    (folder / "copies").mkdir(parents=True, exist_ok=True)
    tasks = [(folder, seed, size, copies) for seed in range(originals)]
    with get_context("fork").Pool(workers) as pool:
        rows = list(itertools.chain.from_iterable(pool.map(_build_one, tasks)))
    return dict(rows)


def _cpu_seconds() -> float:
    """CPU time of this process plus its finished children (the pool's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def pair_scores(truth: dict[str, int], predicted: dict[str, int]) -> tuple[float, float, int, int]:
    """Pairwise precision/recall: a pair is positive when both files share a group."""
    names = sorted(truth)
    tp = fp = fn = 0
    for a, b in itertools.combinations(names, 2):
        same_true = truth[a] == truth[b]
        same_pred = a in predicted and b in predicted and predicted[a] == predicted[b]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp + fp, tp + fn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--originals", type=int, default=60)
    parser.add_argument("--copies", type=int, default=5, choices=range(1, 6))
    parser.add_argument("--size", default="4000x3000", help="original size WxH (12 MP default)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path,
                        help="build the set here and keep it (reused if present)")
    args = parser.parse_args()

    from reelforge.media.clustering import cluster_descriptors
    from reelforge.media.dedupe import find_duplicate_groups
    from reelforge.media.image_batch import BatchResult, analyze_paths
    from reelforge.settings import Settings

    width, height = (int(v) for v in args.size.lower().split("x"))
    size = (width, height)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="reelforge-bench-images-"))
    labels_file = folder / "labels.txt"
    try:
        t0 = time.perf_counter()
        if labels_file.exists():
            lines = labels_file.read_text().splitlines()
            truth = {k: int(v) for k, v in (ln.split("\t") for ln in lines if ln)}
        else:
            truth = build_labelled_set(folder, args.originals, args.copies, size, args.workers)
            labels_file.write_text("".join(f"{k}\t{v}\n" for k, v in truth.items()))
        build_s = time.perf_counter() - t0
        originals = sorted(folder / k for k in truth if k.startswith("orig_"))
        everything = sorted(folder / k for k in truth)
        settings = Settings(_env_file=None, data_dir=folder / ".data")  # type: ignore[call-arg]

        cpu_s: dict[str, float] = {}

        def timed(name: str, paths: list[Path], workers: int) -> tuple[float, BatchResult]:
            """A cold run as a user gets it: cache and report previews written, none reused."""
            shutil.rmtree(settings.data_dir, ignore_errors=True)
            start, cpu = time.perf_counter(), _cpu_seconds()
            result = analyze_paths(paths, settings, workers=workers)
            assert result.from_cache == 0
            cpu_s[name] = _cpu_seconds() - cpu
            return time.perf_counter() - start, result

        sample = originals[: min(12, len(originals))]
        start = time.perf_counter()
        for path in sample:  # the yardstick: what a plain full-size Pillow decode costs
            with Image.open(path) as im:
                im.load()
        full_decode_s = (time.perf_counter() - start) / len(sample)
        start = time.perf_counter()
        for path in sample:
            with Image.open(path) as im:
                im.draft("RGB", (im.width // 8, im.height // 8))
                im.load()
        draft_decode_s = (time.perf_counter() - start) / len(sample)
        one_s, _ = timed("one", originals, 1)
        pool_s, _ = timed("pool", originals, args.workers)
        all_s, batch = timed("all", everything, args.workers)
        assert not batch.skipped, batch.skipped[:3]
        start = time.perf_counter()
        groups = find_duplicate_groups(batch.analyses)
        dedupe_s = time.perf_counter() - start
        predicted = {}
        for number, group in enumerate(groups):
            for member in group.members:
                predicted[str(Path(member.path).relative_to(folder))] = number
        precision, recall, npred, ntrue = pair_scores(truth, predicted)
        cluster_descriptors(np.random.default_rng(0).normal(size=(12, 4)))  # imports, warm-up
        start = time.perf_counter()
        clusters = cluster_descriptors(np.array([a.descriptor for a in batch.analyses]))
        cluster_s = time.perf_counter() - start

        mp = size[0] * size[1] / 1e6
        print(f"set: {len(originals)} originals ({size[0]}x{size[1]}, {mp:.1f} MP) + "
              f"{len(everything) - len(originals)} copies, built in {build_s:.1f} s; "
              f"cores: {os.cpu_count()}, workers: {args.workers}")
        rows = [
            (f"analysis, {mp:.0f} MP originals, 1 process",
             f"{len(originals) / one_s:.1f} images/s", ""),
            (f"analysis, {mp:.0f} MP originals, {args.workers} processes",
             f"{len(originals) / pool_s:.1f} images/s", "≥ 50"),
            ("plain Pillow full decode, 1 process", f"{1 / full_decode_s:.1f} images/s", ""),
            ("Pillow draft (1/8) decode only, 1 process", f"{1 / draft_decode_s:.1f} images/s", ""),
            ("analysis speed / plain full-decode speed",
             f"{full_decode_s * len(originals) / one_s:.2f}×", ""),
            ("pool speed-up (wall)", f"{one_s / pool_s:.2f}×", ""),
            (f"CPU time per {mp:.0f} MP picture (pool run)",
             f"{cpu_s['pool'] / len(originals) * 1000:.1f} ms", ""),
            (f"→ images/s on {args.workers} idle cores",
             f"{args.workers * len(originals) / cpu_s['pool']:.1f} images/s", "≥ 50"),
            ("machine load (1-min average) at the end", f"{os.getloadavg()[0]:.1f}", ""),
            (f"analysis, whole set ({len(everything)})",
             f"{len(everything) / all_s:.1f} images/s", ""),
            ("duplicate groups found / true", f"{len(groups)} / {len(originals)}", ""),
            ("pair precision", f"{precision:.4f} ({npred} predicted pairs)", "≥ 0.98"),
            ("pair recall", f"{recall:.4f} ({ntrue} true pairs)", "≥ 0.95"),
            ("dedupe time", f"{dedupe_s * 1000:.0f} ms", ""),
            ("clusters (method)", f"{clusters.k} ({clusters.method}), "
             f"{len(clusters.outliers)} outliers, {cluster_s * 1000:.0f} ms", ""),
        ]
        width = max(len(r[0]) for r in rows)
        print(f"{'measure'.ljust(width)}  {'result':<40} target")
        for name, value, target in rows:
            print(f"{name.ljust(width)}  {value:<40} {target}")
        missed = [k for k in truth if truth[k] is not None and k not in predicted]
        if missed:
            print(f"ungrouped files ({len(missed)}):", ", ".join(sorted(missed)[:12]))
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
