"""Labels: the lattice laws, the read rule, and both text forms round-tripping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.labels import (
    Clearance,
    Label,
    LabelError,
    can_read,
    default_policy,
    dominates,
    lub,
    parse,
    render,
    render_ceiling,
)

POLICY = default_policy()
RANKS = [level.rank for level in POLICY.levels]
NATIONS = sorted(POLICY.nations)
COMPARTMENTS = sorted(POLICY.compartments)

labels = st.builds(
    Label,
    rank=st.sampled_from(RANKS),
    rel_to=st.frozensets(st.sampled_from(NATIONS), max_size=8),
    compartments=st.frozensets(st.sampled_from(COMPARTMENTS)),
)
# Labels an object can carry: released to at least one nation.
object_labels = labels.filter(lambda label: bool(label.rel_to))
# Some labels release to whole groups, which render as the group's name.
grouped = st.builds(
    lambda label, groups: Label(
        label.rank,
        label.rel_to.union(*(POLICY.groups[g].members for g in groups)),
        label.compartments,
    ),
    object_labels,
    st.frozensets(st.sampled_from(sorted(POLICY.groups))),
)


@given(labels)
def test_dominance_is_reflexive(a: Label) -> None:
    assert dominates(a, a)


@given(labels, labels)
def test_dominance_is_antisymmetric(a: Label, b: Label) -> None:
    if dominates(a, b) and dominates(b, a):
        assert a == b


@given(labels, labels, labels)
def test_dominance_is_transitive(a: Label, b: Label, c: Label) -> None:
    if dominates(a, b) and dominates(b, c):
        assert dominates(a, c)


@given(st.lists(labels, min_size=1, max_size=5), labels)
def test_lub_is_the_least_upper_bound(items: list[Label], other: Label) -> None:
    top = lub(items)
    assert top is not None
    assert all(dominates(top, item) for item in items)
    if all(dominates(other, item) for item in items):
        assert dominates(other, top)


def test_lub_of_nothing_is_none() -> None:
    assert lub([]) is None


@given(
    labels,
    st.builds(
        Clearance,
        nation=st.sampled_from(NATIONS),
        rank=st.sampled_from(RANKS),
        compartments=st.frozensets(st.sampled_from(COMPARTMENTS)),
    ),
)
def test_a_reader_of_a_label_reads_every_label_it_dominates(a: Label, who: Clearance) -> None:
    # Anything less restrictive than a readable label is readable too.
    if can_read(who, a):
        weaker = Label(RANKS[0], a.rel_to | {who.nation}, frozenset())
        assert can_read(who, weaker)


@given(grouped, st.sampled_from(["en", "ja"]), st.sampled_from([None, "JPN", "USA"]))
def test_render_then_parse_gives_the_same_label(label: Label, lang: str, first: str | None) -> None:
    text = render(POLICY, label, lang, first=first)  # type: ignore[arg-type]
    assert parse(POLICY, text) == label


@given(labels)
def test_labels_released_to_no_one_round_trip_too(label: Label) -> None:
    for lang in ("en", "ja"):
        assert parse(POLICY, render(POLICY, label, lang)) == label  # type: ignore[arg-type]


def test_the_english_and_japanese_forms() -> None:
    label = Label(20, frozenset({"JPN", "USA"}), frozenset({"BIAC"}))
    assert render(POLICY, label) == "SECRET//BIAC//REL TO JPN, USA"
    assert render(POLICY, label, first="USA") == "SECRET//BIAC//REL TO USA, JPN"
    assert render(POLICY, label, "ja", first="JPN") == "極秘//BIAC//提供可：日本、米国"
    assert parse(POLICY, "極秘//BIAC//提供可：米国・日本") == label
    assert parse(POLICY, "secret // biac // rel to usa, jpn") == label


def test_a_ceiling_is_written_as_a_label_begins() -> None:
    """A peer agreement or a clearance: the level and the compartments, joined by '/'."""
    both = frozenset({"CYBER", "BIAC"})
    assert render_ceiling(POLICY, 20, both) == "SECRET//BIAC/CYBER"
    assert render_ceiling(POLICY, 20, both, "ja") == "極秘//BIAC/CYBER"
    assert render_ceiling(POLICY, 10, frozenset()) == "CONFIDENTIAL"
    label = Label(20, frozenset({"JPN"}), both)
    assert render(POLICY, label).startswith(render_ceiling(POLICY, 20, both) + "//")


def test_a_group_is_written_for_all_its_members() -> None:
    label = parse(POLICY, "CONFIDENTIAL//REL TO JPN, ASEAN")
    assert {"PHL", "VNM", "SGP", "JPN"} <= label.rel_to
    assert render(POLICY, label, first="JPN") == "CONFIDENTIAL//REL TO JPN, ASEAN"


def test_no_rel_to_part_means_the_originator_only() -> None:
    assert parse(POLICY, "SECRET", originator="JPN") == Label(20, frozenset({"JPN"}))
    with pytest.raises(LabelError, match="no REL TO"):
        parse(POLICY, "SECRET")


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("", "label", "empty"),
        ("SECERT//REL TO JPN", "level", "unknown level 'SECERT'"),
        ("SECRET//REL TO JPN, XYZ", "rel_to", "unknown nation or group 'XYZ'"),
        ("SECRET//NOPE//REL TO JPN", "compartments", "unknown compartment 'NOPE'"),
        ("SECRET////REL TO JPN", "label", "empty part"),
        ("SECRET//BIAC//CYBER//REL TO JPN", "compartments", "one part"),
        ("SECRET//REL TO JPN,", "rel_to", "empty nation"),
    ],
)
def test_malformed_labels_name_the_part_at_fault(text: str, field: str, words: str) -> None:
    with pytest.raises(LabelError) as caught:
        parse(POLICY, text, originator="JPN")
    assert caught.value.field == field
    assert words in str(caught.value)


def test_the_default_policy_has_both_nations_names_for_the_levels() -> None:
    names = [(level.name, level.ja) for level in POLICY.levels]
    assert names == [
        ("UNCLASSIFIED", "指定なし"),
        ("CONFIDENTIAL", "秘"),
        ("SECRET", "極秘"),
        ("TOP SECRET", "機密"),
    ]
    assert {"JPN", "USA", "AUS", "KOR", "PHL"} <= POLICY.nations.keys()
    assert {"ASEAN", "NATO", "PIC"} <= POLICY.groups.keys()
    assert {"BIAC", "CYBER", "INDUSTRY"} <= POLICY.compartments.keys()
