"""The access-control API as the system administrator and the web UI use it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from healthnet.core.audit.models import AuditRecord
from tests.core.rbac.conftest import Staff, World

BASE = "/api/v1/rbac"


def _admin(world: World) -> Staff:
    admin = world.staff(roles=("sys_admin",), scope="city")
    world.settle()
    return admin


def test_permission_catalogue_lists_every_declared_permission_with_labels(
    client: TestClient, world: World
) -> None:
    admin = _admin(world)
    r = client.get(f"{BASE}/permissions", headers=admin.headers)
    assert r.status_code == 200
    groups = {g["slice"]: g for g in r.json()}
    assert {"auth", "rbac", "orgs", "patients", "codes", "jobs", "audit"} <= set(groups)
    assert groups["rbac"]["title"] == "角色与权限"
    perms = {p["code"]: p for p in groups["patients"]["permissions"]}
    assert perms["patients:person:read"] == {
        "code": "patients:person:read",
        "labelZh": "查询居民主索引",
        "labelEn": "Look up residents in the patient index",
    }
    doctor = world.staff(roles=("doctor",), institution=world.inst_a)
    world.settle()
    assert client.get(f"{BASE}/permissions", headers=doctor.headers).status_code == 403


def test_role_lifecycle(client: TestClient, world: World) -> None:
    admin = _admin(world)
    h = admin.headers
    r = client.post(
        f"{BASE}/roles",
        headers=h,
        json={
            "code": "qc_officer",
            "name": "质控员",
            "nameEn": "QC officer",
            "dataScope": "custom",
            "institutionIds": [world.inst_a.id, world.inst_b.id],
            "permissions": ["orgs:institution:read", "patients:person:read"],
        },
    )
    assert r.status_code == 201, r.text
    role = r.json()
    assert role["builtin"] is False and role["duty"] is None
    assert role["permissions"] == ["orgs:institution:read", "patients:person:read"]
    assert sorted(role["institutionIds"]) == sorted([world.inst_a.id, world.inst_b.id])

    listed = client.get(f"{BASE}/roles", headers=h, params={"q": "质控"}).json()
    assert [x["code"] for x in listed["items"]] == ["qc_officer"] and listed["total"] == 1
    builtin = client.get(f"{BASE}/roles", headers=h, params={"builtin": True}).json()
    assert builtin["total"] == 12

    r = client.patch(
        f"{BASE}/roles/{role['id']}",
        headers=h,
        json={"dataScope": "district", "permissions": ["orgs:institution:read"]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["dataScope"] == "district" and r.json()["institutionIds"] == []
    assert r.json()["permissions"] == ["orgs:institution:read"]

    user = world.staff(roles=("nurse",), institution=world.inst_a)
    world.settle()
    url = f"{BASE}/users/{user.user.id}/roles"
    r = client.post(url, headers=h, json={"roleCode": "qc_officer"})
    assert r.status_code == 201, r.text
    assert [g["roleCode"] for g in r.json()] == ["nurse", "qc_officer"]
    assert r.json()[1]["grantedBy"] == admin.user.id
    r = client.delete(f"{BASE}/roles/{role['id']}", headers=h)
    assert r.status_code == 409 and r.json()["detail"] == "角色仍被 1 个用户使用，请先解除分配"
    assert client.delete(f"{url}/{role['id']}", headers=h).status_code == 204
    assert [g["roleCode"] for g in client.get(url, headers=h).json()] == ["nurse"]
    assert client.delete(f"{BASE}/roles/{role['id']}", headers=h).status_code == 204
    assert client.get(f"{BASE}/roles/{role['id']}", headers=h).status_code == 404

    actions = world.db.scalars(
        select(AuditRecord.action)
        .where(AuditRecord.actor_id == admin.user.id)
        .order_by(AuditRecord.seq)
    ).all()
    assert actions == [
        "rbac.role.create",
        "rbac.role.update",
        "rbac.user_role.grant",
        "rbac.user_role.revoke",
        "rbac.role.delete",
    ]


def test_bad_role_input_is_refused_naming_the_field(client: TestClient, world: World) -> None:
    admin = _admin(world)

    def create(**body: object) -> tuple[int, str]:
        r = client.post(
            f"{BASE}/roles", headers=admin.headers, json={"code": "r1", "name": "某角色", **body}
        )
        errors = r.json().get("errors") or [{}] if r.status_code >= 400 else [{}]
        return r.status_code, errors[0].get("field", "")

    assert create(dataScope="custom") == (422, "institutionIds")
    assert create(institutionIds=[world.inst_a.id]) == (422, "institutionIds")
    assert create(dataScope="custom", institutionIds=["nope"]) == (422, "institutionIds[0]")
    assert create(permissions=["orgs:institution:fly"]) == (422, "permissions[0]")
    assert create(dataScope="galaxy") == (422, "dataScope")
    assert create(code="Bad Code") == (422, "code")
    assert create()[0] == 201
    r = client.post(f"{BASE}/roles", headers=admin.headers, json={"code": "r1", "name": "又一个"})
    assert r.status_code == 409 and r.json()["detail"] == "角色编码「r1」已存在"
    assert r.json()["errors"][0]["field"] == "code"


def test_grants_follow_the_administrators_scope(client: TestClient, world: World) -> None:
    """A user outside the granting administrator's scope is "not found"."""
    district_admin = world.staff(
        "rbac:role:read", "rbac:user_role:write", institution=world.inst_a, scope="district"
    )
    user_b = world.staff(roles=("nurse",), institution=world.inst_b)
    world.settle()
    r = client.post(
        f"{BASE}/users/{user_b.user.id}/roles",
        headers=district_admin.headers,
        json={"roleCode": "doctor"},
    )
    assert r.status_code == 404 and r.json()["detail"] == "用户不存在"
    r = client.post(
        f"{BASE}/users/{user_b.user.id}/roles",
        headers=district_admin.headers,
        json={"roleCode": "no_such_role"},
    )
    assert r.status_code == 404


