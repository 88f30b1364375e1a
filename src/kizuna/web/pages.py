"""Server-rendered pages: the page frame and its errors, login, the audit log (the
object pages are in objects.py).

Every page shows the highest label of what it displays, top and bottom, in the
reader's language. Page handlers call the store like the API does; templates only
render what they are given.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import FileSystemLoader
from markupsafe import escape

from kizuna import audit
from kizuna.errors import NotFound
from kizuna.identity import service as identity
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, can_read, lub, parse, render
from kizuna.runtime import Node
from kizuna.stix.validate import BIDI_CONTROLS
from kizuna.store.mentions import mentions
from kizuna.web.audit_words import LABEL_KEYS, action_said, detail_lines, target_said
from kizuna.web.cookies import cookies_of
from kizuna.web.deps import (
    NodeDep,
    PagePrincipal,
    check_csrf,
    check_csrf_token,
    check_form_text,
    csrf_token,
    get_node,
)
from kizuna.web.errors import explain
from kizuna.web.i18n import LANGS, N_, choose_lang, translations
from kizuna.web.names import actor_name, nation_marked, nation_name, nation_names, person_name
from kizuna.web.times import render_dtg, render_time, zone_for

__all__ = ["add_template_dir", "page", "render_error", "router", "templates"]

router = APIRouter(include_in_schema=False)
# Shared templates first, then each domain's own (DESIGN §3: a domain's slice holds
# its templates); domain templates are named after their domain to stay apart.
_TEMPLATE_DIRS = [
    Path(__file__).parent / "templates",
    *sorted((Path(__file__).parent.parent / "domains").glob("*/templates")),
]
templates = Jinja2Templates(directory=[str(d) for d in _TEMPLATE_DIRS])


def _shown_as_written(value: Any) -> Any:
    """Every value a page prints, with each bidirectional control shown as its code
    point ([U+202E]) instead of obeyed. The store refuses them in the texts people
    type, but an observable keeps the name it was seen under (a malware file named
    "photo[U+202E]gnp.exe" would read "photoexe.png"), and an object stored before the
    rule keeps its text: an analyst reads what is there."""
    # Every value a page prints passes here: the search costs one scan, and only a
    # text holding a control is rebuilt.
    if isinstance(value, str) and BIDI_CONTROLS.search(value):
        # str.replace, which Markup keeps as Markup (escaping what it puts in).
        for control in set(BIDI_CONTROLS.findall(value)):
            value = value.replace(control, f"[U+{ord(control):04X}]")
    return value


templates.env.finalize = _shown_as_written


def add_template_dir(directory: Path) -> None:
    """Let a domain's templates (which extend base.html) be found too; idempotent."""
    loader = templates.env.loader
    if isinstance(loader, FileSystemLoader) and str(directory) not in loader.searchpath:
        loader.searchpath.append(str(directory))


def _safe_next(target: str | None) -> str:
    # Only paths on this node: an open redirect would help a phishing page.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _chip(node: Any, label: Label, lang: str, first: str) -> dict[str, str]:
    level_index = [lvl.rank for lvl in node.policy.levels].index(label.rank)
    return {
        "text": render(node.policy, label, "ja" if lang == "ja" else "en", first=first),
        "css": f"lvl-{level_index}",
    }


