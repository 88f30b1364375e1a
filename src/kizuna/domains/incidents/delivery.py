"""Delivering notices: e-mail through an SMTP relay and a signed webhook, from an outbox.

A notice's deliveries are rows of `inc_deliveries`, written in the transaction of the
change they report (a rolled-back change sends nothing). The deliverer claims pending
rows (pending -> sending), sends them, and marks them sent; a row that fails goes back
to pending with its error and is tried again by the next scan, so a relay that is down
loses nothing. A claim older than the lease (a node killed while sending) is taken
again: delivery is at least once, and every message carries a Message-ID made of its
de-duplication key (event, addressee, revision, reason), the same on every try.

A message carries no text a label protects: the notice's type, precedence and revision,
the event's reference (the first part of its id, which the link to the event carries
whole) and the link, which a reader signs in to follow. The subject says the same, the
reference telling one event's notices from another's; the event's title, place and time
stay behind the sign-in, since they are the labelled record.
"""

from __future__ import annotations

import base64
import json
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Connection, and_, or_, select, update

from kizuna import clock
from kizuna.db import Database
from kizuna.db.schema import objects
from kizuna.domains.incidents.model import PRECEDENCE_NAMES
from kizuna.domains.incidents.routing import Routing
from kizuna.domains.incidents.schema import inc_deliveries, inc_events, inc_notices
from kizuna.domains.incidents.withdrawal import readable, withdraw_unreadable
from kizuna.identity.principal import Principal
from kizuna.store.access import CompartmentBits

__all__ = ["Delivered", "IncidentSettings", "deliver_pending", "signature"]

# What a notice is, as its mail names it (English, Japanese); the closing report is the
# last Update of a closed event.
_KINDS = {
    "Alert": ("Alert", "第一報"),
    "Update": ("Update", "続報"),
    "Cancel": ("Cancel", "取消"),
    "Closing": ("Closing report", "最終報告"),
}


class IncidentSettings(BaseSettings):
    """The mechanism's own settings, from KIZUNA_INCIDENT_* in the environment."""

    model_config = SettingsConfigDict(env_prefix="KIZUNA_INCIDENT_")

    routing_file: Path | None = None
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_timeout: float = 10
    mail_from: str = "kizuna-notify@localhost"
    # Where the links in messages point (the node's own address as users reach it).
    base_url: str = "http://127.0.0.1:8000"
    lease_seconds: int = 300
    batch: int = 500


@dataclass(frozen=True)
class Delivered:
    sent: int
    failed: int


def signature(key: Ed25519PrivateKey, payload: bytes) -> str:
    """The webhook's `X-Kizuna-Signature`: Ed25519 over the exact body, base64."""
    return base64.b64encode(key.sign(payload)).decode()


def _claim(
    db: Database, settings: IncidentSettings, system: Principal, bits: CompartmentBits
) -> list[Any]:
    now = clock.now()
    stale = int(now.timestamp()) - settings.lease_seconds
    with db.write() as conn:
        # A message of an event this node may no longer read is never sent: withdrawn
        # (audited), and the claim below takes only what the node's system principal
        # reads, whatever left it waiting.
        withdraw_unreadable(conn, system, bits, actor=system.name)
        rows = conn.execute(
            select(inc_deliveries.c.pk, inc_deliveries.c.status)
            .select_from(
                inc_deliveries.join(inc_notices, inc_notices.c.pk == inc_deliveries.c.notice_pk)
            )
            .where(
                or_(
                    inc_deliveries.c.status == "pending",
                    and_(
                        inc_deliveries.c.status == "sending",
                        inc_deliveries.c.claimed_at < stale,
                    ),
                ),
                readable(inc_notices.c.event_pk, system, bits),
            )
            .order_by(inc_deliveries.c.pk)
            .limit(settings.batch)
        ).all()
        if not rows:
            return []
        pks = [r.pk for r in rows]
        conn.execute(
            update(inc_deliveries)
            .where(inc_deliveries.c.pk.in_(pks))
            .values(status="sending", claimed_at=int(now.timestamp()))
        )
        return list(
            conn.execute(
                select(
                    inc_deliveries,
                    inc_notices.c.addressee,
                    inc_notices.c.revision,
                    inc_notices.c.msg_type,
                    inc_notices.c.precedence,
                    objects.c.stix_id,
                    inc_events.c.status.label("event_status"),
                    inc_events.c.revision.label("event_revision"),
                )
                .select_from(
                    inc_deliveries.join(inc_notices, inc_notices.c.pk == inc_deliveries.c.notice_pk)
                    .join(objects, objects.c.pk == inc_notices.c.event_pk)
                    .join(inc_events, inc_events.c.object_pk == inc_notices.c.event_pk)
                )
                .where(inc_deliveries.c.pk.in_(pks))
                .order_by(inc_deliveries.c.pk)
            ).all()
        )


def _kind(row: Any) -> tuple[str, str]:
    closing = (
        row.msg_type == "Update"
        and row.event_status == "closed"
        and row.revision == row.event_revision
    )
    return _KINDS["Closing" if closing else row.msg_type]


