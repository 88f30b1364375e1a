"""The routing rules file: the shipped one loads and routes as the procedure says; a bad
file is refused with the line at fault named, and nothing is taken from it."""

from __future__ import annotations

import pytest

from kizuna.domains.incidents.routing import RoutingError, parse_routing, shipped_text

NATIONS = ("JPN", "USA")

GOOD = """\
deadlines:
  flash:     {notice: 0.5, acknowledge: 1, follow_up: 12}
  immediate: {notice: 1, acknowledge: 2, follow_up: 24}
  priority:  {notice: 4, acknowledge: 8, follow_up: 72}
  routine:   {notice: 24, acknowledge: 24, follow_up: 168}
addressees:
  - id: pref
    nation: JPN
    en: Okinawa Prefecture
    ja: 沖縄県
    people: [{user: liaison}]
    roster:
      - {person: liaison, from: "08:00", to: "20:00"}
  - {id: naha, nation: JPN, en: Naha, ja: 那覇市, municipality: "472018",
     people: [{user: naha-liaison}], escalate_to: pref}
routes:
  - kinds: [part_fall]
    where: {prefectures: ["47"]}
    precedence: flash
    notify: [pref]
    local: true
"""


def test_the_shipped_rules_route_a_part_falling_in_chatan_to_the_town_and_its_neighbours() -> None:
    routing = parse_routing(shipped_text(), NATIONS, source="routing.yaml")
    told = routing.route("part_fall", ["473260"], (127.764, 26.309), "")
    # The national bodies at immediate; the bureau, prefecture, the town itself and
    # the neighbours of Kadena within 10 km at flash.
    assert told["mod-hq"] == "immediate"
    assert told["usfj"] == "immediate"
    for body in ("okinawa-dsb", "okinawa-pref", "chatan", "kadena", "okinawa-city", "yomitan"):
        assert told[body] == "flash", body
    assert "naha" not in told
    assert "nago" not in told
    # A crime in Naha reaches Naha and the prefecture, not Kadena's neighbours.
    told = routing.route("sofa_crime", ["472018"], (127.68, 26.21), "")
    assert told["naha"] == "priority"
    assert "kadena" not in told
    assert routing.deadline("aircraft_mishap", "flash").acknowledge == 0.5
    assert routing.deadline("part_fall", "flash").acknowledge == 1


def test_a_good_file_loads() -> None:
    routing = parse_routing(GOOD, NATIONS)
    assert routing.route("part_fall", ["472018"], (127.68, 26.21), "") == {
        "pref": "flash",
        "naha": "flash",
    }


BAD = [
    ("deadlines: [\n", 2, "not valid YAML"),
    (
        GOOD.replace("    nation: JPN\n    en: Okinawa", "    nation: KOR\n    en: Okinawa"),
        8,
        "unknown nation 'KOR'",
    ),
    (
        GOOD.replace("kinds: [part_fall]", "kinds: [ufo_sighting]"),
        17,
        "unknown kind 'ufo_sighting'",
    ),
    (GOOD.replace("notify: [pref]", "notify: [pref, nowhere]"), 20, "unknown addressee 'nowhere'"),
    (GOOD.replace("precedence: flash", "precedence: urgent"), 19, "unknown precedence 'urgent'"),
    (
        GOOD.replace('municipality: "472018"', 'municipality: "472019"'),
        14,
        "unknown municipality code '472019'",
    ),
    (
        GOOD.replace("person: liaison,", "person: stranger,"),
        13,
        "'stranger' is on the roster but not among the people",
    ),
    (GOOD.replace('from: "08:00"', 'from: "8 o\'clock"'), 13, "is not a time of day"),
    (
        GOOD.replace("escalate_to: pref", "escalate_to: mod"),
        14,
        "escalates to an unknown addressee 'mod'",
    ),
    (GOOD.replace("acknowledge: 1,", "acknowledge: -1,"), 2, "must be more than 0"),
    (
        GOOD.replace("  routine:   {notice: 24, acknowledge: 24, follow_up: 168}\n", ""),
        2,
        "lacks routine",
    ),
    (
        GOOD.replace('prefectures: ["47"]', 'prefectures: ["48"]'),
        18,
        "'48' is not a prefecture code",
    ),
    (
        GOOD.replace("    local: true\n", "    local: true\n    color: red\n"),
        22,
        "unknown key 'color'",
    ),
    (GOOD.replace("  - id: pref\n", "  - id: naha\n"), 14, "the addressee 'naha' is defined twice"),
    (
        GOOD.replace(
            "escalate_to: pref}",
            "escalate_to: pref}\n"
            "  - {id: x, nation: JPN, en: X, ja: X, people: [{user: a, email: not-mail}]}",
        ),
        16,
        "'not-mail' is not an e-mail address",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_a_bad_file_is_refused_naming_its_line(text: str, line: int, message: str) -> None:
    with pytest.raises(RoutingError) as caught:
        parse_routing(text, NATIONS, source="routing.yaml")
    assert f"routing.yaml line {line}:" in str(caught.value)
    assert message in str(caught.value)
    assert caught.value.line == line


def test_an_escalation_that_comes_back_is_refused() -> None:
    text = GOOD.replace(
        "    people: [{user: liaison}]\n", "    people: [{user: liaison}]\n    escalate_to: naha\n"
    )
    with pytest.raises(
        RoutingError, match=r"routing line 7: the escalation of 'pref' comes back to 'pref'"
    ):
        parse_routing(text, NATIONS)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(RoutingError, match="the file is empty"):
        parse_routing("", NATIONS)
