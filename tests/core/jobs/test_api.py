"""The operators' view: jobs (with the dead-letter list) and schedules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from healthnet.core.jobs import service
from healthnet.core.jobs.models import Job, JobStatus

Headers = Callable[..., dict[str, str]]


def _dead(db: Session, kind: str = "test.push") -> Job:
    job = service.enqueue(session=db, kind=kind, payload={"visitId": "v1"})
    job.status, job.attempts, job.last_error = JobStatus.DEAD.value, 5, "JobError: HTTP 503"
    job.finished_at = datetime.now(UTC)
    db.flush()
    return job


def test_list_jobs_filtered_by_status_and_kind(
    client: TestClient, db: Session, make_headers: Headers
) -> None:
    dead = _dead(db)
    service.enqueue(session=db, kind="test.push")
    service.enqueue(session=db, kind="test.other")
    headers = make_headers("jobs:job:read")

    r = client.get(
        "/api/v1/jobs/jobs", params={"status": "dead", "kind": "test.push"}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1
    assert body["items"][0]["id"] == dead.id
    assert body["items"][0]["lastError"] == "JobError: HTTP 503"
    assert body["items"][0]["maxAttempts"] == 5

    r = client.get(
        "/api/v1/jobs/jobs", params={"kind": "test.push", "pageSize": 1}, headers=headers
    )
    assert r.json()["total"] == 2 and len(r.json()["items"]) == 1


def test_an_unknown_status_filter_is_a_422_naming_the_field(
    client: TestClient, make_headers: Headers
) -> None:
    r = client.get(
        "/api/v1/jobs/jobs", params={"status": "exploded"}, headers=make_headers("jobs:job:read")
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "status"
    assert "取值不在允许范围内" in r.json()["detail"]


def test_get_a_job_shows_its_payload_and_unknown_ids_are_404(
    client: TestClient, db: Session, make_headers: Headers
) -> None:
    job = _dead(db)
    headers = make_headers("jobs:job:read")
    r = client.get(f"/api/v1/jobs/jobs/{job.id}", headers=headers)
    assert r.status_code == 200
    assert r.json()["payload"] == {"visitId": "v1"}
    r = client.get("/api/v1/jobs/jobs/nope", headers=headers)
    assert r.status_code == 404
    assert r.json()["code"] == "jobs.job_not_found" and r.json()["detail"] == "后台任务不存在"


def test_requeue_a_dead_job(client: TestClient, db: Session, make_headers: Headers) -> None:
    job = _dead(db)
    r = client.post(
        f"/api/v1/jobs/jobs/{job.id}/requeue",
        headers=make_headers("jobs:job:read", "jobs:job:retry"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending" and r.json()["attempts"] == 0
    audited = db.execute(
        text(
            "SELECT actor_username, purpose FROM audit_record WHERE action = 'jobs.job.requeue' "
            "AND resource_id = :j"
        ),
        {"j": job.id},
    ).all()
    assert len(audited) == 1 and audited[0].purpose == "ADMIN"

    r = client.post(f"/api/v1/jobs/jobs/{job.id}/requeue", headers=make_headers("jobs:job:retry"))
    assert r.status_code == 409
    assert r.json()["code"] == "jobs.not_dead"


# A refused request rolls back the test's whole transaction (tests/conftest.py client fixture),
# so each refusal is checked in a test of its own, with its data made just before it.


def test_jobs_need_a_login_and_the_read_permission(
    client: TestClient, make_headers: Headers
) -> None:
    assert client.get("/api/v1/jobs/jobs").status_code == 401
    r = client.get("/api/v1/jobs/jobs", headers=make_headers("jobs:schedule:manage"))
    assert r.status_code == 403 and r.json()["detail"] == "没有权限执行此操作"


def test_requeue_needs_the_retry_permission(
    client: TestClient, db: Session, make_headers: Headers
) -> None:
    headers = make_headers("jobs:job:read")
    job = _dead(db)
    assert client.post(f"/api/v1/jobs/jobs/{job.id}/requeue", headers=headers).status_code == 403


def test_schedules_need_the_manage_permission_to_change(
    client: TestClient, db: Session, make_headers: Headers
) -> None:
    headers = make_headers("jobs:job:read")
    row = service.upsert_schedule(session=db, name="test.s", cron="0 2 * * *", kind="test.push")
    r = client.patch(f"/api/v1/jobs/schedules/{row.id}", json={"enabled": False}, headers=headers)
    assert r.status_code == 403


def test_list_and_disable_a_schedule(
    client: TestClient, db: Session, make_headers: Headers
) -> None:
    row = service.upsert_schedule(
        session=db, name="test.nightly", cron="0 2 * * *", kind="test.push", payload={"days": 30}
    )
    headers = make_headers("jobs:job:read", "jobs:schedule:manage")
    r = client.get("/api/v1/jobs/schedules", headers=headers)
    assert r.status_code == 200
    item = next(i for i in r.json()["items"] if i["name"] == "test.nightly")
    assert item["cron"] == "0 2 * * *" and item["enabled"] is True and item["nextRunAt"]

    r = client.patch(f"/api/v1/jobs/schedules/{row.id}", json={"enabled": False}, headers=headers)
    assert r.status_code == 200 and r.json()["enabled"] is False
    r = client.patch(f"/api/v1/jobs/schedules/{row.id}", json={"enabled": "maybe"}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "enabled"
    r = client.patch("/api/v1/jobs/schedules/nope", json={"enabled": True}, headers=headers)
    assert r.status_code == 404 and r.json()["code"] == "jobs.schedule_not_found"
