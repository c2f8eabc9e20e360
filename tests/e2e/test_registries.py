"""Registries in the browser (issue #6): a family doctor enrols a resident in the diabetes
program — the form is drawn from the program file — and records the first quarterly follow-up;
the server's rules answer under the fields (a diastolic pressure above the systolic) and after
the save (a warning, and the next follow-up brought forward to two weeks).

Seed (tests/e2e/seed.py): the program files are loaded; 王建国 (born 1968) was registered by the
徐汇 doctor, whose role ``doctor`` may enrol, record and move enrolments along the workflow.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import record, screenshot, signed_in_page
from tests.e2e.seed import Facts


def _today() -> datetime:
    return datetime.now(ZoneInfo("Asia/Shanghai"))


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
        # A diastolic pressure above the systolic: the program's rule refuses it, under the field.
        _field(dialog, "sbp").locator("input").fill("120")
        _field(dialog, "dbp").locator("input").fill("130")
        dialog.get_by_role("button", name="保存").click()
        expect(_field(dialog, "dbp").locator(".el-form-item__error")).to_have_text(
            "舒张压不能高于或等于收缩压"
        )
        _field(dialog, "dbp").locator("input").fill("80")
        dialog.get_by_role("button", name="保存").click()
        notes = page.locator(".registry-save-notes")
        expect(notes).to_contain_text("空腹血糖控制不满意")
        expect(notes).to_contain_text("已安排下次季度随访")
        screenshot(page, "registries-followup-warning")
        notes.get_by_role("button", name="确定").click()

        done = events.filter(has_text="已完成")
        expect(done).to_have_count(1)
        # The next follow-up is due in two weeks (the rule), not in a quarter.
        due = (_today() + timedelta(days=14)).date().isoformat()
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
        # The one refused save (the rule's 422) and nothing else went wrong.
        assert [e for e in rec.http_errors if not e.startswith("422 ")] == []
    finally:
        page.context.close()


PROGRAMS = (
    "cancer",
    "child_health",
    "death",
    "diabetes",
    "hypertension",
    "injury",
    "maternal_health",
    "stroke",
    "tuberculosis",
)


def test_every_program_form_is_drawn_from_its_file(browser: Browser, e2e_server: Facts) -> None:
    """No program has front-end code of its own: each one's enrolment / report form opens, with
    its sections, for a chosen resident (the restricted mental-health program is left out: the
    doctor role is not cleared for it)."""
    pudong = e2e_server.districts[1]
    resident = pudong.residents[1]
    page = signed_in_page(browser, e2e_server, pudong.doctor)
    try:
        rec = record(page)
        for code in PROGRAMS:
            page.goto(
                f"{e2e_server.base_url}/registries/programs/{code}/enrol?personId={resident.person_id}"
            )
            expect(page.get_by_test_id("chosen-name")).to_have_text(resident.name)
            form = page.locator(".schema-form")
            expect(form.locator(".el-form-item").first).to_be_visible()
            assert form.locator(".el-divider").count() > 0, code
        screenshot(page, "registries-enrol-form")
        page.goto(f"{e2e_server.base_url}/registries/programs")
        expect(page.locator(".el-table__row")).to_have_count(len(PROGRAMS) + 1)
        page.locator(".el-table__row", has_text="结核病患者登记与治疗管理").get_by_role(
            "button", name="查看登记"
        ).click()
        page.wait_for_url("**/registries/programs/tuberculosis")
        expect(page.get_by_role("heading", name="结核病患者登记与治疗管理")).to_be_visible()
        page.goto(f"{e2e_server.base_url}/registries/transfers")
        expect(page.get_by_text("转入（待本机构接收）").first).to_be_visible()
        expect(page.get_by_text("暂无数据")).to_be_visible()
        assert not rec.page_errors and not rec.console_errors, (rec.page_errors, rec.console_errors)
        assert rec.http_errors == []
    finally:
        page.context.close()


_POST = """async ([url, body]) => {
  const m = document.cookie.match(/(?:__Host-hn_csrf|hn_csrf)=([^;]+)/)
  const r = await fetch(url, {
    method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
    headers: {
      'Content-Type': 'application/json', 'X-CSRF-Token': m ? decodeURIComponent(m[1]) : '',
    },
  })
  return [r.status, await r.json()]
}"""


def _get(page: Page, url: str) -> object:
    return page.evaluate("async (url) => (await fetch(url)).json()", url)


def test_a_registrant_moves_to_another_institution(browser: Browser, e2e_server: Facts) -> None:
    """The 徐汇 doctor asks the 浦东 hospital — another district, outside the doctor's data
    scope — to take over a hypertension registrant, picking it from the city's institution
    directory in the transfer dialog (decision 0018); the 浦东 doctor sees the request with the
    resident's and the institutions' names, accepts it, then manages the enrolment and opens
    the resident."""
    xuhui, pudong = e2e_server.districts[0], e2e_server.districts[1]
    resident = xuhui.residents[1]
    page = signed_in_page(browser, e2e_server, xuhui.doctor)
    try:
        rec = record(page)
        page.goto(f"{e2e_server.base_url}/registries/programs")
        values = {"diagnosis": "I10", "diagnosed_on": "2024-03-01", "height_cm": 160}
        status, body = page.evaluate(
            _POST,
            [
                "/api/v1/programs/hypertension/enrolments",
                {"personId": resident.person_id, "values": values},
            ],
        )
        assert status == 201, body
        enrolment_id = body["enrolment"]["id"]
        page.goto(f"{e2e_server.base_url}/registries/enrolments/{enrolment_id}")
        page.get_by_role("button", name="申请转出").click()
        dialog = page.get_by_role("dialog", name="申请转出")
        _pick(
            page, dialog.get_by_test_id("directory-select"), pudong.institution_name, typed="浦东"
        )
        dialog.locator("textarea").fill("居民迁居浦东")
        dialog.get_by_role("button", name="确定").click()
        expect(page.get_by_text("已申请转出，等待对方机构接收")).to_be_visible()
        # The sending side sees its request among the outgoing ones, the receiver named.
        page.goto(f"{e2e_server.base_url}/registries/transfers?direction=outgoing")
        row = page.locator(".el-table__row", has_text="居民迁居浦东")
        expect(row).to_contain_text("待接收")
        expect(row).to_contain_text(pudong.institution_name)
        assert not rec.page_errors and not rec.console_errors, (rec.page_errors, rec.console_errors)
    finally:
        page.context.close()

    page = signed_in_page(browser, e2e_server, pudong.doctor)
    try:
        rec = record(page)
        page.goto(f"{e2e_server.base_url}/registries/transfers")
        row = page.locator(".el-table__row", has_text="居民迁居浦东")
        expect(row).to_contain_text(xuhui.institution_name)
        expect(row).to_contain_text(pudong.institution_name)
        expect(row).to_contain_text(resident.name)
        expect(row).to_contain_text("高血压")
        row.get_by_role("button", name="接收").click()
        page.locator(".el-message-box").get_by_role("button", name="确定").click()
        expect(page.locator(".el-table__row", has_text="居民迁居浦东")).to_have_count(0)
        page.goto(f"{e2e_server.base_url}/registries/enrolments/{enrolment_id}")
        expect(page.get_by_test_id("state")).to_have_text("管理中")
        expect(page.locator(".el-descriptions", has_text="管理机构").first).to_contain_text(
            pudong.institution_name
        )
        # the resident of another district opens from the enrolment (care grant)
        page.get_by_role("button", name=resident.name).click()
        page.wait_for_url(f"**/patients/persons/{resident.person_id}")
        expect(page.get_by_text(resident.name).first).to_be_visible()
        page.go_back()
        screenshot(page, "registries-transferred")
        assert not rec.page_errors and not rec.console_errors, (rec.page_errors, rec.console_errors)
    finally:
        page.context.close()


def test_the_cdc_confirms_a_death_certificate_and_it_is_signed(
    browser: Browser, e2e_server: Facts
) -> None:
    """The 浦东 hospital reports a death; the district CDC reviewer confirms it (审核通过) in the
    console, which signs the certificate with the reviewer's SM2 key: the page shows who signed
    and when, the verification succeeds, and the record can no longer be edited."""
    pudong = e2e_server.districts[1]
    resident = pudong.residents[1]
    assert pudong.cdc is not None
    page = signed_in_page(browser, e2e_server, pudong.doctor)
    try:
        page.goto(f"{e2e_server.base_url}/registries/programs")
        yesterday = (_today() - timedelta(days=1)).date().isoformat()
        values = {
            "death_date": yesterday,
            "death_place": "1",
            "cause_a": "急性心肌梗死",
            "cause_a_icd": "I21.9",
            "interval_a": 3,
            "interval_a_unit": "h",
            "diagnosis_level": "1",
            "diagnosis_basis": "4",
            "underlying_cause_icd": "I21.9",
            "pregnancy_related": False,  # a woman of 25: the card asks
        }
        status, body = page.evaluate(
            _POST,
            [
                "/api/v1/programs/death/enrolments",
                {"personId": resident.person_id, "values": values},
            ],
        )
        assert status == 201, body.get("errors")
        enrolment_id = body["enrolment"]["id"]
    finally:
        page.context.close()

    page = signed_in_page(browser, e2e_server, pudong.cdc)
    try:
        rec = record(page)
        page.goto(f"{e2e_server.base_url}/registries/enrolments/{enrolment_id}")
        expect(page.get_by_test_id("signature")).to_have_count(0)
        page.get_by_role("button", name="区疾控审核通过").click()
        page.locator(".el-message-box").get_by_role("button", name="确定").click()
        signature = page.get_by_test_id("signature")
        expect(signature).to_contain_text("已签名")
        expect(signature).to_contain_text("疾控")
        signature.get_by_role("button", name="验证").click()
        expect(page.locator(".el-message--success", has_text="签名有效")).to_be_visible()
        expect(page.get_by_role("button", name="修改登记信息")).to_have_count(0)
        screenshot(page, "registries-death-signed")
        assert not rec.page_errors and not rec.console_errors, (rec.page_errors, rec.console_errors)
    finally:
        page.context.close()
