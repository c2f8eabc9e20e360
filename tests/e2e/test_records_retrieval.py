"""Record retrieval (调阅) in the browser: a doctor opens a resident's record from the person page
and sees another hospital's orders and results; a doctor without a care relationship is asked for
a reason and reads the record under emergency access.

Seed (tests/e2e/seed.py): the first 徐汇 resident was registered by the 徐汇 doctor (data scope)
and had atorvastatin ordered and a blood count taken at the 浦东 hospital (no visit there).
"""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import record, screenshot, signed_in_page
from tests.e2e.seed import Facts


def test_a_doctor_reads_a_residents_record_from_every_hospital(
    browser: Browser, e2e_server: Facts
) -> None:
    xuhui, pudong = e2e_server.districts[0], e2e_server.districts[1]
    resident = xuhui.residents[0]
    page = signed_in_page(browser, e2e_server, xuhui.doctor)
    try:
        rec = record(page)
        page.goto(f"{e2e_server.base_url}/patients/persons/{resident.person_id}")
        page.get_by_test_id("open-health-record").click()
        page.wait_for_url(f"**/records/persons/{resident.person_id}")
        expect(page.get_by_test_id("record-person")).to_contain_text(resident.name)
        entries = page.get_by_test_id("timeline-entry")
        expect(entries.filter(has_text="阿托伐他汀钙片")).to_have_count(1)
        blood = entries.filter(has_text="血常规")
        expect(blood).to_contain_text(pudong.institution_name)
        blood.get_by_role("button", name="查看趋势").click()
        chart = page.locator(".chart-panel")
        expect(chart).to_contain_text("血常规")
        expect(chart.locator("canvas")).to_have_count(1)
        screenshot(page, "records-timeline")
        assert not rec.page_errors and not rec.console_errors
    finally:
        page.context.close()


def test_without_a_care_relationship_the_doctor_gives_a_reason(
    browser: Browser, e2e_server: Facts
) -> None:
    xuhui, other = e2e_server.districts[0], e2e_server.districts[-1]
    resident = xuhui.residents[0]
    page = signed_in_page(browser, e2e_server, other.doctor)
    try:
        page.goto(f"{e2e_server.base_url}/records/persons/{resident.person_id}")
        dialog = page.get_by_test_id("break-glass-dialog")
        expect(dialog).to_be_visible()
        expect(page.get_by_text("与本机构无诊疗关系").first).to_be_visible()
        confirm = page.get_by_test_id("break-glass-confirm")
        page.get_by_test_id("break-glass-reason").fill("太短")
        expect(confirm).to_be_disabled()
        page.get_by_test_id("break-glass-reason").fill("患者昏迷送入急诊，需了解既往用药")
        confirm.click()
        expect(page.get_by_text("紧急调阅中")).to_be_visible()
        entries = page.get_by_test_id("timeline-entry")
        expect(entries.filter(has_text="阿托伐他汀钙片")).to_have_count(1)
        screenshot(page, "records-break-glass")
    finally:
        page.context.close()