def _menu(client: TestClient, who: Staff) -> dict[str, list[str]]:
    r = client.get(f"{BASE}/menus", headers=who.headers)
    assert r.status_code == 200, r.text
    return {g["key"]: [c["key"] for c in g["children"]] for g in r.json()}


def test_menus_follow_the_permissions(client: TestClient, world: World) -> None:
    doctor = world.staff(roles=("doctor",), institution=world.inst_a)
    admin = world.staff(roles=("sys_admin",), scope="city")
    auditor = world.staff(roles=("audit_admin",), scope="city")
    nobody = world.staff(institution=world.inst_a)
    world.settle()

    assert _menu(client, doctor) == {
        "menu.group.orgs": ["menu.orgs.institutions"],
        "menu.group.patients": ["menu.patients.persons"],
        "menu.group.codes": ["menu.codes.systems"],
        "menu.group.records": ["menu.records.search"],
        "menu.group.alerts": ["menu.alerts.trial", "menu.alerts.rules"],
        "menu.group.registries": [
            "menu.registries.worklist",
            "menu.registries.programs",
            "menu.registries.transfers",
            "menu.registries.indicators",
        ],
    }
    admin_menu = _menu(client, admin)
    assert "menu.rbac.roles" in admin_menu["menu.group.system"]
    assert "menu.jobs.jobs" in admin_menu["menu.group.system"]
    assert "menu.group.patients" not in admin_menu
    assert not [k for keys in admin_menu.values() for k in keys if k.startswith("menu.audit.")]
    auditor_menu = _menu(client, auditor)
    assert set(auditor_menu) == {"menu.group.security"}
    assert {"menu.audit.records", "menu.audit.chain"} <= set(auditor_menu["menu.group.security"])
    assert _menu(client, nobody) == {}
    assert client.get(f"{BASE}/menus").status_code == 401

    tree = client.get(f"{BASE}/menus", headers=doctor.headers).json()
    assert tree[1] == {
        "key": "menu.group.patients",
        "title": "居民主索引",
        "path": "/patients",
        "permission": None,
        "children": [
            {
                "key": "menu.patients.persons",
                "title": "居民查询与登记",
                "path": "/patients/persons",
                "permission": "patients:person:read",
                "children": [],
            }
        ],
    }


def test_every_menu_entry_has_a_chinese_title() -> None:
    from healthnet.app import manifests
    from healthnet.core.rbac.service import menu_title

    for m in manifests():
        for entry in m.menu:
            title = menu_title(entry.key)
            assert title != entry.key and any("\u4e00" <= ch <= "\u9fff" for ch in title), (
                f"{entry.key}: register its Chinese title in {m.key}/messages.py"
            )
        for entry in m.menu:
            group = f"menu.group.{entry.path.strip('/').split('/')[0]}"
            assert menu_title(group) != group, f"{group}: no title for this menu group"
