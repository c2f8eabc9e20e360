"""Duplicates within the new order itself: two lines of the same ingredient, of the same class
(where a class rule says so), the same lab or exam twice — by the rules, tolerances and
exemptions of the check against earlier records; stored, answered and counted like any prompt."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.core.localtime import local_today
from healthnet.core.rbac.actor import Actor
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

Headers = Callable[..., dict[str, str]]
BASE = "/api/v1/alerts"
D = timedelta(days=1)


def test_the_same_ingredient_twice_in_one_order_is_prompted_on_the_later_line(
    db: Session, world: World, doctor: Actor
) -> None:
    tablets = drug_line("atorvastatin", drugCode="D-atorva-10", genericName="阿托伐他汀钙片")
    capsules = drug_line("atorvastatin", drugCode="D-atorva-20", genericName="阿托伐他汀钙胶囊")
    check = run(db, doctor, world, drugs=[tablets, drug_line("valsartan"), capsules])
    [p] = check.prompts
    assert (p.kind, p.rule_code, p.line_index, p.line_name) == (
        "drug_ingredient",
        "DRUG-INGREDIENT",
        2,
        "阿托伐他汀钙胶囊",
    )
    assert p.within_order and p.other_line_index == 0
    assert p.earlier_record_id is None
    assert (p.earlier_institution_id, p.earlier_name) == (world.hospital_a.id, "阿托伐他汀钙片")
    assert p.message == (
        "本次处方中‘阿托伐他汀钙胶囊’与第1行‘阿托伐他汀钙片’含相同成分，请确认是否重复开具"
    )
    assert check.prompt_count == 1


def test_two_drugs_of_a_class_with_a_class_rule_are_prompted(
    db: Session, world: World, doctor: Actor
) -> None:
    check = run(db, doctor, world, drugs=[drug_line("atorvastatin"), drug_line("rosuvastatin")])
    [p] = check.prompts
    assert (p.kind, p.rule_code, p.drug_class) == ("drug_class", "DRUG-CLASS-STATIN", "C10AA")
    assert (p.line_index, p.other_line_index, p.within_order) == (1, 0, True)
    assert p.message == (
        "本次处方中‘瑞舒伐他汀钙片’与第1行‘阿托伐他汀钙片’同属他汀类调脂药，疑似重复用药，"
        "请确认是否重复开具"
    )


def test_different_ingredients_and_classes_without_a_class_rule_are_not_prompted(
    db: Session, world: World, doctor: Actor
) -> None:
    # Amlodipine + valsartan: two classes. Aspirin + clopidogrel: dual antiplatelet therapy
    # (no class rule for B01AC).
    drugs = [
        drug_line("amlodipine"),
        drug_line("valsartan"),
        drug_line("aspirin"),
        drug_line("clopidogrel"),
    ]
    assert run(db, doctor, world, drugs=drugs).prompts == []


def test_exemptions_and_tolerance_apply_within_the_order(
    db: Session, world: World, doctor: Actor
) -> None:
    # Infusion carrier twice: exempt code of the ingredient rule.
    assert run(db, doctor, world, drugs=[drug_line("saline"), drug_line("saline")]).prompts == []
    # A repeat prescription starting when the first runs out: 30 days from ORDER_DAY, the
    # second starts 29 days later — 1 day left, within the 3-day tolerance.
    later = (ORDER_DAY + 29 * D).isoformat()
    drugs = [drug_line("omeprazole"), drug_line("omeprazole", startDate=later)]
    assert run(db, doctor, world, drugs=drugs).prompts == []
    # 4 days left is more than the tolerance: prompted, with the days left.
    earlier = (ORDER_DAY + 26 * D).isoformat()
    drugs = [drug_line("omeprazole", startDate=earlier), drug_line("omeprazole")]
    assert [
        (p.line_index, p.remaining_days) for p in run(db, doctor, world, drugs=drugs).prompts
    ] == [(1, 4)]
    # Emergency lab orders are exempt from the CBC rule, in one order as against the record.
    items = [lab("CBC", "血常规"), lab("CBC", "血常规")]
    assert run(db, doctor, world, items=items, encounterClass="emergency").prompts == []


def test_the_same_lab_or_exam_twice_is_prompted_items_without_a_rule_are_not(
    db: Session, world: World, doctor: Actor
) -> None:
    items = [
        lab("CBC", "血常规"),
        exam("ECG", "心电图"),
        lab("PCT", "降钙素原"),
        lab("CBC", "血常规（五分类）"),
        lab("PCT", "降钙素原"),
        exam("ECG", "十二导联心电图"),
    ]
    check = run(db, doctor, world, items=items)
    assert [(p.kind, p.line_index, p.other_line_index) for p in check.prompts] == [
        ("lab_repeat", 3, 0),
        ("exam_repeat", 5, 1),
    ]
    assert check.prompts[0].message == (
        "本次开单中‘血常规（五分类）’与第1行‘血常规’为同一检验项目，请确认是否重复开具"
    )
    assert check.prompts[1].message == (
        "本次开单中‘十二导联心电图’与第2行‘心电图’为同一检查项目，请确认是否重复开具"
    )


def test_a_line_duplicating_a_record_and_another_line_gets_both_prompts(
    db: Session, world: World, history: History, doctor: Actor
) -> None:
    history.lab(world.person, world.hospital_b, "CBC", "血常规", collected_at=at(ORDER_DAY - D))
    check = run(db, doctor, world, items=[lab("CBC", "血常规"), lab("CBC", "血常规")])
    assert [(p.line_index, p.within_order) for p in check.prompts] == [
        (0, False),
        (1, False),
        (1, True),
    ]


def test_a_within_order_prompt_is_answered_and_counted_under_its_kind(
    client: TestClient, make_headers: Headers, world: World, db: Session
) -> None:
    doctor = make_headers("alerts:check:run", institution_id=world.hospital_a.id)
    city = make_headers("alerts:stats:read", data_scope="city")
    db.commit()
    r = client.post(
        f"{BASE}/check",
        json={
            "personId": world.person.id,
            "orderDate": ORDER_DAY.isoformat(),
            "drugs": [drug_line("atorvastatin"), drug_line("rosuvastatin")],
            "items": [lab("CBC", "血常规"), lab("CBC", "血常规")],
        },
        headers=doctor,
    )
    assert r.status_code == 200, r.text
    out = r.json()
    statin, cbc = out["prompts"]
    assert statin["withinOrder"] is True and statin["otherLineIndex"] == 0
    assert statin["earlier"]["recordId"] is None
    assert statin["earlier"]["institutionName"] == world.hospital_a.name
    assert (cbc["kind"], cbc["line"]["index"], cbc["otherLineIndex"]) == ("lab_repeat", 1, 0)
    r = client.post(
        f"{BASE}/checks/{out['id']}/responses",
        json={
            "responses": [
                {"promptId": statin["id"], "action": "accepted"},
                {"promptId": cbc["id"], "action": "overridden", "reason": "两次采血"},
            ]
        },
        headers=doctor,
    )
    assert r.status_code == 200, r.text
    answered = {p["id"]: p for p in r.json()["prompts"]}
    assert answered[statin["id"]]["response"] == "accepted"
    assert answered[cbc["id"]]["reason"] == "两次采血"

    today = local_today().isoformat()
    for group_by, expected in (
        ("drugClass", [("C10AA", 1, 1, 0)]),
        ("item", [("CBC", 1, 0, 1)]),
    ):
        r = client.get(
            f"{BASE}/statistics",
            params={"from": today, "to": today, "groupBy": group_by},
            headers=city,
        )
        assert r.status_code == 200, r.text
        rows = r.json()["rows"]
        assert [(x["key"], x["prompts"], x["accepted"], x["overridden"]) for x in rows] == expected
