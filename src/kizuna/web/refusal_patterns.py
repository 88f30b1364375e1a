"""The later part of the table of refusal words (`refusal_words.STORE_PATTERNS`, which
ends with it; first match wins): an official text's refusals, times and places, the
domains' rules, and last any role a permission needs, after the refusals above it that
say more for their own case. Kept apart only for its length."""

from __future__ import annotations

import re

from kizuna.web.i18n import N_

__all__ = ["LATER_PATTERNS"]

LATER_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # An official text refused by the importer.
    (re.compile(r"^the document is empty"), N_("the file is empty.")),
    (
        re.compile(r"^the document is binary"),
        N_("the file is not text: choose the text of a summary."),
    ),
    (
        re.compile(r"^the document is an HTML page"),
        N_("the file is a web page: save the summary as plain text and import that."),
    ),
    (
        re.compile(r"not UTF-8|not text in UTF-8"),
        N_("the file's characters are not in UTF-8, Shift_JIS or EUC-JP."),
    ),
    (
        re.compile(r"^the document is [\d,]+ bytes|^the file is over"),
        N_("the file is too large: an official text is at most 4 MB."),
    ),
    (
        re.compile(r"^the document is in "),
        N_("the text is in another language than the one chosen."),
    ),
    (
        re.compile(r"^due must be YYYY"),
        N_("write a year (2026), a month (2026-12) or a day (2026-12-05)."),
    ),
    (
        re.compile(r"^a meeting date is for one file"),
        N_("a meeting date is for one file: upload a text that gives no date on its own."),
    ),
    (
        # The text's own date is none: its reason, as the command line gives it (walk
        # 49: the page said only that the text gave no date).
        re.compile(
            r"^no meeting date: (?P<written>.+) is no day of the calendar \((?P<shown>[^)]+)\)"
        ),
        N_(
            "the text dates the meeting {written}, which is no day of the calendar ({shown}): "
            "give the meeting's date in the date field, with this file alone."
        ),
    ),
    (
        re.compile(r"^no meeting date"),
        N_("the text gives no meeting date: enter it in the date field."),
    ),
    (re.compile(r"^round must be a year"), N_("enter a year, such as 2025.")),
    (
        re.compile(r"review's date .* is in the future"),
        N_("a review records what has happened: give a date that has come."),
    ),
    (
        re.compile(r"review's date \S+ is before (?P<met>\S+), the date of the meeting"),
        N_(
            "a review records what was done about a decision: give a date no earlier than "
            "the meeting that took it ({met})."
        ),
    ),
    (
        re.compile(r"time is in the future|was learned is in the future"),
        N_("the time must not be in the future."),
    ),
    (
        re.compile(r"^a position is \[longitude, latitude\]"),
        N_("enter the longitude and latitude."),
    ),
    (re.compile(r"learned after it occurs"), N_("the learned time comes after the occurrence.")),
    (re.compile(r"at a place inside Japan"), N_("the place must be inside Japan.")),
    (re.compile(r"date must be YYYY-MM-DD"), N_("enter a date such as 2026-12-03.")),
    (re.compile(r"last date comes before the first"), N_("the last date comes before the first.")),
    (re.compile(r"not a time|not a timestamp"), N_("enter a date and time.")),
    (re.compile(r"score must be"), N_("choose +1, 0 or −1.")),
    (
        # A NUL in a form's field or an object's string (deps.check_csrf, stix.validate).
        re.compile(r"holds U\+0000"),
        N_(
            "the text holds a character no text may hold (U+0000, a null character, or a "
            "lone surrogate): remove it."
        ),
    ),
    (re.compile(r"whole number from 0 to 100"), N_("enter a whole number from 0 to 100.")),
    (re.compile(r"^confirmation"), N_("tick the box to confirm: this step cannot be undone.")),
    (re.compile(r"no file was chosen"), N_("choose a file.")),
    (
        # The attachments panel's banner, which the page passes in its URL.
        re.compile(r"^the banner is not a label of the policy that you may read"),
        N_("this is not a label you may read. Reload the page."),
    ),
    (
        # A coordination item's title in the other language: left out only when its
        # translation is requested, which the form offers below.
        re.compile(r"is required unless its translation is requested"),
        N_("this field is required, unless the other language is “Translation requested”."),
    ),
    (
        # The service's own, and the schema's (jsonschema-rs: '"name" is a required property').
        re.compile(r"is required|is a required property|^give the translated (text|title)"),
        N_("this field is required."),
    ),
    (re.compile(r"at least one"), N_("give at least one.")),
    (re.compile(r"no object"), N_("an id names no object you may see.")),
    (re.compile(r"is not a STIX identifier"), N_("an id is not of the form type--uuid.")),
    (re.compile(r"already released"), N_("this was already released.")),
    (
        re.compile(r"approves another version"),
        N_("the product was revised after you opened it: read the current version, then approve."),
    ),
    (
        re.compile(r"the draft must be readable by the contributing nations"),
        N_(
            "the draft must be readable by the nations whose objects it gathers: write a "
            "label releasable to each of them."
        ),
    ),
    (
        re.compile(r"is not readable by every reader of the draft"),
        N_(
            "a contribution is not readable by every reader of the draft: gather only "
            "objects releasable to every approving nation, at the draft's level and "
            "compartments or below."
        ),
    ),
    (
        re.compile(r"is no longer readable by every approving nation"),
        N_(
            "a contribution is no longer readable by every approving nation at the draft's "
            "label: the product must be edited to drop or replace it, then approved."
        ),
    ),
    (
        # The agreement with an approving nation is the author's to know (REST names it).
        re.compile(
            r"is above what this node agreed with (?P<nation>[A-Z]{3}) \((?P<agreed>[^)]+)\)"
        ),
        N_(
            "this label is above what this node agreed with {nation} ({agreed}): the node of "
            "{nation} would never receive the product. Write a label within the agreement."
        ),
    ),
    (
        re.compile(r"a joint product is of at least two nations"),
        N_(
            "a joint product is of at least two nations: write a label releasable to the "
            "partner nations who approve it."
        ),
    ),
    (
        re.compile(r"the target label must be releasable to"),
        N_("the target label must be releasable to every approving nation."),
    ),
    (
        re.compile(r"only a releasing officer approves a joint product"),
        N_("only a releasing officer approves a joint product."),
    ),
    (
        re.compile(r"is the requesting body itself"),
        N_("the counterpart cannot be the requesting body itself: choose another body."),
    ),
    (
        re.compile(r"addressed to another body"),
        N_("a request cannot be addressed to the body that asks it: choose another body."),
    ),
    (
        re.compile(r"like the requesting nation"),
        N_("choose a body of the partner nation, or a bilateral one."),
    ),
    (re.compile(r"is not a counterpart of"), N_("this body is not a counterpart of yours.")),
    (re.compile(r"on this node is opened by"), N_("choose a body of this node's nation.")),
    (
        re.compile(r"on this node is (issued|asked) by"),
        N_("choose a body of this node's nation, or a bilateral one."),
    ),
    (
        re.compile(r"^'\S+' is a body of \S+, not of \S+$"),
        N_("choose a body of your own nation, or a bilateral one."),
    ),
    (re.compile(r"is not a member of"), N_("you are not a member of this body.")),
    (
        # A label that leaves out the node's own nation (SECRET//REL TO USA on JPN).
        re.compile(r"must be releasable to \S+, the originating nation"),
        N_("release it to your own nation too: name it after REL TO."),
    ),
    (
        re.compile(r"must be releasable to .* before it is proposed"),
        N_("the label must be releasable to the partner nation before the item is proposed."),
    ),
    (re.compile(r"it takes answers when"), N_("the item does not take answers in its state.")),
    (re.compile(r"is not a transition"), N_("this step is not possible now.")),
    (
        re.compile(r"is not a determination of"),
        N_("choose one of your nation's determinations."),
    ),
    (
        re.compile(r"does not record determinations"),
        N_("this body does not record determinations."),
    ),
    (
        re.compile(r"^only authorised officers of"),
        N_("only your nation's authorised officers record and end its determinations."),
    ),
    (
        re.compile(r"once it has (taken effect|ended)"),
        N_("a determination is recorded once it has taken effect, and ended once it has ended."),
    ),
    (re.compile(r"already ended"), N_("this determination has already ended.")),
    (re.compile(r"suspense has passed"), N_("the suspense must be in the future.")),
    (re.compile(r"time zone"), N_("give the time with its time zone.")),
    (re.compile(r"needs a label"), N_("give a label.")),
    (
        # A tasker or RFI on an item is stored at the item's label: any label typed
        # beside an item is refused, and "write a label the policy knows" sent readers
        # to rewrite a valid label instead of clearing it.
        re.compile(r"on an item carries the item's label"),
        N_("leave it empty when you name a coordination item; the item's label applies."),
    ),
    (re.compile(r"whom the RFI asks, answers it"), N_("only the body asked answers the RFI.")),
    (
        re.compile(r"^the tasker must be releasable to (?P<nations>.+), whose offices it tasks$"),
        N_(
            "the tasker must be releasable to {nations}, whose offices it tasks: name them "
            "after REL TO."
        ),
    ),
    (
        re.compile(r"^the RFI must be releasable to (?P<nations>.+), whose body it asks$"),
        N_(
            "the request for information must be releasable to {nations}, whose body it "
            "asks: name them after REL TO."
        ),
    ),
    (
        # A tasker or an RFI names its item on a form: one missing and one hidden from
        # the author read the same.
        re.compile(r"names no coordination item \S+ may read$"),
        N_("this names no coordination item you may read: copy the id from the item's page."),
    ),
    (
        re.compile(r"^the tasker is \w+$"),
        N_("the tasker is no longer open: it takes no more statuses."),
    ),
    (
        re.compile(r"^the RFI is \w+: its thread is over$"),
        N_("the request for information is closed or withdrawn: its thread takes no more replies."),
    ),
    (
        re.compile(r"^an RFI of \S+ is moved on its own node$"),
        N_(
            "this request for information is the partner nation's: it is closed, withdrawn "
            "or reopened on their node."
        ),
    ),
    (re.compile(r"^an RFI that is \w+ cannot \w+$"), N_("this step is not possible now.")),
    (
        re.compile(r"did not reach \S+ on this node: there is no receipt"),
        N_("it did not reach this body on this node: there is nothing to acknowledge."),
    ),
    (re.compile(r"^acknowledged by \S+ already$"), N_("this receipt is already acknowledged.")),
    (re.compile(r"is not a step of an RFI"), N_("choose one of the offered steps.")),
    (re.compile(r"a reply says something"), N_("write the reply in Japanese or English.")),
    (re.compile(r"is not tasked"), N_("choose an office the tasker tasks.")),
    (re.compile(r"say why the suspense"), N_("say in the note why the suspense cannot be met.")),
    (re.compile(r"neither an OCR nor"), N_("the OPR may be neither an OCR nor the issuing body.")),
    (
        re.compile(r"no item sets a phase"),
        N_("each nation records its own situation determination."),
    ),
    (
        re.compile(r"target label is the draft's"),
        N_("the target label is the draft's own: there is nothing to release."),
    ),
    (re.compile(r"at least 12 characters"), N_("use at least 12 characters.")),
    (re.compile(r"a password is more than spaces"), N_("a password is more than spaces.")),
    (re.compile(r"a username is"), N_("use 1 to 64 letters, digits, '-', '_' or '.'.")),
    (re.compile(r"^user .* exists"), N_("this name is already taken.")),
    (re.compile(r"^limit must be"), N_("the page size is out of range.")),
    # Any role a permission needs (identity.principal.roles_needed), after the
    # refusals above that say more for their own case.
    (
        re.compile(r" may not .+: it needs the (?P<roles>.+) role$"),
        N_("your roles do not allow this: it needs the {roles} role."),
    ),
]
