"""Nations and machine actors in the reader's words (kizuna.web.names)."""

from __future__ import annotations

from kizuna.labels import default_policy
from kizuna.web.names import actor_name, nation_marked, nation_name, nation_names, person_name

POLICY = default_policy()


def test_a_nation_is_named_in_the_readers_language_and_an_unknown_code_kept() -> None:
    assert nation_name(POLICY, "USA", "ja") == "米国"
    assert nation_name(POLICY, "JPN", "en") == "Japan"
    assert nation_name(POLICY, "XYZ", "ja") == "XYZ"


def test_nations_are_listed_the_readers_own_first_as_a_label_lists_them() -> None:
    assert nation_names(POLICY, ["JPN", "USA"], "ja", first="JPN") == "日本、米国"
    assert nation_names(POLICY, ["JPN", "USA"], "en", first="USA") == "United States, Japan"
    assert nation_names(POLICY, ["USA", ""], "ja", first="JPN") == "米国"


def test_machine_actors_are_named_in_words_with_their_handle_on_hover() -> None:
    partner = actor_name(POLICY, "USA", "node:JPN", "ja")
    assert partner == '<span class="actor" title="node:JPN">日本のノード</span>'
    assert ">the United States node<" in actor_name(POLICY, "JPN", "node:USA", "en")
    assert ">このノード（自動）<" in actor_name(POLICY, "JPN", "system@JPN", "ja")
    assert ">the Japan node (automatic)<" in actor_name(POLICY, "USA", "system@JPN", "en")
    # A refused sign-in is audited as "anonymous" (walk 35 #7: untranslated on the page).
    assert ">サインインしていない利用者<" in actor_name(POLICY, "JPN", "anonymous", "ja")
    assert ">someone not signed in<" in actor_name(POLICY, "JPN", "anonymous", "en")
    # A person is their user name, escaped like any text.
    assert actor_name(POLICY, "JPN", "sato", "ja") == "sato"
    assert actor_name(POLICY, "JPN", "<b>", "en") == "&lt;b&gt;"


def test_a_nation_in_words_keeps_its_code_on_hover_and_a_person_names_theirs() -> None:
    assert nation_marked(POLICY, "JPN", "ja") == '<span class="nation" title="JPN">日本</span>'
    assert nation_marked(POLICY, "USA", "en") == (
        '<span class="nation" title="USA">United States</span>'
    )
    assert nation_marked(POLICY, "<X>", "en") == "&lt;X&gt;"
    assert person_name(POLICY, "sato", "JPN", "ja") == (
        'sato（<span class="nation" title="JPN">日本</span>）'
    )
    assert person_name(POLICY, "<b>", "USA", "en") == (
        '&lt;b&gt; (<span class="nation" title="USA">United States</span>)'
    )
