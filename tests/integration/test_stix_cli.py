"""`kizuna import stix` and `kizuna export stix`, as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

import stix2
from stix2validator import ValidationOptions, validate_instance
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.labels import Label, can_read
from kizuna.labels.label import Clearance
from kizuna.runtime import Node
from kizuna.stix.markings import marking_for
from tests.factories import add_user, report

runner = CliRunner()


def _run(node: Node, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app,
        [*args, "--db", node.settings.database_url],
        env={"KIZUNA_KEY_FILE": str(node.settings.key_file)},
    )
    return result.exit_code, result.stdout, result.stderr


def test_a_bundle_made_with_stix2_imports_object_by_object(node: Node, tmp_path: Path) -> None:
    add_user(node, "analyst", roles=["author"])
    malware = stix2.Malware(name="Example", is_family=True)
    vuln = stix2.Vulnerability(name="CVE-2024-0001")
    rel = stix2.Relationship(malware, "targets", vuln)
    bundle = json.loads(stix2.Bundle(malware, vuln, rel).serialize())
    bundle["objects"].append({"type": "indicator", "name": "no pattern"})
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))

    code, out, errors = _run(node, "import", "stix", str(path), "--user", "analyst")
    assert code == 1
    assert "4 objects: 3 created, 1 refused" in out
    assert "pattern" in errors
    for obj in (malware, vuln, rel):
        assert node.store.get(node.system, obj.id).object[
            "name" if obj.type != "relationship" else "relationship_type"
        ]
    # Importing the same bundle again stores nothing new, and says so (walk 37: it
    # said "imported 3 of 4 objects" again).
    code, out, _ = _run(node, "import", "stix", str(path), "--user", "analyst")
    assert "4 objects: 3 already held, 1 refused" in out
    assert [v.version for v in node.store.history(node.system, malware.id)] == [1]


def test_import_refuses_what_is_not_a_bundle(node: Node, tmp_path: Path) -> None:
    add_user(node, "analyst", roles=["author"])
    for name, text in (("empty.json", ""), ("list.json", "[]"), ("html.json", "<html></html>")):
        path = tmp_path / name
        path.write_text(text)
        code, _out, errors = _run(node, "import", "stix", str(path), "--user", "analyst")
        assert code == 2
        assert "bundle" in errors or "JSON" in errors
    code, _out, errors = _run(node, "import", "stix", str(path), "--user", "nobody")
    assert code == 2


def test_export_holds_exactly_what_the_label_max_allows_and_validates(
    node: Node, tmp_path: Path
) -> None:
    labels = [
        Label(0, frozenset({"JPN", "USA"})),
        Label(20, frozenset({"JPN", "USA"}), frozenset({"BIAC"})),
        Label(10, frozenset({"JPN"})),
        Label(30, frozenset({"JPN", "USA"})),
    ]
    made = {}
    with node.db.write() as conn:
        for n, label in enumerate(labels):
            made[node.store.create_in(conn, node.system, report(f"r{n}"), label).id] = label
    out = tmp_path / "export.json"
    code, _, errors = _run(
        node, "export", "stix", "--out", str(out), "--label-max", "SECRET//BIAC//REL TO USA"
    )
    assert code == 0, errors
    bundle = json.loads(out.read_text())
    assert bundle["type"] == "bundle"
    reader = Clearance("USA", 20, frozenset({"BIAC"}))
    exported = {o["id"] for o in bundle["objects"] if o["type"] == "report"}
    assert exported == {i for i, lab in made.items() if can_read(reader, lab)}
    markings = {o["id"] for o in bundle["objects"] if o["type"] == "marking-definition"}
    assert markings == {
        marking_for(node.policy, lab)["id"] for lab in labels if can_read(reader, lab)
    }
    for obj in bundle["objects"]:
        result = validate_instance(obj, ValidationOptions(version="2.1"))
        assert result.is_valid, (obj["id"], [str(e) for e in result.errors])

    code, _, errors = _run(node, "export", "stix", "--label-max", "SECRET//REL TO USA, AUS")
    assert code == 2
    assert "one nation" in errors
