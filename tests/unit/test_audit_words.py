"""The audit log in the reader's words (kizuna.web.audit_words): every action code the
code base writes has its words, read from the source, so a new code without words
fails here; a code the table does not know is shown as it is; the details read as
key: value."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from kizuna.domains.coordination.model import EVENTS
from kizuna.domains.coordination.rfis import ASKER_EVENTS
from kizuna.labels import default_policy
from kizuna.web.audit_words import ACTIONS, action_said, detail_lines, target_said
from kizuna.web.i18n import translations

SRC = Path(__file__).resolve().parents[2] / "src" / "kizuna"
POLICY = default_policy()


def _trees() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" not in path.parts:
            yield str(path.relative_to(SRC)), ast.parse(path.read_text(encoding="utf-8"))


def _called(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else None


def _audit_writes() -> Iterator[tuple[str, int, ast.expr, dict[str, ast.expr]]]:
    """Each place an audit entry is written, with the expression of its action:
    `audit.append(..., action=...)` (or `append` imported), and `audit.Item(actor,
    action, ...)` for `append_many`. `list.append` takes no keywords, so an append with
    `action=` is the log's; the log's own module only passes its argument on."""
    for module, tree in _trees():
        if module == "audit/log.py":
            continue
        constants = {
            t.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            action = None
            if _called(node) == "append":
                action = next((k.value for k in node.keywords if k.arg == "action"), None)
            elif (
                isinstance(node.func, ast.Attribute)
                and ast.unparse(node.func) == "audit.Item"
                and len(node.args) > 1
            ):
                action = node.args[1]
            if action is not None:
                yield module, node.lineno, action, constants


def _constant_arguments(function: str, index: int) -> set[str]:
    """The strings passed at position `index` to every call of `function`: where a
    computed action code takes its values from (a call passing anything else fails)."""
    found: set[str] = set()
    for module, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) == function and len(node.args) > index:
                argument = node.args[index]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.add(argument.value)
                else:
                    assert isinstance(argument, ast.Name), (module, node.lineno, function)
    return found


def _computed() -> dict[tuple[str, str], set[str]]:
    """The action codes computed at run time, by where they are written: each from the
    source of its values. A new computed code is named here, or the test fails."""
    created = _constant_arguments("_insert_new", 5)
    return {
        # An item's step: one of its lifecycle's events, or "record" (no transition).
        ("domains/coordination/service.py", "f'coordination.{event}'"): {
            f"coordination.{e}" for e in (*EVENTS, *_constant_arguments("move", 3))
        },
        ("domains/coordination/rfis.py", "f'coordination.rfi.{event}'"): {
            f"coordination.rfi.{e}" for e in ASKER_EVENTS
        },
        ("store/versions.py", "action"): created,
        ("store/versions.py", "f'{action}.hidden'"): {f"{a}.hidden" for a in created},
        ("domains/incidents/service.py", "action"): _constant_arguments("_revise", 4),
    }


def _codes(action: ast.expr, constants: dict[str, ast.expr]) -> set[str] | None:
    """The codes an action expression can be, when the source says them itself."""
    if isinstance(action, ast.Constant) and isinstance(action.value, str):
        return {action.value}
    if isinstance(action, ast.IfExp):
        body, orelse = _codes(action.body, constants), _codes(action.orelse, constants)
        return None if body is None or orelse is None else body | orelse
    if isinstance(action, ast.Name) and action.id in constants:
        return _codes(constants[action.id], constants)
    return None


def written_codes() -> set[str]:
    computed = _computed()
    codes: set[str] = set()
    unknown: list[str] = []
    for module, line, action, constants in _audit_writes():
        said = _codes(action, constants)
        if said is None:
            said = computed.get((module, ast.unparse(action)))
        if said is None:
            unknown.append(f"{module}:{line}: {ast.unparse(action)}")
        else:
            codes |= said
    assert unknown == [], "a computed action code: say in _computed where its values come from"
    return codes


def test_every_action_the_code_base_writes_has_words_and_every_word_an_action() -> None:
    written = written_codes()
    # The reading found the log's writers, literal and computed alike.
    assert {"object.create", "refused", "node.serve.start", "coordination.record"} <= written
    assert {"coordination.rfi.reopen", "object.recall.hidden", "incidents.cancel"} <= written
    assert sorted(written - ACTIONS.keys()) == []
    assert sorted(ACTIONS.keys() - written) == []


def test_every_action_reads_in_japanese_and_english() -> None:
    ja = translations("ja")
    assert sorted(m for m in ACTIONS.values() if ja.gettext(m) == m) == []
    said = action_said("peer.url", "ja")
    assert said == '<span class="action" title="peer.url">相手ノードのアドレスの変更</span>'
    assert ">Partner node&#39;s address changed<" in action_said("peer.url", "en")
    assert ">拒否<" in action_said("refused", "ja")


def test_an_action_the_table_does_not_know_is_shown_as_its_code() -> None:
    assert action_said("mystery.<thing>", "ja") == "<code>mystery.&lt;thing&gt;</code>"


def test_details_read_as_key_and_value_in_the_readers_words() -> None:
    detail = {
        "peer": "USA",
        "label": "SECRET//REL TO USA, JPN",
        "from": "proposed",
        "compartments": ["BIAC", "CYBER"],
        "listed": {"entries": 3},
        "retry_after": None,
        "stored": 2,
        "reason": "x" * 500,
    }
    said = detail_lines(POLICY, detail, "ja", first="JPN")
    # Keys in words where the table names them, the key itself on hover; others as they are.
    assert [str(k) for k, _ in said][:2] == [
        '<span class="key" title="peer">相手国のノード</span>',
        '<span class="key" title="label">区分</span>',
    ]
    assert str(said[4][0]) == "listed"
    lines = {_code(k): v for k, v in said}
    assert list(lines) == list(detail)  # in the order given
    assert lines["peer"] == '<span class="nation" title="USA">米国</span>'
    assert lines["label"] == "極秘//提供可：日本、米国"
    assert lines["from"] == "proposed"
    assert lines["compartments"] == "BIAC, CYBER"
    assert lines["listed"] == "entries: 3"
    assert lines["retry_after"] == "—"
    assert lines["stored"] == "2"
    assert len(lines["reason"]) == 200
    assert lines["reason"].endswith("…")
    english = {_code(k): v for k, v in detail_lines(POLICY, detail, "en", first="USA")}
    assert english["label"] == "SECRET//REL TO USA, JPN"
    assert ">United States<" in english["peer"]
    assert target_said(POLICY, "USA", "en") == (
        '<span class="nation" title="USA">United States</span>'
    )
    assert target_said(POLICY, "report--1", "en") == "report--1"
    assert target_said(POLICY, None, "en") == ""


def _code(key: str) -> str:
    import re

    found = re.search(r'title="([^"]+)"', key)
    return found.group(1) if found else key