def page(
    request: Request,
    template: str,
    *,
    principal: Principal | None,
    labels: Iterable[Label] = (),
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page with its banner: the least upper bound of the labels shown."""
    node = get_node(request)
    lang = choose_lang(request)
    gettext = translations(lang).gettext
    highest = lub(labels)
    first = principal.nation if principal else node.nation
    if highest is None:
        lowest = node.policy.lowest
        banner = {"text": lowest.ja if lang == "ja" else lowest.name, "css": "lvl-0"}
    else:
        banner = _chip(node, highest, lang, first)
    common = {
        "_": gettext,
        "ngettext": translations(lang).ngettext,
        "lang": lang,
        "langs": LANGS,
        "principal": principal,
        "node": node,
        "banner": banner,
        "csrf_token": csrf_token(request),
        "chip": lambda label: _chip(node, label, lang, first),
        # A word and what follows it: 「区分：」 in Japanese, "Label: " in English.
        # (Markup: a word that is markup itself, a key with its code on hover, stays so.)
        "colon_after": lambda word: escape(gettext("{field}: {message}")).format(
            field=word, message=""
        ),
        # Words in brackets after others: 「（算入済み）」 in Japanese, " (counted)" in English.
        "in_parens": lambda inner: escape(gettext(" ({text})")).replace("{text}", escape(inner)),
        # Nations by name and machine actors in words, the reader's nation first.
        "nation_name": lambda code: nation_name(node.policy, code, lang),
        "nation_names": lambda codes: nation_names(node.policy, codes, lang, first=first),
        "nation_marked": lambda code: nation_marked(node.policy, code, lang),
        "person": lambda name, nation: person_name(node.policy, name, nation, lang),
        "who": lambda name: actor_name(node.policy, node.nation, str(name), lang),
        "path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "can_audit": principal is not None and principal.can(Permission.AUDIT_READ),
        # Times in the reader's zone (JST for Japanese readers), exact UTC on hover.
        "when": lambda value: render_time(
            value, zone_for(first, principal.zone if principal else None)
        ),
        # Date-time groups of staff messages, in Z and JST.
        "dtg": lambda value: render_dtg(value, lang),
    }
    # A page's own names never replace these: a `lang` of the page's form once took
    # the place of the reader's language in <html lang>, and a `banner` would hide the
    # label of what the page shows.
    clash = sorted(common.keys() & context.keys())
    if clash:
        raise TypeError(f"{template}: the page context may not replace {', '.join(clash)}")
    response = templates.TemplateResponse(
        request, template, {**common, **context}, status_code=status
    )
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        _set_csrf(request, response, new_csrf)
    return response


def _set_csrf(request: Request, response: Response, token: str) -> None:
    node: Node = request.app.state.node
    response.set_cookie(
        cookies_of(request).csrf,
        token,
        httponly=True,
        samesite="strict",
        secure=node.settings.secure_cookies,
    )


def render_error(
    request: Request, exc: Exception, status: int, *, message: str | None = None
) -> Response:
    """Any error of a page route as a page: banner, navigation, what went wrong in the
    reader's words and language (or a domain's own `message`), and a way back to where
    they came from."""
    node = get_node(request)
    if message is None:
        message = explain(exc, choose_lang(request), limit=node.body_limit(request.url.path))
    response = page(
        request,
        "error.html",
        principal=getattr(request.state, "principal", None),
        status=status,
        message=message,
        back=_back(request),
    )
    headers = getattr(exc, "headers", None)
    if headers and "Retry-After" in headers:
        response.headers["Retry-After"] = headers["Retry-After"]
    return response


def _back(request: Request) -> str:
    # Back to the page the form was on (this node's own pages only), else the start.
    referer = request.headers.get("referer", "")
    origin = f"{request.url.scheme}://{request.url.netloc}"
    if referer.startswith(origin + "/"):
        return _safe_next(referer[len(origin) :])
    return "/"


@router.get("/lang/{lang}")
def switch_language(request: Request, lang: str, next: str | None = None) -> Response:
    """Switch the page language, then go back where the reader was."""
    if lang not in LANGS:
        # An address typed or kept from elsewhere: landing on the start page in the
        # same language said nothing of why; the error page names what is offered and
        # leads back, the language unchanged.
        message = translations(choose_lang(request)).gettext(
            "There are no pages in “%(lang)s”: this node offers 日本語 (ja) and English (en)."
        ) % {"lang": lang[:20]}
        return render_error(request, NotFound(message, field="lang"), 404, message=message)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(cookies_of(request).lang, lang, samesite="lax", max_age=365 * 86400)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return page(request, "login.html", principal=None, next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Depends(check_form_text)])
def login(
    request: Request,
    node: NodeDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form()] = "/",
    form_token: Annotated[str, Form(alias="csrf_token")] = "",
) -> Response:
    try:
        check_csrf_token(request, form_token)
    except HTTPException:
        # Every sign-in and sign-out gives a new form token, so a sign-in form left
        # open in another tab is out of date: offered again (with the browser's
        # token), not an error page leading back to the same stale form.
        return page(
            request, "login.html", principal=None, next=_safe_next(next),
            error=N_("This sign-in form was out of date (a sign-in or sign-out since "
                     "changed it). Sign in again."),
            username=username, status=403,
        )  # fmt: skip
    if not username.strip() or not password:
        # Nothing to check against the store: say what is missing, keep the username.
        missing = N_("Enter your username.") if not username.strip() else N_("Enter your password.")
        return page(
            request, "login.html", principal=None, next=_safe_next(next), error=missing,
            username=username, status=422,
        )  # fmt: skip
    source = request.client.host if request.client else "unknown"
    refused: identity.LoginRefused | None = None
    # No transaction around the check: `authenticate` holds none while argon2 runs.
    try:
        user = identity.authenticate(node.db, username, password, source=source)
    except identity.LoginRefused as exc:
        refused = exc
    if isinstance(refused, identity.Busy):
        busy = page(
            request, "login.html", principal=None, next=_safe_next(next),
            error=N_("The node is busy checking other sign-ins. Try again in a few seconds."),
            username=username, status=503,
        )  # fmt: skip
        busy.headers["Retry-After"] = str(refused.retry_after)
        return busy
    if refused is not None:
        message = (
            N_("Too many failed attempts. Try again later.")
            if refused.retry_after
            else N_("Wrong username or password.")
        )
        failed = page(
            request,
            "login.html",
            principal=None,
            next=_safe_next(next),
            error=message,
            # The name comes back as typed whether or not it is a user's, so a known
            # and an unknown name answer alike but for the name itself
            # (tests/integration/test_accounts.py); the password never comes back.
            username=username,
            status=429 if refused.retry_after else 401,
        )
        if refused.retry_after:
            failed.headers["Retry-After"] = str(refused.retry_after)
        return failed
    with node.db.write() as conn:
        session_id = identity.start_session(conn, user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        cookies_of(request).session,
        session_id,
        httponly=True,
        samesite="lax",
        secure=node.settings.secure_cookies,
        max_age=identity.SESSION_HOURS * 3600,
    )
    # A new form token with the new session: one planted or read before the sign-in
    # (by another site on the same host, say) forges no form of the signed-in user.
    _set_csrf(request, response, secrets.token_urlsafe(32))
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request, principal: PagePrincipal, node: NodeDep) -> RedirectResponse:
    with node.db.write() as conn:
        identity.end_session(
            conn, request.cookies.get(cookies_of(request).session, ""), actor=principal.name
        )
    response = RedirectResponse("/login", status_code=303)
    secure = node.settings.secure_cookies
    response.delete_cookie(cookies_of(request).session, secure=secure, httponly=True)
    # The next sign-in form gets a token of its own, not the signed-out session's. A
    # new one rather than none: with none, the redirected sign-in page and any other
    # request of the same moment would each make one, and the form shown could carry
    # the token the browser has just overwritten (a sign-in after sign-out was a 403).
    _set_csrf(request, response, secrets.token_urlsafe(32))
    return response


@router.get("/audit")
def audit_page(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    # The log names objects and labels of the whole node: only this nation's admins.
    node.store.require(principal, Permission.AUDIT_READ, "read the audit log")
    with node.db.read() as conn:
        entries = audit.entries(conn, before=before, limit=100)
    older = entries[-1].seq if len(entries) == 100 else None
    rows, labels = _audit_rows(node, principal, entries, choose_lang(request))
    return page(
        request,
        "audit.html",
        principal=principal,
        labels=[Label(node.policy.lowest.rank, frozenset({node.nation})), *labels],
        entries=rows,
        older=older,
    )


_STIX_ID = re.compile(r"[a-z0-9][a-z0-9-]*--[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")


def _audit_rows(
    node: Any, principal: Principal, entries: list[audit.Entry], lang: str
) -> tuple[list[dict[str, Any]], list[Label]]:
    """Entries as the admin may see them. A role never widens reading (issue 11,
    reproduction 6): an entry that names an object the admin may not read, or a label
    they may not read, keeps its number, time, actor and action, and shows no id,
    type or label. The labels returned are those the shown entries name.

    Each row says its action in the reader's words and lists its details as key: value
    (`audit_words`), beside the stored code and JSON, which it keeps."""
    named = {
        e.seq: _STIX_ID.findall(f"{e.target or ''} {json.dumps(e.detail, ensure_ascii=False)}")
        for e in entries
    }
    seen = mentions(node.store, principal, (i for ids in named.values() for i in ids))
    rows: list[dict[str, Any]] = []
    shown: list[Label] = []
    for e in entries:
        labels = [seen.readable[i] for i in named[e.seq] if i in seen.readable]
        withheld = any(i in seen.hidden for i in named[e.seq])
        for key in LABEL_KEYS:
            value = e.detail.get(key)
            if not isinstance(value, str):
                continue
            try:
                label = parse(node.policy, value)
            except LabelError:
                continue
            withheld = withheld or not can_read(principal.clearance, label)
            labels.append(label)
        if not withheld:
            shown += labels
        rows.append(
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": action_said(e.action, lang),
                "target": None if withheld else target_said(node.policy, e.target, lang),
                "detail": None if withheld else e.detail,
                "lines": []
                if withheld
                else detail_lines(
                    node.policy, e.detail, lang, first=principal.nation, bodies=node.bodies
                ),
                "withheld": withheld,
            }
        )
    return rows, shown
