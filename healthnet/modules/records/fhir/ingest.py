"""Processing of ``transaction`` and ``batch`` Bundles posted by hospital systems.

transaction: every entry is validated first; any problem → one OperationOutcome listing all of
them and nothing is written. Then Patients are matched to the master patient index, Encounters
stored, then Conditions and the rest; a failure while writing fails the whole Bundle (the
request's transaction rolls back).
batch: each entry is processed on its own (in its own savepoint) and answered in its own
``response``; a failed entry carries an OperationOutcome, the others are kept.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.errors import DomainError, pydantic_errors
from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service as patients
from healthnet.core.patients.identifiers import IdentifierType
from healthnet.core.patients.models import Person
from healthnet.core.patients.schemas import IdentifierIn, PersonCreate
from healthnet.core.rbac.actor import Actor
from healthnet.modules.records.fhir import systems
from healthnet.modules.records.fhir.mapping import MODELS, Invalid, Parsed, parse
from healthnet.modules.records.fhir.outcome import FhirError, Issue, domain_issues, issue, outcome
from healthnet.modules.records.models import KIND_DIAGNOSIS, KIND_ENCOUNTER
from healthnet.modules.records.service import store

# Write order inside a Bundle: what others point at first.
_ORDER = {"Patient": 0, "Encounter": 1, "Condition": 2}


@dataclass
class _Entry:
    index: int
    full_url: str | None
    resource: dict[str, Any]
    method: str
    parsed: Parsed | None = None
    issues: list[Issue] = field(default_factory=list)
    response: dict[str, Any] | None = None

    @property
    def rtype(self) -> str:
        return str(self.resource.get("resourceType"))

    @property
    def base(self) -> str:
        return f"Bundle.entry[{self.index}].resource"

    def ref_keys(self) -> list[str]:
        out = [self.full_url] if self.full_url else []
        rid = self.resource.get("id")
        if rid:
            out.append(f"{self.rtype}/{rid}")
        return out


@dataclass
class _Context:
    session: Session
    actor: Actor
    institution: Institution
    refs: dict[str, tuple[str, str]] = field(default_factory=dict)  # key → (type, our id)
    ranks: dict[str, int] = field(default_factory=dict)
    touched: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))


def _entries(bundle: Any) -> tuple[str, list[_Entry]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError(400, [issue("structure", "records.fhir.not_bundle", "Bundle")])
    btype = bundle.get("type")
    if btype not in ("transaction", "batch"):
        raise FhirError(400, [issue("value", "records.fhir.bundle_type", "Bundle.type")])
    raw = bundle.get("entry") or []
    if not isinstance(raw, list):
        raise FhirError(
            400,
            [
                issue(
                    "structure",
                    "records.fhir.invalid",
                    "Bundle.entry",
                    element="Bundle.entry",
                    reason="应为数组",
                )
            ],
        )
    entries = []
    for i, e in enumerate(raw):
        e = e if isinstance(e, dict) else {}
        resource = e.get("resource")
        req = e.get("request")
        request: dict[str, Any] = req if isinstance(req, dict) else {}
        entry = _Entry(
            i,
            e.get("fullUrl"),
            resource if isinstance(resource, dict) else {},
            str(request.get("method") or "POST").upper(),
        )
        entries.append(entry)
    return str(btype), entries


def _check(entry: _Entry) -> None:
    """Validate and map one entry; problems go to ``entry.issues``."""
    if not entry.resource:
        entry.issues.append(
            issue("required", "records.fhir.required", entry.base, element=entry.base)
        )
        return
    if entry.rtype not in MODELS:
        entry.issues.append(
            issue(
                "not-supported",
                "records.fhir.unsupported_type",
                f"{entry.base}.resourceType",
                type=entry.rtype,
            )
        )
        return
    if entry.method not in ("POST", "PUT"):
        entry.issues.append(
            issue(
                "not-supported",
                "records.fhir.method",
                f"Bundle.entry[{entry.index}].request.method",
            )
        )
        return
    try:
        entry.parsed = parse(entry.resource, entry.base)
    except Invalid as exc:
        entry.issues.extend(exc.issues)


def process(
    *, session: Session, actor: Actor, institution_id: str | None, bundle: Any
) -> dict[str, Any]:
    """Process a Bundle; returns the transaction-response / batch-response Bundle."""
    if institution_id is None:
        raise FhirError(403, [issue("forbidden", "records.fhir.no_institution")])
    btype, entries = _entries(bundle)
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise FhirError(403, [issue("forbidden", "records.fhir.no_institution")])
    ctx = _Context(session, actor, institution)
    for entry in entries:
        _check(entry)
        if entry.parsed is not None:
            ctx.ranks.update(entry.parsed.diagnosis_ranks)
    ordered = sorted(entries, key=lambda e: (_ORDER.get(e.rtype, 3), e.index))
    if btype == "transaction":
        problems = [i for e in entries for i in e.issues]
        if problems:
            raise FhirError(422 if _semantic(problems) else 400, problems)
        failure: FhirError | None = None
        with session.begin_nested() as savepoint:
            for entry in ordered:
                try:
                    _write(ctx, entry)
                except DomainError as exc:
                    failure = FhirError(422, _entry_issues(entry, domain_issues(exc)))
                except Invalid as exc:
                    failure = FhirError(422, exc.issues)
                if failure is not None:
                    savepoint.rollback()  # all or nothing
                    raise failure
    else:
        for entry in ordered:
            if entry.issues:
                _fail(entry, entry.issues)
                continue
            try:
                with session.begin_nested():
                    _write(ctx, entry)
            except DomainError as exc:
                _fail(entry, _entry_issues(entry, domain_issues(exc)))
            except Invalid as exc:
                _fail(entry, exc.issues)
    _audit(ctx, btype)
    return {
        "resourceType": "Bundle",
        "type": f"{btype}-response",
        "entry": [{"response": e.response} for e in entries],
    }


def _semantic(problems: list[Issue]) -> bool:
    return all(p.code in ("required", "value", "processing", "not-found") for p in problems)


def _entry_issues(entry: _Entry, issues: list[Issue]) -> list[Issue]:
    """Domain errors name API fields; point them at the entry's resource."""
    for i in issues:
        i.expression = [f"{entry.base}" + (f".{x}" if x else "") for x in i.expression] or [
            entry.base
        ]
    return issues


