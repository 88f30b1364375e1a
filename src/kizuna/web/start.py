"""The start page: what needs the signed-in reader today, from every installed domain.

Each domain builds its own panels (`Domain.today`, kizuna.today), counted through the
visibility condition for the reader; this page only lays them out: the lists of what
waits first, then the charts. The banner is the least upper bound of every label a
panel derives from, so it covers each count and bar as well as each line shown.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kizuna import domains
from kizuna.today import Panel
from kizuna.web import charts
from kizuna.web.deps import NodeDep, PagePrincipal
from kizuna.web.i18n import choose_lang, translations
from kizuna.web.pages import page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/")
def start_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    """What needs the reader today: items due, notices to acknowledge, new intelligence."""
    panels: list[Panel] = []
    for domain in domains.installed():
        if domain.today is not None:
            panels += domain.today(node, principal)
    gettext = translations(choose_lang(request)).gettext
    drawn = {
        p.key: charts.svg(p.key, gettext(p.title), p.chart, gettext)
        for p in panels
        if p.chart is not None
    }
    return page(
        request,
        "start.html",
        principal=principal,
        labels=[label for p in panels for label in p.labels]
        + [line.label for p in panels for line in p.lines],
        waiting=[p for p in panels if p.chart is None],
        figures=[p for p in panels if p.chart is not None],
        drawn=drawn,
    )
