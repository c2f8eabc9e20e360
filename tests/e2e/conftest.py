"""End-to-end browser tests: the built web console (``web/dist``) served by a real ``healthnet
serve`` process, driven by headless Chromium through Playwright.

Run with ``pytest -m e2e tests/e2e`` (``make test`` does, once, after the SQLite and PostgreSQL
passes; the plain ``pytest`` run leaves them out through ``addopts`` in pyproject.toml). Every
test in this folder is marked ``e2e`` here, so a test module needs no decorator.

The server gets a database of its own, seeded by ``tests/e2e/seed.py`` in a separate process, so
nothing here touches the settings or the engine that ``tests/conftest.py`` configures for the unit
tests:

* SQLite file in a temporary folder by default;
* when ``HEALTHNET_TEST_DATABASE_URL`` names a PostgreSQL database, a database beside it whose
  name ends in ``_e2e``, dropped and created for the run and dropped at the end.

The browser is the system's Chromium (``/usr/bin/chromium``, Debian package ``chromium``);
Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from tests.e2e.seed import Account, Facts

ROOT = Path(__file__).resolve().parents[2]
# The built console; HEALTHNET_WEB_DIST_DIR (the server's own setting) may point elsewhere.
DIST = Path(os.environ.get("HEALTHNET_WEB_DIST_DIR") or ROOT / "web" / "dist")
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("HEALTHNET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A fixed master key: the seed process and the server must encrypt and decrypt with the same one.
MASTER_KEY = "e2e0" * 16
TOTP_STEP = 30


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postgres_e2e_url(test_url: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(test_url)
    return url.set(database=f"{url.database}_e2e").render_as_string(hide_password=False)


def _recreate_postgres(url: str, *, create: bool) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = u.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{u.database}"')


def _server_env(database_url: str, var_dir: Path) -> dict[str, str]:
    # Nothing of the unit tests' HEALTHNET_* settings (tests/conftest.py sets them at import).
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEALTHNET_")}
    env.update(
        HEALTHNET_DATABASE_URL=database_url,
        HEALTHNET_VAR_DIR=str(var_dir),
        HEALTHNET_WEB_DIST_DIR=str(DIST),
        HEALTHNET_MASTER_KEY=MASTER_KEY,
        HEALTHNET_ENVIRONMENT="local",
        HEALTHNET_LOG_LEVEL="WARNING",
        # Every test logs in from 127.0.0.1: the per-IP login limit is for the outside world.
        HEALTHNET_LOGIN_IP_LIMIT="100000",
    )
    return env


def _wait_ready(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    pytest.fail(f"healthnet serve did not become ready at {base_url}:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def e2e_server() -> Iterator[Facts]:
    """A seeded database and ``healthnet serve`` on a free port; yields the seeded facts with
    ``base_url`` set."""
    if not (DIST / "index.html").is_file():
        pytest.fail(f"{DIST / 'index.html'} is missing: build the web console with `make web`")
    tmp = Path(tempfile.mkdtemp(prefix="healthnet-e2e-"))
    test_url = os.environ.get("HEALTHNET_TEST_DATABASE_URL", "")
    on_postgres = test_url.startswith("postgresql")
    database_url = _postgres_e2e_url(test_url) if on_postgres else f"sqlite:///{tmp / 'e2e.db'}"
    if on_postgres:
        _recreate_postgres(database_url, create=True)
    env = _server_env(database_url, tmp)

    facts_file = tmp / "facts.json"
    seeded = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("seed.py")), str(facts_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if seeded.returncode != 0:
        pytest.fail(f"seeding the e2e database failed:\n{seeded.stderr[-4000:]}")

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp / "server.log"
    serve = [sys.executable, "-m", "healthnet.cli", "serve", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*serve, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_ready(base_url, server, log)
        yield Facts.from_json(json.loads(facts_file.read_text()), base_url)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if on_postgres:
            _recreate_postgres(database_url, create=False)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def base_url(e2e_server: Facts) -> str:
    return e2e_server.base_url


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (or `make chromium`)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _context(browser: Browser, **options: Any) -> BrowserContext:
    return browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A desktop page (1920×1080, zh-CN, Asia/Shanghai) in a fresh context."""
    context = _context(browser, viewport={"width": 1920, "height": 1080})
    yield context.new_page()
    context.close()


