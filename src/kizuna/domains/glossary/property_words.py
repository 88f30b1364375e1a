"""A glossary term on the object page (/objects/{id}): its properties named as the
glossary's pages name them, its status in their words; registered on the node when
the domain installs."""

from __future__ import annotations

from kizuna.domains.glossary.model import TERM_TYPE
from kizuna.web.fields import coded
from kizuna.web.i18n import N_

__all__ = ["PROPERTY_WORDS", "VALUE_WORDS"]

PROPERTY_WORDS: dict[str, dict[str, str]] = {
    TERM_TYPE: {
        "name": N_("English form"),
        "name_ja": N_("Japanese form"),
        "readings": N_("Readings"),
        "abbreviations": N_("Abbreviations"),
        "definition": N_("Definition (English)"),
        "definition_ja": N_("Definition (Japanese)"),
        "source": N_("Source"),
        "status": N_("Status"),
    }
}
VALUE_WORDS = {
    TERM_TYPE: coded(
        {"status": {"provisional": N_("Provisional (仮訳)"), "verified": N_("Verified")}}
    )
}
