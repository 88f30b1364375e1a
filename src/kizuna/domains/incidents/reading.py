"""Reading the routing file: typed access to the composed YAML nodes, each error
naming the line at fault (`routing.yaml line 14: ...`)."""

from __future__ import annotations

from yaml.nodes import Node

from kizuna.datafile import DataFileError
from kizuna.datafile import Reader as DataFileReader
from kizuna.domains.incidents.places import municipality
from kizuna.errors import Invalid

__all__ = ["Reader", "RoutingError"]


class RoutingError(DataFileError):
    """A routing file that cannot be used; the message names the file and line."""


class Reader(DataFileReader):
    """The shared reader, with the values of a routing file."""

    def __init__(self, source: str) -> None:
        super().__init__(source, RoutingError)

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
