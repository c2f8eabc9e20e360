"""The diabetes indicator dashboard in the browser (issue #6 points 5 and 6): the 浦东 district
administrator opens it from the registries list, chooses last year, sees the district's values
on the cards, opens the district to see its institutions with numerators, denominators and
values, and downloads the Excel sheet the server renders; the district's CDC staff refreshes
them.

Seed (tests/e2e/seed.py, ``DIABETES_REGISTRANTS``): three diabetes registrants of the 浦东 hospital
enrolled and followed up last year, and one refresh of the indicators. Last year at that
hospital, by hand:

* 管理人数: 3 enrolments under management;
* 规范管理率: only 孙立新 had ≥ 4 face-to-face follow-ups → 1 / 3 = 33.3%;
* 血糖控制率: latest fasting glucose < 7.0 for 孙立新 (6.2) and 吴国强 (6.8), not 周美华 (8.5)
  → 2 / 3 = 66.7%;
* 随访及时率: follow-ups due last year and done on or before their due date — 孙立新 4 of 4;
  周美华 2 of 3 (8.5 brought the next visit forward two weeks, and it was never made); 吴国强 1 of
  2 (the visit due 90 days after his follow-up is overdue) → 7 / 9 = 77.8%;
* 年度健康体检率: 孙立新's check → 1 / 3 = 33.3%.

The 浦东 district may hold other registrants (demo data), so the district's cards are checked
against the server's own district sums, and the hand-made numbers on the hospital's row.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import record, screenshot, signed_in_page
from tests.e2e.seed import Facts, indicator_year

PROGRAM = "2型糖尿病患者健康管理"
# indicator code → (numerator, denominator or None, value as shown) at the 浦东 hospital
HOSPITAL = {
    "managed_patients": (3, None, "3"),
    "standard_management_rate": (1, 3, "33.3%"),
    "glucose_control_rate": (2, 3, "66.7%"),
    "followup_timeliness": (7, 9, "77.8%"),
    "annual_check_rate": (1, 3, "33.3%"),
}


def _get(page: Page, url: str) -> object:
    return page.evaluate("async (url) => (await fetch(url)).json()", url)


def _shown(numerator: int, denominator: int | None) -> str:
    """A value as the dashboard shows it: a count, or a percentage with one decimal (half up)."""
    if denominator is None:
        return str(numerator)
    rate = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return f"{rate}%"


def test_a_district_opens_the_diabetes_dashboard_drills_down_and_exports(
    browser: Browser, e2e_server: Facts
) -> None:
    pudong = e2e_server.districts[1]
    year = str(indicator_year())
    page = signed_in_page(browser, e2e_server, pudong.district_admin)
    try:
        rec = record(page)
        # From the registries list: the program's "指标统计".
        page.goto(f"{e2e_server.base_url}/registries/programs")
        page.locator(".el-table__row", has_text=PROGRAM).get_by_role(
            "button", name="指标统计"
        ).click()
        page.wait_for_url("**/registries/indicators/diabetes**")
        expect(page.get_by_role("heading", name=PROGRAM)).to_be_visible()
        expect(page.get_by_test_id("refreshed-at")).to_contain_text("数据更新于")
        # A district administrator reads the statistics; refreshing them is the CDC's.
        expect(page.get_by_role("button", name="刷新统计")).to_have_count(0)

        # Last year, by district.
        page.locator(".el-radio-button").filter(has_text=re.compile(r"^年$")).click()
        page.locator(".period").click(force=True)
        page.locator(".el-select-dropdown__item:visible", has_text=f"{year}年").click()
        page.wait_for_url(re.compile(rf"periodType=year&period={year}"))
        table = page.locator(".values .el-table__body-wrapper .el-table__row")
        expect(table).to_have_count(1)
        expect(table.first).to_contain_text(pudong.name)

        # The cards are the district's values: the server's district sums, shown as computed.
        read = _get(
            page,
            "/api/v1/programs/diabetes/indicators/values"
            f"?periodType=year&period={year}&groupBy=district",
        )
        assert isinstance(read, dict)
        district = {r["indicator"]: r for r in read["rows"] if r["orgKey"] == pudong.code}
        assert set(district) == set(HOSPITAL)
        for code, row in district.items():
            card = page.locator(f"[data-indicator='{code}']")
            expect(card.get_by_test_id("indicator-value")).to_have_text(
                _shown(row["numerator"], row["denominator"])
            )
            # the hospital's registrants are part of the district's
            assert row["numerator"] >= HOSPITAL[code][0]

        # The district opens its institutions; the hospital's row carries the hand-made numbers.
        table.first.get_by_role("button", name=pudong.name).click()
        expect(page.get_by_test_id("drill")).to_contain_text(f"{pudong.name}各机构")
        page.wait_for_url(re.compile(rf"district={pudong.code}"))
        hospital = table.filter(has_text=pudong.institution_name)
        for code, (numerator, denominator, shown) in HOSPITAL.items():
            page.locator(f"[data-indicator='{code}']").click()
            expect(page.locator(f"[data-indicator='{code}']")).to_have_attribute(
                "aria-pressed", "true"
            )
            cells = [pudong.institution_name, str(numerator)]
            cells += [] if denominator is None else [str(denominator)]
            expect(hospital.locator("td")).to_have_text([*cells, shown])
        # The comparison and the month trend of the chosen indicator are drawn.
        expect(page.locator(".chart-panel[data-state='ready']")).to_have_count(2)
        screenshot(page, "registry-indicators-drilldown")

        # Excel: the server's sheet of what is shown (the district's institutions, last year).
        with page.expect_download() as download:
            page.get_by_role("button", name="导出Excel").click()
        assert download.value.suggested_filename == f"indicators-diabetes-year-{year}.xlsx"
        # Playwright stores the file without an extension: openpyxl is given its bytes.
        content = BytesIO(Path(download.value.path()).read_bytes())
        sheet = load_workbook(content, read_only=True).active
        assert sheet is not None
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        header = rows[0]
        col = {name: header.index(name) for name in ("机构", "指标代码", "分子", "分母", "指标值")}
        mine = {
            r[col["指标代码"]]: (r[col["分子"]], r[col["分母"]], r[col["指标值"]])
            for r in rows[1:]
            if r[col["机构"]] == pudong.institution_name
        }
        assert mine["glucose_control_rate"] == (2, 3, 66.7)
        assert mine["managed_patients"][0] == 3
        assert mine["followup_timeliness"] == (7, 9, 77.8)

        # Back to all districts.
        page.get_by_role("button", name="返回全部区").click()
        expect(page.get_by_test_id("drill")).to_have_count(0)
        expect(table).to_have_count(1)
        expect(table.first).to_contain_text(pudong.name)

        assert not rec.page_errors and not rec.console_errors, (rec.page_errors, rec.console_errors)
        assert rec.http_errors == []
    finally:
        page.context.close()


def test_the_district_cdc_refreshes_the_indicators(browser: Browser, e2e_server: Facts) -> None:
    """The refresh button (CDC staff only) queues the recount; the page follows the job and shows
    the new time, with the same numbers (nothing changed in between)."""
    pudong = e2e_server.districts[1]
    assert pudong.cdc is not None
    year = indicator_year()
    page = signed_in_page(browser, e2e_server, pudong.cdc)
    try:
        rec = record(page)
        page.goto(
            f"{e2e_server.base_url}/registries/indicators/diabetes?periodType=year&period={year}"
        )
        stamp = page.get_by_test_id("refreshed-at")
        expect(stamp).to_contain_text("数据更新于")
        card = page.locator("[data-indicator='glucose_control_rate']").get_by_test_id(
            "indicator-value"
        )
        expect(card).to_have_text(re.compile(r"%$"))
        before, value = stamp.inner_text(), card.inner_text()

        page.get_by_role("button", name="刷新统计").first.click()
        expect(page.get_by_text("已提交刷新任务")).to_be_visible()
        expect(page.get_by_text("统计已更新")).to_be_visible(timeout=60_000)
        expect(stamp).not_to_have_text(before)
        expect(card).to_have_text(value)

        assert not rec.page_errors and not rec.console_errors, (rec.page_errors, rec.console_errors)
        assert rec.http_errors == []
    finally:
        page.context.close()
