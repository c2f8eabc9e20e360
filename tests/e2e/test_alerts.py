"""The duplicate-order prompts in the browser: a 徐汇 doctor tries a check for a resident who was
prescribed a statin and had a blood count at the 浦东 hospital, sees both prompts, overrides one
(a reason is required) and accepts the other."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import record, screenshot, signed_in_page
from tests.e2e.seed import Facts


def test_a_doctor_tries_a_check_and_answers_the_prompts(
    browser: Browser, e2e_server: Facts
) -> None:
    district = e2e_server.districts[0]
    page = signed_in_page(browser, e2e_server, district.doctor)
    rec = record(page)
    page.goto(f"{e2e_server.base_url}/alerts/trial", wait_until="networkidle")
    main = page.get_by_role("main")

    main.get_by_placeholder("居民的主索引号").fill(district.residents[0].master_id)
    main.get_by_role("button", name="填入示例").click()
    main.get_by_role("button", name="开始试算").click()

    expect(main).to_contain_text("提示 2 条")
    prompts = main.locator(".prompt")
    expect(prompts).to_have_count(2)
    drug = prompts.filter(has_text="同成分重复用药")
    expect(drug).to_contain_text("在上海市浦东新区康宁医院开具阿托伐他汀钙片，余量约")
    cbc = prompts.filter(has_text="重复检验")
    expect(cbc).to_contain_text("已检验血常规（结果：6.1 10^9/L）")
    screenshot(page, "alerts-trial")

    # Overriding needs a reason: the page says so before anything is sent.
    cbc.get_by_text("忽略", exact=True).click()
    drug.get_by_text("采纳（修改医嘱）").click()
    main.get_by_role("button", name="提交处理结果").click()
    expect(cbc.get_by_text("忽略提示时必须填写理由")).to_be_visible()
    cbc.get_by_label("忽略理由").fill("昨日结果在外院，需本院复查")
    main.get_by_role("button", name="提交处理结果").click()

    expect(drug).to_contain_text("已采纳")
    expect(cbc).to_contain_text("已忽略")
    expect(cbc).to_contain_text("昨日结果在外院，需本院复查")
    expect(main.get_by_role("button", name="提交处理结果")).to_have_count(0)
    assert rec.console_errors == []
    assert rec.page_errors == []
    assert [e for e in rec.http_errors if "/api/" in e] == []
    page.context.close()


def test_rules_and_statistics_pages_open_with_their_data(
    browser: Browser, e2e_server: Facts
) -> None:
    district = e2e_server.districts[0]
    for account, path, shows, name in [
        (district.doctor, "/alerts/rules", "DRUG-CLASS-STATIN", "alerts-rules"),
        (district.district_admin, "/alerts/statistics", "提示与采纳情况", "alerts-statistics"),
    ]:
        page = signed_in_page(browser, e2e_server, account)
        rec = record(page)
        page.goto(f"{e2e_server.base_url}{path}", wait_until="networkidle")
        expect(page.get_by_role("main")).to_contain_text(shows)
        expect(page.get_by_role("main").get_by_role("alert")).to_have_count(0)
        assert rec.console_errors == [] and rec.page_errors == []
        assert [e for e in rec.http_errors if "/api/" in e] == []
        screenshot(page, name)
        page.context.close()
