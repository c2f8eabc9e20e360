"""FHIR out: read, search with prefixes and paging, $everything, metadata, audit, hidden data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.orgs.models import Institution
from healthnet.modules.records.models_access import Consent

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


@pytest.fixture
def history(post_bundle: Callable[..., Any]) -> dict[str, Any]:
    """A resident with 7 fasting glucose results in 2024–2025, one visit, a diagnosis, an
    order."""
    number = id_card()
    p, e = urn(), urn()
    entries = [
        entry(patient(number), p),
        entry(encounter(p, "RV1", start="2025-02-01T09:00:00+08:00"), e),
        entry(condition(p, e, "RDX1")),
        entry(medication(p, e, "RRX1")),
    ]
    days = [
        "2024-03-01",
        "2024-07-01",
        "2024-12-31",
        "2025-01-01",
        "2025-02-01",
        "2025-03-01",
        "2025-04-01",
    ]
    for n, day in enumerate(days):
        entries.append(entry(observation(p, f"RL{n}", when=f"{day}T08:00:00+08:00", value=5 + n)))
    resp = post_bundle(bundle(*entries))
    assert resp.status_code == 200, resp.text
    return {
        "number": number,
        "person_id": resp.json()["entry"][0]["response"]["location"].split("/")[1],
        "days": days,
    }


def _get(client: TestClient, url: str, headers: dict[str, str]) -> Any:
    resp = client.get(url, headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith(FHIR)
    return resp.json()


def test_search_pages_to_the_last_page_and_back(
    client: TestClient, writer: dict[str, str], history: dict[str, Any]
) -> None:
    pid = history["person_id"]
    first = _get(client, f"/fhir/R4/Observation?patient=Patient/{pid}&_count=3&_sort=date", writer)
    Bundle.model_validate(first)
    assert first["total"] == 7
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "previous" not in links
    seen = [e["resource"]["effectiveDateTime"][:10] for e in first["entry"]]
    page = first
    while "next" in {link["relation"] for link in page["link"]}:
        nxt = next(link["url"] for link in page["link"] if link["relation"] == "next")
        u = urlsplit(nxt)
        page = _get(client, f"{u.path}?{u.query}", writer)
        seen += [e["resource"]["effectiveDateTime"][:10] for e in page["entry"]]
    assert len(seen) == 7
    # Stored in UTC: local midnight-ish 08:00 stays on the same day.
    assert seen == history["days"]
    last_url = links["last"]
    u = urlsplit(last_url)
    last = _get(client, f"{u.path}?{u.query}", writer)
    assert len(last["entry"]) == 1
    assert {link["relation"] for link in last["link"]} >= {"previous", "first", "self"}
    assert "next" not in {link["relation"] for link in last["link"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("date=ge2025-01-01", 4),
        ("date=lt2025-01-01", 3),
        ("date=2024", 3),
        ("date=2025-02", 1),
        ("date=ge2024-07-01&date=le2025-01-01", 3),
        ("date=gt2024-12-31", 4),
        ("code=FBG", 7),
        ("code=urn:his:lab-item|FBG", 7),
        ("code=CBC", 0),
    ],
)
def test_search_parameters(
    client: TestClient, writer: dict[str, str], history: dict[str, Any], query: str, expected: int
) -> None:
    body = _get(client, f"/fhir/R4/Observation?patient={history['person_id']}&{query}", writer)
    assert body["total"] == expected


def test_default_sort_is_newest_first_and_medication_search_by_atc(
    client: TestClient, writer: dict[str, str], history: dict[str, Any]
) -> None:
    pid = history["person_id"]
    body = _get(client, f"/fhir/R4/Observation?patient={pid}&_count=2", writer)
    assert body["entry"][0]["resource"]["effectiveDateTime"][:10] == "2025-04-01"
    meds = _get(
        client,
        f"/fhir/R4/MedicationRequest?patient={pid}&code=http://www.whocc.no/atc|C08CA01",
        writer,
    )
    assert meds["total"] == 1
    rx = meds["entry"][0]["resource"]
    assert rx["dispenseRequest"]["expectedSupplyDuration"]["value"] == 30
    assert {c.get("system") for c in rx["medicationCodeableConcept"]["coding"]} >= {
        "http://www.whocc.no/atc",
        "urn:oid:2.16.156.10011.2.3.2",
    }


def test_read_everything_and_audit(
    db: Session, client: TestClient, writer: dict[str, str], history: dict[str, Any]
) -> None:
    pid = history["person_id"]
    pat = _get(client, f"/fhir/R4/Patient/{pid}", writer)
    assert {"system": "urn:oid:2.16.156.10011.1.1", "value": history["number"]} in pat["identifier"]
    assert pat["name"][0]["text"] == "张三"
    everything = _get(client, f"/fhir/R4/Patient/{pid}/$everything", writer)
    Bundle.model_validate(everything)
    types = [e["resource"]["resourceType"] for e in everything["entry"]]
    assert types.count("Patient") == 1
    assert types.count("Observation") == 7
    assert {"Encounter", "Condition", "MedicationRequest"} <= set(types)
    enc_id = next(
        e["resource"]["id"]
        for e in everything["entry"]
        if e["resource"]["resourceType"] == "Encounter"
    )
    enc = _get(client, f"/fhir/R4/Encounter/{enc_id}", writer)
    assert enc["class"]["code"] == "AMB"
    assert enc["subject"]["reference"] == f"Patient/{pid}"
    actions = db.scalars(
        select(AuditRecord.action).where(
            AuditRecord.patient_id == pid, AuditRecord.action.like("records.fhir.%")
        )
    ).all()
    assert {"records.fhir.read", "records.fhir.everything"} <= set(actions)
    actors = set(
        db.scalars(
            select(AuditRecord.actor_username).where(
                AuditRecord.patient_id == pid, AuditRecord.action == "records.fhir.read"
            )
        ).all()
    )
    assert all(a.startswith("client:") for a in actors)


def test_search_by_identifier_finds_the_patient(
    client: TestClient, writer: dict[str, str], history: dict[str, Any]
) -> None:
    body = _get(
        client,
        f"/fhir/R4/Patient?identifier=urn:oid:2.16.156.10011.1.1|{history['number']}",
        writer,
    )
    assert body["total"] == 1
    assert body["entry"][0]["resource"]["id"] == history["person_id"]
    none = _get(
        client, f"/fhir/R4/Patient?identifier=urn:oid:2.16.156.10011.1.1|{id_card()}", writer
    )
    assert none["total"] == 0


def test_errors_of_reads_are_operation_outcomes(
    client: TestClient, writer: dict[str, str], history: dict[str, Any]
) -> None:
    resp = client.get("/fhir/R4/Observation/nope", headers=writer)
    assert resp.status_code == 404
    assert resp.json()["resourceType"] == "OperationOutcome"
    resp = client.get("/fhir/R4/Observation?code=FBG", headers=writer)  # no patient
    assert resp.status_code == 400
    resp = client.get(
        f"/fhir/R4/Observation?patient={history['person_id']}&date=sa2024", headers=writer
    )
    assert resp.status_code == 400
    assert resp.json()["issue"][0]["expression"] == ["date=sa2024"]
    resp = client.get(f"/fhir/R4/Observation?patient={history['person_id']}&foo=1", headers=writer)
    assert resp.status_code == 400
    assert client.get("/fhir/R4/Practitioner/1", headers=writer).status_code == 404


def test_hidden_categories_are_withheld_from_other_institutions(
    db: Session,
    client: TestClient,
    writer: dict[str, str],
    other_hospital: Institution,
    token_for: Callable[..., dict[str, str]],
    post_bundle: Callable[..., Any],
) -> None:
    number = id_card()
    p, e = urn(), urn()
    resp = post_bundle(
        bundle(
            entry(patient(number), p),
            entry(encounter(p, "HV1"), e),
            entry(condition(p, e, "HDX1", code="F20.0", name="偏执型精神分裂症")),
            entry(condition(p, e, "HDX2")),
        )
    )
    pid = resp.json()["entry"][0]["response"]["location"].split("/")[1]
    db.add(Consent(person_id=pid, category="mental", hidden=True, changed_by="resident"))
    db.flush()
    other = token_for(other_hospital, "fhir.read")
    theirs = _get(client, f"/fhir/R4/Condition?patient={pid}", other)
    assert [e["resource"]["code"]["coding"][0]["code"] for e in theirs["entry"]] == ["I10"]
    ours = _get(client, f"/fhir/R4/Condition?patient={pid}", writer)
    assert ours["total"] == 2


def test_metadata_lists_what_is_supported(client: TestClient) -> None:
    resp = client.get("/fhir/R4/metadata")
    assert resp.status_code == 200
    cap = resp.json()
    CapabilityStatement.model_validate(cap)
    assert cap["fhirVersion"] == "4.0.1"
    rest = cap["rest"][0]
    types = {r["type"] for r in rest["resource"]}
    assert types == {
        "Patient",
        "Encounter",
        "Condition",
        "MedicationRequest",
        "Observation",
        "DiagnosticReport",
        "DocumentReference",
        "Immunization",
    }
    obs = next(r for r in rest["resource"] if r["type"] == "Observation")
    assert {p["name"] for p in obs["searchParam"]} == {
        "_id",
        "patient",
        "subject",
        "date",
        "code",
        "encounter",
    }
    assert {i["code"] for i in obs["interaction"]} == {"read", "search-type"}
    pat = next(r for r in rest["resource"] if r["type"] == "Patient")
    assert pat["operation"][0]["name"] == "everything"
    assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch"}