def _fail(entry: _Entry, issues: list[Issue]) -> None:
    status = "422 Unprocessable Entity" if _semantic(issues) else "400 Bad Request"
    entry.response = {"status": status, "outcome": outcome(issues)}


# ------------------------------------------------------------------ writing


def _resolve_patient(ctx: _Context, element: str, ref: str) -> str:
    found = ctx.refs.get(ref)
    if found is not None and found[0] == "Patient":
        return found[1]
    if ref.startswith("identifier:"):
        system, _, value = ref.removeprefix("identifier:").partition("|")
        person = _find_by_system(ctx, system, value)
        if person is not None:
            return person.id
    else:
        tail = ref.rsplit("/", 2)
        if len(tail) >= 2 and tail[-2] == "Patient":
            person = ctx.session.get(Person, tail[-1])
            seen = 0
            while person is not None and person.merged_into_id is not None and seen < 10:
                person, seen = ctx.session.get(Person, person.merged_into_id), seen + 1
            if person is not None:
                return person.id
        elif "/" in ref and not ref.startswith("urn:"):
            raise Invalid(
                [
                    issue(
                        "value",
                        "records.fhir.reference_kind",
                        element,
                        element=element,
                        type="Patient",
                    )
                ]
            )
    raise Invalid([issue("not-found", "records.fhir.reference_unresolved", element, reference=ref)])


def _resolve_encounter(ctx: _Context, element: str, ref: str) -> str:
    found = ctx.refs.get(ref)
    if found is not None and found[0] == "Encounter":
        return found[1]
    tail = ref.rsplit("/", 2)
    if len(tail) >= 2 and tail[-2] == "Encounter":
        key = tail[-1]
        row = store.find_record(ctx.session, KIND_ENCOUNTER, key) or store.find_by_source(
            ctx.session, kind=KIND_ENCOUNTER, institution_id=ctx.institution.id, source_id=key
        )
        if row is not None:
            return str(row.id)
    raise Invalid([issue("not-found", "records.fhir.reference_unresolved", element, reference=ref)])


def _find_by_system(ctx: _Context, system: str, value: str) -> Person | None:
    """The resident a logical reference names; None for an unknown or malformed identifier."""
    try:
        ident = _identifier(ctx, system, value)
        if isinstance(ident, Person) or ident is None:
            return ident
        return patients.find_by_identifier(
            session=ctx.session,
            id_type=ident.type,
            value=ident.value,
            institution_id=ident.institution_id,
        )
    except (ValidationError, DomainError):
        return None


def _identifier(ctx: _Context, system: str | None, value: str) -> IdentifierIn | Person | None:
    """Our identifier for a FHIR identifier (a Person for a master id), or None if unknown."""
    if system in systems.ID_CARD_ALIASES:
        return IdentifierIn(type=IdentifierType.RESIDENT_ID_CARD, value=value)
    if system == systems.HOSPITAL_CARD_OWN or system == systems.hospital_card_system(
        ctx.institution.code
    ):
        return IdentifierIn(
            type=IdentifierType.HOSPITAL_CARD, value=value, institution_id=ctx.institution.id
        )
    if system and system.startswith(systems.HOSPITAL_CARD_PREFIX):
        code = system.removeprefix(systems.HOSPITAL_CARD_PREFIX)
        inst_id = ctx.session.scalar(select(Institution.id).where(Institution.code == code))
        if inst_id is not None:
            return IdentifierIn(
                type=IdentifierType.HOSPITAL_CARD, value=value, institution_id=inst_id
            )
    if system == systems.MASTER_ID:
        return ctx.session.scalar(select(Person).where(Person.master_id == value))
    return None


