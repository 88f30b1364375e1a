"""What a file field of a form sent: the one rule every upload page shares."""

from __future__ import annotations

from starlette.datastructures import UploadFile

from kizuna.errors import Invalid

__all__ = ["NoFileChosen", "no_file_chosen"]


def no_file_chosen(upload: UploadFile) -> bool:
    """Whether the part is what a browser sends for a file field left empty: no name
    and no bytes. A named empty file is a file (refused as empty, where it is)."""
    return not upload.filename and not upload.size


class NoFileChosen(Invalid):
    """A form sent without a file: said to the person as "choose a file" (web/errors).
    `sent` keeps the form's other fields, for a page to give them back as typed."""

    def __init__(self, field: str = "file", *, sent: dict[str, str] | None = None) -> None:
        super().__init__(f"{field}: no file was chosen", field=field)
        self.sent = sent or {}
