"""Japanese and English. Messages are written in English in the code and templates,
and translated from the Babel catalog `locale/ja/LC_MESSAGES/messages.po`, compiled
in memory at start-up so there is no build step and no binary file in the tree."""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request

from kizuna.web.cookies import cookies_of

__all__ = ["LANGS", "N_", "choose_lang", "node_lang", "translations"]

LANGS = ("ja", "en")


def N_(message: str) -> str:
    """Mark a message for the catalog; it is translated where it is shown."""
    return message


@cache
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    po = resources.files("kizuna.web").joinpath(f"locale/{lang}/LC_MESSAGES/messages.po")
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def node_lang(nation: str) -> str:
    """The language a node speaks when nobody chose one: Japanese on Japan's node,
    English on every other nation's (walk 50: the AUS node served Japanese to a
    browser that asked for French, and to a client that asked for nothing)."""
    return "ja" if nation == "JPN" else "en"


def choose_lang(request: Request) -> str:
    """The language cookie, else the browser's first choice we speak, else the node's
    own (`node_lang`)."""
    chosen = request.cookies.get(cookies_of(request).lang)
    if chosen in LANGS:
        return chosen
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return node_lang(request.app.state.node.nation)
