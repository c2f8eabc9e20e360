"""The check as a hospital's order entry system calls it (R9 in real time): an API client with a
client-credentials token from our own token endpoint, scope ``alerts.check``, the patient named
by the ID card number; the doctor's response sent back by the same system."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.audit.models import AuditRecord
from healthnet.core.oidc import service as oidc
from healthnet.core.oidc.models import OidcClient
from healthnet.core.oidc.schemas import ClientCreate
from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service as patients
from healthnet.core.patients.identifiers import IdentifierType
from healthnet.core.patients.schemas import IdentifierIn
from healthnet.core.rbac.actor import SYSTEM_ACTOR
from healthnet.demo.generators import make_id_number
from healthnet.modules.alerts.models import Check, Prompt
from tests.modules.alerts.conftest import ORDER_DAY, History, World, at, drug_line

BASE = "/api/v1/alerts"
ID_CARD = "urn:oid:2.16.156.10011.1.1"
ID_NUMBER = make_id_number("310115", date(1956, 4, 2), 42)


class His:
    """A registered hospital system and the headers of the token it got from /oidc/token."""

    def __init__(self, client_id: str, headers: dict[str, str]) -> None:
        self.client_id = client_id
        self.headers = headers


TokenFor = Callable[..., His]


@pytest.fixture
def token_for(db: Session, client: TestClient) -> TokenFor:
    def _make(institution: Institution | None, *scopes: str) -> His:
        row, secret = oidc.register_client(
            session=db,
            actor=SYSTEM_ACTOR,
            data=ClientCreate.model_validate(
                {
                    "name": "医院信息系统（门诊医生站）",
                    "institution_id": institution.id if institution else None,
                    "grant_types": ["client_credentials"],
                    "scopes": list(scopes),
                }
            ),
        )
        db.commit()
        assert secret is not None
        resp = client.post(
            "http://localhost/oidc/token",
            data={"grant_type": "client_credentials", "scope": " ".join(scopes)},
            auth=(row.client_id, secret),
        )
        assert resp.status_code == 200, resp.text
        return His(row.client_id, {"Authorization": f"Bearer {resp.json()['access_token']}"})

    return _make


@pytest.fixture
def carded(db: Session, world: World, history: History) -> World:
    """The resident holds a citizen ID card; hospital B prescribed a statin and took a blood
    count."""
    patients.add_identifier(
        session=db,
        actor=SYSTEM_ACTOR,
        person_id=world.person.id,
        data=IdentifierIn(type=IdentifierType.RESIDENT_ID_CARD, value=ID_NUMBER),
    )
    history.medication(
        world.person, world.hospital_b, "atorvastatin", ordered_at=at(ORDER_DAY.replace(day=7))
    )
    history.lab(
        world.person, world.hospital_b, "CBC", "血常规", collected_at=at(ORDER_DAY.replace(day=24))
    )
    db.commit()
    return world


def order(**fields: Any) -> dict[str, Any]:
    return {
        "patientIdentifier": {"system": ID_CARD, "value": ID_NUMBER},
        "orderDate": ORDER_DAY.isoformat(),
        "orderingPractitioner": {"id": "D0173", "name": "李医生"},
        "drugs": [drug_line("atorvastatin")],
        "items": [{"kind": "lab", "itemCode": "CBC", "itemName": "血常规"}],
        **fields,
    }


def test_a_hospital_system_gets_prompts_for_a_patient_named_by_id_card(
    client: TestClient, token_for: TokenFor, carded: World, db: Session
) -> None:
    his = token_for(carded.hospital_a, "alerts.check")
    r = client.post(f"{BASE}/check", json=order(), headers=his.headers)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    out = r.json()
    assert out["personId"] == carded.person.id
    assert out["orderingInstitutionId"] == carded.hospital_a.id
    assert out["client"] == his.client_id
    assert out["checkedBy"] is None
    assert out["orderingPractitioner"] == {"id": "D0173", "name": "李医生"}
    drug, cbc = out["prompts"]
    assert drug["kind"] == "drug_ingredient"
    assert drug["earlier"]["institutionName"] == "上海市第六人民医院"
    assert "阿托伐他汀钙片" in drug["message"]
    assert cbc["kind"] == "lab_repeat" and "血常规" in cbc["message"]

    stored = db.get(Check, out["id"])
    assert stored is not None and stored.checked_by is None
    client_pk = db.scalar(select(OidcClient.id).where(OidcClient.client_id == his.client_id))
    assert stored.client_id == client_pk
    audit = db.scalars(select(AuditRecord).where(AuditRecord.action == "alerts.check.run")).one()
    assert audit.actor_username == f"client:{his.client_id}"
    assert audit.patient_id == carded.person.id and audit.purpose == "TREAT"
    assert ID_NUMBER not in str(audit.detail)


def test_the_system_records_the_doctors_response(
    client: TestClient, token_for: TokenFor, carded: World, db: Session
) -> None:
    his = token_for(carded.hospital_a, "alerts.check")
    out = client.post(f"{BASE}/check", json=order(), headers=his.headers).json()
    drug, cbc = (p["id"] for p in out["prompts"])
    r = client.post(
        f"{BASE}/checks/{out['id']}/responses",
        json={
            "responses": [
                {"promptId": drug, "action": "accepted"},
                {"promptId": cbc, "action": "overridden", "reason": "昨日结果异常待复查"},
            ],
            "practitioner": {"id": "D0173", "name": "李医生"},
        },
        headers=his.headers,
    )
    assert r.status_code == 200, r.text
    answered = {p["id"]: p for p in r.json()["prompts"]}
    assert answered[drug]["response"] == "accepted"
    assert answered[cbc]["response"] == "overridden"
    assert answered[cbc]["reason"] == "昨日结果异常待复查"
    for p in answered.values():
        assert p["respondedByClient"] == his.client_id
        assert p["respondedBy"] is None and p["respondedAt"]
        assert p["responderPractitioner"] == {"id": "D0173", "name": "李医生"}
    # The same check read back by the system shows the answers.
    again = client.get(f"{BASE}/checks/{out['id']}", headers=his.headers)
    assert again.status_code == 200
    assert {p["response"] for p in again.json()["prompts"]} == {"accepted", "overridden"}
    rows = db.scalars(select(Prompt).where(Prompt.check_id == out["id"])).all()
    assert {r.responded_by_client_id for r in rows} == {db.get(Check, out["id"]).client_id}  # type: ignore[union-attr]
    audit = db.scalars(
        select(AuditRecord).where(AuditRecord.action == "alerts.prompt.respond")
    ).one()
    assert audit.actor_username == f"client:{his.client_id}"
    assert audit.resource_id == out["id"] and audit.patient_id == carded.person.id


def test_another_system_cannot_see_or_answer_the_check(
    client: TestClient, token_for: TokenFor, carded: World
) -> None:
    his = token_for(carded.hospital_a, "alerts.check")
    other = token_for(carded.hospital_b, "alerts.check")
    out = client.post(f"{BASE}/check", json=order(), headers=his.headers).json()
    assert client.get(f"{BASE}/checks/{out['id']}", headers=other.headers).status_code == 404
    r = client.post(
        f"{BASE}/checks/{out['id']}/responses",
        json={"responses": [{"promptId": out["prompts"][0]["id"], "action": "accepted"}]},
        headers=other.headers,
    )
    assert r.status_code == 404


def test_a_token_without_the_scope_is_refused(
    client: TestClient, token_for: TokenFor, carded: World, db: Session
) -> None:
    fhir_only = token_for(carded.hospital_a, "fhir.read", "fhir.write")
    r = client.post(f"{BASE}/check", json=order(), headers=fhir_only.headers)
    assert r.status_code == 403
    assert r.json()["detail"] == "访问令牌缺少所需的授权范围：alerts.check"
    assert db.scalar(select(Check.id)) is None
    r = client.post(
        f"{BASE}/check", json=order(), headers={"Authorization": "Bearer hnat_not-a-token"}
    )
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("identifier", "field", "message"),
    [
        (
            {"system": ID_CARD, "value": make_id_number("310104", date(1980, 1, 1), 11)},
            "patientIdentifier.value",
            "证件标识（patientIdentifier）对应的居民不在主索引中",
        ),
        (
            {"system": ID_CARD, "value": ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")},
            "patientIdentifier.value",
            "校验码",
        ),
        (
            {"system": "urn:example:unknown", "value": "123"},
            "patientIdentifier.system",
            "不认识的证件标识体系（system）",
        ),
    ],
    ids=["unknown-number", "bad-check-digit", "unknown-system"],
)
def test_an_unusable_identifier_is_refused_naming_the_field(
    client: TestClient,
    token_for: TokenFor,
    carded: World,
    identifier: dict[str, str],
    field: str,
    message: str,
) -> None:
    his = token_for(carded.hospital_a, "alerts.check")
    r = client.post(f"{BASE}/check", json=order(patientIdentifier=identifier), headers=his.headers)
    assert r.status_code == 422, r.text
    error = r.json()["errors"][0]
    assert error["field"] == field
    assert message in error["message"]


def test_a_hospital_system_orders_only_for_its_own_institution(
    client: TestClient, token_for: TokenFor, carded: World
) -> None:
    his = token_for(carded.hospital_a, "alerts.check")
    r = client.post(
        f"{BASE}/check",
        json=order(orderingInstitutionId=carded.hospital_b.id),
        headers=his.headers,
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "orderingInstitutionId"
    # Its hospital cards: the own-card system names the patient too.
    r = client.post(
        f"{BASE}/check",
        json=order(patientIdentifier={"system": "resident_id_card", "value": ID_NUMBER}),
        headers=his.headers,
    )
    assert r.status_code == 200, r.text


def test_a_clinician_in_the_console_may_name_the_patient_by_id_card_too(
    client: TestClient, make_headers: Callable[..., dict[str, str]], carded: World, db: Session
) -> None:
    headers = make_headers("alerts:check:run", institution_id=carded.hospital_a.id)
    db.commit()
    r = client.post(f"{BASE}/check", json=order(), headers=headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["client"] is None and out["checkedBy"] is not None
    assert len(out["prompts"]) == 2
    # Without the permission a session is refused as before.
    nobody = make_headers("patients:person:read", institution_id=carded.hospital_a.id)
    db.commit()
    assert client.post(f"{BASE}/check", json=order(), headers=nobody).status_code == 403
