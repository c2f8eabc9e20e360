"""No object-level leaks (IDOR/BOLA, SECURITY.md "object-level authorisation everywhere").

Every route of the app whose path carries an id is walked, taken from the app's route table so
that a new route cannot escape: for each one a factory creates an object owned by district A,
and a user of district B holding **every** permission with district scope calls the route. The
answer must be 403 or 404, never 2xx. The same call by a user of district A (same permissions)
must succeed, which proves the factory made a real object and the request was well formed.

Adding a route with a path parameter? Add a factory to ``FACTORIES`` (and a body to ``BODIES``
if it takes one), or — only for data that has no owning district — list it in ``NOT_SCOPED``
with the reason.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from healthnet.app import create_app
from healthnet.core.auth import service as auth
from healthnet.core.orgs import service as orgs
from healthnet.core.orgs.schemas import DepartmentCreate
from healthnet.core.patients import service as patients
from healthnet.core.patients.schemas import CandidateQuery, IdentifierIn, PersonCreate
from healthnet.core.rbac import service as rbac
from tests.core.patients.conftest import id_number
from tests.core.rbac.conftest import PASSWORD, Staff, World, all_permissions

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _fill(path: str, params: dict[str, str]) -> str:
    return _PARAM.sub(lambda m: params[m.group(1)], path)


def object_routes() -> Iterator[tuple[str, str]]:
    """(method, path template) of every route with a path parameter, HEAD excluded."""
    for route in iter_route_contexts(create_app().routes):
        path = route.path or ""
        if not _PARAM.search(path):
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield method, path


# --------------------------------------------------------------------------- not scoped

# Data with no owning district or institution. Exact paths: a new route under the same prefix
# still has to be looked at.
_CODES = "code systems are city-wide reference data (no owner; reading them reveals nothing)"
_JOBS = "background jobs and schedules belong to the platform, not to a district"
_ROLES = (
    "roles are city-wide configuration; rbac:* is reserved to the city-wide system "
    "administrator (三员分立)"
)
_AUDIT = (
    "the audit log is read only by the city-wide audit administrator (audit:* is "
    "reserved to that role, 三员分立)"
)
_CERTS = (
    "certificates are issued, renewed and revoked by the city-wide security "
    "administrator (certs:certificate:issue/revoke reserved to that role); an "
    "institution-scoped certificate view would need a scope check in certs"
)
_OIDC = "registered OIDC/API clients are city-wide system configuration"
_SYSCONF = "system parameters and data dictionaries are city-wide configuration"
_BREAK_GLASS = (
    "break-the-glass is open by design to any clinician outside their scope: it needs a written "
    "reason, expires, is audited and lands on the review list (docs/decisions record access)"
)
_OWN_RECORD = (
    "the resident's own record: the person comes from the signed-in resident account, never "
    "from the path; staff accounts get 403 and another resident's ids answer 404"
)
_ALERT_RULES = (
    "duplicate-prompt rules are city-wide clinical configuration (no owner; the same rules "
    "check every hospital's orders)"
)
_FHIR = (
    "the FHIR R4 endpoint is called by hospital systems with client-credentials tokens, not by "
    "staff accounts: access is by OAuth scope (fhir.read), audited per resident with the client "
    "as actor, hidden categories withheld from other institutions (docs/decisions/0011-fhir.md)"
)
_PROGRAMS = (
    "program definitions are city-wide metadata; the enrolment list under a program is "
    "filtered by the caller's scope and enrolling checks the person's and the institution's "
    "scope (tests/core/programs/test_capture.py::test_data_scope_and_audit)"
)
_INDICATORS = (
    "{code} names a city-wide program; the indicator rows read, exported or refreshed are "
    "aggregates whose institutions are filtered by the caller's scope "
    "(tests/core/programs/test_indicators.py::test_data_scope)"
)
NOT_SCOPED: dict[str, str] = {
    "/api/v1/programs/{code}": _PROGRAMS,
    "/api/v1/programs/{code}/enrolments": _PROGRAMS,
    "/api/v1/programs/{code}/indicators": _INDICATORS,
    "/api/v1/programs/{code}/indicators/values": _INDICATORS,
    "/api/v1/programs/{code}/indicators/trend": _INDICATORS,
    "/api/v1/programs/{code}/indicators/export.xlsx": _INDICATORS,
    "/api/v1/programs/{code}/indicators/refresh": _INDICATORS,
    "/fhir/R4/Patient/{person_id}/$everything": _FHIR,
    **{
        f"/fhir/R4/{t}/{{rid}}": _FHIR
        for t in (
            "Patient",
            "Encounter",
            "Condition",
            "MedicationRequest",
            "Observation",
            "DiagnosticReport",
            "DocumentReference",
            "Immunization",
        )
    },
    "/api/v1/alerts/drug-rules/{code}": _ALERT_RULES,
    "/api/v1/alerts/item-rules/{code}": _ALERT_RULES,
    "/api/v1/records/persons/{person_id}/break-glass": _BREAK_GLASS,
    "/api/v1/records/me/labs/{item_code}/trend": _OWN_RECORD,
    "/api/v1/records/me/documents/{document_id}": _OWN_RECORD,
    "/api/v1/codes/systems/{system}": _CODES,
    "/api/v1/codes/systems/{system}/versions": _CODES,
    "/api/v1/codes/systems/{system}/concepts": _CODES,
    "/api/v1/codes/systems/{system}/children": _CODES,
    "/api/v1/codes/systems/{system}/concepts/{code:path}": _CODES,
    "/api/v1/jobs/jobs/{job_id}": _JOBS,
    "/api/v1/jobs/jobs/{job_id}/requeue": _JOBS,
    "/api/v1/jobs/schedules/{schedule_id}": _JOBS,
    "/api/v1/rbac/roles/{role_id}": _ROLES,
    "/api/v1/audit/records/{seq}": _AUDIT,
    "/api/v1/certs/certificates/{certificate_id}": _CERTS,
    "/api/v1/certs/certificates/{certificate_id}/renew": _CERTS,
    "/api/v1/certs/certificates/{certificate_id}/revoke": _CERTS,
    "/api/v1/oidc/clients/{client_pk}": _OIDC,
    "/api/v1/oidc/clients/{client_pk}/deactivate": _OIDC,
    "/api/v1/oidc/clients/{client_pk}/rotate-secret": _OIDC,
    "/api/v1/sysconf/params/{key}": _SYSCONF,
    "/api/v1/sysconf/dicts/{code}": _SYSCONF,
    "/api/v1/sysconf/dicts/{code}/items": _SYSCONF,
    "/api/v1/sysconf/dicts/{code}/items/{item_id}": _SYSCONF,
}


# --------------------------------------------------------------------------- factories


@dataclass
class Walk:
    """District A's world as the factories see it."""

    world: World
    owner: Staff  # a district-A user who creates the objects
    made: dict[str, Any] = field(default_factory=dict)

    def n(self) -> str:
        return secrets.token_hex(3)


