"""What the people running the platform do in the console, end to end in the browser.

An administrator creates an account and gives it a role; its owner signs in for the first time
(authenticator enrolment, new password, recovery codes) and sees only the menus of that role; a
doctor finds a resident by ID number; a district administrator who edits the address bar to
reach another district's resident is refused in Chinese; the audit administrator finds all of it
in the audit log; a user signed out by the security administrator signs in again without losing
the page.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import (
    _context,
    login,
    login_as,
    record,
    screenshot,
    totp_code,
)
from tests.e2e.seed import Facts, Resident


@dataclass(frozen=True)
class Clerk:
    username: str
    display_name: str
    password: str  # after the forced change at first sign-in
    totp_secret: str  # shown once, at enrolment


def _side_menu(page: Page) -> Locator:
    return page.get_by_role("menubar").first


def _dialog(page: Page, title: str) -> Locator:
    return page.get_by_role("dialog", name=re.compile(title))


def _pick(page: Page, select: Locator, option: str, *, typed: str | None = None) -> None:
    """Choose ``option`` in an Element Plus select (its input sits under a wrapper, hence the
    forced click; ``typed`` goes into a remote-search select first). The option list is appended
    to <body>, so it is looked up page-wide."""
    select.click(force=True)
    if typed:
        page.keyboard.type(typed)
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


@pytest.fixture(scope="module")
def clerk(browser: Browser, e2e_server: Facts) -> Clerk:
    """The administrator creates 周敏 ``nurse_<random>`` of the 徐汇 hospital on the users page
    and gives her the role 护士 with 分配角色; she then signs in for the first time."""
    username = f"nurse_{secrets.token_hex(3)}"
    initial, final = "Initial-pass-2026", "Changed-pass-2026!"
    xuhui = e2e_server.districts[0]

    context = _context(browser, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    login_as(page, e2e_server, e2e_server.admin)
    page.goto(f"{e2e_server.base_url}/system/users")
    page.get_by_role("button", name="新增用户").click()
    dialog = _dialog(page, "新增用户")
    dialog.get_by_label("用户名", exact=True).fill(username)
    dialog.get_by_label("姓名", exact=True).fill("周敏")
    dialog.get_by_label("初始密码", exact=True).fill(initial)
    institution = dialog.locator(".el-form-item", has_text="所属机构").locator(".el-select")
    _pick(page, institution, xuhui.institution_name, typed=xuhui.institution_code)
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_be_hidden()

    # Find her the way an administrator would among a few dozen accounts: by keyword.
    page.get_by_label("关键字", exact=True).fill(username)
    page.get_by_role("button", name="查询").click()
    row = page.locator(".el-table__row", has_text=username)
    row.get_by_role("button", name="分配角色").click()
    roles = _dialog(page, "分配角色")
    _pick(page, roles.locator(".el-select"), "护士")
    roles.get_by_role("button", name="分配", exact=True).click()
    expect(roles.locator(".el-table__row", has_text="护士")).to_be_visible()
    screenshot(page, "users-assign-role")
    page.keyboard.press("Escape")
    expect(row).to_contain_text("护士")
    screenshot(page, "users")
    context.close()

    # First sign-in: replace the initial password, enrol an authenticator, keep the recovery
    # codes.
    context = _context(browser, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{e2e_server.base_url}/login")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(initial)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_label("新密码", exact=True).fill(final)
    page.get_by_label("确认新密码", exact=True).fill(final)
    page.get_by_role("button", name="确定", exact=True).click()
    expect(page.get_by_text("绑定身份验证器")).to_be_visible()
    secret = page.locator(".secret").inner_text().split("：", 1)[1].strip()
    page.get_by_label("动态验证码", exact=True).fill(totp_code(secret))
    page.get_by_role("button", name="确定", exact=True).click()
    expect(page.get_by_text("请妥善保存恢复码")).to_be_visible()
    page.get_by_role("button", name="我已保存，继续").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.get_by_text("您好，周敏")).to_be_visible()
    context.close()
    return Clerk(username, "周敏", final, secret)


def test_a_new_account_sees_only_the_menus_of_its_role(
    page: Page, e2e_server: Facts, clerk: Clerk
) -> None:
    login(page, e2e_server.base_url, clerk.username, clerk.password, clerk.totp_secret)
    menu = _side_menu(page)
    expect(menu).to_contain_text("居民主索引")
    expect(menu).to_contain_text("机构管理")
    for forbidden in ("系统管理", "安全管理", "用户管理", "审计日志", "在线用户"):
        expect(menu).not_to_contain_text(forbidden)
    screenshot(page, "home-nurse")

    # A page outside the role, opened by its address, is refused rather than shown.
    page.goto(f"{e2e_server.base_url}/system/users")
    expect(page.get_by_role("main").get_by_text("无权访问该页面")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)


def _search_by_id_number(page: Page, facts: Facts, resident: Resident) -> Locator:
    """The doctor of the resident's district signs in and searches by ID number; returns the
    result row."""
    login_as(page, facts, facts.districts[0].doctor)
    page.goto(f"{facts.base_url}/patients/persons")
    page.get_by_label("证件号码", exact=True).fill(resident.id_number)
    page.get_by_role("button", name="查询").click()
    return page.locator(".el-table__row", has_text=resident.master_id)


def test_a_doctor_finds_a_resident_by_id_number(page: Page, e2e_server: Facts) -> None:
    resident = e2e_server.districts[0].residents[0]
    rec = record(page)
    row = _search_by_id_number(page, e2e_server, resident)

    expect(row).to_contain_text(resident.name)
    # The ID number never travels in an address: the search is a POST body.
    assert not any(resident.id_number in url for url in rec.requests)
    screenshot(page, "patient-search")
    row.get_by_role("button", name="详情").click()
    page.wait_for_url(re.compile(rf"/patients/persons/{resident.person_id}$"))
    expect(page.get_by_text(resident.master_id).first).to_be_visible()
    screenshot(page, "person-detail")


def test_a_district_user_cannot_open_another_districts_resident_by_editing_the_address(
    page: Page, e2e_server: Facts
) -> None:
    xuhui, pudong = e2e_server.districts
    own, foreign = xuhui.residents[0], pudong.residents[0]
    login_as(page, e2e_server, xuhui.district_admin)

    page.goto(f"{e2e_server.base_url}/patients/persons/{own.person_id}")
    expect(page.get_by_text(own.master_id).first).to_be_visible()

    page.goto(f"{e2e_server.base_url}/patients/persons/{foreign.person_id}")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("居民不存在")
    expect(alert).to_contain_text("不在您的数据范围内")
    expect(page.get_by_text(foreign.master_id)).to_have_count(0)
    expect(page.get_by_text(foreign.name)).to_have_count(0)


def test_the_audit_administrator_finds_these_actions_in_the_audit_log(
    browser: Browser, page: Page, e2e_server: Facts, clerk: Clerk
) -> None:
    doctor = e2e_server.districts[0].doctor
    other = _context(browser, viewport={"width": 1920, "height": 1080})
    expect(
        _search_by_id_number(other.new_page(), e2e_server, e2e_server.districts[0].residents[0])
    ).to_be_visible()
    other.close()

    login_as(page, e2e_server, e2e_server.auditadmin)
    page.goto(f"{e2e_server.base_url}/security/audit")
    actor = page.get_by_role("textbox", name="操作人", exact=True)
    rows = page.locator(".el-table__body .el-table__row")

    # The administrator's account creation and role grant (the record names the role).
    actor.fill(e2e_server.admin.username)
    page.get_by_role("button", name="查询").click()
    created = rows.filter(has_text="auth.user.create")
    granted = rows.filter(has_text="rbac.user_role.grant")
    expect(created).to_have_count(1)
    expect(granted).to_have_count(1)
    expect(rows.filter(has_text=doctor.username)).to_have_count(0)
    screenshot(page, "audit-log")
    granted.get_by_role("button", name="详情").click()
    drawer = page.get_by_role("dialog")
    expect(drawer).to_contain_text('"roleCode": "nurse"')
    page.keyboard.press("Escape")

    # The new account's own first sign-in: its password change.
    actor.fill(clerk.username)
    page.get_by_role("button", name="查询").click()
    expect(rows.filter(has_text="auth.password.change")).to_have_count(1)

    # The doctor's search, as a clinical purpose, without the ID number in the record.
    actor.fill(doctor.username)
    page.get_by_role("button", name="查询").click()
    search = rows.filter(has_text="patients.person.search").first
    expect(search).to_contain_text("诊疗")
    expect(rows.filter(has_text=e2e_server.districts[0].residents[0].id_number)).to_have_count(0)


def test_signed_out_by_the_security_administrator_signs_in_again_on_the_same_page(
    browser: Browser, page: Page, e2e_server: Facts
) -> None:
    admin = e2e_server.admin
    login_as(page, e2e_server, admin)
    page.goto(f"{e2e_server.base_url}/system/users")
    keyword = page.get_by_label("关键字", exact=True)
    keyword.fill("doctor")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".el-table__row").first).to_contain_text("doctor")

    security = _context(browser, viewport={"width": 1920, "height": 1080})
    sec_page = security.new_page()
    login_as(sec_page, e2e_server, e2e_server.secadmin)
    sec_page.goto(f"{e2e_server.base_url}/security/sessions")
    # Every session of the administrator (earlier tests signed in too), newest first.
    sessions = sec_page.locator(".el-table__row", has_text=f"（{admin.username}）")
    expect(sessions.first).to_be_visible()
    screenshot(sec_page, "online-users")
    for remaining in range(sessions.count(), 0, -1):
        sessions.first.get_by_role("button", name="强制下线").click()
        sec_page.locator(".el-message-box").get_by_role("button", name="确定").click()
        expect(sessions).to_have_count(remaining - 1)
    security.close()

    # The next thing the administrator does meets the ended session: a sign-in dialog opens
    # over the page, and after it the page and what was typed in it are still there.
    keyword.fill("doctor_xuhui")
    page.get_by_role("button", name="查询").click()
    dialog = page.get_by_role("dialog", name="会话已过期，请重新登录")
    expect(dialog).to_be_visible()
    dialog.get_by_label("密码", exact=True).fill(admin.password)
    dialog.get_by_role("button", name="登录", exact=True).click()
    dialog.get_by_label("动态验证码", exact=True).fill(totp_code(admin.totp_secret))
    dialog.get_by_role("button", name="确定", exact=True).click()
    expect(dialog).to_be_hidden()
    assert page.url.split("?")[0].endswith("/system/users")
    expect(keyword).to_have_value("doctor_xuhui")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".el-table__row")).to_have_count(1)
    expect(page.locator(".el-table__row")).to_contain_text("doctor_xuhui")


def test_a_user_renews_recovery_codes_on_the_account_page(page: Page, e2e_server: Facts) -> None:
    doctor = e2e_server.districts[1].doctor
    login_as(page, e2e_server, doctor)
    page.get_by_test_id("current-user").click()
    page.get_by_role("menuitem", name="账户安全").click()
    page.wait_for_url(re.compile(r"/account/security$"))
    expect(page.get_by_text("已绑定")).to_be_visible()
    left = page.get_by_text(re.compile(r"剩余 \d+ 个可用恢复码"))
    expect(left).to_be_visible()

    # A wrong code is refused under the field, and nothing changes.
    page.get_by_placeholder("请输入身份验证器当前的动态验证码以确认身份").fill("000000")
    page.get_by_role("button", name="重新生成恢复码").click()
    expect(page.get_by_role("alert").or_(page.locator(".el-form-item__error"))).to_be_visible()

    page.get_by_placeholder("请输入身份验证器当前的动态验证码以确认身份").fill(
        totp_code(doctor.totp_secret)
    )
    page.get_by_role("button", name="重新生成恢复码").click()
    dialog = page.get_by_role("dialog", name="请妥善保存恢复码")
    expect(dialog.locator("li")).to_have_count(10)
    screenshot(page, "account-security")
    dialog.get_by_role("button", name="我已保存").click()
    expect(page.get_by_text("剩余 10 个可用恢复码")).to_be_visible()
