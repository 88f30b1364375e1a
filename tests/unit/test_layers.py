"""The layering of DESIGN §3, read from the source: no arrow runs back up.

Every `import kizuna…` of every module (at any depth, lazy imports included) is an
arrow from its package to another. The floors import nothing above them, no two
packages import each other, and a domain imports neither the start-up code nor another
domain."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "kizuna"
FLOORS = ("labels", "db", "store", "audit", "stix", "identity")
ABOVE_FLOORS = (
    "domains", "web", "taxii", "federation", "cli", "interchange", "runtime", "bootstrap",
    "demo",
)  # fmt: skip


def _package(path: Path) -> str:
    """`store` for src/kizuna/store/x.py, `domains.intel` for a domain, `bootstrap` for
    a top-level module."""
    parts = path.relative_to(SRC).with_suffix("").parts
    if parts[0] == "domains" and len(parts) > 2:
        return f"domains.{parts[1]}"
    return parts[0]


def _target(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] != "kizuna" or len(parts) < 2:
        return None
    if parts[1] == "domains" and len(parts) > 2:
        return f"domains.{parts[2]}"
    return parts[1]


def arrows() -> dict[tuple[str, str], list[str]]:
    """(from package, to package) -> the modules that draw the arrow."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = _package(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                target = _target(name)
                if (
                    target
                    and target != source
                    and not (
                        # `from kizuna.domains import X` names the package, not a domain
                        name.startswith("kizuna.domains.")
                        and target == f"domains.{name.split('.')[-1]}"
                        and node.__class__ is ast.ImportFrom
                        and name.count(".") == 2
                        and source.startswith("domains.")
                    )
                ):
                    found[(source, target)].append(str(path.relative_to(SRC)))
    return found


def test_the_floors_import_nothing_above_them() -> None:
    bad = {
        (a, b): where
        for (a, b), where in arrows().items()
        if a in FLOORS and (b in ABOVE_FLOORS or b.startswith("domains"))
    }
    assert bad == {}


def test_no_two_packages_import_each_other() -> None:
    found = arrows()
    both = sorted({tuple(sorted(pair)) for pair in found if pair[::-1] in found})
    assert both == [], {pair: (found[pair], found[pair[::-1]]) for pair in both}


def test_a_domain_imports_no_start_up_code_and_no_other_domain() -> None:
    bad = {
        (a, b): where
        for (a, b), where in arrows().items()
        if a.startswith("domains.")
        and (b in ("bootstrap", "demo", "cli") or (b.startswith("domains.") and b != a))
    }
    # The public CLI helpers are the one part of `cli` a domain's commands may use.
    bad = {k: v for k, v in bad.items() if k[1] != "cli" or not _only_common(k[0])}
    assert bad == {}


def _only_common(domain: str) -> bool:
    folder = SRC / "domains" / domain.split(".")[1]
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            if module.startswith("kizuna.cli") and module != "kizuna.cli.common":
                return False
    return True