Factory = Callable[[Walk], dict[str, str]]
_seq = iter(range(101, 999, 2))


def _institution(w: Walk) -> dict[str, str]:
    return {"institution_id": w.world.inst_a.id}


def _department(w: Walk) -> dict[str, str]:
    dept = orgs.create_department(
        session=w.world.db,
        institution_id=w.world.inst_a.id,
        data=DepartmentCreate(code=f"D{w.n()}", name="心内科"),
    )
    return {"institution_id": w.world.inst_a.id, "department_id": dept.id}


def _new_person(w: Walk, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "name": "李四",
        "district_code": "310101",
        "identifiers": [
            {"type": "resident_id_card", "value": id_number(date(1970, 3, 3), next(_seq))}
        ],
    }
    values.update(fields)
    return patients.register_person(
        session=w.world.db, actor=w.owner.actor, data=PersonCreate.model_validate(values)
    ).person


def _person(w: Walk) -> dict[str, str]:
    return {"person_id": _new_person(w).id}


def _identifier(w: Walk) -> dict[str, str]:
    person = _new_person(w)
    card = patients.add_identifier(
        session=w.world.db,
        actor=w.owner.actor,
        person_id=person.id,
        data=IdentifierIn.model_validate({"type": "medical_insurance_card", "value": f"YB{w.n()}"}),
    )
    return {"person_id": person.id, "identifier_id": card.id}


def _pair(w: Walk) -> tuple[Any, Any]:
    """Two records of one resident (same name, birth date and phone): a review pair."""
    fields = {
        "name": f"赵{w.n()}",
        "birth_date": date(1960, 1, 1),
        "sex_code": "1",
        "phone": f"139{secrets.randbelow(10**8):08d}",
        "identifiers": [],
    }
    return _new_person(w, **fields), _new_person(w, **fields)


def _candidate(w: Walk) -> dict[str, str]:
    a, b = _pair(w)
    page = patients.list_candidates(
        session=w.world.db, actor=w.owner.actor, query=CandidateQuery(page_size=100)
    )
    (candidate,) = [c for c in page.items if {c.person_a_id, c.person_b_id} == {a.id, b.id}]
    return {"candidate_id": candidate.id}


