"""README says what the glossary's starter set holds, as the file holds it (walk 48:
README called the set verified while 8 of its 21 terms are provisional, shown as 仮訳)."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import yaml

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_counts_and_names_the_starter_sets_provisional_terms() -> None:
    text = " ".join(README.read_text("utf-8").split())
    found = re.search(
        r"the starter set's (\d+) terms are ([^;]+); (\d+) are `verified`.*?"
        r"and (\d+) are `provisional` \(仮訳\), [^:]*: ([^)]*)\)",
        text,
    )
    assert found is not None, "README no longer says what the starter set holds"
    total, label, verified, provisional, names = found.groups()
    shipped = resources.files("kizuna").joinpath("data/glossary/alliance-terms.yaml")
    data = yaml.safe_load(shipped.read_text("utf-8"))
    statuses = [t["status"] for t in data["terms"]]
    assert int(total) == len(statuses)
    assert label == data["label"]
    assert int(verified) == statuses.count("verified")
    assert int(provisional) == statuses.count("provisional")
    listed = re.split(r", | and ", names.replace("、", "\0"))
    assert [n.replace("\0", "、") for n in listed] == [
        t["ja"] for t in data["terms"] if t["status"] == "provisional"
    ]
