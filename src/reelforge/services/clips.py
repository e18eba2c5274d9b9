"""Long video to shorts (``reelforge clips``) and whole-video reframing (``reelforge reframe``).

The code is in ``pipeline/clips.py``, below the job worker, so a queued ``clips`` job runs the
very same functions (``jobs/clips.py``); submitting one is ``services/clips_jobs.py``."""

from __future__ import annotations

from reelforge.pipeline.clips import (
    CLIPS_JSON,
    CONTACT_SHEET,
    HOOK_TITLE_S,
    ClipRequest,
    MadeClip,
    Progress,
    Remember,
    choose_moments,
    hook_title_text,
    make_clips,
    parse_length,
    reframe_video,
    render_clip,
    write_clips_json,
    write_contact_sheet,
)

__all__ = ["CLIPS_JSON", "CONTACT_SHEET", "HOOK_TITLE_S", "ClipRequest", "MadeClip", "Progress",
           "Remember", "choose_moments", "hook_title_text", "make_clips", "parse_length",
           "reframe_video", "render_clip", "write_clips_json", "write_contact_sheet"]
