"""The check against the shared health record: each rule kind, its edges, the exemptions,
other hospitals' history, the audit record, and loading the rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.errors import ValidationFailed
from healthnet.core.localtime import local_today
from healthnet.core.rbac.actor import Actor
from healthnet.modules.alerts import service
from healthnet.modules.alerts.models import Check, DrugRule, ItemRule
from healthnet.modules.alerts.schemas import CheckRequest, DrugRuleUpdate, ItemRuleUpdate
from tests.modules.alerts.conftest import (
    ORDER_DAY,
    History,
    World,
    at,
    drug_line,
    exam,
    lab,
    run,
)

D = timedelta(days=1)


# ---------------------------------------------------------------- drugs


def test_same_ingredient_from_another_hospital_is_prompted_with_the_remaining_supply(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    # Hospital B prescribed 30 days on 7 Nov: covered to 6 Dec, 12 days left on 25 Nov.
    order_id = history.medication(
        world.person, world.hospital_b, "atorvastatin", ordered_at=at(ORDER_DAY - 18 * D)
    )
    check = run(db, doctor, world, drugs=[drug_line("atorvastatin")])
    assert len(check.prompts) == 1
    p = check.prompts[0]
    assert (p.kind, p.rule_code, p.severity) == ("drug_ingredient", "DRUG-INGREDIENT", "warning")
    assert (p.line_kind, p.line_index, p.line_code) == ("drug", 0, "D-atorvastatin")
    assert p.earlier_record_id == order_id
    assert p.earlier_institution_id == world.hospital_b.id
    assert p.remaining_days == 12
    assert p.message == (
        "患者于2026-11-07在上海市第六人民医院开具阿托伐他汀钙片，余量约12天，"
        "与本次阿托伐他汀钙片重复（同成分）"
    )
    assert check.prompt_count == 1 and check.ordering_institution_id == world.hospital_a.id


def test_a_mental_health_order_of_another_hospital_is_prompted_without_where_or_what(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    # Ingested like any order; records labels it "mental" from its ATC class (N05A).
    history.medication(
        world.person, world.hospital_b, "olanzapine", ordered_at=at(ORDER_DAY - 5 * D)
    )
    check = run(db, doctor, world, drugs=[drug_line("olanzapine")])
    [p] = check.prompts
    assert p.earlier_institution_id is None
    assert world.hospital_b.name not in p.message and "奥氮平" not in p.message.split("与本次")[0]
    assert "其他医疗机构有受保护的用药记录" in p.message


@pytest.mark.parametrize(("left", "prompted"), [(3, False), (4, True)])
def test_the_ingredient_rule_tolerates_collecting_three_days_early(
    db: Session, world: World, history: History, doctor: Actor, left: int, prompted: bool
) -> None:
    # A 30-day supply ordered on day d0 has `left` days from ORDER_DAY on when
    # d0 = ORDER_DAY - (30 - left).
    history.medication(
        world.person, world.hospital_b, "amlodipine", ordered_at=at(ORDER_DAY - (30 - left) * D)
    )
    check = run(db, doctor, world, drugs=[drug_line("amlodipine")])
    assert [p.remaining_days for p in check.prompts] == ([left] if prompted else [])


def test_same_class_different_ingredient_is_a_class_prompt(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.medication(
        world.person, world.hospital_b, "rosuvastatin", ordered_at=at(ORDER_DAY - 10 * D)
    )
    check = run(db, doctor, world, drugs=[drug_line("atorvastatin")])
    [p] = check.prompts
    assert (p.kind, p.rule_code, p.drug_class) == ("drug_class", "DRUG-CLASS-STATIN", "C10AA")
    assert p.remaining_days == 20
    assert "同属他汀类调脂药" in p.message and "瑞舒伐他汀钙片" in p.message


@pytest.mark.parametrize(("days_supply", "prompted"), [(14, False), (15, True)])
def test_a_class_supply_ending_the_day_before_is_no_duplicate_ending_on_the_day_is(
    db: Session, world: World, history: History, doctor: Actor, days_supply: int, prompted: bool
) -> None:
    # Ordered 14 days before: 14 days end the day before ORDER_DAY, 15 end on it.
    history.medication(
        world.person,
        world.hospital_b,
        "nifedipine",
        ordered_at=at(ORDER_DAY - 14 * D),
        days_supply=days_supply,
    )
    check = run(db, doctor, world, drugs=[drug_line("amlodipine")])
    assert [(p.kind, p.remaining_days) for p in check.prompts] == (
        [("drug_class", 1)] if prompted else []
    )


def test_the_start_date_of_the_new_line_is_what_counts(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.medication(world.person, world.hospital_b, "omeprazole", ordered_at=at(ORDER_DAY))
    # The repeat prescription starts when the current one runs out (29 days later).
    later = (ORDER_DAY + 30 * D).isoformat()
    check = run(db, doctor, world, drugs=[drug_line("omeprazole", startDate=later)])
    assert check.prompts == []


def test_drugs_of_different_classes_and_intended_combinations_are_not_prompted(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.medication(world.person, world.hospital_b, "valsartan", ordered_at=at(ORDER_DAY))
    history.medication(world.person, world.hospital_b, "aspirin", ordered_at=at(ORDER_DAY))
    # Amlodipine + valsartan: two classes. Clopidogrel + aspirin: dual antiplatelet therapy.
    check = run(db, doctor, world, drugs=[drug_line("amlodipine"), drug_line("clopidogrel")])
    assert check.prompts == []


def test_antibacterials_have_their_own_rule_without_tolerance(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    # 7-day course ordered 6 days ago: its last day is today.
    history.medication(
        world.person,
        world.hospital_b,
        "cefuroxime",
        ordered_at=at(ORDER_DAY - 6 * D),
        days_supply=7,
    )
    check = run(db, doctor, world, drugs=[drug_line("cefuroxime", daysSupply=7)])
    [p] = check.prompts
    assert (p.rule_code, p.remaining_days) == ("DRUG-INGREDIENT-ANTIBACTERIAL", 1)


def test_exempt_drugs_and_cancelled_orders_are_not_prompted(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.medication(world.person, world.hospital_b, "saline", ordered_at=at(ORDER_DAY))
    history.medication(
        world.person, world.hospital_b, "valsartan", ordered_at=at(ORDER_DAY), status="cancelled"
    )
    check = run(db, doctor, world, drugs=[drug_line("saline"), drug_line("valsartan")])
    assert check.prompts == []


def test_one_prompt_per_earlier_hospital_with_the_most_supply_left(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.medication(
        world.person, world.hospital_b, "atorvastatin", ordered_at=at(ORDER_DAY - 20 * D)
    )
    history.medication(
        world.person, world.hospital_b, "atorvastatin", ordered_at=at(ORDER_DAY - 5 * D)
    )
    history.medication(
        world.person, world.hospital_a, "atorvastatin", ordered_at=at(ORDER_DAY - 1 * D)
    )
    check = run(db, doctor, world, drugs=[drug_line("atorvastatin")])
    assert sorted((p.earlier_institution_name, p.remaining_days) for p in check.prompts) == [
        ("上海市徐汇区中心医院", 29),
        ("上海市第六人民医院", 25),
    ]


def test_orders_older_than_the_longest_prescription_are_not_read(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    # A (made-up) 120-day supply from 100 days ago would still cover today, but no
    # prescription may exceed 12 weeks: the look-back stops at 90 days.
    history.medication(
        world.person,
        world.hospital_b,
        "atorvastatin",
        ordered_at=at(ORDER_DAY - 100 * D),
        days_supply=120,
    )
    assert run(db, doctor, world, drugs=[drug_line("atorvastatin")]).prompts == []


def test_a_deactivated_rule_prompts_nothing(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.medication(
        world.person, world.hospital_b, "rosuvastatin", ordered_at=at(ORDER_DAY - 1 * D)
    )
    service.update_drug_rule(
        session=db,
        actor=doctor,
        code="DRUG-CLASS-STATIN",
        data=DrugRuleUpdate(active=False),
        request=None,
    )
    assert run(db, doctor, world, drugs=[drug_line("atorvastatin")]).prompts == []


# ---------------------------------------------------------------- labs and exams


@pytest.mark.parametrize(("days_ago", "prompted"), [(0, True), (2, True), (3, False)])
def test_cbc_window_of_three_days(
    db: Session, world: World, history: History, doctor: Actor, days_ago: int, prompted: bool
) -> None:
    history.lab(
        world.person, world.hospital_b, "CBC", "血常规", collected_at=at(ORDER_DAY - days_ago * D)
    )
    check = run(db, doctor, world, items=[lab("CBC", "血常规")])
    assert [p.kind for p in check.prompts] == (["lab_repeat"] if prompted else [])


@pytest.mark.parametrize(("days_ago", "prompted"), [(89, True), (90, False)])
def test_hba1c_window_of_ninety_days(
    db: Session, world: World, history: History, doctor: Actor, days_ago: int, prompted: bool
) -> None:
    history.lab(
        world.person,
        world.hospital_b,
        "HBA1C",
        "糖化血红蛋白",
        collected_at=at(ORDER_DAY - days_ago * D),
        value="7.9",
        unit="%",
        flag="H",  # abnormal, but this rule does not exempt abnormal results
    )
    check = run(db, doctor, world, items=[lab("HBA1C", "糖化血红蛋白")])
    assert len(check.prompts) == (1 if prompted else 0)


def test_lab_prompt_names_the_hospital_the_date_and_the_result(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    # 07:30 in Shanghai on 24 Nov is 23:30 UTC on the 23rd: it counts as the 24th.
    record = history.lab(
        world.person, world.hospital_b, "LFT", "肝功能", collected_at=at(ORDER_DAY - D, 7)
    )
    check = run(db, doctor, world, items=[lab("LFT", "肝功能检查")])
    [p] = check.prompts
    assert (p.rule_code, p.earlier_record_id, p.earlier_result) == ("LAB-LFT", record, "5.6 mmol/L")
    assert p.message == (
        "患者于2026-11-24在上海市第六人民医院已检验肝功能（结果：5.6 mmol/L），"
        "本次肝功能检查在7天内重复开具"
    )


def test_exam_repeat_reports_the_most_recent_conclusion(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.exam(
        world.person, world.hospital_a, "CT-CHEST", "胸部CT", performed_at=at(ORDER_DAY - 20 * D)
    )
    history.exam(
        world.person,
        world.hospital_b,
        "CT-CHEST",
        "胸部CT平扫",
        performed_at=at(ORDER_DAY - 4 * D),
        conclusion="右肺上叶小结节，建议随访",
    )
    check = run(db, doctor, world, items=[exam("CT-CHEST", "胸部CT")])
    [p] = check.prompts
    assert (p.kind, p.line_kind, p.earlier_institution_id) == (
        "exam_repeat",
        "exam",
        world.hospital_b.id,
    )
    assert p.message == (
        "患者于2026-11-21在上海市第六人民医院已做胸部CT平扫（结论：右肺上叶小结节，建议随访），"
        "本次胸部CT在30天内重复开具"
    )


def test_emergency_orders_and_abnormal_earlier_results_are_exempt(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.lab(world.person, world.hospital_b, "CBC", "血常规", collected_at=at(ORDER_DAY))
    history.lab(
        world.person,
        world.hospital_b,
        "CRP",
        "C反应蛋白",
        collected_at=at(ORDER_DAY),
        value="48",
        unit="mg/L",
        flag="H",
    )
    history.exam(world.person, world.hospital_b, "ECG", "心电图", performed_at=at(ORDER_DAY))
    items = [lab("CBC", "血常规"), lab("CRP", "C反应蛋白"), exam("ECG", "心电图")]
    # Outpatient: CBC (normal) and ECG repeat; CRP was abnormal — the repeat follows it up.
    outpatient = run(db, doctor, world, items=items)
    assert sorted(p.line_code for p in outpatient.prompts) == ["CBC", "ECG"]
    # In the emergency room none of them is a duplicate.
    assert run(db, doctor, world, items=items, encounterClass="emergency").prompts == []


def test_items_without_a_rule_and_other_patients_records_are_ignored(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    from healthnet.core.patients import service as patients
    from healthnet.core.patients.schemas import PersonCreate

    other = patients.register_person(
        session=db,
        actor=doctor,
        data=PersonCreate.model_validate({"name": "钱先生", "sex_code": "1"}),
    ).person
    history.lab(other, world.hospital_b, "CBC", "血常规", collected_at=at(ORDER_DAY))
    history.lab(world.person, world.hospital_b, "PCT", "降钙素原", collected_at=at(ORDER_DAY))
    check = run(db, doctor, world, items=[lab("CBC", "血常规"), lab("PCT", "降钙素原")])
    assert check.prompts == []


def test_a_shortened_window_takes_effect_at_once(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.exam(
        world.person, world.hospital_b, "DR-CHEST", "胸部DR", performed_at=at(ORDER_DAY - 10 * D)
    )
    assert len(run(db, doctor, world, items=[exam("DR-CHEST", "胸部DR")]).prompts) == 1
    service.update_item_rule(
        session=db,
        actor=doctor,
        code="EXAM-DR-CHEST",
        data=ItemRuleUpdate(window_days=10),
        request=None,
    )
    assert run(db, doctor, world, items=[exam("DR-CHEST", "胸部DR")]).prompts == []


# ---------------------------------------------------------------- the record of a check


def test_each_check_is_stored_and_audited_once(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.medication(world.person, world.hospital_b, "atorvastatin", ordered_at=at(ORDER_DAY))
    history.lab(world.person, world.hospital_b, "CBC", "血常规", collected_at=at(ORDER_DAY))
    before = db.scalar(select(func.count(AuditRecord.seq))) or 0
    check = run(db, doctor, world, drugs=[drug_line("atorvastatin")], items=[lab("CBC", "血常规")])
    records = db.scalars(select(AuditRecord).where(AuditRecord.seq > before)).all()
    assert [(r.action, r.purpose, r.patient_id, r.resource_id) for r in records] == [
        ("alerts.check.run", "TREAT", world.person.id, check.id)
    ]
    assert records[0].actor_id == doctor.user_id
    assert records[0].institution_id == world.hospital_a.id
    stored = db.get(Check, check.id)
    assert stored is not None and stored.prompt_count == 2
    assert [p.seq for p in stored.prompts] == [1, 2]
    assert {p.checked_on for p in stored.prompts} == {local_today()}
    assert stored.drugs[0]["drugCode"] == "D-atorvastatin"


def test_a_check_for_a_merged_resident_reads_the_survivor_and_the_merged_records(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    from healthnet.core.patients import service as patients
    from healthnet.core.patients.schemas import PersonCreate

    twin = patients.register_person(
        session=db,
        actor=doctor,
        data=PersonCreate.model_validate({"name": "赵阿姨", "sex_code": "2"}),
    ).person
    history.lab(world.person, world.hospital_b, "CBC", "血常规", collected_at=at(ORDER_DAY))
    # Sent under the duplicate record before the merge: it counts as the survivor's.
    history.lab(twin, world.hospital_b, "UA", "尿常规", collected_at=at(ORDER_DAY))
    merger = Actor(
        doctor.user_id,
        doctor.username,
        None,
        None,
        frozenset({"patients:person:merge", "patients:person:read"}),
        scopes=frozenset({"city"}),
    )
    patients.merge(
        session=db, actor=merger, survivor_id=world.person.id, merged_id=twin.id, reason="同一人"
    )
    check = service.run_check(
        session=db,
        actor=doctor,
        data=CheckRequest.model_validate(
            {
                "personId": twin.id,
                "orderDate": ORDER_DAY.isoformat(),
                "items": [lab("CBC", "血常规"), lab("UA", "尿常规")],
            }
        ),
    )
    assert check.person_id == world.person.id
    assert sorted(p.line_code for p in check.prompts) == ["CBC", "UA"]


def test_bad_requests_name_the_field(db: Session, world: World, doctor: Actor) -> None:
    with pytest.raises(ValidationFailed) as err:
        run(db, doctor, world)
    assert [(e.field, e.message) for e in err.value.errors] == [
        ("drugs", "请至少填写一条药品或检验检查项目")
    ]
    with pytest.raises(ValidationFailed) as err:
        run(db, doctor, world, drugs=[drug_line("aspirin")], personId="nobody")
    assert err.value.errors[0].field == "personId"
    with pytest.raises(ValidationFailed) as err:
        run(db, doctor, world, drugs=[drug_line("aspirin", startDate="2027-06-01")])
    assert err.value.errors[0].field == "drugs[0].startDate"
    # A doctor orders for their own hospital only.
    with pytest.raises(ValidationFailed) as err:
        run(
            db,
            doctor,
            world,
            drugs=[drug_line("aspirin")],
            orderingInstitutionId=world.hospital_b.id,
        )
    assert err.value.errors[0].field == "orderingInstitutionId"
    assert db.scalar(select(func.count(Check.id))) == 0


# ---------------------------------------------------------------- loading the rules


def test_loading_the_rules_is_idempotent_and_keeps_edits(db: Session, rules: None) -> None:
    drugs = db.scalar(select(func.count(DrugRule.id)))
    items = db.scalar(select(func.count(ItemRule.id)))
    assert drugs == len(service.read_rules_file().drug_rules) and drugs
    assert items == len(service.read_rules_file().item_rules) and items
    cbc = db.scalar(select(ItemRule).where(ItemRule.code == "LAB-CBC"))
    assert cbc is not None and cbc.window_days == 3 and cbc.builtin
    cbc.window_days = 5
    again = service.load_rules(session=db)
    assert (again.created, again.updated) == (0, 0)
    assert cbc.window_days == 5
    assert db.scalar(select(func.count(DrugRule.id))) == drugs
    # --overwrite resets the built-in rules to the file.
    reset = service.load_rules(session=db, overwrite=True)
    assert (reset.created, reset.updated) == (0, 1)
    assert cbc.window_days == 3
    # A deleted built-in rule comes back.
    db.delete(cbc)
    db.flush()
    assert service.load_rules(session=db).created == 1
