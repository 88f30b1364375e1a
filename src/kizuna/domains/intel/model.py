"""The cell's object kinds and how each maps to STIX 2.1.

A report is a STIX `report`; a joint product a STIX `grouping` carrying the
joint-product extension; assessments and observations are Kizuna's own SDO types
(see `kizuna.stix.types`), since no standard type holds a judgement with its
confidence, or a sighting by a person with the reliability of its source.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from kizuna.labels import Label, Policy, render
from kizuna.stix.types import JOINT_PRODUCT, extension_id
from kizuna.stix.validate import canonical_json

__all__ = [
    "APPROVAL_TYPE",
    "DOMAINS",
    "KINDS",
    "Kind",
    "approval",
    "assessment",
    "digest",
    "joint_product",
    "kind_of",
    "observation",
    "report",
]

APPROVAL_TYPE = "x-kizuna-approval"
DOMAINS = ("land", "maritime", "air", "space", "cyber", "electromagnetic", "information")
JOINT_CONTEXT = "joint-analytic-product"


@dataclass(frozen=True)
class Kind:
    key: str  # in URLs
    stix_type: str
    en: str
    ja: str


KINDS = (
    Kind("reports", "report", "Reports", "報告"),
    Kind("assessments", "x-kizuna-assessment", "Assessments", "評価"),
    Kind("observations", "x-kizuna-observation", "Observation reports", "観察報告"),
    Kind("joint-products", "grouping", "Joint products", "共同分析成果物"),
)


def kind_of(key: str) -> Kind | None:
    return next((k for k in KINDS if k.key == key), None)


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _drop_empty(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v not in (None, "", [])}


def report(
    *, name: str, description: str | None, published: str, object_refs: list[str],
    lang: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    # A standard report has one language (its `lang`); translations would travel as
    # STIX language-content objects, which Kizuna does not make yet.
    return _drop_empty(
        {
            "type": "report",
            "name": _text(name),
            "description": _text(description),
            "published": published,
            "report_types": ["threat-report"],
            "object_refs": object_refs,
            "lang": lang,
        }
    )


def assessment(
    *, name: str, name_ja: str | None, judgement: str, confidence: int,
    sources: list[str], region: str | None, domains: list[str],
) -> dict[str, Any]:  # fmt: skip
    return _drop_empty(
        {
            "type": "x-kizuna-assessment",
            "name": _text(name),
            "name_ja": _text(name_ja),
            "judgement": _text(judgement),
            "confidence": confidence,
            "sources": [s.strip() for s in sources if s.strip()],
            "region": _text(region),
            "domains": domains,
            "extensions": {extension_id("assessment"): {"extension_type": "new-sdo"}},
        }
    )


def observation(
    *, observed_at: str, place: str, description: str, description_ja: str | None,
    source_reliability: str, domains: list[str],
) -> dict[str, Any]:  # fmt: skip
    return _drop_empty(
        {
            "type": "x-kizuna-observation",
            "observed_at": observed_at,
            "place": _text(place),
            "description": _text(description),
            "description_ja": _text(description_ja),
            "source_reliability": source_reliability,
            "domains": domains,
            "extensions": {extension_id("observation"): {"extension_type": "new-sdo"}},
        }
    )


def joint_product(
    *, name: str, description: str | None, contributions: list[str], nations: list[str],
    target_label: str, state: str = "draft",
) -> dict[str, Any]:  # fmt: skip
    return _drop_empty(
        {
            "type": "grouping",
            "name": _text(name),
            "description": _text(description),
            "context": JOINT_CONTEXT,
            "object_refs": contributions,
            "extensions": {
                JOINT_PRODUCT: {
                    "extension_type": "property-extension",
                    "state": state,
                    "nations": sorted(nations),
                    "target_label": target_label,
                }
            },
        }
    )


def digest(policy: Policy, body: dict[str, Any] | str, label: Label) -> str:
    """What an approval names: one version of a product, by its body (canonical JSON,
    as the store keeps it, `modified` and label marking included) and its label. Any
    edit, or another label, is another digest."""
    text = body if isinstance(body, str) else canonical_json(body)
    return hashlib.sha256(f"{render(policy, label, 'en')}\n{text}".encode()).hexdigest()


def approval(
    *, product: str, product_digest: str, product_modified: str, nation: str, officer: str
) -> dict[str, Any]:
    return {
        "type": APPROVAL_TYPE,
        "product_ref": product,
        "product_digest": product_digest,
        "product_modified": product_modified,
        "nation": nation,
        "officer": officer,
        "extensions": {extension_id("approval"): {"extension_type": "new-sdo"}},
    }
