"""A real Kizuna node for browser tests: a SQLite database with objects at varied
labels and users with known passwords, served by `kizuna serve` in its own process on
a free loopback port, and Debian's Chromium driven by Playwright.

Nothing here reaches outside 127.0.0.0/8: the server listens on 127.0.0.1, Chromium
runs with its background networking off, and every browser context aborts (and
records) any request that is not for the test server.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from kizuna.bootstrap import initialize, open_node
from kizuna.labels import Clearance, Label, Policy, can_read, parse
from tests.conftest import node_settings, unavailable
from tests.factories import PASSWORD, add_user, report

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Route, StorageState

CHROMIUM = Path("/usr/bin/chromium")
# Flags that let Debian's Chromium run headless as root in a container, and keep it
# from talking to anything on its own (updates, sync, field trials, QUIC probes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # Names resolve to nothing: only the server's literal 127.0.0.1 address is reachable.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
SERVER_START_SECONDS = 30.0
HEADING = {"ja": "オブジェクト", "en": "Objects"}
SIGN_IN = {"ja": "ログイン", "en": "Sign in"}

# (name, label): names are unique and say what the label is, so a failure reads
# plainly. Several levels, with and without compartments, REL TO JPN only, JPN+USA,
# JPN+USA+AUS. Some are visible to the Japanese reader, some to the US reader only,
# some to neither.
OBJECTS: list[tuple[str, str]] = [
    ("E2E-01 Harbour notice (U, JPN only)", "UNCLASSIFIED//REL TO JPN"),
    ("E2E-02 Joint press line (U, JPN+USA)", "UNCLASSIFIED//REL TO JPN, USA"),
    ("E2E-03 Exercise calendar (U, JPN+USA+AUS)", "UNCLASSIFIED//REL TO JPN, USA, AUS"),
    ("E2E-04 Island liaison plan (C, JPN only)", "CONFIDENTIAL//REL TO JPN"),
    ("E2E-05 Trilateral logistics (C, JPN+USA+AUS)", "CONFIDENTIAL//REL TO JPN, USA, AUS"),
    ("E2E-06 Cell tasking (C, BIAC, JPN+USA)", "CONFIDENTIAL//BIAC//REL TO JPN, USA"),
    ("E2E-07 Command options (S, JPN+USA)", "SECRET//REL TO JPN, USA"),
    ("E2E-08 Maritime assessment (S, BIAC, JPN+USA+AUS)", "SECRET//BIAC//REL TO JPN, USA, AUS"),
    ("E2E-09 Incident notes (S, CYBER, JPN only)", "SECRET//CYBER//REL TO JPN"),
    ("E2E-10 Strategic review (TS, JPN+USA)", "TOP SECRET//REL TO JPN, USA"),
]


@dataclass(frozen=True)
class Reader:
    username: str
    password: str
    clearance: Clearance


@dataclass(frozen=True)
class SeededObject:
    id: str
    name: str
    label: Label


@dataclass
class LiveNode:
    """What the browser tests need: where the node is, its policy, what it holds."""

    base_url: str
    nation: str
    policy: Policy
    objects: list[SeededObject]
    readers: dict[str, Reader]
    log_file: Path
    screenshot_dir: Path
    process: subprocess.Popen[bytes]
    serving: bool = False

    def visible_to(self, reader: Reader) -> list[SeededObject]:
        """The oracle: the objects whose labels `can_read` allows for the reader."""
        return [o for o in self.objects if can_read(reader.clearance, o.label)]

    def hidden_from(self, reader: Reader) -> list[SeededObject]:
        visible = {o.id for o in self.visible_to(reader)}
        return [o for o in self.objects if o.id not in visible]

    def wait_until_serving(self) -> None:
        """Block until the server answers (it boots while Chromium starts)."""
        if not self.serving:
            _wait_until_serving(self.process, f"{self.base_url}/login", self.log_file)
            self.serving = True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _kizuna_command() -> list[str]:
    script = Path(sys.executable).with_name("kizuna")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "kizuna.cli.main"]


def spawn_serve(
    root: Path, db_url: str, key_file: Path
) -> tuple[subprocess.Popen[bytes], int, Path]:
    """`kizuna serve` of one node on a free loopback port, its output in a log file;
    started, not waited for (see `_wait_until_serving`)."""
    port = _free_port()
    log_file = root / "serve.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("KIZUNA_") or key == "KIZUNA_REQUIRE_ALL"
    }
    env.update(KIZUNA_KEY_FILE=str(key_file), KIZUNA_ENV="local")
    with log_file.open("wb") as log:
        proc = subprocess.Popen(
            [
                *_kizuna_command(),
                "serve",
                "--db",
                db_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=root,
        )
    return proc, port, log_file


def _wait_until_serving(proc: subprocess.Popen[bytes], url: str, log_file: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"kizuna serve exited with {proc.returncode}:\n{log_file.read_text()}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(
        f"kizuna serve did not answer {url} in {SERVER_START_SECONDS:.0f} s:\n"
        f"{log_file.read_text()}",
        pytrace=False,
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the pages are photographed for a person to look at: KIZUNA_SCREENSHOT_DIR,
    else a folder of this run's pytest temporary directory."""
    chosen = os.environ.get("KIZUNA_SCREENSHOT_DIR")
    if chosen:
        path = Path(chosen)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots", numbered=False)


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    """A JPN node with labelled objects and two readers, served by `kizuna serve`.

    The server is started here but waited for by `open_session`, so that it boots
    while Chromium launches.
    """
    root = tmp_path_factory.mktemp("node")
    db_url = f"sqlite:///{root / 'kizuna.db'}"
    settings = node_settings(db_url, root)
    initialize(settings, nation="JPN")
    node = open_node(settings)
    try:
        policy = node.policy
        seeded = []
        for name, text in OBJECTS:
            label = parse(policy, text)
            stored = node.store.create(node.system, report(name), label)
            seeded.append(SeededObject(id=stored.id, name=name, label=label))
        readers: dict[str, Reader] = {}
        for username, nation, level, comps in [
            ("yamada", "JPN", "CONFIDENTIAL", []),
            ("miller", "USA", "SECRET", ["BIAC"]),
        ]:
            add_user(
                node,
                username,
                nation=nation,
                clearance=level,
                compartments=comps,
                roles=["reader"],
                password=PASSWORD,
            )
            clearance = Clearance(nation, policy.level_named(level).rank, frozenset(comps))
            readers[nation] = Reader(username, PASSWORD, clearance)
        nation = node.nation
    finally:
        node.db.dispose()

    proc, port, log_file = spawn_serve(root, db_url, settings.key_file)
    base_url = f"http://127.0.0.1:{port}"
    try:
        yield LiveNode(
            base_url=base_url,
            nation=nation,
            policy=policy,
            objects=seeded,
            readers=readers,
            log_file=log_file,
            screenshot_dir=_screenshot_dir(tmp_path_factory),
            process=proc,
        )
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright; never a browser Playwright downloads."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"Chromium is not installed at {CHROMIUM} (Debian package chromium)")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            first_line = (str(exc).strip().splitlines() or [repr(exc)])[0]
            unavailable(f"Playwright cannot launch {CHROMIUM}: {first_line}")
            raise  # unreachable: unavailable() skips or fails
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Session:
    """One browser context, as one person's browser: its page and what it asked for."""

    page: Page
    node: LiveNode
    states: dict[str, StorageState]
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return self.node.base_url

    def foreign_requests(self, since: int = 0) -> list[str]:
        """Every request that was not for the test server (blocked or not), from the
        `since`-th on (a session kept for several tests asks per test)."""
        return [url for url in self.requests[since:] if not _same_origin(url, self.origin)]

    def log_in(self, reader: Reader, lang: str) -> None:
        """As a person would: open the site, get sent to the form, type, click.

        The signed-in cookies are kept for the module, so later sessions of the same
        reader start signed in without paying for another password hash.
        """
        page = self.page
        page.goto(f"{self.origin}/objects")
        expect(page).to_have_url(re.compile(r"/login\?next=/objects$"))
        expect(page.locator("h1")).to_have_text(SIGN_IN[lang])
        # A page that shows no object is marked with the lowest level, in its language.
        lowest = self.node.policy.lowest
        assert page.evaluate("document.documentElement.lang") == lang
        for where in ("#banner-top", "#banner-bottom"):
            assert page.locator(where).inner_text() == (lowest.ja if lang == "ja" else lowest.name)
        for name, value in (("username", reader.username), ("password", reader.password)):
            field_ = page.locator(f"input[name={name}]")
            field_.click()
            field_.press_sequentially(value)
        page.get_by_role("button", name=SIGN_IN[lang], exact=True).click()
        expect(page).to_have_url(f"{self.origin}/objects")
        expect(page.locator("h1")).to_have_text(HEADING[lang])
        self.states[reader.username] = page.context.storage_state()


