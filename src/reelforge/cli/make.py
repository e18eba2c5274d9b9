"""`reelforge make`: prompt → finished video, with a progress bar per step."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from reelforge.cli.brief_choices import EMOTIONS, MAX_DURATION_S, MIN_DURATION_S
from reelforge.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from reelforge.domain import Brief, Montage
    from reelforge.library.footage import FootageIndex
    from reelforge.pipeline.runner import StepEvent
    from reelforge.settings import Settings

#: How the CLI names each brief field in its errors.
OPTION_NAMES = {"duration_s": "--duration", "prompt": "PROMPT", "aspect": "--aspect",
                "intensity": "--intensity", "emotion": "--emotion", "music_mood": "--music-mood",
                "template": "--template", "voice": "--voice", "seed": "--seed",
                "captions": "--captions", "script": "--script", "source_text": "--from",
                "footage": "--footage", "footage_swaps": "--swap",
                "narration": "--no-narration"}
#: Said when no LLM writes the script: what the offline writer is, and the ways to real words.
OFFLINE_WRITER_NOTE = (
    "note: no LLM is configured, so the offline writer drafts a structure from the prompt (it "
    "knows no facts). For real content: --script FILE (your own words), --from FILE (an article "
    "or notes), --draft (review and edit the script first), or an OpenAI-compatible server "
    "(OPENAI_API_KEY and OPENAI_BASE_URL; a local Ollama, vLLM or llama.cpp server works).")
OPTION_HINTS = {
    "duration_s": f"use a duration from {MIN_DURATION_S:g} to {MAX_DURATION_S:g} seconds",
    "prompt": 'give a prompt of 1 to 2000 characters, e.g. "Why octopuses are smart"',
    "intensity": "use a number from 0 (neutral) to 1 (full emotion)",
    "narration": "a montage is cut from --footage DIR (or --footage library), with no "
                 "--script, --from or --swap",
}


def parse_swaps(values: list[str]) -> dict[int, str]:
    """``--swap 2=<shot id>`` (scene numbers from 1, as printed after a make) → the brief's
    ``footage_swaps`` (scene indexes from 0, as in the manifest)."""
    swaps: dict[int, str] = {}
    for value in values:
        scene, _, shot_id = value.partition("=")
        if not scene.strip().isdigit() or int(scene) < 1 or not shot_id.strip():
            raise InputError(f"--swap {value!r} is not SCENE=SHOT_ID",
                             hint="e.g. --swap 2=3f1c0a9e5b7d2c41#0: scene 2 shows that shot "
                                  "(the shot ids are printed after a make with --footage)")
        swaps[int(scene) - 1] = shot_id.strip()
    return swaps


def read_text(path: Path, option: str) -> str:
    """A text file's contents (``-``: standard input); a file that is not text is one error."""
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {option} {path}: {exc.strerror or exc}",
                         hint="check the path") from None
    if b"\x00" in data:
        raise InputError(f"{option} {path} is not a text file",
                         hint="give a plain-text or Markdown file (UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{option} {path} is not a UTF-8 text file",
                         hint="save it as UTF-8 plain text or Markdown") from None


def brief_from_options(**fields: object) -> Brief:
    """Validate user options into a Brief; a bad value is one InputError naming the option
    (the same check as the API's and the studio's, ``services/briefs.py``). A ``--script``
    with no ``--duration`` lasts as long as the script takes to say."""
    from pydantic import ValidationError

    from reelforge.domain import Brief
    from reelforge.services.briefs import brief_error, with_script_duration

    try:
        return Brief(**with_script_duration(fields, names=OPTION_NAMES))
    except ValidationError as exc:
        error = brief_error(exc, names=OPTION_NAMES)
        error.hint = OPTION_HINTS.get(error.field, error.hint)
        raise error from None