def _message(row: Any, settings: IncidentSettings, nation: str, routing: Routing) -> EmailMessage:
    # The page of the event, which the addressee signs in to read.
    link = f"{settings.base_url}/incidents/events/{row.stix_id}"
    reminder = row.reason == "reminder"
    kind_en, kind_ja = _kind(row)
    precedence_en, precedence_ja = PRECEDENCE_NAMES.get(row.precedence, (row.precedence,) * 2)
    addressee = routing.addressees.get(row.addressee)
    to_en, to_ja = (addressee.en, addressee.ja) if addressee else (row.addressee,) * 2
    uid = row.stix_id.split("--", 1)[-1]
    reference = uid[:8]
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = row.target
    # The time of this try (RFC 5322 requires one; a retry is sent anew).
    msg["Date"] = format_datetime(clock.now())
    prefix = "[Kizuna] " + ("Reminder / 督促: " if reminder else "")
    msg["Subject"] = (
        f"{prefix}{kind_en} / {kind_ja} ({precedence_en} / {precedence_ja}) rev {row.revision}"
        f" · event {reference} / 事案 {reference}"
    )
    msg["Message-ID"] = (
        f"<{uid}.{row.addressee}.{row.revision}.{row.reason}@kizuna.{nation.lower()}>"
    )
    msg.set_content(
        f"事案通報（{kind_ja}、第{row.revision}版、{precedence_ja}）が{to_ja}宛てに届いています。"
        "サインインして内容を確認し、受領してください。\n"
        f"An incident notice ({kind_en}, revision {row.revision}, {precedence_en}) "
        f"is addressed to {to_en}. Sign in to read and acknowledge it.\n\n"
        f"事案 / Event: {reference}\n{link}\n"
    )
    return msg


def _webhook_payload(row: Any, settings: IncidentSettings) -> bytes:
    return json.dumps(
        {
            "event": row.stix_id,
            "addressee": row.addressee,
            "revision": row.revision,
            "msg_type": row.msg_type,
            "precedence": row.precedence,
            "reason": row.reason,
            "cap": f"{settings.base_url}/api/v1/incidents/events/{row.stix_id}/cap",
        },
        sort_keys=True,
    ).encode()


def _send(
    rows: list[Any],
    settings: IncidentSettings,
    key: Ed25519PrivateKey,
    nation: str,
    routing: Routing,
) -> tuple[list[int], dict[int, str]]:
    sent: list[int] = []
    failed: dict[int, str] = {}
    mails = [r for r in rows if r.channel == "email"]
    if mails:
        try:
            # One connection for the batch: a relay that is down fails every mail now,
            # and they are tried again at the next scan.
            with smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
            ) as smtp:
                for row in mails:
                    try:
                        smtp.send_message(_message(row, settings, nation, routing))
                        sent.append(row.pk)
                    except smtplib.SMTPException as exc:
                        failed[row.pk] = f"{exc.__class__.__name__}: {exc}"
        except (OSError, smtplib.SMTPException) as exc:
            for row in mails:
                if row.pk not in sent:
                    failed[row.pk] = f"relay {settings.smtp_host}:{settings.smtp_port}: {exc}"
    for row in (r for r in rows if r.channel == "webhook"):
        payload = _webhook_payload(row, settings)
        request = urllib.request.Request(  # noqa: S310 (http(s) only: checked on load)
            row.target,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Kizuna-Signature": signature(key, payload),
                "X-Kizuna-Nation": nation,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.smtp_timeout) as answer:  # noqa: S310 (the URL is the operator's, http(s) checked on load)
                if 200 <= answer.status < 300:
                    sent.append(row.pk)
                else:
                    failed[row.pk] = f"webhook answered {answer.status}"
        except OSError as exc:
            failed[row.pk] = f"webhook: {exc}"
    return sent, failed


def deliver_pending(
    db: Database,
    settings: IncidentSettings,
    key: Ed25519PrivateKey,
    routing: Routing,
    *,
    system: Principal,
    bits: CompartmentBits,
) -> Delivered:
    """Send every pending delivery (at most one batch) of an event the node's `system`
    principal reads; failures stay pending; those of an event it no longer reads are
    withdrawn (withdrawal.py)."""
    nation = system.clearance.nation
    rows = _claim(db, settings, system, bits)
    if not rows:
        return Delivered(0, 0)
    sent, failed = _send(rows, settings, key, nation, routing)
    with db.write() as conn:
        _finish(conn, sent, failed)
    return Delivered(len(sent), len(failed))


def _finish(conn: Connection, sent: list[int], failed: dict[int, str]) -> None:
    if sent:
        conn.execute(
            update(inc_deliveries)
            .where(inc_deliveries.c.pk.in_(sent), inc_deliveries.c.status == "sending")
            .values(
                status="sent",
                sent_at=clock.now_ts(),
                attempts=inc_deliveries.c.attempts + 1,
                last_error=None,
            )
        )
    for pk, error in failed.items():
        conn.execute(
            update(inc_deliveries)
            .where(inc_deliveries.c.pk == pk, inc_deliveries.c.status == "sending")
            .values(
                status="pending",
                claimed_at=None,
                attempts=inc_deliveries.c.attempts + 1,
                last_error=error[:1000],
            )
        )
