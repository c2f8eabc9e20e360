"""The Actor cache (core.auth.actor_cache): a role taken away — in this worker process or in
another — is refused at the next request; rows changed behind the application's back are
refused once the cache forgets the Actor; logout needs no cache round at all; a sign-in does
not make other sessions' Actors stale."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from healthnet.core import generations
from healthnet.core.auth import actor_cache
from healthnet.core.auth.models import User
from healthnet.core.rbac.models import UserRole
from tests.core.rbac.conftest import World, login

ROLES = "/api/v1/rbac/roles"


def _role_id(world: World, user_id: str) -> str:
    user = world.db.get(User, user_id)
    assert user is not None
    (role,) = user.roles
    return role.id


def test_a_role_revoked_through_the_api_is_refused_at_the_next_request(
    client: TestClient, world: World
) -> None:
    reader = world.staff("rbac:role:read", scope="city")
    admin = world.staff("rbac:role:read", "rbac:user_role:write", scope="city")
    assert client.get(ROLES, headers=reader.headers).status_code == 200  # Actor now cached

    role_id = _role_id(world, reader.user.id)
    r = client.delete(f"/api/v1/rbac/users/{reader.user.id}/roles/{role_id}", headers=admin.headers)
    assert r.status_code == 204, r.text

    r = client.get(ROLES, headers=reader.headers)
    assert r.status_code == 403


def _generation(world: World) -> int:
    return generations.current(world.db, actor_cache.GENERATION)


def test_a_role_revoked_by_another_worker_process_is_refused_at_the_next_request(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = world.staff("rbac:role:read", scope="city")
    world.settle()
    assert client.get(ROLES, headers=reader.headers).status_code == 200  # Actor now cached
    before = _generation(world)
    # Another process revokes the grant through its own Session: nothing in this process is
    # told (its in-process hooks are switched off here) ...
    monkeypatch.setattr(generations, "_hooks", {})
    grant = world.db.scalar(select(UserRole).where(UserRole.user_id == reader.user.id))
    world.db.delete(grant)
    world.db.commit()
    # ... but the change counted in the database, and the next request rebuilds the Actor.
    assert _generation(world) == before + 1
    assert client.get(ROLES, headers=reader.headers).status_code == 403


def test_a_sign_in_leaves_the_other_sessions_actors_alone(client: TestClient, world: World) -> None:
    reader = world.staff("rbac:role:read", scope="city")
    other = world.staff("rbac:role:read", scope="city")
    world.settle()
    before = _generation(world)
    login(world.db, other.user)  # stamps other.user.last_login_at
    other.user.must_change_password = False
    world.db.commit()
    assert _generation(world) == before
    other.user.is_active = False
    world.db.commit()
    assert _generation(world) == before + 1
    assert client.get(ROLES, headers=reader.headers).status_code == 200


def test_a_change_behind_the_applications_back_is_refused_once_the_cache_forgets(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actor_cache, "TTL_SECONDS", 3600.0)  # no expiry during the test
    reader = world.staff("rbac:role:read", scope="city")
    world.settle()
    assert client.get(ROLES, headers=reader.headers).status_code == 200
    # The grant is deleted behind the application's back (no Session statement, no count).
    world.db.connection().execute(
        text("DELETE FROM rbac_user_role WHERE user_id = :u"), {"u": reader.user.id}
    )
    world.db.expire_all()
    # Until the cached Actor expires it still answers (decision 0008) ...
    assert client.get(ROLES, headers=reader.headers).status_code == 200
    # ... and when it expires (here: forgotten at once) the next request is refused.
    actor_cache.invalidate()
    assert client.get(ROLES, headers=reader.headers).status_code == 403


def test_logout_ends_the_session_at_once_whatever_the_cache_holds(
    client: TestClient, world: World
) -> None:
    reader = world.staff("rbac:role:read", scope="city")
    assert client.get(ROLES, headers=reader.headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=reader.headers).status_code == 204
    assert client.get(ROLES, headers=reader.headers).status_code == 401


def test_an_account_deactivated_in_this_process_is_refused_at_the_next_request(
    client: TestClient, world: World
) -> None:
    reader = world.staff("rbac:role:read", scope="city")
    assert client.get(ROLES, headers=reader.headers).status_code == 200
    reader.user.is_active = False
    world.db.flush()
    assert client.get(ROLES, headers=reader.headers).status_code == 401