def _same_origin(url: str, origin: str) -> bool:
    return url == origin or url.startswith(origin + "/")


class OpenSession(Protocol):
    def __call__(self, locale: str, *, signed_in_as: Reader | None = None) -> Session: ...


@pytest.fixture(scope="module")
def signed_in_states() -> dict[str, StorageState]:
    """Cookies of a session each reader opened through the login form, once a module."""
    return {}


def new_session(
    browser: Browser,
    live_node: LiveNode,
    states: dict[str, StorageState],
    contexts: list[BrowserContext],
    locale: str,
    signed_in_as: Reader | None = None,
) -> Session:
    """A fresh browser context with a locale (its Accept-Language) and a page, added
    to `contexts` for the caller to close; with `signed_in_as`, the reader is signed
    in and the page is on /objects.

    Every request of the context is recorded; any not for the test server is aborted,
    so a mistake in a page can show up as a failure but never as traffic leaving the
    machine.
    """
    state = states.get(signed_in_as.username) if signed_in_as else None
    context = browser.new_context(
        locale=locale, viewport={"width": 1280, "height": 900}, storage_state=state
    )
    contexts.append(context)
    context.set_default_timeout(10_000)
    requests: list[str] = []
    blocked: list[str] = []

    def guard(route: Route) -> None:
        if _same_origin(route.request.url, live_node.base_url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    # Both before the first page exists, so that nothing it asks for goes unseen.
    context.route("**/*", guard)
    context.on("request", lambda request: requests.append(request.url))
    session = Session(
        page=context.new_page(), node=live_node, states=states, requests=requests, blocked=blocked
    )
    session.page.on(
        "console", lambda message: session.console.append(f"{message.type}: {message.text}")
    )
    if signed_in_as is not None:
        lang = "en" if locale.lower().startswith("en") else "ja"
        if state is None:
            session.log_in(signed_in_as, lang)
        else:
            session.page.goto(f"{live_node.base_url}/objects")
            expect(session.page.locator("h1")).to_have_text(HEADING[lang])
    return session


@pytest.fixture
def open_session(
    live_node: LiveNode, browser: Browser, signed_in_states: dict[str, StorageState]
) -> Iterator[OpenSession]:
    """Open sessions (`new_session`), each closed when the test ends."""
    live_node.wait_until_serving()
    contexts: list[BrowserContext] = []

    def opener(locale: str, *, signed_in_as: Reader | None = None) -> Session:
        return new_session(browser, live_node, signed_in_states, contexts, locale, signed_in_as)

    try:
        yield opener
    finally:
        for context in contexts:
            context.close()