def _merge(w: Walk) -> dict[str, str]:
    a, b = _pair(w)
    event = patients.merge(
        session=w.world.db, actor=w.owner.actor, survivor_id=a.id, merged_id=b.id, reason="同一人"
    )
    return {"event_id": event.id}


def _user(w: Walk) -> Any:
    return auth.create_user(
        session=w.world.db,
        username=f"a_{w.n()}",
        display_name="甲区用户",
        password=PASSWORD,
        institution_id=w.world.inst_a.id,
        role_codes=["doctor"],
        must_change_password=False,
    )


def _user_id(w: Walk) -> dict[str, str]:
    return {"user_id": _user(w).id}


def _user_role(w: Walk) -> dict[str, str]:
    user = _user(w)
    (doctor,) = rbac.roles_by_code(session=w.world.db, role_codes=["doctor"])
    return {"user_id": user.id, "role_id": doctor.id}


def _session(w: Walk) -> dict[str, str]:
    _, row = auth.open_session(session=w.world.db, user=_user(w), method="test")
    return {"session_id": row.id}


def _record_document(w: Walk) -> dict[str, str]:
    from healthnet.core.db import utcnow
    from healthnet.modules.records.models import Document

    person = _new_person(w)
    doc = Document(
        person_id=person.id,
        institution_id=w.world.inst_a.id,
        source_id=f"D{w.n()}",
        type_code="discharge_summary",
        type_name="出院小结",
        title="出院小结",
        content="病情平稳",
        authored_at=utcnow(),
    )
    w.world.db.add(doc)
    w.world.db.flush()
    return {"person_id": person.id, "document_id": doc.id, "item_code": "FBG"}


def _break_glass(w: Walk) -> dict[str, str]:
    from healthnet.modules.records import access

    grant = access.open_record(
        session=w.world.db,
        actor=w.owner.actor,
        person_id=_new_person(w).id,
        purpose="emergency",
        break_glass_reason="急诊抢救需要了解既往病史",
    )
    assert grant.break_glass is not None
    return {"break_glass_id": grant.break_glass.id}


def _alert_check(w: Walk) -> dict[str, str]:
    """A duplicate-order check by a district-A doctor with one prompt (a blood count repeated
    the same day)."""
    from healthnet.core.db import utcnow
    from healthnet.modules.alerts import service as alerts
    from healthnet.modules.alerts.schemas import CheckRequest
    from healthnet.modules.records.models import KIND_LAB
    from healthnet.modules.records.service.store import upsert

    alerts.load_rules(session=w.world.db)
    person = _new_person(w)
    upsert(
        session=w.world.db,
        kind=KIND_LAB,
        person_id=person.id,
        institution_id=w.world.inst_a.id,
        source_id=f"L{w.n()}",
        values={"collected_at": utcnow(), "item_code": "CBC", "item_name": "血常规"},
    )
    check = alerts.run_check(
        session=w.world.db,
        actor=w.owner.actor,
        data=CheckRequest.model_validate(
            {
                "personId": person.id,
                "items": [{"kind": "lab", "itemCode": "CBC", "itemName": "血常规"}],
            }
        ),
    )
    w.made["prompt_id"] = check.prompts[0].id
    return {"check_id": check.id}


def _program_enrolment(w: Walk) -> dict[str, str]:
    """An enrolment of a district-A institution with a scheduled visit, and a transfer of
    another one from district A's second institution to the first."""
    from sqlalchemy import select

    from healthnet.core.programs import service as programs
    from healthnet.core.programs.loader import load_spec, parse_text
    from healthnet.core.programs.schemas import EnrolmentCreate, TransferCreate
    from healthnet.core.rbac.models import Role

    # the transition is open to every test role: data scope is what this walk tests
    roles = sorted(
        w.world.db.scalars(select(Role.code).where(Role.code.like("t\\_%", escape="\\")))
    )
    text = (
        "code: scope_walk\nname: 范围检查\nkind: enrolment\n"
        "stages: [{code: visit, name: 随访, repeatable: true,"
        " schedule: {after: enrolment, days: 30}}]\n"
        "workflow: {initial: open, states: [{code: open, name: 管理中},"
        " {code: closed, name: 结案, terminal: true}],"
        f" transitions: [{{code: close, name: 结案, from: [open], to: closed, roles: {roles}}}]}}\n"
    )
    load_spec(session=w.world.db, spec=parse_text(text, file="scope_walk.yaml"))
    saved = programs.enrol(
        session=w.world.db,
        actor=w.owner.actor,
        program_code="scope_walk",
        data=EnrolmentCreate(person_id=_new_person(w).id),
    )
    other = w.world.staff(*all_permissions(), institution=w.world.inst_a2, scope="district")
    moving = programs.enrol(
        session=w.world.db,
        actor=other.actor,
        program_code="scope_walk",
        data=EnrolmentCreate(person_id=_new_person(w).id),
    )
    transfer = programs.request_transfer(
        session=w.world.db,
        actor=other.actor,
        enrolment_id=moving.enrolment.id,
        data=TransferCreate(to_org_unit_id=w.world.inst_a.id),
    )
    return {
        "enrolment_id": saved.enrolment.id,
        "event_id": saved.scheduled[0].event_id,
        "transfer_id": transfer.id,
    }


