"""The resident's own record on the phone (B5): a resident signs in to the H5 pages with a mobile
number and password and sees their visits from both hospitals, a lab report and an exam report,
who looked at their record ("谁看过我的档案": the other hospital's doctor), and hides a sensitive
category on the privacy page.

Seed (tests/e2e/seed.py, :class:`ResidentUser`): 周桂芳 of 徐汇 — a visit with a chest CT at the
徐汇 hospital, a visit with a high fasting glucose at the 浦东 hospital, and one view of her record
by the 浦东 doctor.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import record, screenshot
from tests.e2e.seed import Facts, ResidentUser

CHECKED = re.compile(r"\bis-checked\b")  # Element Plus marks a switch that is on


def _sign_in(page: Page, facts: Facts, resident: ResidentUser) -> None:
    page.goto(f"{facts.base_url}/h5/records/visits")
    page.wait_for_url("**/h5/login**")
    page.get_by_label("手机号或身份证号", exact=True).fill(resident.phone)
    page.get_by_label("密码", exact=True).fill(resident.password)
    page.get_by_role("button", name="登录", exact=True).click()
    # Back where the resident wanted to go.
    page.wait_for_url("**/h5/records/visits")


def _open_tile(page: Page, facts: Facts, title: str) -> None:
    page.goto(f"{facts.base_url}/h5/")
    page.get_by_role("link", name=title).click()
    expect(page.locator(".titlebar h1")).to_have_text(title)


def test_a_resident_sees_their_own_record_and_who_looked_at_it(
    h5_page: Page, e2e_server: Facts
) -> None:
    resident = e2e_server.resident
    assert resident is not None
    page = h5_page
    rec = record(page)
    _sign_in(page, e2e_server, resident)

    # 我的就诊: both hospitals, newest first, with the diagnosis of the older visit.
    visits = page.get_by_test_id("h5-visit")
    expect(visits).to_have_count(2)
    expect(visits.nth(0)).to_contain_text(resident.visit_institutions[0])
    expect(visits.nth(1)).to_contain_text(resident.visit_institutions[1])
    expect(visits.nth(1)).to_contain_text("原发性高血压")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "h5-records-visits")

    # 首页: greeted by the (masked) name, the record's services as tiles.
    page.goto(f"{e2e_server.base_url}/h5/")
    masked = resident.name[0] + "*" * (len(resident.name) - 2) + resident.name[-1]
    expect(page.get_by_test_id("resident-name")).to_have_text(f"您好，{masked}")
    screenshot(page, "h5-resident-home")
    page.get_by_role("link", name="我的", exact=True).click()
    expect(page.get_by_test_id("resident-name")).to_have_text(masked)
    # She signs in with her mobile or ID number: the internal account name is not shown.
    expect(page.locator(".cells")).to_contain_text("手机号或身份证号")
    expect(page.locator(".cells")).not_to_contain_text("rHN")
    screenshot(page, "h5-resident-mine")

    # 检验检查报告: the glucose from the other hospital, flagged high; the CT under 检查.
    _open_tile(page, e2e_server, "检验检查报告")
    reports = page.get_by_test_id("h5-report")
    glucose = reports.filter(has_text=resident.lab_item)
    expect(glucose).to_have_count(1)
    expect(glucose).to_contain_text(resident.lab_value)
    expect(glucose).to_contain_text(resident.visit_institutions[0])
    expect(glucose.locator(".title.abnormal")).to_have_count(1)
    glucose.get_by_role("button", name="历次结果").click()
    expect(page.locator(".chart-panel canvas")).to_have_count(1)
    page.wait_for_timeout(1500)  # ECharts draws the point after its entrance animation (picture)
    screenshot(page, "h5-records-reports")
    page.get_by_role("tab", name="检查").click()
    expect(reports.filter(has_text=resident.exam_item)).to_contain_text("双肺未见明显异常")

    # 谁看过我的档案: the 浦东 doctor's view — institution, role, what and why; never a name.
    _open_tile(page, e2e_server, "谁看过我的档案")
    views = page.get_by_test_id("h5-access").filter(has_text=resident.viewer_institution)
    expect(views.first).to_contain_text("调阅健康档案")
    expect(views.first).to_contain_text("诊疗")
    expect(views.first).to_contain_text("医生")
    expect(views.first).not_to_contain_text("浦东康宁医生")  # the account's display name
    screenshot(page, "h5-records-access-log")

    # 隐私设置: hide mental-health records from other institutions; it stays hidden.
    _open_tile(page, e2e_server, "隐私设置")
    switch = page.get_by_test_id("hide-mental")
    expect(switch).not_to_have_class(CHECKED)
    switch.click()
    expect(page.get_by_role("status")).to_have_text("已保存")
    expect(switch).to_have_class(CHECKED)
    screenshot(page, "h5-records-privacy")
    page.reload()
    expect(page.get_by_test_id("hide-mental")).to_have_class(CHECKED)
    # Undo, so a rerun against the same database starts from the same state.
    page.get_by_test_id("hide-mental").click()
    expect(page.get_by_test_id("hide-mental")).not_to_have_class(CHECKED)

    assert not rec.page_errors and not rec.console_errors, (rec.page_errors, rec.console_errors)
    assert not [e for e in rec.http_errors if "/api/v1/records/" in e], rec.http_errors
