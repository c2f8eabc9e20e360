"""Death registration (R6): the medical certificate's cause chain and ICD-10 rules, the
pregnancy question by sex, CDC verification only, a second report of the same death linked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from healthnet.core.certs import service as certs
from healthnet.core.localtime import local_today

from .conftest import BASE, World, enrol, field_errors, transition


def _certificate(**v: Any) -> dict[str, Any]:
    return {
        "death_date": (local_today() - timedelta(days=1)).isoformat(),
        "death_place": "1",
        "cause_a": "急性心肌梗死",
        "cause_a_icd": "I21.9",
        "interval_a": 3,
        "interval_a_unit": "h",
        "cause_b": "动脉硬化性心脏病",
        "cause_b_icd": "I25.1",
        "interval_b": 5,
        "interval_b_unit": "a",
        "diagnosis_level": "1",
        "diagnosis_basis": "4",
        "underlying_cause_icd": "I25.1",
        **v,
    }


def test_certificate_rules(client: TestClient, world: World) -> None:
    hosp = world.user("doctor", world.c)
    man = world.person(hosp, birth=date(1940, 2, 3), sex="1")
    woman = world.person(hosp, birth=date(1990, 2, 3), sex="2")

    # an injury-nature code is never the underlying cause
    r = enrol(client, hosp, "death", man, _certificate(underlying_cause_icd="S06.0"))
    assert r.status_code == 422
    assert field_errors(r) == {
        "values.underlying_cause_icd": "根本死亡原因不能使用损伤性质编码（S00–T98），"
        "应使用外部原因编码（V01–Y98）"
    }
    # the chain is filled in from (a) on, without gaps
    gap = _certificate(cause_b=None, cause_b_icd=None, interval_b=None, interval_b_unit=None)
    r = enrol(
        client, hosp, "death", man, {**gap, "cause_c": "慢性阻塞性肺病", "cause_c_icd": "J44.9"}
    )
    assert "values.cause_b_icd" in field_errors(r)
    # an interval needs its unit; an unknown ICD-10 code is refused naming the field
    r = enrol(client, hosp, "death", man, _certificate(interval_a_unit=None))
    assert field_errors(r) == {"values.interval_a_unit": "“（a）间隔单位”为必填项"}
    r = enrol(client, hosp, "death", man, _certificate(cause_a_icd="Q99.99"))
    assert list(field_errors(r)) == ["values.cause_a_icd"]
    # a man cannot be pregnant; a woman of child-bearing age must be asked
    r = enrol(client, hosp, "death", man, _certificate(pregnancy_related=True))
    assert field_errors(r) == {
        "values.pregnancy_related": "男性死者不能填写“妊娠期或妊娠终止后 42 天内”"
    }
    r = enrol(client, hosp, "death", woman, _certificate())
    assert field_errors(r) == {
        "values.pregnancy_related": "“死亡时是否处于妊娠期或妊娠终止后 42 天内”为必填项"
    }
    # death after birth and before the report
    r = enrol(client, hosp, "death", man, _certificate(death_date="1939-01-01"))
    assert field_errors(r) == {"values.death_date": "死亡日期不能早于出生日期"}
    # an inferred cause needs the investigation record
    r = enrol(client, hosp, "death", man, _certificate(diagnosis_basis="6"))
    assert list(field_errors(r)) == ["values.investigation"]

    # an underlying cause outside the chain warns; R99 warns as ill-defined
    r = enrol(
        client,
        hosp,
        "death",
        woman,
        _certificate(pregnancy_related=False, underlying_cause_icd="R99"),
    )
    assert r.status_code == 201, r.text
    assert [w["rule"] for w in r.json()["warnings"]] == [
        "underlying_ill_defined",
        "underlying_in_chain",
    ]


def test_second_report_is_linked_and_only_the_cdc_verifies(
    client: TestClient, world: World
) -> None:
    hosp = world.user("doctor", world.c)
    colleague = world.user("doctor", world.c)
    cdc = world.user("cdc_staff", world.c)
    person = world.person(hosp, birth=date(1940, 2, 3), sex="1")

    first = enrol(client, hosp, "death", person, _certificate())
    assert first.status_code == 201, first.text
    assert first.json()["duplicateOfId"] is None
    assert first.json()["notified"] == 1  # the district CDC
    fid = first.json()["enrolment"]["id"]
    # another doctor reports the same death again (other wording)
    second = enrol(
        client, colleague, "death", person, _certificate(death_place="3", cause_a="心梗")
    )
    assert second.status_code == 201, second.text
    assert second.json()["duplicateOfId"] == fid
    assert second.json()["enrolment"]["status"] == "duplicate"
    assert second.json()["notified"] == 0
    cases = client.get(
        f"{BASE}/death/enrolments", params={"status": "reported"}, headers=cdc.headers
    )
    assert cases.json()["total"] == 1
    detail = client.get(f"{BASE}/enrolments/{fid}", headers=cdc.headers).json()
    assert detail["duplicates"] == [second.json()["enrolment"]["id"]]

    # the reporting doctor cannot verify; the CDC returns it with a note, the doctor resubmits
    assert transition(client, hosp, fid, "verify").status_code == 403
    assert transition(client, cdc, fid, "return").status_code == 422  # note required
    r = transition(client, cdc, fid, "return", note="请补充（b）的间隔时间")
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert transition(client, hosp, fid, "resubmit").json()["status"] == "reported"
    # confirming signs the certificate (SM2): the reviewer needs a signing certificate
    # (test_death_signature.py)
    certs.issue_certificate(session=world.db, actor=None, user_id=cdc.user_id, purpose="signing")
    world.db.commit()
    r = transition(client, cdc, fid, "verify")
    assert r.status_code == 200 and r.json()["status"] == "verified"
