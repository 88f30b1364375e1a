"""The alliance structure file: the shipped one loads, and a broken one is refused with
an error that names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from kizuna.domains.coordination.structure import (
    StructureError,
    default_structure,
    load_structure,
    parse_structure,
)
from kizuna.labels import default_policy

POLICY = default_policy()
SHIPPED = (Path(__file__).resolve().parents[2] / "src/kizuna/data/alliance/jpn-usa.yaml").read_text(
    encoding="utf-8"
)


def test_the_shipped_structure_names_the_bodies_of_the_summary() -> None:
    s = default_structure(POLICY)
    for body in ("scc", "acg", "bocc", "jjoc", "usfj", "wg-c2", "wg-fftr", "biac", "dicas"):
        assert body in s.bodies
    assert {s.bodies[b].tier for b in s.bodies if b.startswith("ccc-")} == {"component"}
    assert s.are_counterparts("jjoc", "usfj")
    assert s.nations == ("JPN", "USA")
    assert s.deadline_hours == {"peacetime": 72, "gray_zone": 12, "contingency": 1}
    # The ladder climbs one tier at a time from operational to the ministers.
    assert [s.bodies[b].tier for b in s.ladder] == ["operational", "policy", "ministerial"]
    assert s.next_rung("operational").id == "acg"
    assert s.next_rung("ministerial") is None


def _line_of(text: str, needle: str) -> int:
    """The line where `needle` (which may span lines) starts."""
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "marker", "message"),
    [
        (
            "nation: USA\n    tier: operational",
            "nation: XXX\n    tier: operational",
            "nation: XXX",
            "unknown nation 'XXX'",
        ),
        (
            "tier: policy\n    en: Alliance",
            "tier: strategic\n    en: Alliance",
            "tier: strategic",
            "unknown tier 'strategic'",
        ),
        ("  - [jjoc, usfj]", "  - [jjoc, mod-policy]", "[jjoc, mod-policy]", "both of JPN"),
        ("ladder: [bocc, acg, scc]", "ladder: [bocc, nsc, scc]", "ladder:", "unknown body 'nsc'"),
        (
            "ladder: [bocc, acg, scc]",
            "ladder: [acg, bocc, scc]",
            "ladder:",
            "must be of a higher tier",
        ),
        ("  contingency: 1", "  contingency: soon", "contingency: soon", "number of hours"),
        ("  - id: usfj", "  - id: jjoc", "  - id: jjoc\n    nation: USA", "defined twice"),
        ("    ja: 九州", "    ja: 九州\n    population: 13", "population", "unknown key"),
        ("regions:\n", "regions:\n  - [oops\n", "[oops", "not valid YAML"),
    ],
)
def test_a_broken_file_is_refused_naming_its_line(
    old: str, new: str, marker: str, message: str
) -> None:
    assert old in SHIPPED
    text = SHIPPED.replace(old, new, 1)
    with pytest.raises(StructureError) as caught:
        parse_structure(text, POLICY, source="jpn-usa.yaml")
    expected = _line_of(text, marker)
    assert message in str(caught.value)
    assert caught.value.line is not None
    # The error names the line of the fault (or, for a YAML syntax error, the line the
    # parser stopped at, just after it).
    assert caught.value.line in (expected, expected + 1), (str(caught.value), expected)
    assert f"jpn-usa.yaml line {caught.value.line}:" in str(caught.value)


def test_an_empty_or_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StructureError, match="empty"):
        parse_structure("", POLICY)
    with pytest.raises(StructureError, match="cannot be read"):
        load_structure(tmp_path / "nope.yaml", POLICY)
    with pytest.raises(StructureError, match="lacks ladder"):
        parse_structure("bodies: []\ncounterparts: []\nregions: []\n", POLICY)


def test_deadlines_are_configurable(tmp_path: Path) -> None:
    path = tmp_path / "alliance.yaml"
    path.write_text(SHIPPED.replace("  gray_zone: 12", "  gray_zone: 6"), encoding="utf-8")
    assert load_structure(path, POLICY).deadline_hours["gray_zone"] == 6
