"""The console and the resident pages load from the HealthNet server alone, without errors."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PageRecord, login_as, record, screenshot
from tests.e2e.seed import Facts


def _foreign(rec: PageRecord, base_url: str) -> list[str]:
    """Requests that left the server: a CDN font or script would show up here."""
    return [
        url
        for url in rec.requests
        if not url.startswith(f"{base_url}/") and not url.startswith(("data:", "blob:"))
    ]


def _unexpected(rec: PageRecord) -> list[str]:
    """Error answers other than 401: signed out, asking who is signed in is answered 401."""
    return [e for e in rec.http_errors if not e.startswith("401 ")]


def test_the_console_opens_on_the_login_form_from_the_server_alone(
    page: Page, base_url: str
) -> None:
    rec = record(page)
    page.goto(f"{base_url}/", wait_until="networkidle")

    assert "健康" in page.title()
    expect(page.get_by_label("用户名", exact=True)).to_be_visible()
    expect(page.get_by_label("密码", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    assert rec.console_errors == []
    assert rec.page_errors == []
    assert _unexpected(rec) == []
    assert rec.requests, "the page made no request at all"
    assert _foreign(rec, base_url) == []
    screenshot(page, "login")


def test_a_bookmarked_console_page_asks_to_log_in_first(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/system/users", wait_until="networkidle")

    expect(page.get_by_label("用户名", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()


def test_the_resident_pages_fit_a_phone_screen(h5_page: Page, base_url: str) -> None:
    rec = record(h5_page)
    h5_page.goto(f"{base_url}/h5/", wait_until="networkidle")

    assert "健康" in h5_page.title()
    expect(h5_page.locator("body")).to_contain_text(re.compile(r"\S"))
    # Nothing wider than the 375 px screen: no sideways scrolling.
    assert h5_page.evaluate("document.documentElement.scrollWidth") <= 375
    assert rec.console_errors == []
    assert rec.page_errors == []
    assert _unexpected(rec) == []
    assert _foreign(rec, base_url) == []
    screenshot(h5_page, "h5-home")


def test_an_administrator_signs_in_with_password_and_authenticator(
    page: Page, e2e_server: Facts
) -> None:
    rec = record(page)
    login_as(page, e2e_server, e2e_server.admin)

    expect(page.get_by_text(f"您好，{e2e_server.admin.display_name}")).to_be_visible()
    assert rec.console_errors == []
    assert rec.page_errors == []
    screenshot(page, "home-admin")
