"""The audit log in the reader's words (kizuna.web.audit_words): every action code the
code base writes has its words, read from the source, so a new code without words
fails here; a code the table does not know is shown as it is; the details read as
key: value, every key the code base writes in words, and the values of a closed set
too (walk 47: 経路：page, objects：7, 理由：objects page, max_level: SECRET)."""

from __future__ import annotations

import ast
import html
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kizuna.domains.coordination.model import EVENTS
from kizuna.domains.coordination.rfis import ASKER_EVENTS
from kizuna.labels import default_policy
from kizuna.web.audit_words import (
    ACTIONS,
    DETAIL_KEYS,
    DETAIL_VALUES,
    action_said,
    detail_lines,
    target_said,
)
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
        "unheard_of": {"entries": 3},
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
    assert str(said[4][0]) == "unheard_of"
    lines = {_code(k): v for k, v in said}
    assert list(lines) == list(detail)  # in the order given
    assert lines["peer"] == '<span class="nation" title="USA">米国</span>'
    assert lines["label"] == "極秘//提供可：日本、米国"
    assert lines["from"] == "proposed"
    assert lines["compartments"] == "BIAC, CYBER"
    # A mapping's keys in words too, where the table names them, as it does at the top.
    assert lines["unheard_of"] == "entries：3"
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


@dataclass(frozen=True)
class _Body:
    en: str
    ja: str


def test_nested_keys_and_bodies_read_in_the_readers_words() -> None:
    """Walk 49: a correction's changed fields showed as `stance: ...`, and an account's
    bodies, a notice's addressee or a tasker's offices as their ids (jjoc, usfj)."""
    bodies = {"jjoc": _Body("Joint Staff", "統合幕僚監部"), "usfj": _Body("USFJ", "在日米軍")}
    detail = {
        "changed": {"stance": "support", "commitment": True, "unheard_of": 1},
        "bodies": "jjoc,usfj",
        "addressee": "jjoc",
        "ocrs": ["usfj", "nsx"],
        "to": "usfj",
        "public": {"id": "x-kizuna-incident--1", "version": 2},
    }
    ja = {_code(k): v for k, v in detail_lines(POLICY, detail, "ja", first="JPN", bodies=bodies)}
    assert ja["changed"] == (
        '<span class="key" title="stance">立場</span>：support、'
        '<span class="key" title="commitment">コミットメント</span>：はい、unheard_of：1'
    )
    assert ja["bodies"] == (
        '<span class="body" title="jjoc">統合幕僚監部</span>、'
        '<span class="body" title="usfj">在日米軍</span>'
    )
    assert ja["addressee"] == '<span class="body" title="jjoc">統合幕僚監部</span>'
    # An id no domain knows stays as it is, never hidden.
    assert ja["ocrs"] == '<span class="body" title="usfj">在日米軍</span>、nsx'
    assert ja["to"] == '<span class="body" title="usfj">在日米軍</span>'
    assert "識別子" in ja["public"]
    en = {_code(k): v for k, v in detail_lines(POLICY, detail, "en", first="USA", bodies=bodies)}
    assert en["changed"].startswith('<span class="key" title="stance">Stance</span>: support, ')
    assert en["bodies"] == (
        '<span class="body" title="jjoc">Joint Staff</span>, '
        '<span class="body" title="usfj">USFJ</span>'
    )
    # A label is still a label where "to" holds one.
    [(_, label)] = detail_lines(POLICY, {"to": "SECRET//REL TO USA, JPN"}, "ja", first="JPN",
                                bodies=bodies)  # fmt: skip
    assert label == "極秘//提供可：日本、米国"


def _code(key: str) -> str:
    found = re.search(r'title="([^"]+)"', key)
    return found.group(1) if found else key


# -- the details' keys and values, read from the source ---------------------------------

_Fn = ast.FunctionDef | ast.AsyncFunctionDef
# Keys the source computes in a way this reading does not follow: where, and which.
_COMPUTED_KEYS = {
    # user.change: the columns changed, but the clearance's rank (said by its level).
    ("identity/accounts.py", "{k: v for k, v in changed.items() if k != 'clearance_rank'}"): {
        "compartments", "roles", "bodies",
    },
    # meetings.correct: the fields of the decision a correction changed.
    ("domains/meetings/follow_up.py",
     "{k: v for k, v in wanted.items() if v is not None and body.get(k, '') != v}"): {
        "actor", "stance", "commitment", "owner", "due",
    },
}  # fmt: skip


@cache
def _parsed() -> tuple[tuple[str, ast.Module], ...]:
    """The source read once: a name is followed in the very trees it was found in."""
    return tuple(_trees())


@cache
def _source() -> tuple[dict[ast.AST, ast.AST], dict[str, list[tuple[str, ast.Call]]]]:
    """Each node's parent, and the calls of each function or method name."""
    parents: dict[ast.AST, ast.AST] = {}
    calls: dict[str, list[tuple[str, ast.Call]]] = defaultdict(list)
    for module, tree in _parsed():
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
            if isinstance(node, ast.Call) and (name := _called(node)):
                calls[name].append((module, node))
    return parents, calls