def _register_patient(ctx: _Context, entry: _Entry) -> tuple[str, bool]:
    assert entry.parsed is not None and entry.parsed.patient is not None
    data = entry.parsed.patient
    idents: list[IdentifierIn] = []
    known: Person | None = None
    for i, system, value in data["identifiers"]:
        element = f"{entry.base}.identifier[{i}].value"
        try:
            ident = _identifier(ctx, system, str(value))
        except ValidationError as exc:
            raise Invalid(
                [Issue("value", e.message, [element]) for e in pydantic_errors(list(exc.errors()))]
            ) from None
        if isinstance(ident, Person):
            known = ident
        elif ident is not None:
            idents.append(ident)
    if not idents and known is None:
        raise Invalid(
            [issue("required", "records.fhir.patient_identifier", f"{entry.base}.identifier")]
        )
    if not idents and known is not None:
        return known.id, False
    try:
        create = PersonCreate(
            name=data["name"],
            sex_code=data["sex_code"] if data["sex_code"] != "0" else None,
            birth_date=data["birth_date"],
            phone=data["phone"],
            address=data["address"],
            identifiers=idents,
        )
    except ValidationError as exc:
        names = {
            "name": "name[0].text",
            "sexCode": "gender",
            "birthDate": "birthDate",
            "phone": "telecom",
            "address": "address",
        }
        raise Invalid(
            [
                Issue("value", e.message, [f"{entry.base}.{names.get(e.field, 'identifier')}"])
                for e in pydantic_errors(list(exc.errors()))
            ]
        ) from None
    reg = patients.register_person(session=ctx.session, actor=ctx.actor, data=create)
    return reg.person.id, reg.created


def _write(ctx: _Context, entry: _Entry) -> None:
    parsed = entry.parsed
    assert parsed is not None
    if parsed.resource_type == "Patient":
        patient_id, created = _register_patient(ctx, entry)
        for key in entry.ref_keys():
            ctx.refs[key] = ("Patient", patient_id)
        entry.response = {
            "status": "201 Created" if created else "200 OK",
            "location": f"Patient/{patient_id}",
        }
        ctx.touched[patient_id].setdefault("patients", 0)
        return
    assert parsed.kind is not None and parsed.source_id is not None
    issues: list[Issue] = []
    person_id: str | None = None
    encounter_id: str | None = None
    if parsed.patient_ref is not None:
        try:
            person_id = _resolve_patient(ctx, *parsed.patient_ref)
        except Invalid as exc:
            issues += exc.issues
    if parsed.encounter_ref is not None:
        try:
            encounter_id = _resolve_encounter(ctx, *parsed.encounter_ref)
        except Invalid as exc:
            issues += exc.issues
    if issues or person_id is None:
        raise Invalid(issues)
    values = dict(parsed.values)
    if parsed.kind != KIND_ENCOUNTER:
        values["encounter_id"] = encounter_id
    if parsed.kind == KIND_DIAGNOSIS:
        rank = next((ctx.ranks[k] for k in entry.ref_keys() if k in ctx.ranks), None)
        values["kind"] = "secondary" if rank is not None and rank > 1 else "primary"
    stored = store.upsert(
        session=ctx.session,
        kind=parsed.kind,
        person_id=person_id,
        institution_id=ctx.institution.id,
        source_id=parsed.source_id,
        values=values,
    )
    if parsed.kind == KIND_DIAGNOSIS and encounter_id and stored.row.sensitivity:
        store.mark_encounter_sensitive(ctx.session, encounter_id, stored.row.sensitivity)
    for key in entry.ref_keys():
        ctx.refs[key] = (parsed.resource_type, stored.row.id)
    counts = ctx.touched[person_id]
    counts[parsed.kind] = counts.get(parsed.kind, 0) + 1
    entry.response = {
        "status": "201 Created" if stored.created else "200 OK",
        "location": f"{parsed.resource_type}/{stored.row.id}",
        "lastModified": stored.row.updated_at.isoformat(),
    }


def _audit(ctx: _Context, btype: str) -> None:
    from healthnet.core.audit import service as audit

    for person_id, counts in ctx.touched.items():
        audit.record(
            session=ctx.session,
            actor=ctx.actor,
            action="records.fhir.ingest",
            resource_type="records.bundle",
            patient_id=person_id,
            detail={"bundleType": btype, **{k: v for k, v in counts.items() if v}},
        )
