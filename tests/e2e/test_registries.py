"""Registries in the browser (issue #6): a family doctor enrols a resident in the diabetes
program — the form is drawn from the program file — and records the first quarterly follow-up;
the server's rules answer under the fields (a refused date) and after the save (a warning and
the next follow-up brought forward).

Seed (tests/e2e/seed.py): the program files are loaded; 王建国 (born 1968) was registered by the
徐汇 doctor, whose role ``doctor`` may enrol, record and move enrolments along the workflow.
"""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import record, screenshot, signed_in_page
from tests.e2e.seed import Facts


def _field(scope: Page | Locator, code: str) -> Locator:
    """The form item of a program element (SchemaForm marks it with ``data-field``)."""
    return scope.locator(f".el-form-item[data-field='{code}']")


def _pick(page: Page, select: Locator, option: str, *, typed: str | None = None) -> None:
    select.click(force=True)
    if typed:
        page.keyboard.type(typed)
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def _date(page: Page, item: Locator, value: str) -> None:
    box = item.locator("input").first
    box.fill(value)
    box.press("Enter")
    page.keyboard.press("Escape")


def test_a_doctor_enrols_a_diabetes_patient_and_records_a_followup(
    browser: Browser, e2e_server: Facts
) -> None:
    xuhui = e2e_server.districts[0]
    resident = xuhui.residents[0]
    page = signed_in_page(browser, e2e_server, xuhui.doctor)
    try:
        rec = record(page)
        page.goto(f"{e2e_server.base_url}/registries/programs")
        row = page.locator(".el-table__row", has_text="2型糖尿病患者健康管理")
        row.get_by_role("button", name="新增登记").click()
        page.wait_for_url("**/registries/programs/diabetes/enrol")

        # Find the resident in the patient index by ID number, and choose them.
        page.get_by_label("证件号码").fill(resident.id_number)
        page.get_by_role("button", name="查询").click()
        page.locator(".el-table__row", has_text=resident.name).get_by_role(
            "button", name="选择"
        ).click()
        expect(page.get_by_test_id("chosen-name")).to_have_text(resident.name)

        # The enrolment form comes from diabetes.yaml: its sections and elements.
        expect(page.get_by_text("诊断信息")).to_be_visible()
        expect(page.get_by_text("基线情况")).to_be_visible()
        _pick(page, _field(page, "diagnosis").locator(".el-select"), "E11.9", typed="E11.9")
        _field(page, "height_cm").locator("input").fill("172")
        # A diagnosis date in the future: the server refuses it, under the field.
        tomorrow = (date.today() + timedelta(days=2)).isoformat()
        _date(page, _field(page, "diagnosed_on"), tomorrow)
        page.get_by_role("button", name="提交登记").click()
        expect(_field(page, "diagnosed_on").locator(".el-form-item__error")).to_be_visible()
        assert "/enrol" in page.url

        _date(page, _field(page, "diagnosed_on"), "2025-06-10")
        page.get_by_role("button", name="提交登记").click()
        page.wait_for_url("**/registries/enrolments/*")

        # The enrolment: state, values by section, the first follow-up scheduled.
        expect(page.get_by_test_id("state")).to_have_text("管理中")
        expect(page.locator("[data-value='diagnosis']")).to_contain_text("E11.9")
        expect(page.locator("[data-value='height_cm']")).to_have_text("172 cm")
        events = page.locator(".events .el-table__body-wrapper .el-table__row")
        expect(events.filter(has_text="季度随访").filter(has_text="待随访")).to_have_count(1)

        # Record the follow-up: fasting glucose 8.2 is not controlled.
        page.get_by_role("button", name="录入季度随访").click()
        dialog = page.get_by_role("dialog", name="录入季度随访")
        _pick(page, _field(dialog, "followup_mode").locator(".el-select"), "门诊")
        _field(dialog, "fbg").locator("input").fill("8.2")
        _field(dialog, "weight_kg").locator("input").fill("70")
        dialog.get_by_role("button", name="保存").click()
        notes = page.locator(".registry-save-notes")
        expect(notes).to_contain_text("空腹血糖控制不满意")
        expect(notes).to_contain_text("已安排下次季度随访")
        screenshot(page, "registries-followup-warning")
        notes.get_by_role("button", name="确定").click()

        done = events.filter(has_text="已完成")
        expect(done).to_have_count(1)
        # The next follow-up is due in two weeks (the rule), not in a quarter.
        due = (date.today() + timedelta(days=14)).isoformat()
        expect(events.filter(has_text="待随访").filter(has_text=due)).to_have_count(1)
        done.locator(".el-table__expand-icon").click()
        expect(page.locator("[data-value='control']")).to_have_text("控制不满意")
        expect(page.locator("[data-value='bmi']")).to_contain_text("23.7")

        # The work list shows the next follow-up of this resident.
        page.goto(f"{e2e_server.base_url}/registries/worklist")
        item = page.locator(".el-table__row", has_text=resident.name)
        expect(item.first).to_contain_text("季度随访")
        screenshot(page, "registries-worklist")
        assert not rec.page_errors and not rec.console_errors, (rec.page_errors, rec.console_errors)
    finally:
        page.context.close()
