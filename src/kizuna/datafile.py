"""Data files that explain themselves: YAML read through its composed nodes, so that
every error names the file and the line at fault (`jpn-usa.yaml line 57: ...`).

A domain's file (the alliance structure, the incident routing rules) subclasses
`DataFileError` for its own errors and reads with a `Reader`, adding the checks of its
own values; a node refuses to start on a file that fails any of them.
"""

from __future__ import annotations

from functools import lru_cache

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["DataFileError", "Reader", "compose"]


class DataFileError(ValueError):
    """A data file that cannot be used; the message names the file and line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        where = f"{source} line {line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.line = line


# libyaml composes the same nodes, marks included, about ten times faster (a node's
# start reads its data files: tens of milliseconds); the pure-Python loader, whose
# messages say more ("expected ',' or ']', but got '<stream end>'"), explains a failure.
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def compose(text: str, source: str, error: type[DataFileError]) -> Node:
    """The root node of a YAML text; `error` for text that is not YAML, or empty."""
    try:
        root = _composed(text)
    except yaml.YAMLError:
        root = _explained(text, source, error)
    if root is None:
        raise error(source, None, "the file is empty")
    return root


@lru_cache(maxsize=16)
def _composed(text: str) -> Node | None:
    # Every node's start reads the same shipped files: composed once a process. The
    # readers only walk the nodes, never change them.
    return yaml.compose(text, Loader=_FAST)


def _explained(text: str, source: str, error: type[DataFileError]) -> Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(source, line, f"not valid YAML: {problem}") from exc


class Reader:
    """Typed access to composed YAML nodes, raising `error` with the node's line."""

    def __init__(self, source: str, error: type[DataFileError] = DataFileError) -> None:
        self.source = source
        self.error = error

    def fail(self, node: Node | None, message: str) -> DataFileError:
        line = node.start_mark.line + 1 if node is not None else None
        return self.error(self.source, line, message)

    def mapping(self, node: Node, what: str, keys: set[str], required: set[str]) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.fail(node, f"{what} must be a mapping")
        found: dict[str, Node] = {}
        for key_node, value in node.value:
            key = self.text(key_node, f"a key of {what}")
            if key in found:
                raise self.fail(key_node, f"{what} has '{key}' twice")
            if key not in keys:
                known = ", ".join(sorted(keys))
                raise self.fail(key_node, f"{what} has an unknown key '{key}'; known: {known}")
            found[key] = value
        missing = sorted(required - found.keys())
        if missing:
            raise self.fail(node, f"{what} lacks {', '.join(missing)}")
        return found

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.fail(node, f"{what} must be a list")
        return list(node.value)

    def text(self, node: Node, what: str) -> str:
        if not isinstance(node, ScalarNode) or not str(node.value).strip():
            raise self.fail(node, f"{what} must be a non-empty text")
        return str(node.value).strip()

    def number(
        self, node: Node, what: str, *, top: float, unit: str = "a number", most: str = ""
    ) -> float:
        """A number above 0 and at most `top` (said as `most` in an error, if given)."""
        if not isinstance(node, ScalarNode):
            raise self.fail(node, f"{what} must be {unit}")
        try:
            value = float(node.value)
        except ValueError:
            raise self.fail(node, f"{what} must be {unit}, not '{node.value}'") from None
        if not 0 < value <= top:
            raise self.fail(node, f"{what} must be more than 0 and at most {most or f'{top:g}'}")
        return value
