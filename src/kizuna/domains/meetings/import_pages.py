"""The import page: an official text uploaded, its parse and quality report shown,
then stored on confirmation.

One file previews in full (its decisions and quality report) and, confirmed, opens
the stored meeting. Several files preview as a table, one row a file: what was read,
or why it was not. Confirmed, each file is stored in its own transaction, as
`kizuna ingest summary` does: a file refused (a text changed meanwhile) is named with
its reason and the others are stored. A meeting date typed on the form is for one file
only: with several, it would give all of them one date.

The label is the form's, for every file, as `--label` is the CLI's: empty, the CLI's
default (the policy's lowest level, this nation only). It is read and checked against
the importer's clearance and release rights before the preview, which shows it in the
reader's words, and again on confirmation: a label the policy does not read, or one
the importer may not write at, brings the form back with the reason and stores nothing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from kizuna.domains.meetings import service, words
from kizuna.domains.meetings.ingest import Record
from kizuna.domains.meetings.pages import vocabulary
from kizuna.errors import Invalid, StoreError
from kizuna.identity.principal import Permission, Principal
from kizuna.labels import Label, LabelError, parse
from kizuna.runtime import Node
from kizuna.store import StoredObject
from kizuna.web.deps import NodeDep, PagePrincipal, check_csrf
from kizuna.web.errors import explain, field_name
from kizuna.web.i18n import N_, choose_lang, translations
from kizuna.web.pages import page
from kizuna.web.uploads import NoFileChosen, no_file_chosen

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_MAX_UPLOAD = 4_000_000
# A file's name as the pages show it: what the browser sent, cut to a readable length.
_NAME = 200
_UNDATED = N_("the text gives no meeting date: import this file alone, with its date.")


@dataclass
class FileRow:
    """One uploaded file on the several-files pages: read (record), stored (meeting_id,
    created), or refused (error)."""

    name: str
    data: str = ""  # base64, for the confirm form
    record: Record | None = None
    meeting_id: str = ""
    created: int = 0
    error: str = ""
    elsewhere: list[StoredObject] = field(default_factory=list)

    @property
    def decisions(self) -> int:
        if self.record is None:
            return 0
        return sum(
            len(s.decisions) + sum(len(i.decisions) for i in s.items)
            for s in self.record.meeting.sections
        )


def _explain(exc: Exception, reader: str) -> str:
    """`explain`, but for the refusals of a given date that the importer words itself
    (a day that is none, a date the text says otherwise), named by the field."""
    gettext = translations(reader).gettext
    said = words.date_refused(gettext, exc)
    if said is None:
        return explain(exc, reader)
    named = field_name(getattr(exc, "field", None), gettext)
    return gettext("{field}: {message}").format(field=named, message=said) if named else said


def _import_form(
    request: Request, principal: Any, error: str = "", status: int = 200, **values: str
) -> HTMLResponse:
    response = page(request, "import.html", principal=principal, error=error, v=values)
    response.status_code = status
    return response


def _importer_only(node: Node, principal: Principal) -> None:
    # Refused at the first step, not after a preview: the confirm would refuse anyway.
    node.store.require(principal, Permission.OBJECT_WRITE, "import official texts")


@router.get("/meetings/import")
def import_page(request: Request, principal: PagePrincipal, node: NodeDep) -> HTMLResponse:
    """Upload official texts: the parse and its quality report come first."""
    _importer_only(node, principal)
    return _import_form(request, principal)


def _label(node: Node, principal: Principal, text: str) -> Label:
    """The form's label, read as the CLI reads `--label` (empty: the CLI's default),
    and refused here if the import would be refused for it."""
    parsed = parse(node.policy, text, originator=node.nation) if text else None
    return service.import_label(node, principal, parsed)


def _preview(
    node: Node, principal: Principal, data: bytes, lang: str, date: str, label: Label
) -> service.ImportResult:
    if len(data) > _MAX_UPLOAD:
        raise Invalid(f"the file is over {_MAX_UPLOAD:,} bytes", field="file")
    given = service.parse_given_date(date)
    return service.import_summary(
        node, principal, data, lang=lang or None, label=label, dry_run=True, date=given
    )


@router.post("/meetings/import", dependencies=[Depends(check_csrf)])
async def import_preview(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    lang: Annotated[str, Form(max_length=2)] = "",
    date: Annotated[str, Form(max_length=10)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
    # Optional here so that a form sent with no file comes back whole, with the reason.
    file: Annotated[list[UploadFile] | None, File()] = None,
) -> HTMLResponse:
    """The parse of the uploaded texts, with their quality report, and a confirm button."""
    _importer_only(node, principal)
    reader = choose_lang(request)
    label = label.strip()
    kept = {"lang": lang, "date": date, "label": label}
    file = [f for f in file or [] if not no_file_chosen(f)]
    if not file:
        said = _explain(NoFileChosen(), reader)
        return _import_form(request, principal, said, 422, **kept)
    try:
        chosen = _label(node, principal, label)
    except (StoreError, LabelError) as exc:
        # A label above the importer's clearance (403) too comes back on the form.
        status = getattr(exc, "status", 422)
        return _import_form(request, principal, _explain(exc, reader), status, **kept)
    if len(file) > 1:
        return await _preview_many(request, principal, node, file, lang, date, label, chosen)
    data = await file[0].read(_MAX_UPLOAD + 1)
    try:
        read = await run_in_threadpool(_preview, node, principal, data, lang, date, chosen)
    except StoreError as exc:
        return _import_form(request, principal, _explain(exc, reader), 422, **kept)
    return page(
        request,
        "import_preview.html",
        principal=principal,
        # The page shows a text to be held at this label (its banner says so), and
        # names the records of the same text the importer may read at other labels.
        labels=[chosen, *(o.label for o in read.elsewhere)],
        record=read.record,
        elsewhere=read.elsewhere,
        # This very record (the text at this label) is held already: confirming
        # writes nothing, and the page says so before the importer confirms.
        held=read.meeting_id if read.already else "",
        held_at=read.held_at,
        data=base64.b64encode(data).decode(),
        doc_lang=lang,
        date=date,
        label=chosen,
        label_text=label,
        **vocabulary(reader),
    )


async def _preview_many(
    request: Request,
    principal: Principal,
    node: Node,
    files: list[UploadFile],
    lang: str,
    date: str,
    label_text: str,
    label: Label,
) -> HTMLResponse:
    reader = choose_lang(request)
    if date:
        refused = Invalid("a meeting date is for one file: upload such a file alone", field="date")
        said = _explain(refused, reader)
        return _import_form(request, principal, said, 422, lang=lang, label=label_text)
    rows = []
    for upload in files:
        data = await upload.read(_MAX_UPLOAD + 1)
        # Every file goes to the confirm form, a refused one too: the page after the
        # confirmation lists every file with what became of it (walk 49).
        row = FileRow(name=(upload.filename or "")[:_NAME], data=base64.b64encode(data).decode())
        try:
            # Off the event loop: the parse is seconds of CPU for many files.
            read = await run_in_threadpool(_preview, node, principal, data, lang, "", label)
            row.record, row.elsewhere = read.record, read.elsewhere
            if read.already:
                row.meeting_id = read.meeting_id  # shown as already imported
        except StoreError as exc:
            row.error = _file_refused(exc, reader)
        rows.append(row)
    return _files_page(request, principal, rows, lang, label_text, label, confirmed=False)


@router.post("/meetings/import/confirm", dependencies=[Depends(check_csrf)])
def import_confirm(
    request: Request,
    principal: PagePrincipal,
    node: NodeDep,
    data: Annotated[list[str], Form()],
    name: Annotated[list[str] | None, Form()] = None,
    lang: Annotated[str, Form(max_length=2)] = "",
    date: Annotated[str, Form(max_length=10)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Store what the preview showed; then the meeting's page (one file) or what became
    of each file (several)."""
    # As the preview: one refusal for the form, not one per file it carries.
    _importer_only(node, principal)
    reader = choose_lang(request)
    label = label.strip()
    try:
        # Read again: the preview's form came back from the browser.
        chosen = _label(node, principal, label)
    except (StoreError, LabelError) as exc:
        status = getattr(exc, "status", 422)
        said = _explain(exc, reader)
        return _import_form(request, principal, said, status, lang=lang, date=date, label=label)
    if len(data) > 1 or name:
        return _confirm_many(request, principal, node, data, name or [], lang, label, chosen)
    try:
        raw = service.upload_bytes(None, data[0])
        given = service.parse_given_date(date)
        result = service.import_summary(
            node, principal, raw, lang=lang or None, label=chosen, date=given
        )
    except StoreError as exc:
        # A refusal (403) too comes back on the form, with its reason in the reader's words.
        status = 403 if exc.status == 403 else 422
        said = _explain(exc, reader)
        return _import_form(request, principal, said, status, lang=lang, date=date, label=label)
    # The same text again writes nothing: the meeting's page says so, as the CLI does.
    again = "?already=1" if result.already else ""
    return RedirectResponse(f"/meetings/{result.meeting_id}{again}", status_code=303)


