"""deploy/k8s: the base and the example overlay build with kustomize (kubectl's), every resource
validates strictly against the Kubernetes 1.37 OpenAPI schemas (kubernetes-validate), and the
manifests have what a fleet needs: probes, resources, an HPA, PDBs, a migrations Job."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
import yaml
from deploy_support import DEPLOY, dev_tool

K8S = DEPLOY / "k8s"
KUBERNETES = "1.37"


def build(path: str) -> list[dict[str, Any]]:
    run = subprocess.run([dev_tool("kubectl"), "kustomize", str(K8S / path)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return [doc for doc in yaml.safe_load_all(run.stdout) if doc]


@pytest.fixture(scope="module")
def overlay() -> list[dict[str, Any]]:
    return build("overlays/example")


def by_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


@pytest.mark.parametrize("path", ["base", "overlays/example"])
def test_manifests_validate_strictly_against_the_kubernetes_schemas(path: str) -> None:
    import kubernetes_validate

    docs = build(path)
    assert len(docs) >= 11
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)


def test_schema_check_rejects_a_misspelt_field_so_passing_means_something() -> None:
    import kubernetes_validate

    (api,) = [d for d in build("base") if d["metadata"]["name"] == "reelforge-api"
              and d["kind"] == "Deployment"]
    api["spec"]["template"]["spec"]["containers"][0]["readinesProbe "] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(api, KUBERNETES, strict=True)


def test_api_is_probed_on_readyz_and_healthz_behind_a_service_and_an_ingress(
    overlay: list[dict[str, Any]],
) -> None:
    api = by_kind(overlay, "Deployment")["reelforge-api"]
    (container,) = api["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["serve"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    service = by_kind(overlay, "Service")["reelforge-api"]
    assert service["spec"]["selector"].items() <= \
        api["spec"]["template"]["metadata"]["labels"].items()
    (rule,) = by_kind(overlay, "Ingress")["reelforge-api"]["spec"]["rules"]
    assert rule["http"]["paths"][0]["backend"]["service"]["name"] == "reelforge-api"


def test_every_container_has_resources_and_the_settings_it_references_exist(
    overlay: list[dict[str, Any]],
) -> None:
    secrets, maps = by_kind(overlay, "Secret"), by_kind(overlay, "ConfigMap")
    pods = [d["spec"]["template"]["spec"] for d in overlay if d["kind"] in ("Deployment", "Job")]
    assert len(pods) == 3
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert container["resources"]["requests"] and container["resources"]["limits"]
            for source in container["envFrom"]:
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets
                else:
                    assert source["configMapRef"]["name"] in maps


def test_workers_autoscale_share_the_step_cache_and_keep_running_through_disruptions(
    overlay: list[dict[str, Any]],
) -> None:
    worker = by_kind(overlay, "Deployment")["reelforge-worker"]
    spec = worker["spec"]["template"]["spec"]
    assert spec["containers"][0]["args"][0] == "worker"
    mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0]["volumeMounts"]}
    assert mounts["step-cache"] == "/var/lib/reelforge/cache"
    claim = next(v for v in spec["volumes"] if v["name"] == "step-cache")
    pvc = by_kind(overlay, "PersistentVolumeClaim")[
        claim["persistentVolumeClaim"]["claimName"]]
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    hpa = by_kind(overlay, "HorizontalPodAutoscaler")["reelforge-worker"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "reelforge-worker"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    pdbs = by_kind(overlay, "PodDisruptionBudget")
    for name, deployment in by_kind(overlay, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert pdbs[name]["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_migrations_run_as_a_job_and_the_overlay_sets_namespace_image_and_replicas(
    overlay: list[dict[str, Any]],
) -> None:
    job = by_kind(overlay, "Job")["reelforge-migrate"]
    command = " ".join(job["spec"]["template"]["spec"]["containers"][0]["command"])
    assert "open_database" in command
    assert {d["metadata"].get("namespace") for d in overlay if d["kind"] != "Namespace"} == \
        {"reelforge"}
    deployments = by_kind(overlay, "Deployment")
    assert deployments["reelforge-api"]["spec"]["replicas"] == 3
    assert deployments["reelforge-worker"]["spec"]["template"]["spec"]["containers"][0][
        "image"] == "registry.example.com/reelforge:0.1.0"
