"""deploy/compose.yaml is a valid Compose file (parsed by the compose-spec bindings after the
variable interpolation `docker compose` does) with the fleet's shape, and .env.example lists
every setting of reelforge with its default."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY

from reelforge.settings import Settings

VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")


def interpolated(text: str) -> str:
    """What `docker compose` reads: ${VAR:-default} → the default, $$ → $ (no .env set)."""
    return VARIABLE.sub(lambda m: "$" if m.group(0) == "$$" else (m.group(2) or ""), text)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(interpolated((DEPLOY / "compose.yaml").read_text()))


def test_compose_file_is_valid_against_the_compose_specification(
    compose: dict[str, Any],
) -> None:
    from compose_spec import PyCompose

    parsed = PyCompose.from_json(json.dumps(compose))  # raises ValueError on any unknown key
    assert set(parsed.service_names()) >= {"proxy", "api", "worker", "postgres", "redis",
                                           "minio", "minio-init", "migrate", "fakes"}


def test_compose_file_with_a_typo_is_rejected_so_the_check_above_means_something() -> None:
    from compose_spec import PyCompose

    with pytest.raises(ValueError, match="helthcheck"):
        PyCompose.from_json(json.dumps({"services": {"api": {"image": "x", "helthcheck": {}}}}))


def test_every_dependency_and_volume_named_in_compose_exists(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on unknown {needed}"
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in compose["volumes"], f"{name} mounts undeclared {source}"


def test_fleet_shape_two_apis_behind_a_proxy_workers_share_the_step_cache(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert services["api"]["deploy"]["replicas"] == 2
    assert "api:8000" in (DEPLOY / "nginx.conf").read_text()
    assert services["proxy"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert services["worker"]["command"][0] == "worker"
    assert "step-cache:/var/lib/reelforge/cache" in services["worker"]["volumes"]
    for role in ("api", "worker"):
        env = services[role]["environment"]
        assert env["REELFORGE_DATABASE_URL"].startswith("postgresql+psycopg://")
        assert env["REELFORGE_QUEUE_URL"].startswith("redis://")
        assert env["REELFORGE_ARTIFACT_URL"].startswith("s3://")
        assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"
        assert services[role]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully"
    assert "mc mb" in " ".join(services["minio-init"]["command"])  # bucket made at start
    assert services["fakes"]["profiles"] == ["fakes"]  # demo only
    for name in ("proxy", "api", "worker", "postgres", "redis", "minio", "fakes"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("postgres-data", "redis-data", "minio-data", "step-cache"):
        assert name in compose["volumes"]


def env_example() -> dict[str, str]:
    """NAME → value of its last line, commented (a default) or not."""
    found: dict[str, str] = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        match = re.match(r"^#?\s?([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2)  # the last line: the defaults section
    return found


def test_env_example_lists_every_setting_with_its_default() -> None:
    listed = env_example()
    missing = [f"REELFORGE_{n.upper()}" for n in Settings.model_fields
               if f"REELFORGE_{n.upper()}" not in listed]
    assert not missing, f"add these to deploy/.env.example with their defaults: {missing}"
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, bool):
            assert listed[f"REELFORGE_{name.upper()}"] == str(default).lower(), name
        elif isinstance(default, (int, float, str)) and not isinstance(default, bool):
            assert listed[f"REELFORGE_{name.upper()}"] == str(default), name


def test_every_variable_compose_reads_is_in_env_example() -> None:
    used = {m.group(1) for m in VARIABLE.finditer((DEPLOY / "compose.yaml").read_text())
            if m.group(1)}
    assert used and not used - set(env_example())
