"""Page load times of the web console, in headless Chromium, against a running server.

    .venv/bin/python bench/web_bench.py run --base-url http://127.0.0.1:8000 \\
        --login admin=admin:PASSWORD:TOTPSECRET \\
        --login audit=auditadmin:PASSWORD:TOTPSECRET \\
        --login patients=admin_xuhui:PASSWORD:TOTPSECRET [-n 30] [--cache cold|warm]

For each page (``--page PATH[@ACCOUNT]``, repeatable; default: the list in ``PAGES``) it navigates
``-n`` times, waits for the network to go idle, and reads from the browser's own timings:

* ``loadEventEnd`` of the Navigation Timing entry, and
* the end of the last ``/api/`` response (Resource Timing), since a console page is not usable
  before its data has arrived.

The page's time is the later of the two ("Navigation Timing loadEventEnd, API calls included");
nearest-rank p50/p95/p99 per page are printed as a markdown table. ``--cache cold`` (default)
opens a fresh browser context for every sample (nothing cached, like a first visit that day);
``warm`` reuses one context per account (scripts and styles from the HTTP cache). One unrecorded
visit per page warms the server first.

Accounts sign in once each through the API (password, then the authenticator code) with a
cookie session; the cookies are handed to the browser contexts. A page listed without
``@ACCOUNT`` is measured signed out (the login page). An account of a fresh install (forced
password change, no authenticator yet) is made usable with::

    .venv/bin/python bench/web_bench.py first-login --base-url URL \\
        --username admin --password ONE-TIME-PASSWORD --new-password NEW-PASSWORD

which changes the password and enrols an authenticator through the login steps a person
would take, and prints the TOTP secret for ``--login``.

The browser is the system's Chromium (``/usr/bin/chromium``); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pyotp
from common import machine, pct
from playwright.sync_api import Browser, BrowserContext, Page, Response, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOGIN = "/api/v1/auth/login"

# (path, account name or None for signed out)
PAGES: list[tuple[str, str | None]] = [
    ("/login", None),
    ("/", "admin"),
    ("/system/users", "admin"),
    ("/orgs/institutions", "admin"),
    ("/codes/systems", "admin"),
    ("/patients/persons", "patients"),
    ("/security/audit", "audit"),
]

# Performance entries read after the page went idle (times in ms since navigation start).
TIMINGS_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const api = performance.getEntriesByType('resource')
    .filter((e) => new URL(e.name).pathname.startsWith('/api/'));
  return {
    loadEventEnd: nav ? nav.loadEventEnd : 0,
    lastApiEnd: api.reduce((m, e) => Math.max(m, e.responseEnd), 0),
    apiCalls: api.length,
  };
}"""


@dataclass
class Credentials:
    username: str
    password: str
    totp_secret: str


@dataclass
class Result:
    path: str
    account: str | None
    total_ms: list[float] = field(default_factory=list)
    load_ms: list[float] = field(default_factory=list)
    api_calls: list[int] = field(default_factory=list)
    api_errors: int = 0


def parse_login(value: str) -> tuple[str, Credentials]:
    """``NAME=USER:PASSWORD:SECRET`` (the password may itself contain colons)."""
    name, sep, rest = value.partition("=")
    user, _, rest = rest.partition(":")
    password, _, secret = rest.rpartition(":")
    if not (sep and name and user and password and secret):
        raise argparse.ArgumentTypeError(f"expected NAME=USER:PASSWORD:TOTPSECRET, got {value!r}")
    return name, Credentials(user, password, secret)


def parse_page(value: str) -> tuple[str, str | None]:
    path, _, account = value.partition("@")
    if not path.startswith("/"):
        raise argparse.ArgumentTypeError(f"a page is a path starting with /, got {value!r}")
    return path, account or None


def _post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body)
    if r.status_code != 200:
        raise SystemExit(f"POST {path} → {r.status_code}: {r.text}")
    data: dict[str, Any] = r.json()
    return data


def _code(secret: str, offset_steps: int = 0) -> str:
    return str(pyotp.TOTP(secret).at(time.time() + 30 * offset_steps))


def sign_in(base_url: str, creds: Credentials) -> list[dict[str, Any]]:
    """Log in with a cookie session; returns the cookies in Playwright's form."""
    for attempt in range(2):
        with httpx.Client(base_url=base_url, timeout=60) as client:
            body = {"username": creds.username, "password": creds.password, "session": "cookie"}
            step = _post(client, LOGIN, body)
            if step["stage"] != "second_factor" or "totp" not in step.get("methods", []):
                raise SystemExit(
                    f"{creds.username}: login answered {step}; run `first-login` for an account "
                    "that must still change its password or enrol an authenticator"
                )
            # A code is accepted once per account and time step: a second run within the same
            # 30 s takes the next step's code.
            r = client.post(
                f"{LOGIN}/totp",
                json={"ticket": step["ticket"], "code": _code(creds.totp_secret, attempt)},
            )
            if r.status_code == 200 and r.json()["stage"] == "done":
                return [
                    {"name": c.name, "value": c.value or "", "url": base_url}
                    for c in client.cookies.jar
                ]
    raise SystemExit(f"{creds.username}: the authenticator code was refused: {r.text}")


