"""A resident's privacy settings (hidden categories) are access-control data: each choice carries
the HMAC-SM3 integrity tag, so a choice switched off in the database behind the application's
back is detected (``rbac verify-integrity``), fails closed (still withheld from other
institutions) and cannot be changed through the application until an administrator checks it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from healthnet.core.auth import service as auth
from healthnet.core.db import utcnow
from healthnet.core.rbac import service as rbac
from healthnet.core.rbac.integrity import verify_row
from healthnet.modules.records.models_access import Consent

from . import factories as f

BASE = "/api/v1/records"
READ = "records:record:read"


def test_a_hidden_category_switched_off_in_the_database_stays_hidden_and_is_reported(
    client: TestClient, db: Session, make_headers: Callable[..., dict[str, str]]
) -> None:
    hosp_a = f.institution(db, "PI-H1", name="甲医院")
    hosp_b = f.institution(db, "PI-H2", name="乙医院", district="310105")
    resident = f.person(db)
    f.encounter(
        db,
        person_id=resident.id,
        institution_id=hosp_a.id,
        start_at=utcnow() - timedelta(days=30),
        department_name="精神科",
        sensitivity="mental",
    )
    f.encounter(
        db, person_id=resident.id, institution_id=hosp_b.id, start_at=utcnow() - timedelta(days=3)
    )
    user = auth.create_resident_account(
        session=db, person_id=resident.id, phone="13900002222", password="Test-pass-123"
    )
    token, _ = auth.open_session(session=db, user=user, method="test")
    me = {"Authorization": f"Bearer {token}"}
    doctor_b = make_headers(READ, institution_id=hosp_b.id)
    db.commit()

    saved = client.put(f"{BASE}/me/privacy", json={"hidden": ["mental"]}, headers=me)
    assert saved.status_code == 200, saved.text
    row = db.scalars(select(Consent).where(Consent.person_id == resident.id)).one()
    assert verify_row(row)
    assert not [p for p in rbac.verify_integrity(session=db) if p.table == "records_consent"]

    # Someone with database access switches the choice off.
    db.execute(
        text("UPDATE records_consent SET hidden = :h WHERE id = :i"), {"h": False, "i": row.id}
    )
    db.commit()
    db.expire_all()

    problems = [p for p in rbac.verify_integrity(session=db) if p.table == "records_consent"]
    assert [p.primary_key for p in problems] == [(row.id,)]
    # Fails closed: the other hospital still sees the psychiatric visit as withheld …
    timeline = client.get(f"{BASE}/persons/{resident.id}/timeline", headers=doctor_b)
    assert timeline.status_code == 200, timeline.text
    assert [e["withheld"] for e in timeline.json()["items"]] == [False, True]
    # … the resident's page shows it hidden, and a change is refused until it is checked.
    settings = client.get(f"{BASE}/me/privacy", headers=me).json()
    assert [c["category"] for c in settings["categories"] if c["hidden"]] == ["mental"]
    refused = client.put(f"{BASE}/me/privacy", json={"hidden": []}, headers=me)
    assert refused.status_code == 403
    assert refused.json()["code"] == "records.consent_integrity_violation"
    assert "隐私设置校验失败" in refused.json()["detail"]
