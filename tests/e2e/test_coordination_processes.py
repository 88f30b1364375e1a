"""Two answers to one item, across two `kizuna serve` processes peered as operators
peer them: JPN opens an item for USFJ, two US officers answer it at the same moment on
the USA node (one concurs, one does not), and a US user of the JPN node tries too.
One answer is taken, the others are refused (409 on USA, 403 on JPN, whose partner
answers on its own node), and both nodes end with the same versions, the same answer,
the same verdict on it and the same state (issue 10).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.e2e.test_federation_processes import Proc, _peered


def _call(proc: Proc, token: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{proc.url}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def _user(proc: Proc, name: str, nation: str, *roles_and_body: str) -> str:
    proc.cli("user", "add", name, "--nation", nation, "--clearance", "SECRET", *roles_and_body)
    return proc.cli("user", "token", "issue", name).strip().splitlines()[-1]


def _story(proc: Proc, token: str, item_id: str) -> dict[str, Any]:
    """The item as the node shows it, without what only says when or by whom the node
    learnt each thing (times, and a version's local author)."""
    status, shown = _call(proc, token, f"/api/v1/coordination/items/{item_id}")
    assert status == 200, shown
    timeline = []
    for entry in shown["timeline"]:
        if entry["kind"] == "version":
            timeline.append(("version", entry["version"], entry["state"], entry["tier"]))
        elif entry["kind"] == "response":
            r = entry["response"]
            timeline.append(
                ("response", r["id"], r["object"]["kind"], r["origin"], entry["counted"])
            )
        else:
            timeline.append(("escalation", entry["step"]))
    versions = sorted(t for t in timeline if t[0] == "version")
    answers = sorted(t for t in timeline if t[0] == "response")
    return {
        "state": shown["state"],
        "tier": shown["tier"],
        "versions": versions,
        "answers": answers,
    }


def test_two_answers_to_one_item_leave_both_nodes_with_the_same_story(tmp_path: Path) -> None:
    jpn, usa = _peered(tmp_path, "--max-level", "SECRET")
    officer = ("--role", "coordinator", "--body", "usfj")
    sato = _user(
        jpn, "sato", "JPN", "--role", "author", "--role", "releasing_officer", "--body", "jjoc"
    )
    smith = _user(jpn, "smith", "USA", *officer)
    davis = _user(usa, "davis", "USA", *officer)
    jones = _user(usa, "jones", "USA", *officer)
    opened = jpn.cli(
        "coord", "open", "--as", "sato",
        "--title-en", "Port access", "--title-ja", "入港調整",
        "--requesting-body", "jjoc", "--counterpart-body", "usfj",
        "--region", "kanto", "--label", "SECRET//REL TO JPN, USA",
    )  # fmt: skip
    item_id = opened.split()[0]
    try:
        jpn.start()
        usa.start()
        deadline = time.monotonic() + 60
        while _call(usa, davis, f"/api/v1/coordination/items/{item_id}")[0] != 200:
            assert time.monotonic() < deadline, "the item did not reach USA"
            time.sleep(0.2)

        # Two officers answer at the same moment, contradicting each other.
        barrier = threading.Barrier(2)
        outcomes: dict[str, tuple[int, Any]] = {}

        def answer(name: str, token: str, kind: str) -> None:
            barrier.wait()
            outcomes[name] = _call(
                usa,
                token,
                f"/api/v1/coordination/items/{item_id}/responses",
                {"kind": kind, "comment": f"{name}'s view"},
            )

        threads = [
            threading.Thread(target=answer, args=("davis", davis, "concur")),
            threading.Thread(target=answer, args=("jones", jones, "non_concur")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = sorted(status for status, _ in outcomes.values())
        assert statuses == [201, 409], outcomes
        taken = next(body for status, body in outcomes.values() if status == 201)
        refused = next(body for status, body in outcomes.values() if status == 409)
        assert "already answered" in refused["detail"]
        # On the JPN node, a US user is sent to the USA node.
        status, problem = _call(
            jpn,
            smith,
            f"/api/v1/coordination/items/{item_id}/responses",
            {"kind": "non_concur", "comment": "smith's view"},
        )
        assert status == 403, problem
        assert "own node" in problem["detail"]

        wanted = "concurred" if taken["object"]["kind"] == "concur" else "non_concurred"
        deadline = time.monotonic() + 90
        while True:
            here, there = _story(jpn, sato, item_id), _story(usa, davis, item_id)
            if here == there and here["state"] == wanted and here["answers"][0][-1] is True:
                break
            assert time.monotonic() < deadline, (here, there)
            time.sleep(0.3)
        assert here["answers"] == [("response", taken["id"], taken["object"]["kind"], "USA", True)]
        # A second answer after the item moved on is refused too, on the USA node.
        status, late = _call(
            usa,
            jones,
            f"/api/v1/coordination/items/{item_id}/responses",
            {"kind": "non_concur", "comment": "again"},
        )
        assert status == 409, late
        time.sleep(2)  # a few pull rounds: nothing more may arrive on either side
        assert _story(jpn, sato, item_id) == _story(usa, davis, item_id) == here
    finally:
        usa.stop()
        jpn.stop()
