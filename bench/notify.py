"""Benchmark: from recording an incident to every notice delivered, for 50 addressees.

A USA node whose routing rules send a part falling in Chatan to 50 bodies, each with
an e-mail address, and a local SMTP server (aiosmtpd on 127.0.0.1). One run of Kizuna
is: record the event (one transaction: the object, 50 notices, 50 outbox rows, 50
reminders, the audit entries), then deliver the outbox, until the server holds all
50 mails. One run of the baseline is: send the same 50 mails straight through smtplib
on one connection. The two alternate in the same process against the same server;
the headline is Kizuna's p50 ÷ the baseline's p50 (target ≤ 2).

    .venv/bin/python bench/notify.py [--runs 30] [--db sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import smtplib
import socket
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from _common import Timing, console, temp_database, write_result
from kizuna.bootstrap import initialize, open_node
from kizuna.config import Settings
from kizuna.domains.incidents.delivery import IncidentSettings
from kizuna.domains.incidents.model import EventCreate
from kizuna.domains.incidents.routing import parse_routing
from kizuna.domains.incidents.service import incidents
from kizuna.identity import service as identity

ADDRESSEES = 50
TARGET = 2.0


class Inbox:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"

    def wait_for(self, total: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if self.count >= total:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.count} of {total} mails arrived")
            time.sleep(0.0005)


def routing_text() -> str:
    bodies = "\n".join(
        f"  - {{id: town-{i:02d}, nation: USA, en: Town {i}, ja: 町{i}, "
        f"people: [{{user: p{i}}}], email: t{i}@bench.example}}"
        for i in range(ADDRESSEES)
    )
    names = ", ".join(f"town-{i:02d}" for i in range(ADDRESSEES))
    return (
        "deadlines:\n"
        + "".join(
            f"  {p}: {{notice: 1, acknowledge: 2, follow_up: 24}}\n"
            for p in ("flash", "immediate", "priority", "routine")
        )
        + f"addressees:\n{bodies}\nroutes:\n  - precedence: flash\n    notify: [{names}]\n"
    )


def event(i: int) -> EventCreate:
    return EventCreate(
        kind="part_fall",
        title_en=f"Panel fell near Kadena ({i})",
        title_ja=f"嘉手納基地付近でパネル落下（{i}）",
        occurred="2026-12-01T13:40:00+09:00",  # type: ignore[arg-type]
        learned="2026-12-01T13:55:00+09:00",  # type: ignore[arg-type]
        place={  # type: ignore[arg-type]
            "geometry": {"type": "Point", "coordinates": [127.764, 26.309]},
            "municipalities": ["473260"],
        },
        description_en="A panel was found in a field in Chatan.",
        label="CONFIDENTIAL//REL TO JPN, USA",
    )


def direct_mail(port: int, i: int) -> None:
    """The baseline: the same 50 mails, straight through smtplib on one connection."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        for n in range(ADDRESSEES):
            msg = EmailMessage()
            msg["From"] = "kizuna-notify@localhost"
            msg["To"] = f"t{n}@bench.example"
            msg["Subject"] = f"[Kizuna] Alert / 第一報 (flash) rev 1 #{i}"
            msg["Message-ID"] = f"<direct.{i}.{n}@bench>"
            msg.set_content(
                "事案通報が届いています。サインインして内容を確認し、受領してください。\n"
                "An incident notice is addressed to you. Sign in to read and acknowledge it.\n"
                f"http://127.0.0.1:8000/incidents/x-kizuna-incident--{i:08d}\n"
            )
            smtp.send_message(msg)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    kizuna_ms: list[float] = []
    direct_ms: list[float] = []
    try:
        with temp_database(args.db, prefix="kizuna_bench_notify") as (url, workdir):
            settings = Settings(database_url=url, key_file=workdir / "node.pem")  # type: ignore[call-arg]
            initialize(settings, nation="USA")
            node = open_node(settings)
            try:
                with node.db.write() as conn:
                    user = identity.add_user(
                        conn,
                        policy=node.policy,
                        actor="bench",
                        username="duty",
                        nation="USA",
                        clearance="SECRET",
                        roles=["author", "releasing_officer"],
                        bodies=[],
                    )
                c = incidents(node)
                c.routing = parse_routing(routing_text(), ("JPN", "USA"), source="bench")
                c.settings = IncidentSettings(smtp_host="127.0.0.1", smtp_port=port)
                expected = 0
                for i in range(args.runs + 2):  # two warm-up rounds, not counted
                    start = time.perf_counter()
                    c.record(user.principal, event(i))
                    sent = c.deliver()
                    expected += ADDRESSEES
                    inbox.wait_for(expected)
                    took = (time.perf_counter() - start) * 1000
                    if sent.sent != ADDRESSEES:
                        raise RuntimeError(f"run {i}: {sent.sent} mails sent, not {ADDRESSEES}")
                    start = time.perf_counter()
                    direct_mail(port, i)
                    expected += ADDRESSEES
                    inbox.wait_for(expected)
                    direct = (time.perf_counter() - start) * 1000
                    if i >= 2:
                        kizuna_ms.append(took)
                        direct_ms.append(direct)
            finally:
                node.db.dispose()
    finally:
        controller.stop()
    kizuna, baseline = Timing(tuple(kizuna_ms)), Timing(tuple(direct_ms))
    ratio = kizuna.p50 / baseline.p50
    out = console()
    out.print(f"record → {ADDRESSEES} mails delivered ({args.db}, {kizuna.runs} runs)")
    out.print(f"  kizuna  p50 {kizuna.p50:8.2f} ms  p99 {kizuna.p99:8.2f} ms")
    out.print(f"  smtplib p50 {baseline.p50:8.2f} ms  p99 {baseline.p99:8.2f} ms")
    out.print(
        f"  ratio (p50) {ratio:.2f}  (p99 {kizuna.p99 / baseline.p99:.2f}); target ≤ {TARGET}"
    )
    path = write_result(
        f"notify_{args.db}",
        {
            "summary": {
                "ratio": round(ratio, 3),
                "ratio_p99": round(kizuna.p99 / baseline.p99, 3),
                "target": TARGET,
                "met": ratio <= TARGET,
            },
            "addressees": ADDRESSEES,
            "database": args.db,
            "kizuna": kizuna.as_json(),
            "smtplib": baseline.as_json(),
        },
    )
    out.print(f"written {path}")


if __name__ == "__main__":
    main()
