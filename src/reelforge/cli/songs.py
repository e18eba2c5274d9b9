"""`reelforge songs` — the song catalog: add folders, search by meaning, group, import Spotify.

Parsing and printing only; the work is in ``reelforge.providers.music``. Progress bars go to
stderr so ``--json`` output on stdout stays clean for scripts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from reelforge.cli.tables import compact_table
from reelforge.errors import InputError

if TYPE_CHECKING:
    from reelforge.providers.music.catalog import SongCatalog, SongHit, SongInput

app = typer.Typer(
    help="Your song catalog: add music folders, search songs by meaning, group them, and import "
    "Spotify metadata. The 28 built-in tracks are indexed on first use.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True)


def _catalog() -> SongCatalog:
    from reelforge.providers.music.catalog import SongCatalog
    from reelforge.settings import Settings

    return SongCatalog(Settings())


@contextmanager
def _progress(enabled: bool = True) -> Iterator[Callable[[str], Callable[[int, int], None]]]:
    """Yields ``task(description)`` → a ``(done, total)`` callback driving one progress bar."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err, transient=True, disable=not enabled)

    def task(description: str) -> Callable[[int, int], None]:
        task_id = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task_id, completed=done, total=total)

        return update

    with bar:
        yield task


def parse_bpm_range(text: str | None) -> tuple[float | None, float | None]:
    """"90-130" → (90, 130); "90-" / "-130" are open-ended; "120" means 120 ± 5%."""
    if text is None or not text.strip():
        return None, None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)?\s*-\s*(\d+(?:\.\d+)?)?\s*", text)
    if match and (match[1] or match[2]):
        low = float(match[1]) if match[1] else None
        high = float(match[2]) if match[2] else None
        if low is not None and high is not None and low > high:
            raise InputError(f"--bpm {text!r}: the lower bound is above the upper one",
                             hint="write it as LOW-HIGH, e.g. --bpm 90-130")
        return low, high
    if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", text):
        value = float(text)
        return value * 0.95, value * 1.05
    raise InputError(f"--bpm {text!r} is not a tempo range",
                     hint="write it as LOW-HIGH (--bpm 90-130), LOW- , -HIGH or one value")


def _validated_sources(sources: list[str]) -> tuple[str, ...]:
    from reelforge.store.songs import SOURCES

    for source in sources:
        if source not in SOURCES:
            raise InputError(f"--source {source!r} is not a song source",
                             hint=f"use one of: {', '.join(SOURCES)}")
    return tuple(sources)


def _hit_json(hit: SongHit) -> dict[str, Any]:
    features = hit.features or {}
    return {
        "id": hit.track.id, "title": hit.track.title, "artist": hit.track.artist,
        "album": hit.album, "source": hit.track.source, "score": hit.score,
        "similarity": hit.similarity, "duration_s": hit.track.duration_s, "bpm": hit.track.bpm,
        "key": hit.track.key, "tags": hit.track.tags, "path": hit.track.path,
        "uri": hit.track.uri, "licence": hit.track.licence,
        "usable_as_audio": hit.track.usable_as_audio, "description": hit.description,
        "loudness_lufs": features.get("loudness_lufs"),
    }


