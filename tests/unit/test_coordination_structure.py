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
    assert s.precedence_hours == {"FLASH": 1, "IMMEDIATE": 4, "PRIORITY": 12, "ROUTINE": 72}


def test_the_shipped_structure_is_the_alliance_as_it_is() -> None:
    s = default_structure(POLICY)
    # The bodies the issue names, on both sides, at their tiers.
    for body, nation in {
        "mofa": "JPN", "state": "USA", "nss": "JPN", "nsc": "USA", "indopacom": "USA",
        "joint-staff": "JPN", "gcc": "JPN", "sdf-fleet": "JPN", "adc": "JPN", "usarj": "USA",
        "cnfj": "USA", "5af": "USA", "iii-mef": "USA", "jcg": "JPN", "cyber-defense": "JPN",
        "joint-committee": "bilateral", "bpm": "bilateral", "edd": "bilateral",
        "ssc": "bilateral",
    }.items():  # fmt: skip
        assert s.bodies[body].nation == nation, body
    for pair in (("jjoc", "usfj"), ("gcc", "usarj"), ("sdf-fleet", "cnfj"), ("adc", "5af"),
                 ("mod-policy", "osd-policy"), ("mofa", "state"), ("nss", "nsc")):  # fmt: skip
        assert s.are_counterparts(*pair), pair
    # The Joint Committee and the BOCC work beside the ACG, not under it: they hear of
    # an item that climbs to any of its levels.
    assert s.beside("acg") == ["bocc", "joint-committee"]
    assert s.beside("acg-dir") == ["bocc", "joint-committee"]
    # The path climbs the ACG's three levels and ends at the national security staffs;
    # the ministers (SCC) are no rung.
    assert [r.id for r in s.ladder] == ["acg-ao", "acg-dir", "acg-dg", "nss+nsc"]
    assert s.next_rung("operational").id == "acg-ao"
    assert s.next_rung("component").id == "acg-ao"
    assert s.next_rung("acg_action_officer").id == "acg-dir"
    assert s.next_rung("acg_director_general").bodies == ("nss", "nsc")
    assert s.next_rung("national_security") is None
    assert all(r.bodies != ("scc",) for r in s.ladder)
    # Regions: Okinawa, the sea and air areas around Japan, each with an outline.
    assert {"okinawa", "east-china-sea", "sea-of-japan", "southwest-airspace"} <= set(s.regions)
    assert {r.kind for r in s.regions.values()} == {"land", "sea", "air"}
    for region in s.regions.values():
        assert region.outline is not None
        assert region.outline["type"] == "Polygon"
        ring = region.outline["coordinates"][0]
        assert ring[0] == ring[-1]
        assert len(ring) >= 4
    # Japan's legal categories and a disaster category, each Japan's own.
    japan = {k for k, v in s.determinations.items() if v.nation == "JPN"}
    assert {
        "jpn-important-influence", "jpn-survival-threatening", "jpn-anticipated-armed-attack",
        "jpn-armed-attack", "jpn-large-scale-disaster", "jpn-gray-zone",
    } <= japan  # fmt: skip
    assert s.determinations["jpn-survival-threatening"].ja == "存立危機事態"
    assert s.determining_bodies("JPN") == ["jjoc", "joint-staff", "nss"]


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
        ("  - acg-dir\n", "  - acg-colonels\n", "acg-colonels", "unknown body 'acg-colonels'"),
        (
            "  - acg-ao\n  - acg-dir\n",
            "  - acg-dir\n  - acg-ao\n",
            "  - acg-ao\n  - acg-dg",
            "must be of a higher tier",
        ),
        ("  - acg-dg\n", "  - jjoc\n", "  - jjoc\n  - [nss", "must be a bilateral body"),
        (
            "  - acg-dg\n  - [nss, nsc]",
            "  - acg-dg\n  - [nss, mofa]",
            "[nss, mofa]",
            "one body of each nation",
        ),
        (
            "  - acg-dg\n  - [nss, nsc]",
            "  - acg-dg\n  - [nss, nsc]\n  - scc",
            "  - scc",
            "nothing climbs above",
        ),
        ("  ROUTINE: 72", "  ROUTINE: soon", "ROUTINE: soon", "number of hours"),
        ("  FLASH: 1", "  FLASH: 100", "FLASH: 100", "more urgent than IMMEDIATE"),
        ("  PRIORITY: 12\n", "", "precedence:", "lacks PRIORITY"),
        ("  - [acg, bocc]", "  - [acg, jtf]", "[acg, jtf]", "unknown body 'jtf'"),
        (
            "    determines: true\n    en: National Security Secretariat",
            "    determines: maybe\n    en: National Security Secretariat",
            "determines: maybe",
            "true or false",
        ),
        (
            "    nation: bilateral\n    tier: operational\n    en: Bilateral Operations",
            "    nation: bilateral\n    determines: true\n    tier: operational\n"
            "    en: Bilateral Operations",
            "determines: true\n    tier: operational\n    en: Bilateral Operations",
            "only a national body determines",
        ),
        (
            "  - id: jpn-gray-zone\n    nation: JPN",
            "  - id: jpn-gray-zone\n    nation: bilateral",
            "nation: bilateral\n    hours: 12\n    en: Gray",
            "one nation's own",
        ),
        (
            "    ja: 沖縄\n    outline: {type: Polygon",
            "    ja: 沖縄\n    outline: {type: Point",
            "outline: {type: Point",
            "a Polygon or a MultiPolygon",
        ),
        (
            "[127.9, 26.7], [127.6, 26.1]]]}",
            "[127.9, 26.7], [127.6, 26.2]]]}",
            "outline: {type: Polygon, coordinates: [[[127.6, 26.1]",
            "closed ring",
        ),
        (
            "[[[127.6, 26.1], [127.8, 26.0]",
            "[[[127.6, 96.1], [127.8, 26.0]",
            "outline: {type: Polygon, coordinates: [[[127.6, 96.1]",
            "latitude",
        ),
        (
            "    kind: sea\n    en: East China Sea",
            "    kind: lake\n    en: East China Sea",
            "kind: lake",
            "one of land, sea, air",
        ),
        ("precedence:\n", "phases:\n  peacetime: 72\nprecedence:\n", "phases:", "no longer read"),
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
    with pytest.raises(StructureError, match="lacks ladder, precedence"):
        parse_structure("bodies: []\ncounterparts: []\nregions: []\n", POLICY)