def _confirm_many(
    request: Request,
    principal: Principal,
    node: Node,
    data: list[str],
    names: list[str],
    lang: str,
    label_text: str,
    label: Label,
) -> HTMLResponse:
    reader = choose_lang(request)
    if len(names) != len(data):
        refused = Invalid("each file needs its name: upload the files again", field="file")
        said = _explain(refused, reader)
        return _import_form(request, principal, said, 422, lang=lang, label=label_text)
    rows = []
    for blob, file_name in zip(data, names, strict=True):
        row = FileRow(name=file_name[:_NAME])
        try:
            # Each file in its own transaction: one refused file stores nothing of its
            # own and leaves the others stored.
            raw = service.upload_bytes(None, blob)
            result = service.import_summary(node, principal, raw, lang=lang or None, label=label)
            row.record, row.meeting_id = result.record, result.meeting_id
            row.created, row.elsewhere = result.created, result.elsewhere
        except StoreError as exc:
            row.error = _file_refused(exc, reader)
        rows.append(row)
    return _files_page(request, principal, rows, lang, label_text, label, confirmed=True)


def _file_refused(exc: StoreError, reader: str) -> str:
    """Why one of several files was not read: the form's date field is for one file,
    so a file without a date goes in alone (a date the text gives that is no day says
    so, as on the one-file page)."""
    if exc.field == "date" and "is no day of" not in str(exc):
        return translations(reader).gettext(_UNDATED)
    return _explain(exc, reader)


def _files_page(
    request: Request,
    principal: Principal,
    rows: list[FileRow],
    lang: str,
    label_text: str,
    label: Label,
    *,
    confirmed: bool,
) -> HTMLResponse:
    """The table of several files: before confirmation, those read; after, those
    stored. Not one of them: 422.

    A file held already is counted apart from the new ones: counted with them, "3 of 3
    files stored" was said of two files imported before and one stored now."""
    done = sum(1 for r in rows if (r.meeting_id if confirmed else r.record is not None))
    # Before confirmation a held file has its meeting; after, one not created now.
    held = sum(1 for r in rows if r.meeting_id and (not r.created or not confirmed))
    return page(
        request,
        "import_files.html",
        principal=principal,
        labels=[label, *(o.label for r in rows for o in r.elsewhere)],
        rows=rows,
        readable=done - held,
        held=held,
        confirmed=confirmed,
        doc_lang=lang,
        label=label,
        label_text=label_text,
        status=200 if done else 422,
        **vocabulary(choose_lang(request)),
    )