FACTORIES: dict[str, Factory] = {
    "/api/v1/programs/enrolments/{enrolment_id}": _program_enrolment,
    "/api/v1/programs/enrolments/{enrolment_id}/events": _program_enrolment,
    "/api/v1/programs/enrolments/{enrolment_id}/transitions": _program_enrolment,
    "/api/v1/programs/enrolments/{enrolment_id}/transfers": _program_enrolment,
    "/api/v1/programs/enrolments/{enrolment_id}/signature": _program_enrolment,
    "/api/v1/programs/events/{event_id}": _program_enrolment,
    "/api/v1/programs/events/{event_id}/skip": _program_enrolment,
    "/api/v1/programs/transfers/{transfer_id}/accept": _program_enrolment,
    "/api/v1/programs/transfers/{transfer_id}/reject": _program_enrolment,
    "/api/v1/alerts/checks/{check_id}": _alert_check,
    "/api/v1/alerts/checks/{check_id}/responses": _alert_check,
    "/api/v1/records/persons/{person_id}/timeline": _person,
    "/api/v1/records/persons/{person_id}/labs/{item_code}/trend": _record_document,
    "/api/v1/records/persons/{person_id}/documents/{document_id}": _record_document,
    "/api/v1/records/break-glass/{break_glass_id}/review": _break_glass,
    "/api/v1/auth/users/{user_id}": _user_id,
    "/api/v1/auth/users/{user_id}/password-reset": _user_id,
    "/api/v1/auth/users/{user_id}/unlock": _user_id,
    "/api/v1/auth/users/{user_id}/disable": _user_id,
    "/api/v1/auth/users/{user_id}/enable": _user_id,
    "/api/v1/auth/users/{user_id}/second-factor-reset": _user_id,
    "/api/v1/auth/sessions/{session_id}": _session,
    "/api/v1/rbac/users/{user_id}/roles": _user_id,
    "/api/v1/rbac/users/{user_id}/roles/{role_id}": _user_role,
    "/api/v1/orgs/institutions/{institution_id}": _institution,
    "/api/v1/orgs/institutions/{institution_id}/deactivate": _institution,
    "/api/v1/orgs/institutions/{institution_id}/reactivate": _institution,
    "/api/v1/orgs/institutions/{institution_id}/departments": _institution,
    "/api/v1/orgs/institutions/{institution_id}/departments/{department_id}": _department,
    "/api/v1/patients/persons/{person_id}": _person,
    "/api/v1/patients/persons/{person_id}/identifiers": _person,
    "/api/v1/patients/persons/{person_id}/identifiers/{identifier_id}/unlink": _identifier,
    "/api/v1/patients/persons/{person_id}/history": _person,
    "/api/v1/patients/candidates/{candidate_id}/dismiss": _candidate,
    "/api/v1/patients/merges/{event_id}/unmerge": _merge,
}

