"""Transfers across districts (issue #6 point 4, decision 0018): a registrant of a Xuhui
community moves to Changning. The sending doctor finds the receiving community in the city's
institution directory (their own data scope ends at their institution), the receiving doctor
sees the request with the institutions' names, reads the registrant to decide, accepts, and
then manages the enrolment and reads the resident in the patient index; a third institution
still sees nothing. A rejected request takes the receiving side's access away again."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from healthnet.core.audit.models import AuditRecord
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.models import Institution
from healthnet.core.orgs.schemas import InstitutionCreate

from .conftest import BASE, Staff, World, enrol

DM = {"diagnosis": "E11.9", "diagnosed_on": "2021-03-04", "height_cm": 170, "treatment_mode": "2"}


def _changning(world: World, code: str, name: str) -> Institution:
    inst = orgs.create_institution(
        session=world.db,
        data=InstitutionCreate.model_validate(
            {
                "code": code,
                "name": name,
                "kind": "community_health_centre",
                "level": "1",
                "district_code": "310105",
            }
        ),
    )
    world.db.commit()
    return inst


def _setup(client: TestClient, world: World) -> tuple[Staff, Staff, Staff, Institution, str, str]:
    b = _changning(world, "RG-XB", "测试长宁社区卫生服务中心")
    d = _changning(world, "RG-XD", "测试长宁另一社区卫生服务中心")
    doc_a = world.user("doctor", world.a)  # Xuhui
    doc_b = world.user("doctor", b)  # Changning, receives the registrant
    doc_d = world.user("doctor", d)  # Changning, has nothing to do with them
    person = world.person(doc_a, birth=date(1955, 1, 2))
    r = enrol(client, doc_a, "diabetes", person, DM, assignedUserId=doc_a.user_id)
    assert r.status_code == 201, r.text
    return doc_a, doc_b, doc_d, b, person, r.json()["enrolment"]["id"]


def test_directory_names_every_institution_but_only_public_facts(
    client: TestClient, world: World
) -> None:
    b = _changning(world, "RG-XB", "测试长宁社区卫生服务中心")
    doc_a = world.user("doctor", world.a)
    # the scoped list stops at the doctor's own institution ...
    scoped = client.get("/api/v1/orgs/institutions", params={"name": "长宁"}, headers=doc_a.headers)
    assert scoped.status_code == 200 and scoped.json()["total"] == 0
    # ... the directory finds the community in the other district
    r = client.get("/api/v1/orgs/directory", params={"name": "长宁"}, headers=doc_a.headers)
    assert r.status_code == 200, r.text
    [entry] = r.json()["items"]
    assert entry["id"] == b.id and entry["name"] == "测试长宁社区卫生服务中心"
    assert entry["districtName"] == "长宁区" and entry["kindLabel"] == "社区卫生服务中心"
    assert set(entry) == {
        "id",
        "code",
        "name",
        "shortName",
        "kind",
        "kindLabel",
        "districtCode",
        "districtName",
        "isActive",
    }
    # looking names up by id, e.g. for a list of transfers
    r = client.get(
        "/api/v1/orgs/directory", params={"ids": f"{b.id},{world.a.id}"}, headers=doc_a.headers
    )
    assert {i["name"] for i in r.json()["items"]} == {b.name, world.a.name}
    too_many = ",".join(f"x{i}" for i in range(101))
    r = client.get("/api/v1/orgs/directory", params={"ids": too_many}, headers=doc_a.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "ids"
    # a resident has no business with it
    resident = world.user("resident", None)
    assert client.get("/api/v1/orgs/directory", headers=resident.headers).status_code == 403


def test_transfer_to_another_district(client: TestClient, world: World) -> None:
    doc_a, doc_b, doc_d, b, person, eid = _setup(client, world)
    # before any transfer the receiving doctor cannot see the resident or the enrolment
    assert client.get(f"/api/v1/patients/persons/{person}", headers=doc_b.headers).status_code == (
        404
    )
    assert client.get(f"{BASE}/enrolments/{eid}", headers=doc_b.headers).status_code == 404

    r = client.post(
        f"{BASE}/enrolments/{eid}/transfers",
        json={"toOrgUnitId": b.id, "reason": "迁居长宁区"},
        headers=doc_a.headers,
    )
    assert r.status_code == 201, r.text
    tid = r.json()["id"]

    # the receiving doctor sees the request, with the institutions named by the directory
    incoming = client.get(f"{BASE}/transfers", headers=doc_b.headers).json()
    [item] = incoming["items"]
    assert item["id"] == tid and item["programCode"] == "diabetes" and item["personId"] == person
    ids = f"{item['fromOrgUnitId']},{item['toOrgUnitId']}"
    names = client.get("/api/v1/orgs/directory", params={"ids": ids}, headers=doc_b.headers)
    assert {i["id"]: i["name"] for i in names.json()["items"]} == {
        world.a.id: "测试社区卫生服务中心甲",
        b.id: "测试长宁社区卫生服务中心",
    }
    # to decide, it reads who it is and what is registered (but cannot change it yet)
    card = client.get(f"/api/v1/patients/persons/{person}", headers=doc_b.headers)
    assert card.status_code == 200 and card.json()["name"] == "测试居民"
    assert client.get(f"{BASE}/enrolments/{eid}", headers=doc_b.headers).status_code == 200
    r = client.patch(
        f"{BASE}/enrolments/{eid}", json={"values": {"height_cm": 171}}, headers=doc_b.headers
    )
    assert r.status_code == 404

    r = client.post(
        f"{BASE}/transfers/{tid}/accept",
        json={"assignedUserId": doc_b.user_id},
        headers=doc_b.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["orgUnitId"] == b.id

    # the receiving doctor now manages the enrolment and reads the resident
    detail = client.get(f"{BASE}/enrolments/{eid}", headers=doc_b.headers)
    assert detail.status_code == 200 and detail.json()["assignedUserId"] == doc_b.user_id
    card = client.get(f"/api/v1/patients/persons/{person}", headers=doc_b.headers)
    assert card.status_code == 200
    found = client.post(
        "/api/v1/patients/persons/search",
        json={"name": "测试居民", "birthDate": "1955-01-02"},
        headers=doc_b.headers,
    )
    assert person in {p["id"] for p in found.json()["items"]}
    assert (
        client.patch(
            f"{BASE}/enrolments/{eid}", json={"values": {"height_cm": 171}}, headers=doc_b.headers
        ).status_code
        == 200
    )
    # a third institution (same district as the receiver) still sees nothing
    assert client.get(f"/api/v1/patients/persons/{person}", headers=doc_d.headers).status_code == (
        404
    )
    assert client.get(f"{BASE}/enrolments/{eid}", headers=doc_d.headers).status_code == 404
    assert client.get(f"{BASE}/transfers", headers=doc_d.headers).json()["total"] == 0
    # the grant is on the audit trail
    actions = set(
        world.db.scalars(select(AuditRecord.action).where(AuditRecord.patient_id == person))
    )
    assert "patients.care.grant" in actions


def test_rejected_transfer_ends_the_receivers_access(client: TestClient, world: World) -> None:
    doc_a, doc_b, _, b, person, eid = _setup(client, world)
    tid = client.post(
        f"{BASE}/enrolments/{eid}/transfers", json={"toOrgUnitId": b.id}, headers=doc_a.headers
    ).json()["id"]
    assert client.get(f"/api/v1/patients/persons/{person}", headers=doc_b.headers).status_code == (
        200
    )
    r = client.post(
        f"{BASE}/transfers/{tid}/reject", json={"note": "不在本中心辖区"}, headers=doc_b.headers
    )
    assert r.status_code == 200, r.text
    assert client.get(f"/api/v1/patients/persons/{person}", headers=doc_b.headers).status_code == (
        404
    )
    assert client.get(f"{BASE}/enrolments/{eid}", headers=doc_b.headers).status_code == 404
    # the sending side still manages them
    assert client.get(f"{BASE}/enrolments/{eid}", headers=doc_a.headers).status_code == 200