def _function(node: ast.AST) -> _Fn | None:
    parents = _source()[0]
    while node in parents:
        node = parents[node]
        if isinstance(node, _Fn):
            return node
    return None


def _leaves(
    expr: ast.expr, module: str, seen: frozenset[int] = frozenset()
) -> Iterator[tuple[str, ast.expr]]:
    """What an expression can be, followed through conditionals and names: a name's
    assignments in its function (`d["k"] = v` as a dict of its own), and a parameter's
    default and the arguments every call of its function passes for it."""
    if id(expr) in seen:
        return
    seen |= {id(expr)}
    if isinstance(expr, ast.IfExp):
        yield from _leaves(expr.body, module, seen)
        yield from _leaves(expr.orelse, module, seen)
    elif isinstance(expr, ast.BoolOp):
        for value in expr.values:
            yield from _leaves(value, module, seen)
    elif isinstance(expr, ast.Name) and (scope := _function(expr)) is not None:
        found = list(_named(expr.id, scope, module, seen))
        yield from found or [(module, expr)]
    else:
        yield module, expr


def _named(
    name: str, scope: _Fn, module: str, seen: frozenset[int]
) -> Iterator[tuple[str, ast.expr]]:
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == name:
                    yield from _leaves(node.value, module, seen)
                elif isinstance(target, ast.Subscript) and ast.unparse(target.value) == name:
                    yield module, ast.Dict(keys=[target.slice], values=[node.value])
    positional = [a.arg for a in (*scope.args.posonlyargs, *scope.args.args)]
    defaults = dict(zip(reversed(positional), reversed(scope.args.defaults), strict=False))
    for arg, default in zip(scope.args.kwonlyargs, scope.args.kw_defaults, strict=True):
        if default is not None:
            defaults[arg.arg] = default
    if name not in positional and name not in {a.arg for a in scope.args.kwonlyargs}:
        return
    if name in defaults:
        yield from _leaves(defaults[name], module, seen)
    index = None
    if name in positional:
        index = positional.index(name) - (positional[:1] in (["self"], ["cls"]))
    for where, call in _source()[1][scope.name]:
        for keyword in call.keywords:
            if keyword.arg == name:
                yield from _leaves(keyword.value, where, seen)
        if index is not None and len(call.args) > index:
            yield from _leaves(call.args[index], where, seen)


def _details() -> Iterator[tuple[str, ast.expr]]:
    """The detail of each audit entry the code base writes (see `_audit_writes`)."""
    for module, tree in _parsed():
        if module == "audit/log.py":
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _called(node) == "append" and any(k.arg == "action" for k in node.keywords):
                detail = next((k.value for k in node.keywords if k.arg == "detail"), None)
            elif isinstance(node.func, ast.Attribute) and ast.unparse(node.func) == "audit.Item":
                detail = node.args[3] if len(node.args) > 3 else None
            else:
                continue
            if detail is not None:
                yield module, detail


def _entries(expr: ast.expr, module: str) -> Iterator[tuple[str | None, list[ast.expr], str]]:
    """(key, what its value can be, where), or (None, [], what this reading cannot
    follow) for a detail whose keys the source does not say itself."""
    for where, leaf in _leaves(expr, module):
        if isinstance(leaf, ast.Dict):
            for key, value in zip(leaf.keys, leaf.values, strict=True):
                if key is None:
                    yield from _entries(value, where)
                elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                    values = list(_leaves(value, where))
                    yield key.value, [v for _, v in values], where
                    # A mapping within (the fields a correction changed): its keys
                    # are said in words as well.
                    for at, inner in values:
                        computed = (at, ast.unparse(inner)) in _COMPUTED_KEYS
                        if isinstance(inner, ast.Dict) or computed:
                            yield from _entries(inner, at)
                else:
                    yield None, [], f"{where}:{key.lineno}: {ast.unparse(key)}"
        elif (where, ast.unparse(leaf)) in _COMPUTED_KEYS:
            for key in _COMPUTED_KEYS[(where, ast.unparse(leaf))]:
                yield key, [], where
        elif not (isinstance(leaf, ast.Constant) and leaf.value is None):
            yield None, [], f"{where}:{leaf.lineno}: {ast.unparse(leaf)}"


@cache
def written_details() -> dict[str, set[str]]:
    """Every key the code base writes in an audit entry's detail, with the strings it
    writes for it where the source says them."""
    written: dict[str, set[str]] = defaultdict(set)
    unknown: list[str] = []
    for module, detail in _details():
        for key, values, where in _entries(detail, module):
            if key is None:
                unknown.append(where)
                continue
            written[key] |= {
                v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)
            }
    assert unknown == [], "a computed detail: say in _COMPUTED_KEYS which keys it holds"
    return dict(written)


def test_every_detail_key_the_code_base_writes_has_words_and_every_word_a_key() -> None:
    written = written_details()
    # The reading followed names, parameters and calls (`move`'s and `_insert_new`'s
    # detail, `bundle_chunks`'s reason, a login's `where`, an incident's `detail[...]`).
    assert {"clock", "response", "answers", "channel", "public", "roles", "types"} <= set(written)
    assert {"objects page", "all"} <= written["reason"]
    assert {"page", "taxii"} <= written["channel"]
    assert sorted(set(written) - DETAIL_KEYS.keys()) == []
    assert sorted(DETAIL_KEYS.keys() - set(written)) == []


