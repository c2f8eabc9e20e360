"""Every supported resource type goes in and comes out as a valid FHIR resource."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle

from .conftest import (
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


def _report(pat: str, enc: str) -> dict[str, Any]:
    return {
        "resourceType": "DiagnosticReport",
        "identifier": [{"system": "urn:his:exam", "value": "X1"}],
        "status": "final",
        "category": [{"coding": [{"code": "CT"}]}],
        "code": {"coding": [{"code": "CT-CHEST", "display": "胸部CT"}]},
        "subject": {"reference": pat},
        "encounter": {"reference": enc},
        "effectiveDateTime": "2025-03-01T10:00:00+08:00",
        "issued": "2025-03-01T12:00:00+08:00",
        "conclusion": "右肺上叶磨玻璃结节",
        "conclusionCode": [{"coding": [{"code": "abnormal"}]}],
        "presentedForm": [
            {
                "contentType": "text/plain",
                "data": base64.b64encode("右肺上叶见6mm结节".encode()).decode(),
            }
        ],
        "extension": [
            {
                "url": "https://healthnet.sh.cn/fhir/StructureDefinition/body-part",
                "valueString": "胸部",
            }
        ],
    }


def _document(pat: str, enc: str) -> dict[str, Any]:
    return {
        "resourceType": "DocumentReference",
        "identifier": [{"system": "urn:his:doc", "value": "S1"}],
        "status": "current",
        "type": {"coding": [{"code": "18842-5", "display": "出院小结"}]},
        "subject": {"reference": pat},
        "date": "2025-03-05T09:00:00+08:00",
        "description": "出院小结（肺炎）",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain",
                    "data": base64.b64encode("入院诊断：肺炎。".encode()).decode(),
                }
            }
        ],
        "context": {"encounter": [{"reference": enc}]},
    }


def _immunization(pat: str) -> dict[str, Any]:
    return {
        "resourceType": "Immunization",
        "identifier": [{"system": "urn:his:vac", "value": "I1"}],
        "status": "completed",
        "vaccineCode": {"coding": [{"code": "FLU-IIV4", "display": "四价流感疫苗"}]},
        "patient": {"reference": pat},
        "occurrenceDateTime": "2024-10-15",
        "lotNumber": "202410A",
        "protocolApplied": [{"doseNumberPositiveInt": 1}],
    }


def test_all_eight_types_round_trip(
    client: TestClient, writer: dict[str, str], post_bundle: Callable[..., Any]
) -> None:
    p, e = urn(), urn()
    resp = post_bundle(
        bundle(
            entry(patient(id_card(), card="RT1"), p),
            entry(encounter(p, "RTV1", cls="IMP"), e),
            entry(condition(p, e, "RTD1", code="J18.900", name="肺炎")),
            entry(medication(p, e, "RTM1")),
            entry(observation(p, "RTL1") | {"encounter": {"reference": e}}),
            entry(_report(p, e)),
            entry(_document(p, e)),
            entry(_immunization(p)),
        )
    )
    assert resp.status_code == 200, resp.text
    pid = resp.json()["entry"][0]["response"]["location"].split("/")[1]
    got = client.get(f"/fhir/R4/Patient/{pid}/$everything", headers=writer)
    assert got.status_code == 200
    everything = got.json()
    Bundle.model_validate(everything)  # every entry valid against the R4B models
    by_type = {en["resource"]["resourceType"]: en["resource"] for en in everything["entry"]}
    assert set(by_type) == {
        "Patient",
        "Encounter",
        "Condition",
        "MedicationRequest",
        "Observation",
        "DiagnosticReport",
        "DocumentReference",
        "Immunization",
    }
    enc_id = by_type["Encounter"]["id"]
    assert by_type["Encounter"]["class"]["code"] == "IMP"
    assert by_type["Observation"]["encounter"]["reference"] == f"Encounter/{enc_id}"
    report = by_type["DiagnosticReport"]
    assert report["conclusion"] == "右肺上叶磨玻璃结节"
    assert base64.b64decode(report["presentedForm"][0]["data"]).decode() == "右肺上叶见6mm结节"
    assert report["extension"][0]["valueString"] == "胸部"
    doc = by_type["DocumentReference"]
    assert base64.b64decode(doc["content"][0]["attachment"]["data"]).decode() == "入院诊断：肺炎。"
    assert doc["context"]["encounter"][0]["reference"] == f"Encounter/{enc_id}"
    assert by_type["Immunization"]["protocolApplied"][0]["doseNumberPositiveInt"] == 1
    hospital_cards = [i for i in by_type["Patient"]["identifier"] if "hospital-card" in i["system"]]
    assert [i["value"] for i in hospital_cards] == ["RT1"]  # the caller's own card
    for rtype, resource in by_type.items():
        if rtype == "Patient":
            continue
        single = client.get(f"/fhir/R4/{rtype}/{resource['id']}", headers=writer)
        assert single.status_code == 200, (rtype, single.text)
        assert single.json() == resource
