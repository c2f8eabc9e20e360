"""Fixtures of the ingestion side (FHIR endpoint, bulk import, facts): hospitals, API clients
with tokens, bundles."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.core.oidc import service as oidc
from healthnet.core.oidc.schemas import ClientCreate
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate
from healthnet.core.rbac.actor import SYSTEM_ACTOR

FHIR = "application/fhir+json"
ID_CARD = "urn:oid:2.16.156.10011.1.1"
ATC = "http://www.whocc.no/atc"
INGREDIENT = "urn:oid:2.16.156.10011.2.3.2"


def id_card(birth: str | None = None, seq: int | None = None, male: bool = True) -> str:
    """A valid GB 11643 number of Shanghai Xuhui (310104); random birth date unless given."""
    if birth is None:
        day = date(1940, 1, 1) + timedelta(days=secrets.randbelow(60 * 365))
        birth = day.strftime("%Y%m%d")
    n = secrets.randbelow(500) * 2 + (1 if male else 0) if seq is None else seq
    body = f"310104{birth}{n:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def make_institution(db: Session, code: str, name: str) -> Institution:
    orgs.load_districts(session=db)
    return orgs.create_institution(
        session=db,
        data=InstitutionCreate.model_validate(
            {
                "code": code,
                "name": name,
                "kind": "tertiary_hospital",
                "level": "3A",
                "district_code": "310104",
            }
        ),
    )


@pytest.fixture
def hospital(db: Session) -> Institution:
    return make_institution(db, f"H{secrets.token_hex(3).upper()}", "上海市第六人民医院")


@pytest.fixture
def other_hospital(db: Session) -> Institution:
    return make_institution(db, f"H{secrets.token_hex(3).upper()}", "上海市第十人民医院")


@pytest.fixture
def token_for(db: Session, client: TestClient) -> Callable[..., dict[str, str]]:
    """Authorization headers of a hospital system holding ``scopes``."""

    def _make(institution: Institution | None, *scopes: str) -> dict[str, str]:
        row, secret = oidc.register_client(
            session=db,
            actor=SYSTEM_ACTOR,
            data=ClientCreate.model_validate(
                {
                    "name": "医院信息系统",
                    "institution_id": institution.id if institution else None,
                    "grant_types": ["client_credentials"],
                    "scopes": list(scopes),
                }
            ),
        )
        assert secret is not None
        resp = client.post(
            "http://localhost/oidc/token",
            data={"grant_type": "client_credentials", "scope": " ".join(scopes)},
            auth=(row.client_id, secret),
        )
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}

    return _make


@pytest.fixture
def writer(hospital: Institution, token_for: Callable[..., dict[str, str]]) -> dict[str, str]:
    return token_for(hospital, "fhir.write", "fhir.read")


@pytest.fixture
def post_bundle(client: TestClient, writer: dict[str, str]) -> Callable[..., Any]:
    def _post(bundle: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return client.post(
            "/fhir/R4",
            content=__import__("json").dumps(bundle),
            headers={**(headers or writer), "Content-Type": FHIR},
        )

    return _post


def urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def entry(
    resource: dict[str, Any], full_url: str | None = None, method: str = "POST"
) -> dict[str, Any]:
    return {
        "fullUrl": full_url or urn(),
        "resource": resource,
        "request": {"method": method, "url": resource["resourceType"]},
    }


def patient(number: str, name: str = "张三", card: str | None = None) -> dict[str, Any]:
    idents = [{"system": ID_CARD, "value": number}]
    if card:
        idents.append({"system": "urn:healthnet:hospital-card", "value": card})
    return {
        "resourceType": "Patient",
        "identifier": idents,
        "name": [{"text": name}],
        "gender": "male",
        "birthDate": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
    }


def encounter(
    pat: str,
    ident: str,
    start: str = "2025-03-01T09:00:00+08:00",
    cls: str = "AMB",
    dept: str = "心内科",
) -> dict[str, Any]:
    return {
        "resourceType": "Encounter",
        "identifier": [{"system": "urn:his:visit", "value": ident}],
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": cls},
        "subject": {"reference": pat},
        "period": {"start": start, "end": start},
        "serviceType": {"coding": [{"code": "0301", "display": dept}]},
        "participant": [{"individual": {"display": "李医生"}}],
    }


def condition(
    pat: str, enc: str, ident: str, code: str = "I10", name: str = "高血压"
) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "identifier": [{"system": "urn:his:dx", "value": ident}],
        "code": {
            "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": code, "display": name}]
        },
        "subject": {"reference": pat},
        "encounter": {"reference": enc},
        "recordedDate": "2025-03-01T09:10:00+08:00",
    }


def medication(
    pat: str,
    enc: str | None,
    ident: str,
    authored: str = "2025-03-01T09:20:00+08:00",
    days: int = 30,
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "identifier": [{"system": "urn:his:rx", "value": ident}],
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {
            "coding": [
                {"system": "urn:his:drug", "code": "D-AML-5", "display": "苯磺酸氨氯地平片"},
                {"system": ATC, "code": "C08CA01"},
                {"system": INGREDIENT, "code": "AML", "display": "氨氯地平"},
            ],
            "text": "苯磺酸氨氯地平片",
        },
        "subject": {"reference": pat},
        "authoredOn": authored,
        "dosageInstruction": [
            {
                "timing": {"code": {"text": "qd"}},
                "route": {"text": "口服"},
                "doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg"}}],
            }
        ],
        "dispenseRequest": {
            "expectedSupplyDuration": {
                "value": days,
                "unit": "天",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            },
            "quantity": {"value": 30, "unit": "片"},
        },
    }
    if enc:
        res["encounter"] = {"reference": enc}
    return res


def observation(
    pat: str,
    ident: str,
    when: str = "2025-03-01T08:30:00+08:00",
    value: float = 6.8,
    code: str = "FBG",
    name: str = "空腹血糖",
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "identifier": [{"system": "urn:his:lab", "value": ident}],
        "status": "final",
        "code": {"coding": [{"system": "urn:his:lab-item", "code": code, "display": name}]},
        "subject": {"reference": pat},
        "effectiveDateTime": when,
        "issued": when,
        "valueQuantity": {"value": value, "unit": "mmol/L"},
        "referenceRange": [{"low": {"value": 3.9}, "high": {"value": 6.1}}],
        "interpretation": [{"coding": [{"code": "H"}]}],
        "specimen": {"display": "静脉血"},
    }


def bundle(*entries: dict[str, Any], kind: str = "transaction") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries)}
