"""The importer's objects are valid by construction: the store skips their STIX parse
(`prepare(built=True)`, issue 12). This keeps the promise on real texts: a random
sample of what the importer stored from the official corpus passes the full parse
unchanged and passes stix2-validator."""

from __future__ import annotations

import json
import random
from pathlib import Path

from sqlalchemy import select
from stix2validator import ValidationOptions, validate_instance

from kizuna.db.schema import objects, versions
from kizuna.domains.meetings import model, service
from kizuna.domains.meetings.ingest import IngestRefused
from kizuna.runtime import Node
from kizuna.stix.validate import prepare
from tests.domains.meetings.test_ingest import SEED
from tests.factories import add_user

CORPUS = Path(__file__).parent / "corpus"
SAMPLE = 80


def test_a_sample_of_imported_objects_passes_the_full_validation_unchanged(node: Node) -> None:
    user, _ = add_user(node, "sato", roles=["author", "releasing_officer"])
    imported = [service.import_summary(node, user.principal, SEED, lang="ja")]
    for path in sorted(CORPUS.glob("*.txt")):
        try:
            imported.append(service.import_summary(node, user.principal, path.read_bytes()))
        except IngestRefused:
            continue
    assert len(imported) >= 20
    with node.db.read() as conn:
        bodies = list(
            conn.execute(
                select(versions.c.body)
                .join(objects, objects.c.pk == versions.c.object_pk)
                .where(objects.c.type.in_(model.TYPES))
                .order_by(versions.c.pk)
            ).scalars()
        )
    assert len(bodies) >= 250
    kinds = {json.loads(b)["type"] for b in bodies}
    assert {model.MEETING, model.SECTION, model.ITEM, model.DECISION} <= kinds
    rng = random.Random(20240728)
    for text in rng.sample(bodies, SAMPLE):
        stored = json.loads(text)
        assert prepare(stored, now=stored["created"]) == stored, stored["id"]
        result = validate_instance(stored, ValidationOptions(version="2.1"))
        assert result.is_valid, (stored["id"], [str(e) for e in result.errors])
