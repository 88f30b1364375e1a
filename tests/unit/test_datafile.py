"""The data files are composed by libyaml and explained, when they fail, by the
pure-Python loader: the nodes (tags, values, lines and columns, which every error
message names) must be the same either way."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml

from kizuna.datafile import DataFileError, compose


def _shape(node: Any) -> Any:
    mark = (node.tag, node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.MappingNode):
        return (mark, [(_shape(k), _shape(v)) for k, v in node.value])
    if isinstance(node, yaml.SequenceNode):
        return (mark, [_shape(item) for item in node.value])
    return (mark, node.value)


def _shipped() -> list[str]:
    data = resources.files("kizuna.data")
    files = [f for d in ("alliance", "incidents", "glossary") for f in data.joinpath(d).iterdir()]
    return [f.read_text() for f in files if f.name.endswith(".yaml")]


def test_every_shipped_file_composes_as_the_python_loader_composes_it() -> None:
    texts = _shipped()
    assert len(texts) >= 3
    for text in texts:
        ours = compose(text, "file.yaml", DataFileError)
        assert _shape(ours) == _shape(yaml.compose(text, Loader=yaml.SafeLoader))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("a: [1, 2", "file.yaml line 1: not valid YAML: expected ',' or ']', but got"),
        ("a: b\n c: d\n", "file.yaml line 2: not valid YAML: mapping values are not allowed"),
        ("", "file.yaml: the file is empty"),
    ],
)
def test_a_bad_file_is_explained_with_its_line(text: str, said: str) -> None:
    with pytest.raises(DataFileError) as refused:
        compose(text, "file.yaml", DataFileError)
    assert str(refused.value).startswith(said)
