"""Data scope: what a user of district A, of one institution, or of a custom institution set sees
in lists and object reads — through the real API."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from healthnet.core.patients import service as patients
from healthnet.core.patients.schemas import PersonCreate
from tests.core.patients.conftest import id_number
from tests.core.rbac.conftest import DISTRICT_A, DISTRICT_B, Staff, World, body

ORGS = "/api/v1/orgs/institutions"
PERSONS = "/api/v1/patients/persons"
INST_READ = "orgs:institution:read"
P_READ, P_WRITE, P_MERGE = "patients:person:read", "patients:person:write", "patients:person:merge"


def _codes(client: TestClient, who: Staff, **params: Any) -> set[str]:
    r = client.get(ORGS, headers=who.headers, params={"pageSize": 500, **params})
    assert r.status_code == 200, r.text
    assert r.json()["total"] == len(r.json()["items"])
    return {i["code"] for i in r.json()["items"]}


def test_institution_lists_follow_the_data_scope(client: TestClient, world: World) -> None:
    ours = {world.inst_a.code, world.inst_a2.code, world.inst_b.code}
    district_a = world.staff(INST_READ, institution=world.inst_a, scope="district")
    one = world.staff(INST_READ, institution=world.inst_a, scope="institution")
    custom = world.staff(
        INST_READ, institution=world.inst_a, scope="custom", custom=(world.inst_b.id,)
    )
    city = world.staff(INST_READ, scope="city")
    own = world.staff(INST_READ, institution=world.inst_a, scope="own")
    world.settle()

    assert _codes(client, district_a) & ours == {world.inst_a.code, world.inst_a2.code}
    # Every institution a district user sees lies in their district, also when asking for B's.
    r = client.get(ORGS, headers=district_a.headers, params={"pageSize": 500})
    assert {i["districtCode"] for i in r.json()["items"]} == {DISTRICT_A}
    assert _codes(client, district_a, districtCode=DISTRICT_B) == set()
    assert _codes(client, one) == {world.inst_a.code}
    assert _codes(client, custom) == {world.inst_b.code}
    assert _codes(client, city) >= ours
    assert _codes(client, own) == set()


def test_an_institution_outside_the_scope_reads_as_not_found(
    client: TestClient, world: World
) -> None:
    district_a = world.staff(
        INST_READ,
        "orgs:institution:write",
        "orgs:department:write",
        institution=world.inst_a,
        scope="district",
    )
    world.settle()
    assert client.get(f"{ORGS}/{world.inst_a2.id}", headers=district_a.headers).status_code == 200
    hidden = client.get(f"{ORGS}/{world.inst_b.id}", headers=district_a.headers)
    unknown = client.get(f"{ORGS}/{'0' * 32}", headers=district_a.headers)
    assert hidden.status_code == unknown.status_code == 404
    assert body(hidden) == body(unknown)  # nothing tells "exists elsewhere" from "no such id"
    for method, path, payload in [
        ("PATCH", "", {"name": "改名"}),
        ("POST", "/deactivate", None),
        ("GET", "/departments", None),
        ("POST", "/departments", {"code": "03", "name": "内科"}),
    ]:
        r = client.request(
            method, f"{ORGS}/{world.inst_b.id}{path}", json=payload, headers=district_a.headers
        )
        assert r.status_code == 404, (method, path, r.text)
    assert world.inst_b.name.startswith("测试机构") and world.inst_b.is_active


def _register(
    world: World, who: Staff, seq: int, *, district: str | None = None, name: str = "张三"
) -> str:
    reg = patients.register_person(
        session=world.db,
        actor=who.actor,
        data=PersonCreate(
            name=name,
            district_code=district,
            identifiers=[{"type": "resident_id_card", "value": id_number(date(1980, 1, 1), seq)}],
        ),
    )
    return reg.person.id


def _search(client: TestClient, who: Staff, seq: int) -> list[str]:
    r = client.post(
        f"{PERSONS}/search",
        headers=who.headers,
        json={"idType": "resident_id_card", "idValue": id_number(date(1980, 1, 1), seq)},
    )
    assert r.status_code == 200, r.text
    return [p["id"] for p in r.json()["items"]]


def test_residents_are_seen_by_district_and_by_registering_institution(
    client: TestClient, world: World
) -> None:
    registrar_a = world.staff(P_READ, P_WRITE, institution=world.inst_a)
    colleague_a = world.staff(P_READ, institution=world.inst_a)
    other_hospital_a = world.staff(P_READ, institution=world.inst_a2)
    district_a = world.staff(P_READ, institution=world.inst_a2, scope="district")
    district_b = world.staff(P_READ, institution=world.inst_b, scope="district")
    hospital_b = world.staff(P_READ, institution=world.inst_b)
    # Registered in district A by hospital A; one lives in A, one lives in B, one unknown.
    lives_a = _register(world, registrar_a, 11, district=DISTRICT_A)
    lives_b = _register(world, registrar_a, 13, district=DISTRICT_B)
    unknown = _register(world, registrar_a, 15)
    world.settle()

    def sees(who: Staff, person_id: str) -> bool:
        r = client.get(f"{PERSONS}/{person_id}", headers=who.headers)
        assert r.status_code in (200, 404), r.text
        return r.status_code == 200

    for pid in (lives_a, lives_b, unknown):
        assert sees(registrar_a, pid) and sees(colleague_a, pid) and sees(district_a, pid)
        assert not sees(other_hospital_a, pid) and not sees(hospital_b, pid)
    # District B sees its own residents, whoever registered them — and nothing else.
    assert sees(district_b, lives_b)
    assert not sees(district_b, lives_a) and not sees(district_b, unknown)

    assert _search(client, colleague_a, 11) == [lives_a]
    assert _search(client, hospital_b, 11) == []  # same answer as an unknown ID number
    assert _search(client, district_b, 13) == [lives_b]
    hidden = client.get(f"{PERSONS}/{lives_a}/history", headers=hospital_b.headers)
    unknown_id = client.get(f"{PERSONS}/{'0' * 32}/history", headers=hospital_b.headers)
    assert hidden.status_code == unknown_id.status_code == 404
    assert body(hidden) == body(unknown_id)


def test_name_search_and_review_list_are_limited_to_the_scope(
    client: TestClient, world: World
) -> None:
    registrar_a = world.staff(P_READ, P_WRITE, institution=world.inst_a)
    registrar_b = world.staff(P_READ, P_WRITE, institution=world.inst_b)
    reviewer_a = world.staff(P_READ, P_MERGE, institution=world.inst_a, scope="district")
    reviewer_b = world.staff(P_READ, P_MERGE, institution=world.inst_b, scope="district")
    city = world.staff(P_READ, P_MERGE, scope="city")
    # Same name and birth date in both districts: a review pair inside A and one across A–B.
    for who in (registrar_a, registrar_a, registrar_b):
        patients.register_person(
            session=world.db,
            actor=who.actor,
            data=PersonCreate(name="王芳", birth_date=date(1990, 5, 5), sex_code="2"),
        )
    world.settle()

    def found(who: Staff) -> int:
        r = client.post(
            f"{PERSONS}/search",
            headers=who.headers,
            json={"name": "王芳", "birthDate": "1990-05-05"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["total"] == len(r.json()["items"])
        return int(r.json()["total"])

    assert (found(reviewer_a), found(reviewer_b), found(city)) == (2, 1, 3)

    def pairs(who: Staff) -> int:
        r = client.get("/api/v1/patients/candidates", headers=who.headers)
        assert r.status_code == 200, r.text
        return int(r.json()["total"])

    # Three records → three pairs city-wide; A sees only its own pair; B none (each pair
    # involving B has a resident of A, whom B must not see).
    assert (pairs(city), pairs(reviewer_a), pairs(reviewer_b)) == (3, 1, 0)