@app.command("add")
def add_command(
    folders: Annotated[
        list[Path], typer.Argument(help="Music folders to index (searched recursively).")
    ],
    workers: int = typer.Option(2, "--workers", min=1, help="Processes analysing audio at once."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Index the songs in FOLDERS (mp3, wav, flac, ogg/opus, m4a).

    Re-running is cheap: unchanged files are skipped, changed ones re-analysed, and songs whose
    files are gone leave the catalog. Files that cannot be used are listed with the reason.

    Example: reelforge songs add ~/Music
    """
    for folder in folders:  # check every argument before any work starts
        if not folder.expanduser().is_dir():
            raise InputError(f"folder not found: {folder}",
                             hint="pass folders that exist, e.g. reelforge songs add ~/Music")
    from reelforge.providers.music.library import scan_folder

    catalog = _catalog()
    reports = []
    with _progress(not as_json) as task:
        catalog.ensure_builtin(progress=task("built-in tracks"), workers=workers)
        for folder in folders:
            reports.append(scan_folder(catalog, folder, workers=workers,
                                       progress=task(f"analysing {folder}")))
    _record_in_library(catalog, [Path(r.root) for r in reports])
    if as_json:
        out.print_json(json.dumps([r.to_dict() for r in reports]))
        return
    for report in reports:
        out.print(f"[bold]{report.root}[/]: {report.found} audio files — {report.added} added, "
                  f"{report.updated} updated, {report.unchanged} unchanged, "
                  f"{report.removed} removed, {len(report.skipped)} skipped", highlight=False)
        for skipped in report.skipped:
            out.print(f"  [yellow]skipped[/] {skipped.path}: {skipped.reason}", highlight=False)


def _record_in_library(catalog: SongCatalog, roots: list[Path]) -> None:
    """The catalog's songs under ``roots`` as the local tenant's library items, with the
    features just measured as their analysis: the studio's "Your songs" lists them."""
    from reelforge.jobs.platform import open_platform
    from reelforge.services.library import record_cli_files
    from reelforge.store.songs import library_songs_under

    analyses: dict[str, dict[str, Any]] = {}
    with catalog.db.session() as session:
        for root in roots:
            for row in library_songs_under(session, str(root)):
                if row.path and row.features and Path(row.path).is_file():
                    analyses[row.path] = dict(row.features)
    if analyses:
        record_cli_files(open_platform(catalog.settings), [Path(p) for p in analyses],
                         index=False, analyses=analyses)


@app.command("search")
def search_command(
    query: str = typer.Argument(..., help='What the music should feel like, e.g. "calm piano".'),
    k: int = typer.Option(10, "--k", "-k", help="How many songs to return."),
    min_duration: float = typer.Option(0.0, "--min-duration", help="Shortest song, seconds."),
    max_duration: float | None = typer.Option(None, "--max-duration", help="Longest, seconds."),
    bpm: str | None = typer.Option(None, "--bpm", help="Tempo range, e.g. 90-130."),
    source: Annotated[
        list[str] | None, typer.Option("--source", help="builtin, library or spotify (repeat).")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Required tag, e.g. calm (repeatable).")
    ] = None,
    usable_only: bool = typer.Option(
        False, "--usable-only", help="Only songs that may be put under a video (no Spotify)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print results as JSON."),
) -> None:
    """Find songs by meaning. Filters apply before ranking, so --k results all pass them.

    Example: reelforge songs search "hopeful, building" --k 10 --bpm 90-130 --usable-only
    """
    if k < 1:
        raise InputError(f"--k must be at least 1 (got {k})")
    if min_duration < 0 or (max_duration is not None and max_duration < min_duration):
        raise InputError("--min-duration/--max-duration do not form a valid range",
                         hint="use seconds, e.g. --min-duration 30 --max-duration 240")
    from reelforge.store.songs import SongFilter

    bpm_min, bpm_max = parse_bpm_range(bpm)
    song_filter = SongFilter(
        sources=_validated_sources(source or []), usable_only=usable_only,
        min_duration_s=min_duration, max_duration_s=max_duration, bpm_min=bpm_min,
        bpm_max=bpm_max, tags=tuple(tag or ()),
    )
    catalog = _catalog()
    with _progress(not as_json) as task:
        catalog.ensure_builtin(progress=task("indexing built-in tracks (first use)"))
    hits = catalog.search(query, k=k, song_filter=song_filter)
    if as_json:
        out.print_json(json.dumps({"query": query, "results": [_hit_json(h) for h in hits]}))
        return
    if not hits:
        out.print("no songs match those filters")
        return
    table = compact_table("score", "title", "artist", "source", "s", "BPM", "key", "tags")
    for hit in hits:
        t = hit.track
        table.add_row(f"{hit.score:.3f}", t.title, t.artist, t.source, f"{t.duration_s:.0f}",
                      f"{t.bpm:.0f}" if t.bpm else "", t.key or "", ", ".join(t.tags[:4]))
    out.print(table)


@app.command("list")
def list_command(
    source: str | None = typer.Option(None, "--source", help="builtin, library or spotify."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """List the songs in the catalog."""
    if source:
        _validated_sources([source])
    songs = _catalog().songs(source)
    rows: list[dict[str, Any]] = [
        {"id": s.id, "key": s.key, "title": s.title, "artist": s.artist, "source": s.source,
         "duration_s": s.duration_s, "bpm": s.bpm, "key_name": s.musical_key, "tags": s.tags,
         "path": s.path, "uri": s.uri, "usable_as_audio": s.usable_as_audio,
         "description": s.description}
        for s in songs
    ]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = compact_table("id", "title", "artist", "source", "s", "BPM", "key", "tags",
                          whole=("id",))
    for r in rows:
        table.add_row(str(r["id"]), r["title"], r["artist"], r["source"], f"{r['duration_s']:.0f}",
                      f"{r['bpm']:.0f}" if r["bpm"] else "", r["key_name"] or "",
                      ", ".join(r["tags"][:4]))
    out.print(table)
    out.print(f"{len(rows)} songs")


@app.command("clusters")
def clusters_command(
    min_size: int = typer.Option(3, "--min-size", min=2, help="Smallest group."),
    method: str = typer.Option("auto", "--method", help="auto, hdbscan or kmeans."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Group the catalog into sets of similar songs, named by their most common tags."""
    if method not in ("auto", "hdbscan", "kmeans"):
        raise InputError(f"--method {method!r} is not known", hint="use auto, hdbscan or kmeans")
    from reelforge.providers.music.clusters import group_songs

    catalog = _catalog()
    with _progress(not as_json) as task:
        catalog.ensure_builtin(progress=task("indexing built-in tracks (first use)"))
    groups, outliers, used = group_songs(catalog.songs(), min_size=min_size,
                                         method=method)  # type: ignore[arg-type]
    if as_json:
        out.print_json(json.dumps({"method": used, "groups": [g.to_dict() for g in groups],
                                   "outliers": outliers}))
        return
    for group in groups:
        bpm = f", ~{group.median_bpm:.0f} BPM" if group.median_bpm else ""
        out.print(f"[bold]{group.name}[/] ({len(group.song_ids)} songs{bpm})", highlight=False)
        out.print("  " + "; ".join(group.titles[:8]) + (" …" if len(group.titles) > 8 else ""),
                  highlight=False)
    out.print(f"{len(groups)} groups, {len(outliers)} songs in none (method: {used})")


@app.command("import-spotify")
def import_spotify_command(
    query: str = typer.Argument(..., help='Spotify search text, e.g. "lofi piano".'),
    limit: int = typer.Option(20, "--limit", min=1, max=200, help="How many tracks to import."),
    as_json: bool = typer.Option(False, "--json", help="Print the imported tracks as JSON."),
) -> None:
    """Add Spotify tracks as metadata-only songs (searchable, never put under a video).

    Spotify's terms forbid syncing its recordings to video, so these rows are for discovery.
    Needs SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET.

    Example: reelforge songs import-spotify "lofi piano" --limit 20
    """
    from reelforge.providers.music.catalog import SongCatalog
    from reelforge.providers.music.spotify import SpotifyCatalog
    from reelforge.settings import Settings

    settings = Settings()
    tracks = SpotifyCatalog.from_settings(settings).search_tracks(query, limit=limit)
    inputs = [spotify_song(t) for t in tracks]
    SongCatalog(settings).add(inputs)
    rows = [{"id": s.key, "title": s.title, "artist": s.artist, "album": s.album,
             "duration_s": s.duration_s, "uri": s.uri, "link": _spotify_link(s.uri)}
            for s in inputs]
    if as_json:
        out.print_json(json.dumps(rows))
        return
    for r in rows:
        out.print(f"{r['title']} — {r['artist']} ({r['album']}) {r['link']}", highlight=False)
    out.print(f"imported {len(rows)} Spotify tracks (metadata only, never used as audio)")


def spotify_song(track: Any) -> SongInput:
    """A Spotify track as a metadata-only catalog song."""
    from reelforge.providers.music.catalog import SongInput

    album = track.tags[0] if track.tags else ""
    return SongInput(
        key=track.id if track.id.startswith("spotify:") else f"spotify:{track.id}",
        source="spotify", title=track.title, artist=track.artist, album=album,
        duration_s=track.duration_s, uri=track.uri, licence=track.licence,
        usable_as_audio=False, tags=["spotify"],
        description=f"“{track.title}” by {track.artist}" + (f", from the album {album}"
                                                              if album else ""),
    )


def _spotify_link(uri: str | None) -> str | None:
    if uri and uri.startswith("spotify:track:"):
        return "https://open.spotify.com/track/" + uri.removeprefix("spotify:track:")
    return uri


@app.command("reindex")
def reindex_command() -> None:
    """Rebuild the vector index from the database (no audio is decoded again).

    Songs whose description wording changed in an upgrade are re-described and re-embedded.
    """
    catalog = _catalog()
    catalog.ensure_builtin()
    redescribed = catalog.refresh_descriptions()
    index = catalog.rebuild_index()
    out.print(f"index rebuilt: {len(index)} songs ({redescribed} re-described) at "
              f"{catalog.location}", highlight=False)