def _index_footage_folder(folder: str, settings: Settings, console: Console) -> FootageIndex:
    """Index a ``--footage`` folder with a progress bar before the make (new or changed files
    only), list the files skipped with their reason, and open it."""
    from rich.progress import BarColumn, Progress, TextColumn

    from reelforge.library.footage_source import footage_folder, index_folder, open_footage
    from reelforge.providers.vision import VisionCaptioner

    footage_folder(folder)  # a missing folder is one line, before any bar
    captioner = VisionCaptioner.from_settings(settings)  # None unless a vision model is set
    with Progress(TextColumn("[bold]{task.description:<22}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), console=console) as bar:
        row = bar.add_task("indexing footage", total=None)

        def progress(done: int, total: int, name: str) -> None:
            bar.update(row, completed=done, total=total)

        report = index_folder(folder, settings, progress,
                              captioner.caption if captioner else None)
    for failed in getattr(report, "failed", []):
        console.print(f"skipped {failed.path}: {failed.reason}", style="yellow", highlight=False,
                      markup=False)
    if captioner is not None and captioner.calls:
        cost = sum(c.cost_usd for c in captioner.calls)
        console.print(f"{len(captioner.calls)} new keyframes captioned by {captioner.model}: "
                      f"${cost:.4f}", highlight=False, markup=False)
    return open_footage(folder, settings, index=False)


class _Bars:
    """Rich progress: one row per step kind (scenes add to their row), fed from worker threads."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.rows: dict[str, TaskID] = {}
        self.started: dict[str, int] = {}
        self.finished: dict[str, int] = {}

    def __call__(self, event: StepEvent) -> None:
        kind = event.step
        if kind not in self.rows:
            self.rows[kind] = self.progress.add_task(kind, total=None)
        row = self.rows[kind]
        done = self.finished.get(kind, 0)
        if event.state == "started":
            self.started[kind] = self.started.get(kind, 0) + 1
            self.progress.update(row, total=self.started[kind], description=event.label)
        elif event.state == "progress":
            self.progress.update(row, completed=done + min(event.fraction, 0.999))
        else:
            self.finished[kind] = done + 1
            label = f"{kind} (cached)" if event.state == "cached" else kind
            self.progress.update(row, completed=done + 1, description=label)


def make_command(
    prompt: str | None = typer.Argument(
        None, help='What the video is about, e.g. "Why octopuses are smart".'
    ),
    duration: float | None = typer.Option(
        None, "--duration", "-d",
        help="Target length in seconds (5–600; default 30, or as long as --script takes)."
    ),
    aspect: str = typer.Option("9:16", "--aspect", "-a", help="9:16 (shorts), 16:9 or 1:1."),
    voice: str = typer.Option(
        "joe", "--voice", "-v", help="Voice id; `reelforge voices` lists them."
    ),
    emotion: str = typer.Option(
        "neutral", "--emotion", "-e", help=f"One of: {', '.join(EMOTIONS)}."
    ),
    intensity: float = typer.Option(
        0.5, "--intensity", "-i", help="How strongly to act the emotion, 0–1."
    ),
    template: str | None = typer.Option(
        None, "--template", help="explainer, story, listicle or promo (default: from the prompt)."
    ),
    music_mood: str | None = typer.Option(
        None, "--music-mood", help="calm, energetic, happy, nostalgic or tender."
    ),
    seed: int = typer.Option(0, "--seed", help="Same seed, same video."),
    music: str = typer.Option(
        "auto", "--music", help="auto (search, compose when the match is weak), catalog, "
        "library, composed or builtin."
    ),
    captions: str = typer.Option(
        "karaoke", "--captions", help="Caption style: karaoke, pop, box, classic or none."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Output folder (default: ./out); the job goes in <out>/<job-id>/."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the manifest as JSON instead of progress bars."
    ),
    batch: Path | None = typer.Option(
        None, "--batch", help="JSONL file, one brief per line (same as `reelforge batch`)."
    ),
    script: Path | None = typer.Option(
        None, "--script", help="Narrate your own words: a text or Markdown file, one scene per "
        "# heading or paragraph, optional `visual:` and `mood:` lines per scene."
    ),
    source: Path | None = typer.Option(
        None, "--from", help="Make the script from an article or notes (a text file, or - for "
        "standard input): its most central sentences, in order, fitted to --duration."
    ),
    draft: bool = typer.Option(
        False, "--draft", help="Write the script as <out>/script.md to edit, and stop; then "
        "make it with --script <out>/script.md."
    ),
    footage: str | None = typer.Option(
        None, "--footage", help="Show your own clips and pictures: a folder (indexed first) or "
        "'library' (what `reelforge footage add` indexed). Each scene gets the shot that best "
        "matches its words; a scene nothing matches is drawn by the video engine."
    ),
    swap: list[str] | None = typer.Option(
        None, "--swap", help="With --footage: show this shot in this scene, SCENE=SHOT_ID "
        "(scenes from 1; repeatable). The shot ids are printed after a make; only the swapped "
        "scenes are rendered again."
    ),
    no_narration: bool = typer.Option(
        False, "--no-narration", help="With --footage: a music-only montage — no script, no "
        "voice, no captions; your shots ordered for variety and cut on the music's beats, "
        "--duration long."
    ),
) -> None:
    """Make a short video from a prompt: script, narration, visuals, music, subtitles.

    With no API keys every step runs offline. A second run of the same command reuses every
    finished step (cache hits); an interrupted run resumes where it stopped.
    """
    if batch is not None:
        if prompt is not None:
            raise InputError("give either a PROMPT or --batch, not both",
                             hint="put every brief in the --batch file")
        from reelforge.cli.batch import batch_command

        batch_command(briefs_file=batch, out=out, queue=False, tenant="local", as_json=as_json)
        return
    if script is not None and source is not None:
        raise InputError("give either --script or --from, not both",
                         hint="--script narrates your words as written; --from picks from a text")
    if prompt is None and script is None and source is None:
        raise InputError("no prompt given",
                         hint='reelforge make "Why octopuses are smart" (or --script FILE, '
                              "--from FILE, --batch briefs.jsonl)")
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from reelforge.pipeline.runner import make_video
    from reelforge.settings import Settings

    settings = Settings()
    brief = brief_from_options(
        **({"prompt": prompt} if prompt is not None else {}),  # a script names itself
        script=read_text(script, "--script") if script is not None else None,
        source_text=read_text(source, "--from") if source is not None else None,
        duration_s=duration if duration is not None else (None if script else 30.0),
        aspect=aspect,
        voice=voice,
        emotion=emotion,
        intensity=intensity,
        seed=seed,
        template=template,
        music_mood=music_mood,
        captions=captions,
        footage=footage,
        footage_swaps=parse_swaps(swap or []),
        **({"narration": False} if no_narration else {}),
    )
    from reelforge.providers.registry import script_choice
    from reelforge.services.briefs import check_brief

    engines = {"music": music} if music != "auto" else {}
    out_dir = out or settings.out_dir
    check_brief(brief, settings, engines, drafting=draft)
    # said after the work, so an error stays one line: what the offline writer is, and the
    # ways to real words
    offline = script_choice(settings, brief) == "template" and not as_json
    if draft:
        from reelforge.pipeline.steps.plan import write_draft

        path = write_draft(brief, settings, out_dir)
        Console(stderr=True).print(f"[green]draft[/] written; edit it, then: reelforge make "
                                   f"--script {path}", highlight=False)
        if offline:
            Console(stderr=True).print(OFFLINE_WRITER_NOTE, style="yellow", highlight=False)
        print(path)
        return
    footage_index = None  # a folder is indexed here, with a bar; "library" opens in the job
    if brief.footage is not None and brief.footage != "library":
        footage_index = _index_footage_folder(brief.footage, settings, Console(stderr=True))
    if as_json:
        result = make_video(brief, settings, out_dir, engines=engines, footage=footage_index)
        json.dump(result.manifest.model_dump(mode="json"), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description:<22}"),
        BarColumn(),
        TextColumn("{task.completed:>3.0f}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        result = make_video(brief, settings, out_dir, on_event=_Bars(progress), engines=engines,
                            footage=footage_index)
    m = result.manifest
    hits = sum(1 for s in m.steps if s.cache_hit)
    console.print(
        f"[green]done[/] {m.title!r}: {m.duration_s:.1f} s video in {m.wall_time_s:.1f} s "
        f"({hits}/{len(m.steps)} steps from cache, cost ${m.cost_usd:.2f})"
    )
    if m.music:
        console.print(f"music: {m.music.track.title} — {m.music.reason}")
    if m.montage is not None:
        print_montage(console, m.montage)
    if m.footage:
        shown = sum(1 for c in m.footage if c.shot is not None)
        console.print(f"footage: {shown} of {len(m.footage)} scenes show your shots",
                      highlight=False)
        for c in m.footage:
            where = ("video engine" if c.shot is None else Path(c.shot.source).name
                     + ("" if c.shot.kind == "picture"
                        else f" {c.shot.start_s:.1f}–{c.shot.end_s:.1f} s"))
            console.print(f"  scene {c.scene_index + 1}: {where} ({c.reason})", highlight=False,
                          markup=False)
            if c.candidates:
                others = ", ".join(f"{o.shot_id} {Path(o.source).name} {o.score:.2f}"
                                   for o in c.candidates[:3])
                console.print(f"    swap with --swap {c.scene_index + 1}=…: {others}",
                              highlight=False, markup=False)
    if offline:
        console.print(OFFLINE_WRITER_NOTE, style="yellow", highlight=False)
    print(result.job_dir / "final.mp4")


def print_montage(console: Console, montage: Montage) -> None:
    """One line per shot of a montage: where it is cut in, on which beat, from which file."""
    console.print(f"montage: {len(montage.cuts)} shots cut on the beats ({montage.bpm:.0f} BPM, "
                  f"about {montage.beats_per_shot} beats a shot)", highlight=False)
    if montage.note:
        console.print(f"  {montage.note}", style="yellow", highlight=False, markup=False)
    for cut in montage.cuts:
        beat = f"beat {cut.beat + 1}" if cut.beat is not None else "the start"
        seconds = ("" if cut.shot.kind == "picture"
                   else f" {cut.shot.start_s:.1f}–{cut.shot.end_s:.1f} s")
        console.print(f"  {cut.at_s:6.2f} s ({beat}): {Path(cut.shot.source).name}{seconds}, "
                      f"{cut.beats} beats{' (again)' if cut.reused else ''}",
                      highlight=False, markup=False)
