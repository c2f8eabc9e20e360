"""The own inbox over HTTP: signed-in users only, own messages only."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from healthnet.core.notify import service
from tests.core.notify.conftest import Staff

BASE = "/api/v1/notify"


def give(db: Session, who: Staff, *titles: str) -> list[str]:
    ids = []
    for title in titles:
        (m,) = service.send(
            session=db,
            recipients=[who.id],
            kind="test.hello",
            title=title,
            body="正文",
            link="/patients/persons",
        )
        ids.append(m.id)
    db.commit()
    return ids


def test_every_route_needs_a_sign_in(client: TestClient) -> None:
    for method, path in [
        ("GET", "/messages"),
        ("GET", "/unread-count"),
        ("POST", "/messages/read"),
        ("POST", "/messages/read-all"),
    ]:
        assert client.request(method, BASE + path, json={"ids": ["x"]}).status_code == 401


def test_a_user_sees_and_counts_only_their_own_messages(
    client: TestClient, db: Session, staff: Callable[..., Staff]
) -> None:
    me, other = staff(), staff()
    give(db, me, "给我的一", "给我的二")
    give(db, other, "给别人的")

    page = client.get(f"{BASE}/messages", headers=me.headers).json()
    assert page["total"] == 2
    assert [m["title"] for m in page["items"]] == ["给我的二", "给我的一"]
    first = page["items"][0]
    assert first["body"] == "正文" and first["link"] == "/patients/persons"
    assert first["readAt"] is None and first["kind"] == "test.hello"
    assert client.get(f"{BASE}/unread-count", headers=me.headers).json() == {"unread": 2}
    assert client.get(f"{BASE}/unread-count", headers=other.headers).json() == {"unread": 1}


def test_marking_read_and_the_unread_filter(
    client: TestClient, db: Session, staff: Callable[..., Staff]
) -> None:
    me = staff()
    one, two, three = give(db, me, "一", "二", "三")
    r = client.post(f"{BASE}/messages/read", json={"ids": [two]}, headers=me.headers)
    assert r.status_code == 200 and r.json() == {"marked": 1, "unread": 2}

    unread = client.get(f"{BASE}/messages?unreadOnly=true", headers=me.headers).json()
    assert [m["id"] for m in unread["items"]] == [three, one]
    everything = client.get(f"{BASE}/messages", headers=me.headers).json()["items"]
    assert [m["readAt"] is not None for m in everything] == [False, True, False]

    r = client.post(f"{BASE}/messages/read-all", headers=me.headers)
    assert r.json() == {"marked": 2, "unread": 0}
    assert client.get(f"{BASE}/unread-count", headers=me.headers).json() == {"unread": 0}


def test_another_users_message_is_not_found(
    client: TestClient, db: Session, staff: Callable[..., Staff]
) -> None:
    me, intruder = staff(), staff()
    (mine,) = give(db, me, "我的")
    r = client.post(f"{BASE}/messages/read", json={"ids": [mine]}, headers=intruder.headers)
    assert r.status_code == 404 and r.json()["detail"] == "消息不存在"
    assert client.get(f"{BASE}/messages", headers=intruder.headers).json()["total"] == 0
    # Marking all read touches only the caller's own inbox.
    client.post(f"{BASE}/messages/read-all", headers=intruder.headers)
    assert client.get(f"{BASE}/unread-count", headers=me.headers).json() == {"unread": 1}


def test_bad_input_is_a_422_naming_the_field(
    client: TestClient, staff: Callable[..., Staff]
) -> None:
    me = staff()
    for body, field in [
        ({"ids": []}, "ids"),
        ({"ids": ["x" * 33]}, "ids[0]"),
        ({}, "ids"),
        ({"ids": ["a"], "extra": 1}, "extra"),
    ]:
        r = client.post(f"{BASE}/messages/read", json=body, headers=me.headers)
        assert r.status_code == 422, body
        assert [e["field"] for e in r.json()["errors"]] == [field]
        assert field in r.json()["detail"]
    r = client.get(f"{BASE}/messages?pageSize=0", headers=me.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "pageSize"


def test_the_home_page_lists_unread_messages(
    client: TestClient, db: Session, staff: Callable[..., Staff]
) -> None:
    me = staff()
    give(db, me, "一", "二")
    todos = client.get("/api/v1/home/todos", headers=me.headers).json()
    assert {
        "key": "notify.unread",
        "title": "未读消息",
        "count": 2,
        "path": "/notify/inbox",
        "level": "info",
    } in todos