def first_login(base_url: str, username: str, password: str, new_password: str) -> None:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        step = _post(client, LOGIN, {"username": username, "password": password})
        if step["stage"] == "change_password":
            step = _post(
                client, f"{LOGIN}/password", {"ticket": step["ticket"], "password": new_password}
            )
        if step["stage"] != "second_factor" or "totp_enrolment" not in step.get("methods", []):
            raise SystemExit(f"{username}: nothing to set up (answer: {step})")
        enrolment = _post(client, f"{LOGIN}/totp/enrolment", {"ticket": step["ticket"]})
        secret = enrolment["secret"]
        done = _post(
            client,
            f"{LOGIN}/totp/enrolment/confirm",
            {"ticket": step["ticket"], "code": _code(secret)},
        )
        if done["stage"] != "done":
            raise SystemExit(f"{username}: enrolment not finished: {done}")
    print(f"--login NAME={username}:{new_password}:{secret}")


def _new_context(browser: Browser, cookies: list[dict[str, Any]] | None) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    if cookies:
        context.add_cookies(cookies)  # type: ignore[arg-type]
    return context


def _visit(page: Page, base_url: str, path: str, result: Result | None) -> None:
    errors: list[str] = []

    def on_response(r: Response) -> None:
        if urlsplit(r.url).path.startswith("/api/") and r.status >= 400:
            errors.append(f"{r.status} {r.url}")

    page.on("response", on_response)
    page.goto(f"{base_url}{path}", wait_until="networkidle")
    page.remove_listener("response", on_response)
    landed = urlsplit(page.url).path
    if landed != path and landed.startswith("/login"):
        raise SystemExit(f"{path}: the browser was sent to {page.url} (session not accepted?)")
    t = page.evaluate(TIMINGS_JS)
    if result is not None:
        result.load_ms.append(t["loadEventEnd"])
        result.total_ms.append(max(t["loadEventEnd"], t["lastApiEnd"]))
        result.api_calls.append(t["apiCalls"])
        result.api_errors += len(errors)


def measure(
    browser: Browser,
    base_url: str,
    pages: list[tuple[str, str | None]],
    cookies: dict[str, list[dict[str, Any]]],
    n: int,
    cache: str,
) -> list[Result]:
    results = []
    warm: dict[str | None, Page] = {}
    for path, account in pages:
        result = Result(path, account)
        jar = cookies.get(account) if account else None
        for i in range(n + 1):  # the first visit only warms the server
            if cache == "warm":
                if account not in warm:
                    warm[account] = _new_context(browser, jar).new_page()
                _visit(warm[account], base_url, path, result if i else None)
            else:
                context = _new_context(browser, jar)
                try:
                    _visit(context.new_page(), base_url, path, result if i else None)
                finally:
                    context.close()
        results.append(result)
        print(f"  {path}: done", file=sys.stderr, flush=True)
    for page in warm.values():
        page.context.close()
    return results


def table(results: list[Result]) -> str:
    lines = [
        "| page | account | n | p50 ms | p95 ms | p99 ms | max ms | loadEventEnd p50 ms "
        "| API calls | API errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        calls = sorted(set(r.api_calls))
        lines.append(
            f"| `{r.path}` | {r.account or '(signed out)'} | {len(r.total_ms)} "
            f"| {pct(r.total_ms, 50):.0f} | {pct(r.total_ms, 95):.0f} | {pct(r.total_ms, 99):.0f} "
            f"| {max(r.total_ms):.0f} | {pct(r.load_ms, 50):.0f} "
            f"| {calls[0] if len(calls) == 1 else f'{calls[0]}–{calls[-1]}'} | {r.api_errors} |"
        )
    return "\n".join(lines)


def _command_line() -> str:
    """The command as run, without passwords and authenticator secrets."""
    words: list[str] = []
    for word in sys.argv:
        if word.startswith("--login="):
            word = f"--login={parse_login(word[8:])[0]}=…"
        elif words and words[-1] == "--login":
            word = f"{parse_login(word)[0]}=…"
        words.append(word)
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="measure page load times")
    run.add_argument("--base-url", required=True)
    run.add_argument("--login", type=parse_login, action="append", default=[])
    run.add_argument("--page", type=parse_page, action="append", default=[])
    run.add_argument("-n", type=int, default=30, help="samples per page")
    run.add_argument("--cache", choices=("cold", "warm"), default="cold")
    run.add_argument("--json", default="", help="also write the samples to this file")
    setup = sub.add_parser("first-login", help="change a one-time password, enrol TOTP")
    setup.add_argument("--base-url", required=True)
    setup.add_argument("--username", required=True)
    setup.add_argument("--password", required=True)
    setup.add_argument("--new-password", required=True)
    args = parser.parse_args()
    base_url = args.base_url.rstrip("/")

    if args.command == "first-login":
        first_login(base_url, args.username, args.password, args.new_password)
        return

    accounts = dict(args.login)
    pages = args.page or PAGES
    skipped = [(p, a) for p, a in pages if a and a not in accounts]
    pages = [(p, a) for p, a in pages if not a or a in accounts]
    cookies = {name: sign_in(base_url, creds) for name, creds in accounts.items()}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            results = measure(browser, base_url, pages, cookies, args.n, args.cache)
            version = browser.version
        finally:
            browser.close()

    print(f"\n{_command_line()}")
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Chromium {version} headless, 1920×1080, "
        f"{args.cache} cache, {args.n} samples per page after one warm-up visit"
    )
    print(f"machine: {json.dumps(machine(), ensure_ascii=False)}\n")
    print(table(results))
    for path, account in skipped:
        print(f"\nnot measured: {path} (no --login {account}=…)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([r.__dict__ for r in results], f, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