def test_deadlines_are_configurable(tmp_path: Path) -> None:
    path = tmp_path / "alliance.yaml"
    text = SHIPPED.replace("  PRIORITY: 12", "  PRIORITY: 6").replace(
        "  - id: jpn-gray-zone\n    nation: JPN\n    hours: 12",
        "  - id: jpn-gray-zone\n    nation: JPN\n    hours: 3",
    )
    path.write_text(text, encoding="utf-8")
    s = load_structure(path, POLICY)
    assert s.precedence_hours["PRIORITY"] == 6
    assert s.determinations["jpn-gray-zone"].hours == 3


def test_the_counterparts_offered_are_exactly_those_an_item_may_be_addressed_to() -> None:
    """The open form offers `counterparts_for`; every body it leaves out is refused by
    `check_item` with the reason, and every body it offers is accepted."""
    from kizuna.domains.coordination.rules import check_item, counterparts_for
    from kizuna.errors import Invalid
    from tests.factories.coordination import item

    s = default_structure(POLICY)
    for nation in s.nations:
        for requesting in s.bodies.values():
            if not requesting.bilateral and requesting.nation != nation:
                continue  # opened on the other nation's node
            offered = counterparts_for(s, nation, requesting.id)
            assert requesting.id not in offered
            assert all(s.bodies[b].bilateral or s.bodies[b].nation != nation for b in offered)
            for body in s.bodies:
                data = item(requesting_body=requesting.id, counterpart_body=body)
                if body in offered:
                    check_item(s, POLICY, nation, data)
                else:
                    with pytest.raises(Invalid) as refused:
                        check_item(s, POLICY, nation, data)
                    assert refused.value.field == "counterpart_body"
    # JJOC's counterpart of the partner nation is USFJ; the bilateral bodies come too.
    assert "usfj" in counterparts_for(s, "JPN", "jjoc")
    assert "acg" in counterparts_for(s, "JPN", "jjoc")
    assert "osd-policy" not in counterparts_for(s, "JPN", "jjoc")
    assert counterparts_for(s, "JPN", "no-such-body") == []
