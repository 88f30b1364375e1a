"""A refused file in words a person reads, in their language: each reason of
`content.AttachmentRefused` has its sentence here (translated in the catalog); any
other error is said as every page says it (`kizuna.web.errors.explain`)."""

from __future__ import annotations

from kizuna.domains.attachments.content import ACCEPTED, AttachmentRefused
from kizuna.web.errors import explain
from kizuna.web.i18n import N_, translations

__all__ = ["FOUND", "REASONS", "size_text", "words"]

REASONS = {
    "too_large": N_("The file is too large: {size}. An attachment may be at most {limit}."),
    "empty": N_("The file is empty."),
    "markup": N_(
        "The file is {found}, which can run in a browser: it is not accepted. "
        "Attach PDF, PNG, JPEG, GIF, plain text (UTF-8) or CSV."
    ),
    "not_accepted": N_(
        "This kind of file is not accepted. Attach PDF, PNG, JPEG, GIF, plain text (UTF-8) or CSV."
    ),
    "mismatch": N_(
        "The file is declared as {claimed}, but its content is {found}: the two must agree."
    ),
    "bad_base64": N_("The file's content (payload_bin) is not valid base64."),
    "checksum": N_("The SHA-256 checksum given does not match the file's content."),
    "bad_name": N_("The file needs a name of 1 to 255 characters."),
    "no_payload": N_("The attachment must hold the file itself (payload_bin), unencrypted."),
    "bad_type_name": N_("The declared type must be a plain type name, such as image/png."),
    "not_attachment": N_("This object is not an attachment of this node."),
    "bad_target": N_("Choose the object the file is attached to (not another attachment)."),
    "takes_no_file": N_(
        "This object takes no file: an attachment, a label marking or a recall has no "
        "attachments of its own."
    ),
    "changed": N_("An attachment's file, name and object cannot change: attach a new file."),
    "label_below": N_(
        "The label must be at least as restrictive as the label of the object it is attached to."
    ),
}


# What a refused file was found to be, where a word is needed.
FOUND = {"markup": N_("markup (XML or similar)")}


def size_text(size: int) -> str:
    """A size as people say it: bytes, KiB or MiB."""
    if size >= 2**20:
        return f"{size / 2**20:.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} B"


def words(exc: BaseException, lang: str) -> str:
    """What went wrong with an upload, for a person reading `lang`."""
    if not isinstance(exc, AttachmentRefused):
        return explain(exc, lang)
    gettext = translations(lang).gettext
    params = {k: str(v) for k, v in exc.params.items()}
    sizes: dict[str, int] = {k: int(exc.params[k]) for k in ("size", "limit") if k in exc.params}
    said: dict[str, str] = {k: size_text(v) for k, v in sizes.items()}
    # A file just over the limit rounds to the limit's own words: say both in bytes.
    exact = len(set(said.values())) < len(said)
    params.update({k: f"{v:,} B" for k, v in sizes.items()} if exact else said)
    if "found" in params:
        found = params["found"]
        params["found"] = gettext(FOUND[found]) if found in FOUND else ACCEPTED.get(found, found)
    return gettext(REASONS[exc.reason]).format(**params)