# Request bodies, so that the call reaches the scope check instead of stopping at validation.
BODIES: dict[tuple[str, str], Callable[[Walk], Any]] = {
    ("PATCH", "/api/v1/programs/enrolments/{enrolment_id}"): lambda w: {"values": {}},
    ("POST", "/api/v1/programs/enrolments/{enrolment_id}/events"): lambda w: {"stage": "visit"},
    ("POST", "/api/v1/programs/enrolments/{enrolment_id}/transitions"): lambda w: {
        "transition": "close"
    },
    ("POST", "/api/v1/programs/enrolments/{enrolment_id}/transfers"): lambda w: {
        "toOrgUnitId": w.world.inst_a2.id
    },
    ("PATCH", "/api/v1/programs/events/{event_id}"): lambda w: {"values": {}},
    ("POST", "/api/v1/programs/events/{event_id}/skip"): lambda w: {"reason": "外出"},
    ("POST", "/api/v1/programs/transfers/{transfer_id}/accept"): lambda w: {},
    ("POST", "/api/v1/programs/transfers/{transfer_id}/reject"): lambda w: {},
    ("POST", "/api/v1/alerts/checks/{check_id}/responses"): lambda w: {
        "responses": [{"promptId": w.made["prompt_id"], "action": "accepted"}]
    },
    ("POST", "/api/v1/rbac/users/{user_id}/roles"): lambda w: {"roleCode": "nurse"},
    ("PATCH", "/api/v1/orgs/institutions/{institution_id}"): lambda w: {"shortName": "改名"},
    ("POST", "/api/v1/orgs/institutions/{institution_id}/departments"): lambda w: {
        "code": f"N{w.n()}",
        "name": "新科室",
    },
    ("PATCH", "/api/v1/orgs/institutions/{institution_id}/departments/{department_id}"): lambda w: {
        "name": "改名科室"
    },
    ("PATCH", "/api/v1/patients/persons/{person_id}"): lambda w: {"address": "某路1号"},
    ("POST", "/api/v1/patients/persons/{person_id}/identifiers"): lambda w: {
        "type": "medical_insurance_card",
        "value": f"YB{w.n()}",
    },
    ("POST", "/api/v1/patients/persons/{person_id}/identifiers/{identifier_id}/unlink"): lambda w: {
        "reason": "录入错误"
    },
    ("POST", "/api/v1/patients/candidates/{candidate_id}/dismiss"): lambda w: {
        "note": "不是同一人"
    },
    ("POST", "/api/v1/patients/merges/{event_id}/unmerge"): lambda w: {"reason": "误合并"},
    ("POST", "/api/v1/records/break-glass/{break_glass_id}/review"): lambda w: {
        "decision": "approve"
    },
}


# --------------------------------------------------------------------------- the walk


def test_the_registries_name_only_real_routes() -> None:
    paths = {p for _, p in object_routes()}
    stale = (set(FACTORIES) | set(NOT_SCOPED) | {p for _, p in BODIES}) - paths
    assert not stale, f"entries for routes that no longer exist: {sorted(stale)}"
    assert not set(FACTORIES) & set(NOT_SCOPED)
    assert all(len(reason) > 20 for reason in NOT_SCOPED.values())


def test_no_route_with_an_object_id_leaks_across_districts(
    client: TestClient, world: World
) -> None:
    everything = all_permissions()
    outsider = world.staff(*everything, institution=world.inst_b, scope="district")
    insider = world.staff(*everything, institution=world.inst_a, scope="district")
    walk = Walk(world, owner=world.staff(*everything, institution=world.inst_a))
    world.settle()

    problems: list[str] = []
    walked = 0
    for method, path in object_routes():
        if path in NOT_SCOPED:
            continue
        factory = FACTORIES.get(path)
        if factory is None:
            problems.append(
                f"{method} {path}: no object factory. Add one to FACTORIES in "
                f"tests/core/rbac/test_object_scope.py that creates an object owned by "
                f"district A (or, if the data has no owning district, list the path in "
                f"NOT_SCOPED with the reason)."
            )
            continue
        params = factory(walk)
        world.settle()
        url = _fill(path, params)
        make_body = BODIES.get((method, path))
        payload = make_body(walk) if make_body else None
        r = client.request(method, url, json=payload, headers=outsider.headers)
        if r.status_code not in (403, 404):
            problems.append(
                f"{method} {path}: district B got {r.status_code}, expected 403/404"
                f" ({r.text[:200]})"
            )
            continue
        control = client.request(method, url, json=payload, headers=insider.headers)
        if not 200 <= control.status_code < 300:
            problems.append(
                f"{method} {path}: the control call by district A got "
                f"{control.status_code} ({control.text[:200]}); fix the factory or "
                f"BODIES so the route really runs"
            )
        walked += 1
    assert not problems, "\n".join(problems)
    assert walked >= len(FACTORIES)


@pytest.mark.parametrize("path", sorted(NOT_SCOPED))
def test_not_scoped_routes_still_require_a_permission(client: TestClient, path: str) -> None:
    """Even unscoped object routes are never open to anonymous callers."""
    url = _PARAM.sub("x", path)
    methods = [m for m, p in object_routes() if p == path]
    for method in methods:
        assert client.request(method, url).status_code == 401, (method, path)
