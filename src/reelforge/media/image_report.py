"""One self-contained HTML page a person would rather look at than read: thumbnails per cluster and
per duplicate group (keeper marked), plus every skipped file with its reason.

Thumbnails are embedded as base64 JPEG data URIs, so the file can be mailed, opened offline, or
moved without a folder of images beside it. They are made in a process pool like the analysis.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from string import Template

from reelforge.errors import InputError
from reelforge.media.dedupe import DuplicateGroup
from reelforge.media.image_batch import BatchResult
from reelforge.media.image_clusters import ImageClustering
from reelforge.media.image_files import (
    PREVIEW_SIDE,
    ImageAnalysis,
    UnreadableImage,
    decode_image,
    preview_jpeg,
)
from reelforge.media.parallel import map_in_processes

TEMPLATE = Path(__file__).parent / "templates" / "image_report.html"
MAX_PER_CLUSTER = 60
#: Duplicate groups drawn in the page; the rest are counted (all are in --json).
MAX_GROUPS = 300

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReportSummary:
    """What went into the page."""

    path: Path
    thumbnails: int
    missing_thumbnails: int


def write_image_report(
    out: Path,
    *,
    folder: Path,
    batch: BatchResult,
    clustering: ImageClustering | None = None,
    groups: Sequence[DuplicateGroup] = (),
    workers: int | None = None,
    max_per_cluster: int = MAX_PER_CLUSTER,
    previews: Mapping[str, bytes] | None = None,
    progress: Progress | None = None,
) -> ReportSummary:
    """Write the report to ``out`` (written to a temporary name, then renamed).

    ``previews`` (path → JPEG, kept by the analysis cache) spare decoding the pictures again;
    pictures without one are decoded here, in a process pool.
    """
    if out.exists() and out.is_dir():
        raise InputError(f"report path {out} is a folder", hint="name an .html file instead")
    shown: list[ImageAnalysis] = []
    if clustering:
        for cluster in clustering.clusters:
            shown += cluster.members[:max_per_cluster]
        shown += clustering.outliers[:max_per_cluster]
    for group in groups[:MAX_GROUPS]:
        shown += group.members
    wanted = sorted({a.path for a in shown})
    known = previews or {}
    thumbs: dict[str, str | None] = {p: _data_uri(known[p]) for p in wanted if known.get(p)}
    thumbs |= make_thumbnails([p for p in wanted if p not in thumbs], workers=workers,
                              progress=progress)

    parts: list[str] = []
    nav: list[str] = []
    if clustering is not None:
        nav.append('<a href="#clusters">Clusters</a>')
        parts.append(_clusters_html(clustering, thumbs, max_per_cluster))
    if groups:
        nav.append('<a href="#duplicates">Duplicates</a>')
        parts.append(_groups_html(groups, thumbs))
    if batch.skipped:
        nav.append('<a href="#skipped">Skipped</a>')
        parts.append(_skipped_html(batch))
    totals = batch.totals
    tiles = [("pictures found", totals["found"]), ("analysed", totals["analysed"]),
             ("skipped", totals["skipped"])]
    if clustering is not None:
        tiles.append(("clusters", len(clustering.clusters)))
    if groups:
        tiles.append(("duplicate groups", len(groups)))
        tiles.append(("removable copies", sum(len(g.extras) for g in groups)))
    page = Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=html.escape(f"Pictures in {folder.name or folder}"),
        subtitle=html.escape(f"{folder} · made by reelforge "
                             f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}"),
        totals="".join(f"<li><b>{v}</b>{html.escape(k)}</li>" for k, v in tiles),
        nav=" ".join(nav),
        body="\n".join(parts),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    present = sum(1 for a in {x.path for x in shown} if thumbs.get(a))
    return ReportSummary(out, present, len({x.path for x in shown}) - present)


def make_thumbnails(
    paths: Sequence[str], *, workers: int | None = None, progress: Progress | None = None
) -> dict[str, str | None]:
    """path → JPEG data URI (None when the file can no longer be read)."""
    count = workers or os.cpu_count() or 1
    if len(paths) < 8:
        count = 1  # a pool costs more than a few thumbnails
    uris = map_in_processes(thumbnail_uri, paths, workers=count, progress=progress, chunksize=4)
    return dict(zip(paths, uris, strict=True))


def thumbnail_uri(path: str, side: int = PREVIEW_SIDE) -> str | None:
    """An upright JPEG thumbnail of ``path`` as a data URI."""
    try:
        rgb = decode_image(Path(path), work_size=side).rgb
    except UnreadableImage:
        return None
    return _data_uri(preview_jpeg(rgb, side))


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _figure(a: ImageAnalysis, thumbs: dict[str, str | None], badge: str = "",
            css: str = "") -> str:
    name = html.escape(Path(a.path).name)
    uri = thumbs.get(a.path)
    img = (f'<img src="{uri}" alt="{name}" loading="lazy">' if uri
           else '<div class="dim" style="height:150px;padding:8px">thumbnail unavailable</div>')
    swatches = "".join(
        f'<span style="background:{c.hex};flex:{c.share:.3f}" title="{c.name} {c.hex}"></span>'
        for c in a.pixels.palette
    )
    title = html.escape(f"{a.path}\n{a.width}×{a.height} {a.format} · sharpness "
                        f"{a.pixels.sharpness:.0f} · brightness {a.pixels.brightness:.2f}")
    badge_html = f'<span class="badge">{html.escape(badge)}</span>' if badge else ""
    caption = f"{name} · {a.width}×{a.height}"
    return (f'<figure class="{css}" title="{title}">{badge_html}{img}'
            f'<div class="swatches">{swatches}</div><figcaption>{caption}</figcaption></figure>')


def _grid(items: Sequence[ImageAnalysis], thumbs: dict[str, str | None], limit: int) -> str:
    figures = [_figure(a, thumbs) for a in items[:limit]]
    if len(items) > limit:
        figures.append(f'<div class="more">+ {len(items) - limit} more</div>')
    return f'<div class="grid">{"".join(figures)}</div>'


def _clusters_html(clustering: ImageClustering, thumbs: dict[str, str | None], limit: int) -> str:
    parts = ['<h2 class="section" id="clusters">Clusters</h2>',
             f'<p class="dim">Grouped by colour, tone, layout and texture '
             f'({html.escape(clustering.method)}); most typical picture first.</p>']
    for cluster in clustering.clusters:
        chips = "".join(f'<span class="chip">{html.escape(t)}</span>' for t in cluster.traits)
        parts.append(
            f'<section class="group cluster" id="cluster-{cluster.label}"><div class="head">'
            f"<h2>{html.escape(cluster.name)}</h2>"
            f'<span class="dim">{len(cluster.members)} pictures</span>{chips}</div>'
            f"{_grid(cluster.members, thumbs, limit)}</section>"
        )
    if clustering.outliers:
        parts.append(
            '<section class="group cluster" id="outliers"><div class="head"><h2>Unlike the rest'
            f'</h2><span class="dim">{len(clustering.outliers)} pictures that fit no cluster'
            f"</span></div>{_grid(clustering.outliers, thumbs, limit)}</section>"
        )
    return "\n".join(parts)


def _groups_html(groups: Sequence[DuplicateGroup], thumbs: dict[str, str | None]) -> str:
    parts = ['<h2 class="section" id="duplicates">Near-duplicates</h2>',
             '<p class="dim">Each row is one picture in several files. The suggested keeper '
             "(largest, then sharpest) is outlined; check the copies before deleting them.</p>"]
    for number, group in enumerate(groups[:MAX_GROUPS], 1):
        figures = [_figure(group.keeper, thumbs, "keep", "keep")]
        figures += [_figure(a, thumbs, "copy") for a in group.extras]
        parts.append(
            f'<section class="group duplicates" id="duplicates-{number}"><div class="head">'
            f"<h2>Group {number}</h2><span class=\"dim\">{len(group.members)} files · "
            f"similarity ≥ {group.similarity:.2f}</span></div>"
            f'<div class="grid">{"".join(figures)}</div></section>'
        )
    if len(groups) > MAX_GROUPS:
        parts.append(f'<p class="dim">+ {len(groups) - MAX_GROUPS} more groups '
                     "(smaller ones; all are listed by --json)</p>")
    return "\n".join(parts)


def _skipped_html(batch: BatchResult) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(s.path)}</td><td class=\"reason\">{html.escape(s.reason)}</td></tr>"
        for s in batch.skipped
    )
    return ('<h2 class="section" id="skipped">Skipped files</h2>'
            f'<section class="group"><table><tr><th>file</th><th>why</th></tr>{rows}'
            "</table></section>")
