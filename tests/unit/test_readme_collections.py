"""README names the types of the TAXII `intel` collection as the code defines them
(walk 47: a reader saw six `x-kizuna-approval` objects README did not list)."""

from __future__ import annotations

import re
from pathlib import Path

from kizuna.taxii.collections import COLLECTIONS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_lists_exactly_the_types_of_the_intel_collection() -> None:
    text = " ".join(README.read_text("utf-8").split())
    found = re.search(r"`intel`, the BIAC's .*?\(types ([^)]*)\)", text)
    assert found is not None, "README no longer names the intel collection's types"
    named = re.findall(r"`([a-z0-9-]+)`", found.group(1))
    [intel] = [c for c in COLLECTIONS if c.key == "intel"]
    assert sorted(named) == sorted(intel.types)
