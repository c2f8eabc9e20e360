"""Every administration page opens for the administrator whose duty it is, shows its data, and
raises no error in the browser; the pictures in docs/screenshots/ come from here."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import record, screenshot, signed_in_page
from tests.e2e.seed import Account, Facts

# (account, address, something the page shows once its data is in, screenshot name)
PAGES = [
    ("admin", "/orgs/institutions", "疾病预防控制中心", "institutions"),
    ("admin", "/codes/systems", "ICD-10", "code-systems"),
    ("admin", "/system/roles", "区级管理员", "roles"),
    ("admin", "/system/jobs", "任务队列", "jobs"),
    ("admin", "/system/params", "ui.system_name", "params"),
    ("admin", "/system/dicts", "人的性别代码", "dicts"),
    ("secadmin", "/security/certificates", "下载 CA 证书", "certificates"),
    ("secadmin", "/security/certificates/statistics", "按机构", "certificate-statistics"),
    ("secadmin", "/security/login-log", "admin", "login-log"),
    ("auditadmin", "/security/audit/chain", "审计链", "audit-chain"),
    (
        "district_pudong",
        "/registries/indicators/diabetes",
        "管理人群血糖控制率",
        "registry-indicators",
    ),
]


def _account(facts: Facts, who: str) -> Account:
    """A seeded account by its attribute on the facts (``admin``) or its user name."""
    found = getattr(facts, who, None)
    if isinstance(found, Account):
        return found
    for d in facts.districts:
        for account in (d.district_admin, d.doctor):
            if account.username == who:
                return account
    raise LookupError(who)


@pytest.mark.parametrize(("who", "path", "shows", "name"), PAGES, ids=[p[1] for p in PAGES])
def test_an_administration_page_opens_with_its_data(
    browser: Browser, e2e_server: Facts, who: str, path: str, shows: str, name: str
) -> None:
    page = signed_in_page(browser, e2e_server, _account(e2e_server, who))
    rec = record(page)
    page.goto(f"{e2e_server.base_url}{path}", wait_until="networkidle")

    expect(page.get_by_role("main")).to_contain_text(shows)
    expect(page.get_by_role("main").get_by_role("alert")).to_have_count(0)
    assert rec.console_errors == []
    assert rec.page_errors == []
    assert [e for e in rec.http_errors if "/api/" in e] == []
    screenshot(page, name)
    page.context.close()
