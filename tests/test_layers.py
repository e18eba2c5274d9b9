"""The layer rule, checked: a package imports only from packages below it (import-linter's
``layers`` and ``independence`` contracts, as a test over the import graph).

Lazy imports inside functions count too: a cycle hidden in a function is still a cycle. Imports
under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import reelforge

SRC = Path(reelforge.__file__).parent

#: Top to bottom. Packages on one row may not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("cli",),
    ("server", "fakes"),
    ("services",),
    ("jobs",),
    ("pipeline",),
    ("providers",),
    ("library",),
    ("assemble",),
    ("security",),
    ("store",),
    ("media",),
]
#: The shared base every layer may use; it imports only itself.
SHARED = {"reelforge", "domain", "errors", "settings", "text", "json_numbers"}
#: Engines of one capability never reach into another's.
INDEPENDENT = ("providers.script", "providers.voice", "providers.video", "providers.music")
#: Known exceptions, each with its reason. Keep this list short.
ALLOWED: dict[tuple[str, str], str] = {
    ("reelforge.store.artifacts", "reelforge.security"):
        "the artifact store seals a tenant's files with security.artifact_crypto's functions",
}


def _module_name(path: Path) -> str:
    name = "reelforge." + ".".join(path.relative_to(SRC).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [name for name in found if name == "reelforge" or name.startswith("reelforge.")]


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "reelforge"


def _graph() -> list[tuple[str, str]]:
    return [(_module_name(path), target) for path in SRC.rglob("*.py")
            for target in _imports(path)]


def test_every_package_has_a_layer() -> None:
    packages = {_package(_module_name(p)) for p in SRC.rglob("*.py")}
    placed = {name for row in LAYERS for name in row} | SHARED
    assert packages <= placed, f"put {sorted(packages - placed)} in LAYERS"


def test_packages_import_only_downward() -> None:
    rank = {name: depth for depth, row in enumerate(LAYERS) for name in row}
    upward = []
    for importer, imported in _graph():
        source, target = _package(importer), _package(imported)
        if source == target or target in SHARED:
            continue
        if source in SHARED or (rank[target] <= rank[source] and not any(
                importer == a and imported.startswith(b) for a, b in ALLOWED)):
            upward.append((importer, imported))
    assert upward == [], "imports that go up or sideways:\n" + "\n".join(
        f"  {a} -> {b}" for a, b in sorted(set(upward)))


def test_engines_of_one_capability_do_not_import_another() -> None:
    crossing = [(a, b) for a, b in _graph() for one in INDEPENDENT for other in INDEPENDENT
                if one != other and a.startswith(f"reelforge.{one}")
                and b.startswith(f"reelforge.{other}")]
    assert crossing == []
