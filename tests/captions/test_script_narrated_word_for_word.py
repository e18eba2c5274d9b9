"""`--script` narrates the file word for word: what the voice says, transcribed by the local
recogniser (free transcription, not alignment to the known text), matches ≥ 95 % of its words
(issue 16)."""

from __future__ import annotations

from pathlib import Path

from reelforge.domain import Brief
from reelforge.media.speech import heard_share, read_speech, recogniser
from reelforge.providers.base import SpeechRequest, Voice
from reelforge.providers.script.user_script import UserScriptWriter
from reelforge.settings import Settings
from reelforge.text import split_sentences

SCRIPT = """# Three hearts
Octopuses have three hearts and blue blood.
visual: an octopus gliding over coral

# Clever arms
Each of their eight arms can taste what it touches, and they open jars from the inside.
mood: curious
"""


def test_a_users_script_is_spoken_word_for_word(piper_engine: Voice, settings: Settings,
                                                 tmp_path: Path) -> None:
    brief = Brief(script=SCRIPT, duration_s=15)
    plan = UserScriptWriter.from_settings(settings).write(brief).plan
    written: list[str] = []
    heard = []
    for scene in plan.scenes:
        wav = tmp_path / f"scene-{scene.index}.wav"
        piper_engine.speak(SpeechRequest(sentences=tuple(split_sentences(scene.narration)),
                                         voice="joe"), wav)
        written += scene.narration.split()
        heard += recogniser().transcribe(read_speech(wav))
    assert " ".join(written).startswith("Octopuses have three hearts")
    assert "visual:" not in " ".join(written) and "#" not in " ".join(written)
    assert heard_share(written, heard) >= 0.95