def test_every_closed_value_the_code_base_writes_has_words() -> None:
    written = written_details()
    unsaid = sorted(
        f"{key}: {value}"
        for key, words in DETAIL_VALUES.items()
        for value in written.get(key, set()) - words.keys()
        if key != "reason" or value[:1].islower() or " " in value  # not a refusal's text
    )
    assert unsaid == []


def test_every_detail_key_and_value_reads_in_japanese_and_english() -> None:
    ja = translations("ja")
    said = [*DETAIL_KEYS.values(), *(w for words in DETAIL_VALUES.values() for w in words.values())]
    assert sorted(m for m in said if ja.gettext(m) == m) == []
    detail = {"channel": "page", "objects": 7, "reason": "objects page", "types": ["grouping"],
              "max_level": "SECRET", "held": True, "lang": "ja"}  # fmt: skip
    lines = {
        lang: [(re.sub(r"<[^>]+>", "", str(k)), re.sub(r"<[^>]+>", "", str(v)))
               for k, v in detail_lines(POLICY, detail, lang, first="JPN")]
        for lang in ("ja", "en")
    }  # fmt: skip
    assert lines["ja"] == [
        ("経路", "ログインページ"), ("オブジェクト", "7"), ("理由", "オブジェクト一覧ページ"),
        ("種別", "共同分析成果物"), ("取決めの最高の程度", "極秘"), ("このノードで保持", "はい"),
        ("言語", "日本語"),
    ]  # fmt: skip
    assert lines["en"] == [
        ("Channel", "the sign-in page"), ("Objects", "7"), ("Reason", "the objects page"),
        ("Types", "Joint product"), ("Highest level agreed", "SECRET"),
        ("Held on this node", "yes"), ("Language", "Japanese"),
    ]  # fmt: skip
    # The stored value stays on hover.
    assert 'title="objects page"' in str(detail_lines(POLICY, detail, "ja", first="JPN")[2][1])


def test_every_refused_action_reads_in_the_readers_words() -> None:
    """A refusal records what was asked: a permission's code, or store:<domain>:<kind>
    when a domain's rules or its ownership refused a write (store/owners.py). Walk: a
    refused tasker read "coordination:tasker:write" on the audit page, a partner's
    version a glossary's rules refused "store:glossary:accept"."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SRC.rglob("*.py")))
    codes = set(re.findall(r'^\s*[A-Z_]+ = "([a-z]+:[a-z-]+:[a-z]+)"', source, re.M))
    assert {"store:object:write", "coordination:tasker:write", "glossary:term:verify"} <= codes
    keepers = set(re.findall(r'domain="([a-z]+)"', source))
    assert {"coordination", "glossary", "incidents", "intel", "meetings"} <= keepers
    literal = re.search(r"WriteKind = Literal\[([^\]]+)\]", source)
    assert literal is not None
    kinds = re.findall(r'"([a-z]+)"', literal.group(1))
    codes |= {f"store:{d}:{k}" for d in keepers for k in kinds}
    for code in sorted(codes):
        said = {
            lang: re.sub(r"<[^>]+>", "", str(detail_lines(POLICY, {"action": code}, lang,
                                                          first="JPN")[0][1]))
            for lang in ("ja", "en")
        }  # fmt: skip
        assert code not in said.values(), (code, said)
        assert said["ja"] != said["en"], (code, said)
    english = detail_lines(POLICY, {"action": "store:glossary:accept"}, "en", first="USA")
    assert html.unescape(re.sub(r"<[^>]+>", "", str(english[0][1]))) == (
        "a partner node's version, of an object the glossary keeps"
    )


def test_an_owners_refusal_and_an_accounts_roles_read_in_the_readers_words() -> None:
    """Walk (stop 46): the audit page in Japanese said a refused generic write of a
    glossary term in the store's English, and an account's roles by their codes."""
    detail = {
        "action": "store:glossary:create",
        "reason": "x-kizuna-glossary-term objects belong to the glossary mechanism and keep "
        "its rules: write them through POST /api/v1/glossary, not this path",
        "roles": ["admin", "releasing_officer"],
    }
    said = {
        lang: {_code(k): html.unescape(re.sub(r"<[^>]+>", "", str(v)))
               for k, v in detail_lines(POLICY, detail, lang, first="JPN")}
        for lang in ("ja", "en")
    }  # fmt: skip
    assert said["ja"] == {
        "action": "作成（用語集が管理するオブジェクト）",
        "reason": "用語は用語集が管理し、その規則に従います。書き込みはPOST /api/v1/glossary"
        "から行い、ほかの経路からは行えません。",
        "roles": "管理者, 提供責任者",
    }
    assert said["en"]["roles"] == "Administrator, Releasing officer"
    assert said["en"]["action"] == "creating, of an object the glossary keeps"
