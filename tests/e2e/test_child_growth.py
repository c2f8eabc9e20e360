"""Child health in the browser (R12): a family doctor records a one-year-old's health check; the
WHO z-scores and the growth classification the server's rules compute show in the check's
values, and in the edit form as read-only fields (decision 0019).

The boy is registered and enrolled through the API (the enrolment form itself is covered by
test_registries.py); the check is recorded through the console. 7.7 kg at 12 months is the
WHO weight-for-age −2SD of boys (WHO Child Growth Standards, weight-for-age boys z-scores).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import record, screenshot, signed_in_page
from tests.e2e.seed import Facts


def _field(scope: Page | Locator, code: str) -> Locator:
    return scope.locator(f".el-form-item[data-field='{code}']")


def _api(page: Page, base_url: str, path: str, body: dict[str, object]) -> Any:
    csrf = next(c["value"] for c in page.context.cookies() if c["name"].endswith("hn_csrf"))
    r = page.request.post(
        f"{base_url}/api/v1{path}", data=body, headers={"X-CSRF-Token": unquote(csrf)}
    )
    assert r.ok, r.text()
    return r.json()


def test_a_doctor_records_a_check_and_sees_the_z_scores(
    browser: Browser, e2e_server: Facts
) -> None:
    xuhui = e2e_server.districts[0]
    page = signed_in_page(browser, e2e_server, xuhui.doctor)
    try:
        rec = record(page)
        page.goto(f"{e2e_server.base_url}/registries/programs")
        birth = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=365)
        person = _api(
            page,
            e2e_server.base_url,
            "/patients/persons",
            {
                "name": "生长测试",
                "sexCode": "1",
                "birthDate": birth.isoformat(),
                "districtCode": xuhui.code,
            },
        )
        person_id = person["person"]["id"]
        enrolled = _api(
            page,
            e2e_server.base_url,
            "/programs/child_health/enrolments",
            {
                "personId": person_id,
                "values": {"gestational_weeks": 39, "birth_weight_g": 3300},
            },
        )
        eid = enrolled["enrolment"]["id"]

        page.goto(f"{e2e_server.base_url}/registries/enrolments/{eid}")
        page.get_by_role("button", name="录入儿童健康检查").click()
        dialog = page.locator(".el-dialog:visible")
        # the computed fields are there, read-only, before anything is measured
        for code in ("waz", "haz", "whz", "baz", "child_bmi"):
            expect(_field(dialog, code).locator("input").first).to_be_disabled()
        _field(dialog, "weight_kg").locator("input").first.fill("7.7")
        _field(dialog, "length_cm").locator("input").first.fill("75.7")
        _field(dialog, "head_cm").locator("input").first.fill("46.1")
        _field(dialog, "development_screening").locator(".el-select").click(force=True)
        page.locator(".el-select-dropdown__item:visible", has_text="通过").first.click()
        dialog.get_by_role("button", name="保存").click()
        # the rules' warnings are shown after the save, to be acknowledged
        notes = page.locator(".registry-save-notes")
        expect(notes).to_contain_text("低体重（年龄别体重 Z < −2")
        expect(notes).to_contain_text("中重度营养不良：纳入专案管理")
        screenshot(page, "registries-child-growth-warnings")
        notes.get_by_role("button", name="确定").click()

        # the completed check shows the computed values
        row = page.locator(".el-table__row", has_text="儿童健康检查").filter(has_text="已完成")
        row.first.locator(".el-table__expand-icon").click()
        values = page.locator(".el-table__expanded-cell").first
        expect(values).to_contain_text("年龄别体重 Z 评分")
        expect(values).to_contain_text("-2.05")
        expect(values).to_contain_text("低体重、消瘦")
        screenshot(page, "registries-child-growth-values")

        # editing the check: the z-scores are shown read-only with their values
        row.first.get_by_role("button", name="修改").click()
        dialog = page.locator(".el-dialog:visible")
        waz = _field(dialog, "waz").locator("input").first
        expect(waz).to_be_disabled()
        expect(waz).to_have_value("-2.05")
        screenshot(page, "registries-child-growth-form")
        assert not rec.page_errors and not rec.console_errors, (rec.page_errors, rec.console_errors)
        assert rec.http_errors == []
    finally:
        page.context.close()
