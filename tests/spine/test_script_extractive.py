"""``--from``: the source's most central sentences, word for word, in the source's order, sized
to the duration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import reelforge
from reelforge.domain import Brief
from reelforge.errors import InputError
from reelforge.providers import pacing, registry
from reelforge.providers.script.extractive import (
    ExtractiveScriptWriter,
    source_sentences,
    text_rank,
)
from reelforge.services.estimate import estimate_cost
from reelforge.settings import Settings

ARTICLE = """# How Lisbon rebuilt itself

On the morning of 1 November 1755, a great earthquake struck Lisbon.
The shaking lasted several minutes and toppled churches full of people at mass.
Within an hour, a tsunami swept up the Tagus river and drowned the lower town.
Fires then burned for five days across what was left of the city.
Historians estimate that tens of thousands of people died in Lisbon.

The king's minister, the Marquis of Pombal, took charge of the rebuilding.
Pombal ordered the dead buried and the ruins cleared within weeks.
His engineers designed a new lower town on a strict grid of wide streets.
They tested the first earthquake-resistant buildings by marching soldiers around models.
The wooden frame inside each building, the Pombaline cage, flexed instead of breaking.

My cat likes to sleep on the warm windowsill in the afternoon.
The recipe needs two eggs and a cup of flour.

Today the Baixa district still follows Pombal's grid.
The rebuilt city became a model for planning after disasters across Europe.
The earthquake also shook European philosophy, and Voltaire wrote a poem about Lisbon.
"""


def _sentences() -> list[str]:
    return source_sentences(ARTICLE)[1]


@pytest.mark.parametrize("duration", [15.0, 30.0])
def test_from_keeps_the_source_words_and_order_and_fits_the_duration(duration: float) -> None:
    plan = ExtractiveScriptWriter().write(Brief(source_text=ARTICLE, duration_s=duration)).plan
    said = [s for scene in plan.scenes for s in source_sentences(scene.narration)[1]]
    source = _sentences()
    positions = [source.index(s) for s in said]  # every sentence is the source's, verbatim
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    speech = sum(pacing.speech_seconds(s.narration) for s in plan.scenes)
    budget = pacing.speech_budget(duration, len(plan.scenes))
    assert 0.6 * budget <= speech <= budget
    assert plan.title == "How Lisbon rebuilt itself"


def test_the_central_sentences_win_and_the_off_topic_ones_are_left_out() -> None:
    plan = ExtractiveScriptWriter().write(Brief(source_text=ARTICLE, duration_s=20)).plan
    text = " ".join(s.narration for s in plan.scenes)
    assert "cat" not in text and "flour" not in text
    assert "Pombal" in text or "earthquake" in text


def test_text_rank_ranks_the_hub_of_the_similarity_graph_first() -> None:
    hub = np.array([1.0, 1.0, 1.0]) / np.sqrt(3)
    vectors = np.array([hub, [1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]], dtype=np.float32)
    assert int(np.argmax(text_rank(vectors))) == 0


def test_a_source_text_picks_the_extractive_writer_offline_and_openai_with_a_key() -> None:
    brief = Brief(source_text=ARTICLE, duration_s=30)
    assert brief.prompt == "How Lisbon rebuilt itself"
    offline = Settings(_env_file=None, script_engine="auto")
    assert registry.script_writer(offline, brief).name == "extractive-writer"
    assert estimate_cost(brief, offline).engines["script"] == "extractive"
    keyed = Settings(_env_file=None, script_engine="auto", openai_api_key="sk-test")
    assert registry.script_choice(keyed, brief) == "openai"


def test_a_text_of_fragments_only_is_one_clear_error() -> None:
    with pytest.raises(InputError, match="no sentences"):
        ExtractiveScriptWriter().write(Brief(source_text="# Notes\n\n- eggs\n- milk",
                                             duration_s=20))


def test_cli_from_standard_input_drafts_a_script_from_the_text(tmp_path: Path) -> None:
    env = {"REELFORGE_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path), "PYTHONPATH": str(Path(reelforge.__file__).parents[1])}
    result = subprocess.run(
        [sys.executable, "-m", "reelforge.cli.main", "make", "--from", "-", "--duration", "20",
         "--draft"], input=ARTICLE, capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=120)
    assert result.returncode == 0, result.stderr
    draft = (tmp_path / "out" / "script.md").read_text()
    assert "title: How Lisbon rebuilt itself" in draft and "earthquake" in draft


def test_with_an_llm_the_source_text_goes_into_the_request_to_write_from_it_only() -> None:
    from reelforge.providers.script.openai_writer import plan_request

    _, _, message = plan_request(Brief(source_text=ARTICLE, duration_s=30))
    assert "Pombaline cage" in message and "add nothing it does not say" in message
    _, _, plain = plan_request(Brief(prompt="Why octopuses are smart", duration_s=30))
    assert "Source text" not in plain
