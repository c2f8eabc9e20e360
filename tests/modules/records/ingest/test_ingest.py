"""POST /fhir/R4: transaction and batch Bundles from hospital systems."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service as patients
from healthnet.core.patients.models import Person
from healthnet.core.patients.schemas import PersonCreate
from healthnet.core.rbac.actor import SYSTEM_ACTOR
from healthnet.modules.records.models import (
    Diagnosis,
    Encounter,
    LabResult,
    MedicationOrder,
    SourceKey,
)

from .conftest import (
    FHIR,
    bundle,
    condition,
    encounter,
    entry,
    id_card,
    medication,
    observation,
    patient,
    urn,
)


def _count(db: Session, model: Any, **where: Any) -> int:
    stmt = select(func.count()).select_from(model)
    for k, v in where.items():
        stmt = stmt.where(getattr(model, k) == v)
    return int(db.scalar(stmt) or 0)


def _visit(number: str, tag: str) -> dict[str, Any]:
    p, e = urn(), urn()
    return bundle(
        entry(patient(number, card=f"C{tag}"), p),
        entry(encounter(p, f"V{tag}"), e),
        entry(condition(p, e, f"DX{tag}")),
        entry(medication(p, e, f"RX{tag}")),
        entry(observation(p, f"LAB{tag}")),
    )


def test_a_valid_transaction_stores_every_resource(
    db: Session, post_bundle: Callable[..., Any], hospital: Institution
) -> None:
    number = id_card()
    resp = post_bundle(_visit(number, "1"))
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith(FHIR)
    body = resp.json()
    assert body["type"] == "transaction-response"
    statuses = [e["response"]["status"] for e in body["entry"]]
    assert statuses == ["201 Created"] * 5
    assert body["entry"][0]["response"]["location"].startswith("Patient/")
    person_id = body["entry"][0]["response"]["location"].split("/")[1]

    enc = db.scalars(select(Encounter).where(Encounter.person_id == person_id)).one()
    assert (enc.class_code, enc.department_name, enc.institution_id) == (
        "outpatient",
        "心内科",
        hospital.id,
    )
    dx = db.scalars(select(Diagnosis).where(Diagnosis.person_id == person_id)).one()
    assert (dx.icd10_code, dx.encounter_id) == ("I10", enc.id)
    rx = db.scalars(select(MedicationOrder).where(MedicationOrder.person_id == person_id)).one()
    assert (rx.atc_code, rx.ingredient_code, rx.days_supply, rx.encounter_id) == (
        "C08CA01",
        "AML",
        30,
        enc.id,
    )
    lab = db.scalars(select(LabResult).where(LabResult.person_id == person_id)).one()
    assert (lab.item_code, str(lab.value_numeric.normalize()), lab.abnormal_flag) == (
        "FBG",
        "6.8",
        "H",
    )
    # The resident was registered in the master patient index with both identifiers.
    found = patients.find_by_identifier(
        session=db, id_type="hospital_card", value="C1", institution_id=hospital.id
    )
    assert found is not None and found.id == person_id
    audited = db.scalars(
        select(AuditRecord).where(
            AuditRecord.action == "records.fhir.ingest", AuditRecord.patient_id == person_id
        )
    ).all()
    assert len(audited) == 1


def test_an_invalid_transaction_writes_nothing_and_names_the_element(
    db: Session, post_bundle: Callable[..., Any]
) -> None:
    number = id_card()
    doc = _visit(number, "2")
    del doc["entry"][1]["resource"]["period"]  # Encounter.period.start is required here
    doc["entry"][3]["resource"]["authoredOn"] = "2025-13-45"  # not a dateTime
    persons_before = _count(db, Person)
    resp = post_bundle(doc)
    assert resp.status_code in (400, 422)
    body = resp.json()
    assert body["resourceType"] == "OperationOutcome"
    expressions = [x for i in body["issue"] for x in i.get("expression", [])]
    assert "Bundle.entry[1].resource.period.start" in expressions
    assert any(x.startswith("Bundle.entry[3].resource.authoredOn") for x in expressions)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in i["diagnostics"]) for i in body["issue"])
    assert _count(db, Person) == persons_before
    assert _count(db, SourceKey) == 0 or _count(db, Encounter, source_id="urn:his:visit|V2") == 0


def test_an_unresolvable_reference_fails_the_whole_transaction(
    db: Session, post_bundle: Callable[..., Any]
) -> None:
    number = id_card()
    p = urn()
    doc = bundle(
        entry(patient(number), p),
        entry(encounter(p, "V3")),
        entry(observation("Patient/does-not-exist", "LAB3")),
    )
    resp = post_bundle(doc)
    assert resp.status_code == 422
    issue = resp.json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[2].resource.subject.reference"]
    assert _count(db, Encounter, source_id="urn:his:visit|V3") == 0
    assert patients.find_by_identifier(session=db, id_type="resident_id_card", value=number) is None


def test_a_batch_keeps_the_good_entries_and_reports_the_bad(
    db: Session, post_bundle: Callable[..., Any]
) -> None:
    number = id_card()
    p = urn()
    bad = observation(p, "LAB4b")
    bad["valueQuantity"]["value"] = "abc"
    doc = bundle(
        entry(patient(number), p),
        entry(observation(p, "LAB4a")),
        entry(bad),
        entry({"resourceType": "Practitioner", "id": "x"}),
        kind="batch",
    )
    resp = post_bundle(doc)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["type"] == "batch-response"
    statuses = [e["response"]["status"] for e in body["entry"]]
    assert statuses[0] == "201 Created" and statuses[1] == "201 Created"
    assert statuses[2].startswith("400") and statuses[3].startswith("400")
    bad_issue = body["entry"][2]["response"]["outcome"]["issue"][0]
    assert bad_issue["expression"][0].startswith("Bundle.entry[2].resource.valueQuantity.value")
    assert _count(db, LabResult, source_id="urn:his:lab|LAB4a") == 1
    assert _count(db, LabResult, source_id="urn:his:lab|LAB4b") == 0


def test_resending_the_same_identifiers_updates_instead_of_duplicating(
    db: Session, post_bundle: Callable[..., Any]
) -> None:
    number = id_card()
    first = post_bundle(_visit(number, "5"))
    assert first.status_code == 200
    again = _visit(number, "5")
    again["entry"][4]["resource"]["valueQuantity"]["value"] = 5.2  # corrected result
    again["entry"][1]["resource"]["period"]["start"] = "2025-03-02T10:00:00+08:00"  # moved
    second = post_bundle(again)
    assert second.status_code == 200
    statuses = [e["response"]["status"] for e in second.json()["entry"]]
    assert statuses == ["200 OK"] * 5
    locations = [e["response"]["location"] for e in second.json()["entry"]]
    assert locations == [e["response"]["location"] for e in first.json()["entry"]]
    assert _count(db, Encounter, source_id="urn:his:visit|V5") == 1
    assert _count(db, LabResult, source_id="urn:his:lab|LAB5") == 1
    lab = db.scalars(select(LabResult).where(LabResult.source_id == "urn:his:lab|LAB5")).one()
    assert str(lab.value_numeric.normalize()) == "5.2"
    enc = db.scalars(select(Encounter).where(Encounter.source_id == "urn:his:visit|V5")).one()
    assert enc.start_at.isoformat().startswith("2025-03-02T02:00")


def test_a_patient_is_matched_to_the_existing_resident(
    db: Session, post_bundle: Callable[..., Any]
) -> None:
    number = id_card()
    reg = patients.register_person(
        session=db,
        actor=SYSTEM_ACTOR,
        data=PersonCreate.model_validate(
            {"name": "张三", "identifiers": [{"type": "resident_id_card", "value": number}]}
        ),
    )
    resp = post_bundle(_visit(number, "6"))
    assert resp.status_code == 200, resp.text
    first = resp.json()["entry"][0]["response"]
    assert first == {"status": "200 OK", "location": f"Patient/{reg.person.id}"}
    assert _count(db, Encounter, person_id=reg.person.id) == 1


def test_a_reference_to_a_known_patient_id_needs_no_patient_entry(
    db: Session, post_bundle: Callable[..., Any]
) -> None:
    number = id_card()
    resp = post_bundle(_visit(number, "7"))
    person_id = resp.json()["entry"][0]["response"]["location"].split("/")[1]
    later = post_bundle(bundle(entry(observation(f"Patient/{person_id}", "LAB7b"))))
    assert later.status_code == 200, later.text
    by_card = post_bundle(
        bundle(
            entry(
                observation("x", "LAB7c")
                | {
                    "subject": {
                        "identifier": {"system": "urn:oid:2.16.156.10011.1.1", "value": number}
                    }
                }
            )
        )
    )
    assert by_card.status_code == 200, by_card.text
    assert _count(db, LabResult, person_id=person_id) == 3


def test_sensitive_diagnoses_label_the_record_and_its_encounter(
    db: Session, post_bundle: Callable[..., Any]
) -> None:
    number = id_card()
    p, e = urn(), urn()
    resp = post_bundle(
        bundle(
            entry(patient(number), p),
            entry(encounter(p, "V8", dept="普通内科"), e),
            entry(condition(p, e, "DX8", code="F32.1", name="中度抑郁发作")),
        )
    )
    assert resp.status_code == 200, resp.text
    dx = db.scalars(select(Diagnosis).where(Diagnosis.source_id == "urn:his:dx|DX8")).one()
    enc = db.scalars(select(Encounter).where(Encounter.source_id == "urn:his:visit|V8")).one()
    assert (dx.sensitivity, enc.sensitivity) == ("mental", "mental")


def test_bad_bodies_answer_with_operation_outcome(
    client: TestClient, writer: dict[str, str], post_bundle: Callable[..., Any]
) -> None:
    resp = client.post("/fhir/R4", content=b"{not json", headers={**writer, "Content-Type": FHIR})
    assert resp.status_code == 400
    assert resp.json()["resourceType"] == "OperationOutcome"
    resp = post_bundle({"resourceType": "Bundle", "type": "collection", "entry": []})
    assert resp.status_code == 400
    assert resp.json()["issue"][0]["expression"] == ["Bundle.type"]
    resp = post_bundle({"resourceType": "Patient"})
    assert resp.status_code == 400


def test_tokens_and_scopes_are_enforced(
    client: TestClient,
    hospital: Institution,
    token_for: Callable[..., dict[str, str]],
    post_bundle: Callable[..., Any],
) -> None:
    doc = _visit(id_card(), "9")
    resp = client.post("/fhir/R4", json=doc)
    assert resp.status_code == 401
    assert resp.json()["resourceType"] == "OperationOutcome"
    reader = token_for(hospital, "fhir.read")
    resp = post_bundle(doc, headers=reader)
    assert resp.status_code == 403
    assert resp.json()["issue"][0]["code"] == "forbidden"
    writer_only = token_for(hospital, "fhir.write")
    assert client.get("/fhir/R4/Encounter?patient=x", headers=writer_only).status_code == 403
    assert client.get("/fhir/R4/Encounter?patient=x").status_code == 401
    unbound = token_for(None, "fhir.write")
    assert post_bundle(doc, headers=unbound).status_code == 403


def test_a_bad_citizen_id_number_is_named_and_nothing_is_written(
    db: Session, post_bundle: Callable[..., Any]
) -> None:
    number = id_card()
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")  # check digit off
    doc = _visit(wrong, "10")
    resp = post_bundle(doc)
    assert resp.status_code == 422, resp.text
    issue = resp.json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[0].resource.identifier[0].value"]
    assert _count(db, Encounter, source_id="urn:his:visit|V10") == 0
