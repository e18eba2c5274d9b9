"""bench/fleet.py, loaded under a name of its own (``fleet`` alone would meet this folder)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "bench" / "fleet.py"
sys.path.insert(0, str(_PATH.parent))  # for bench_support, as when run as a script
_spec = importlib.util.spec_from_file_location("reelforge_bench_fleet", _PATH)
assert _spec is not None and _spec.loader is not None
fleet = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fleet  # dataclasses look their module up by name
_spec.loader.exec_module(fleet)

Fleet = fleet.Fleet
FleetOptions = fleet.FleetOptions
RoundReport = fleet.RoundReport
run_round = fleet.run_round
