"""Reading the routing file: typed access to the composed YAML nodes, each error
naming the line at fault (`routing.yaml line 14: ...`)."""

from __future__ import annotations

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kizuna.domains.incidents.places import municipality
from kizuna.errors import Invalid

__all__ = ["Reader", "RoutingError"]


class RoutingError(ValueError):
    """A routing file that cannot be used; the message names the file and line."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        where = f"{source} line {line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.line = line


class Reader:
    """Typed access to composed YAML nodes, raising errors that carry the line."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: Node | None, message: str) -> RoutingError:
        line = node.start_mark.line + 1 if node is not None else None
        return RoutingError(self.source, line, message)

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

    def number(self, node: Node, what: str, *, top: float) -> float:
        if not isinstance(node, ScalarNode):
            raise self.fail(node, f"{what} must be a number")
        try:
            value = float(node.value)
        except ValueError:
            raise self.fail(node, f"{what} must be a number, not '{node.value}'") from None
        if not 0 < value <= top:
            raise self.fail(node, f"{what} must be more than 0 and at most {top:g}")
        return value

    def texts(self, node: Node, what: str) -> list[str]:
        return [self.text(n, what) for n in self.sequence(node, f"{what}s")]

    def code(self, node: Node, what: str) -> str:
        value = self.text(node, what)
        try:
            municipality(value)
        except Invalid as exc:
            raise self.fail(node, str(exc)) from None
        return value

    def member(self, node: Node, what: str, known: tuple[str, ...]) -> str:
        value = self.text(node, what)
        if value not in known:
            raise self.fail(node, f"unknown {what} '{value}'; known: {', '.join(known)}")
        return value