@pytest.fixture
def h5_page(browser: Browser) -> Iterator[Page]:
    """A phone page (375×812, touch, zh-CN) in a fresh context, for the resident H5 pages."""
    context = _context(
        browser,
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


# --------------------------------------------------------------------------- helpers


_last_step: dict[str, int] = {}


def totp_code(secret: str) -> str:
    """A code the server has not seen for this secret yet.

    The server accepts a code once per account and time step, and the steps next to the current
    one too (clock drift); a second login of the same account within 30 s therefore takes the
    next step's code, and a third waits for the step after.
    """
    now = int(time.time())
    step = max(now // TOTP_STEP, _last_step.get(secret, -1) + 1)
    if step > now // TOTP_STEP + 1:
        time.sleep((step - 1) * TOTP_STEP - now + 0.5)
    _last_step[secret] = step
    return str(pyotp.TOTP(secret).at(step * TOTP_STEP))


def screenshot(page: Page, name: str) -> Path:
    """A PNG of the visible page, written to docs/screenshots/<name>.png when
    ``HEALTHNET_SCREENSHOTS=1`` (``make screenshots``), else to a temporary folder, so a test
    run does not rewrite the committed pictures."""
    folder = (
        SCREENSHOTS
        if os.environ.get("HEALTHNET_SCREENSHOTS") == "1"
        else Path(tempfile.gettempdir()) / "healthnet-screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    # A picture of spinners shows nothing: wait until every loading mask has gone.
    expect(page.locator(".el-loading-mask:visible")).to_have_count(0, timeout=10_000)
    page.screenshot(path=str(path), animations="disabled")
    return path


def login(page: Page, base_url: str, username: str, password: str, totp_secret: str) -> None:
    """Sign in through the login page as a user would: name and password, then the
    authenticator code; returns once the console has left the login page."""
    page.goto(f"{base_url}/login")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_label("动态验证码", exact=True).fill(totp_code(totp_secret))
    page.get_by_role("button", name="确定", exact=True).click()
    page.wait_for_url(lambda url: "/login" not in url)


def login_as(page: Page, facts: Facts, account: Account) -> None:
    """:func:`login` with a seeded account (``facts.admin``, ``facts.districts[0].doctor`` …)."""
    login(page, facts.base_url, account.username, account.password, account.totp_secret)


_storage: dict[str, Any] = {}


def signed_in_page(browser: Browser, facts: Facts, account: Account) -> Page:
    """A desktop page of a context already signed in as ``account``: the first call signs in
    through the login page, later calls reuse that session's cookies (no wait for a fresh
    authenticator code). The caller closes ``page.context``."""
    if account.username in _storage:
        context = _context(
            browser,
            viewport={"width": 1920, "height": 1080},
            storage_state=_storage[account.username],
        )
        return context.new_page()
    context = _context(browser, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    login_as(page, facts, account)
    _storage[account.username] = context.storage_state()
    return page


@dataclass
class PageRecord:
    """What a page did: every request URL, every answer with an error status
    (``"401 http://…/api/v1/auth/me"``), console errors and uncaught exceptions."""

    requests: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)


def record(page: Page) -> PageRecord:
    """Start recording ``page``'s requests and errors (call before navigating).

    Chromium's own console line for an error status ("Failed to load resource: …") is left out
    of ``console_errors``: the answer itself is in ``http_errors``, with its URL, where a test
    can tell an expected 401 from a missing file.
    """
    rec = PageRecord()
    page.on("request", lambda r: rec.requests.append(r.url))
    page.on(
        "response",
        lambda r: rec.http_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            rec.console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda e: rec.page_errors.append(str(e)))
    return rec
