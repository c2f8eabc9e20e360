"""FHIR R4 resources in → record values: validation by ``fhir.resources.R4B`` and the mapping of
each supported resource to a row of the record (see docs/decisions for the element table).

:func:`parse` validates one resource and returns a :class:`Parsed` (what to store and which
references to resolve), or raises :class:`Invalid` with every issue found, each naming the
element by its FHIRPath from ``base`` (e.g. ``Bundle.entry[2].resource.period.start``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.diagnosticreport import DiagnosticReport
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.immunization import Immunization
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from healthnet.modules.records.fhir import systems
from healthnet.modules.records.fhir.outcome import Issue, issue
from healthnet.modules.records.fhir.values import (
    business_id,
    concept_code,
    decimal_of,
    first_coding,
    parse_datetime,
)
from healthnet.modules.records.models import (
    KIND_DIAGNOSIS,
    KIND_DOCUMENT,
    KIND_ENCOUNTER,
    KIND_EXAM,
    KIND_IMMUNIZATION,
    KIND_LAB,
    KIND_MEDICATION,
)

MODELS: dict[str, Any] = {
    "Patient": Patient,
    "Encounter": Encounter,
    "Condition": Condition,
    "MedicationRequest": MedicationRequest,
    "Observation": Observation,
    "DiagnosticReport": DiagnosticReport,
    "DocumentReference": DocumentReference,
    "Immunization": Immunization,
}
KIND_OF_TYPE = {
    "Encounter": KIND_ENCOUNTER,
    "Condition": KIND_DIAGNOSIS,
    "MedicationRequest": KIND_MEDICATION,
    "Observation": KIND_LAB,
    "DiagnosticReport": KIND_EXAM,
    "DocumentReference": KIND_DOCUMENT,
    "Immunization": KIND_IMMUNIZATION,
}
TYPE_OF_KIND = {v: k for k, v in KIND_OF_TYPE.items()}


class Invalid(Exception):
    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__(issues[0].diagnostics if issues else "invalid")


@dataclass
class Parsed:
    resource_type: str
    kind: str | None  # None for Patient
    source_id: str | None
    values: dict[str, Any] = field(default_factory=dict)
    # (FHIRPath of the element, reference string) to resolve
    patient_ref: tuple[str, str] | None = None
    encounter_ref: tuple[str, str] | None = None
    # Patient only: what the master patient index needs
    patient: dict[str, Any] | None = None
    # Encounter only: condition reference → rank (Encounter.diagnosis)
    diagnosis_ranks: dict[str, int] = field(default_factory=dict)


def _loc_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = str(part)
            if name.endswith("_fhir"):
                name = name[: -len("_fhir")]
            out += "." + name
    return out


def validate(resource: dict[str, Any], base: str) -> None:
    """Structural validation by the R4B model (cardinality, data types, value sets)."""
    model = MODELS[resource["resourceType"]]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        issues = []
        for err in exc.errors():
            loc = tuple(p for p in err.get("loc", ()) if p != "__root__")
            element = base + _loc_path(loc)
            reason = str(err.get("msg", "")).removeprefix("Value error, ")
            issues.append(
                issue("invalid", "records.fhir.invalid", element, element=element, reason=reason)
            )
        raise Invalid(issues) from None


# ------------------------------------------------------------------ small readers


class _Reader:
    """Collects issues while reading one resource."""

    def __init__(self, resource: dict[str, Any], base: str) -> None:
        self.r = resource
        self.base = base
        self.issues: list[Issue] = []

    def path(self, element: str) -> str:
        return f"{self.base}.{element}" if element else self.base

    def required(self, element: str) -> None:
        p = self.path(element)
        self.issues.append(issue("required", "records.fhir.required", p, element=p))

    def bad_value(self, element: str, value: Any) -> None:
        p = self.path(element)
        self.issues.append(issue("value", "records.fhir.code_value", p, element=p, value=value))

    def when(self, value: Any, element: str, *, required: bool = True) -> datetime | None:
        if value in (None, ""):
            if required:
                self.required(element)
            return None
        parsed = parse_datetime(str(value))
        if parsed is None:
            self.bad_value(element, value)
        return parsed


def _ref(r: dict[str, Any], element: str) -> str | None:
    """The reference string, or ``identifier:<system>|<value>`` for a logical reference."""
    value = r.get(element)
    if isinstance(value, dict):
        ref = value.get("reference")
        if ref:
            return str(ref)
        ident = value.get("identifier")
        if isinstance(ident, dict) and ident.get("value"):
            return f"identifier:{ident.get('system') or ''}|{ident['value']}"
    return None


def _common(rd: _Reader, parsed: Parsed, subject: str = "subject") -> None:
    ref = _ref(rd.r, subject)
    if ref is None:
        rd.required(f"{subject}.reference")
    else:
        parsed.patient_ref = (rd.path(f"{subject}.reference"), ref)
    if parsed.source_id is None:
        rd.issues.append(issue("required", "records.fhir.no_identifier", rd.path("identifier")))


def _encounter_ref(rd: _Reader, parsed: Parsed, element: str = "encounter") -> None:
    ref = _ref(rd.r, element)
    if ref is not None:
        parsed.encounter_ref = (rd.path(f"{element}.reference"), ref)


# ------------------------------------------------------------------ per resource type


def _patient(rd: _Reader, p: Parsed) -> None:
    r = rd.r
    names = r.get("name") or []
    name = None
    if names:
        n = names[0]
        name = n.get("text") or ("".join([n.get("family") or "", *(n.get("given") or [])]) or None)
    if not name:
        rd.issues.append(issue("required", "records.fhir.patient_name", rd.path("name[0].text")))
    sex = {"male": "1", "female": "2", "unknown": "0", "other": "9"}.get(r.get("gender") or "")
    phone = next(
        (t.get("value") for t in r.get("telecom") or [] if t.get("system") == "phone"), None
    )
    address = None
    for a in r.get("address") or []:
        address = a.get("text") or "".join([*(a.get("line") or []), a.get("city") or ""]) or None
        if address:
            break
    birth = r.get("birthDate")
    p.patient = {
        "name": name,
        "sex_code": sex,
        "birth_date": date.fromisoformat(birth) if birth and len(birth) == 10 else None,
        "phone": phone,
        "address": address,
        "identifiers": [
            (i, ident.get("system"), ident.get("value"))
            for i, ident in enumerate(r.get("identifier") or [])
            if ident.get("value")
        ],
    }


def _encounter(rd: _Reader, p: Parsed) -> None:
    r = rd.r
    _common(rd, p)
    cls = r.get("class") or {}
    code = cls.get("code")
    class_code = systems.ENCOUNTER_CLASSES.get(str(code).upper()) if code else None
    if code is None:
        rd.required("class.code")
    elif class_code is None:
        rd.bad_value("class.code", code)
    period = r.get("period") or {}
    start = rd.when(period.get("start"), "period.start")
    end = rd.when(period.get("end"), "period.end", required=False)
    _, dept_code, dept_name = concept_code(r.get("serviceType"))
    if dept_code is None and dept_name is None:
        for t in r.get("type") or []:
            _, dept_code, dept_name = concept_code(t)
            break
    attending = None
    for part in r.get("participant") or []:
        ind = part.get("individual") or {}
        if ind.get("display"):
            attending = ind["display"]
            break
    reason = None
    for rc in r.get("reasonCode") or []:
        reason = rc.get("text") or (first_coding(rc) or {}).get("display")
        break
    for i, d in enumerate(r.get("diagnosis") or []):
        ref = (d.get("condition") or {}).get("reference")
        if ref and d.get("rank") is not None:
            p.diagnosis_ranks[str(ref)] = int(d["rank"])
        del i
    p.values = {
        "class_code": class_code,
        "start_at": start,
        "end_at": end,
        "status": r.get("status") or "finished",
        "department_code": dept_code,
        "department_name": dept_name,
        "attending_name": attending,
        "reason": (reason or None) and str(reason)[:255],
    }


def _condition(rd: _Reader, p: Parsed) -> None:
    r = rd.r
    _common(rd, p)
    _encounter_ref(rd, p)
    code_obj = r.get("code")
    icd = name = None
    if isinstance(code_obj, dict):
        codings = code_obj.get("coding") or []
        chosen = next(
            (c for c in codings if c.get("system") in (systems.ICD10, systems.ICD10_CN)),
            codings[0] if codings else None,
        )
        if chosen is not None:
            icd, name = chosen.get("code"), chosen.get("display")
        name = name or code_obj.get("text")
    if not icd:
        rd.required("code.coding[0].code")
    recorded = r.get("recordedDate") or r.get("onsetDateTime")
    element = (
        "recordedDate" if r.get("recordedDate") or not r.get("onsetDateTime") else "onsetDateTime"
    )
    when = rd.when(recorded, element)
    _, status_code, _ = concept_code(r.get("clinicalStatus"))
    p.values = {
        "icd10_code": icd,
        "name": (name or icd or "")[:200],
        "kind": "primary",
        "clinical_status": status_code,
        "recorded_at": when,
    }


_DURATION_DAYS = {"d": 1, "day": 1, "days": 1, "wk": 7, "week": 7, "mo": 30, "month": 30, "a": 365}


def _medication(rd: _Reader, p: Parsed) -> None:
    r = rd.r
    _common(rd, p)
    _encounter_ref(rd, p)
    med = r.get("medicationCodeableConcept")
    drug_code = generic = atc = ingredient_code = ingredient_name = None
    if not isinstance(med, dict):
        if r.get("medicationReference"):
            rd.bad_value(
                "medicationReference", "Medication 引用（请使用 medicationCodeableConcept）"
            )
        else:
            rd.required("medicationCodeableConcept")
    else:
        for c in med.get("coding") or []:
            system = c.get("system")
            if system == systems.ATC:
                atc = atc or c.get("code")
            elif system == systems.INGREDIENT:
                ingredient_code = ingredient_code or c.get("code")
                ingredient_name = ingredient_name or c.get("display")
            elif drug_code is None:
                drug_code, generic = c.get("code"), c.get("display")
        generic = generic or med.get("text")
        if not drug_code:
            rd.required("medicationCodeableConcept.coding[0].code")
        if not generic:
            rd.required("medicationCodeableConcept.text")
    ordered = rd.when(r.get("authoredOn"), "authoredOn")
    dose = dose_unit = route = frequency = None
    for dosage in (r.get("dosageInstruction") or [])[:1]:
        for dr in (dosage.get("doseAndRate") or [])[:1]:
            q = dr.get("doseQuantity") or {}
            dose, dose_unit = decimal_of(q.get("value")), q.get("unit") or q.get("code")
        route_c = dosage.get("route")
        if isinstance(route_c, dict):
            route = (
                route_c.get("text")
                or (first_coding(route_c) or {}).get("display")
                or (first_coding(route_c) or {}).get("code")
            )
        timing = dosage.get("timing") or {}
        tcode = timing.get("code")
        if isinstance(tcode, dict):
            frequency = tcode.get("text") or (first_coding(tcode) or {}).get("code")
        elif timing.get("repeat"):
            rep = timing["repeat"]
            if rep.get("frequency") and rep.get("period"):
                frequency = f"{rep['frequency']}/{rep['period']}{rep.get('periodUnit', 'd')}"
        frequency = frequency or dosage.get("text")
    days_supply = quantity = quantity_unit = None
    dispense = r.get("dispenseRequest") or {}
    duration = dispense.get("expectedSupplyDuration")
    if isinstance(duration, dict) and duration.get("value") is not None:
        unit = str(duration.get("code") or duration.get("unit") or "d").lower()
        factor = _DURATION_DAYS.get(unit)
        if factor is None:
            rd.bad_value("dispenseRequest.expectedSupplyDuration.code", unit)
        else:
            days_supply = int(Decimal(str(duration["value"])) * factor)
    q = dispense.get("quantity")
    if isinstance(q, dict):
        quantity, quantity_unit = decimal_of(q.get("value")), q.get("unit") or q.get("code")
    p.values = {
        "ordered_at": ordered,
        "drug_code": drug_code,
        "generic_name": (generic or "")[:200],
        "ingredient_code": ingredient_code,
        "ingredient_name": ingredient_name,
        "atc_code": atc,
        "dose": dose,
        "dose_unit": dose_unit,
        "route": route,
        "frequency": frequency and str(frequency)[:64],
        "days_supply": days_supply,
        "quantity": quantity,
        "quantity_unit": quantity_unit,
        "status": r.get("status") or "active",
    }


def _observation(rd: _Reader, p: Parsed) -> None:
    r = rd.r
    _common(rd, p)
    _encounter_ref(rd, p)
    _, code, name = concept_code(r.get("code"))
    if not code:
        rd.required("code.coding[0].code")
    if r.get("effectiveDateTime") or r.get("effectiveInstant"):
        collected = rd.when(
            r.get("effectiveDateTime") or r.get("effectiveInstant"), "effectiveDateTime"
        )
    elif isinstance(r.get("effectivePeriod"), dict):
        collected = rd.when(r["effectivePeriod"].get("start"), "effectivePeriod.start")
    else:
        collected = rd.when(r.get("issued"), "effectiveDateTime")
    reported = rd.when(r.get("issued"), "issued", required=False)
    value = numeric = unit = None
    if isinstance(r.get("valueQuantity"), dict):
        vq = r["valueQuantity"]
        numeric = decimal_of(vq.get("value"))
        value = None if numeric is None else str(vq.get("value"))
        unit = vq.get("unit") or vq.get("code")
    elif r.get("valueString") is not None:
        value = str(r["valueString"])[:255]
    elif isinstance(r.get("valueCodeableConcept"), dict):
        _, vc, vt = concept_code(r["valueCodeableConcept"])
        value = vt or vc
    elif r.get("valueInteger") is not None:
        numeric = Decimal(int(r["valueInteger"]))
        value = str(r["valueInteger"])
    elif r.get("valueBoolean") is not None:
        value = "阳性" if r["valueBoolean"] else "阴性"
    low = high = None
    range_text = None
    for rr in (r.get("referenceRange") or [])[:1]:
        low = decimal_of((rr.get("low") or {}).get("value"))
        high = decimal_of((rr.get("high") or {}).get("value"))
        range_text = rr.get("text")
        if range_text is None and (low is not None or high is not None):
            range_text = f"{'' if low is None else low}-{'' if high is None else high}"
    flag = None
    for interp in (r.get("interpretation") or [])[:1]:
        flag = (first_coding(interp) or {}).get("code")
    specimen = (
        (r.get("specimen") or {}).get("display") if isinstance(r.get("specimen"), dict) else None
    )
    p.values = {
        "collected_at": collected,
        "reported_at": reported,
        "item_code": code,
        "item_name": (name or code or "")[:200],
        "value": value,
        "value_numeric": numeric,
        "unit": unit,
        "reference_range": range_text and str(range_text)[:100],
        "reference_low": low,
        "reference_high": high,
        "abnormal_flag": flag and str(flag)[:4],
        "specimen": specimen and str(specimen)[:64],
        "status": r.get("status") or "final",
    }


_ABNORMAL = {"abnormal", "a", "263654008"}
_NORMAL = {"normal", "n", "17621005"}


def _attachment_text(att: dict[str, Any]) -> str | None:
    data = att.get("data")
    if not data or not str(att.get("contentType") or "text/plain").startswith("text/"):
        return None
    try:
        return base64.b64decode(data).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _report(rd: _Reader, p: Parsed) -> None:
    r = rd.r
    _common(rd, p)
    _encounter_ref(rd, p)
    _, code, name = concept_code(r.get("code"))
    if not code:
        rd.required("code.coding[0].code")
    modality = None
    for cat in (r.get("category") or [])[:1]:
        _, modality, _ = concept_code(cat)
    if r.get("effectivePeriod"):
        performed = rd.when((r.get("effectivePeriod") or {}).get("start"), "effectivePeriod.start")
    else:
        performed = rd.when(r.get("effectiveDateTime") or r.get("issued"), "effectiveDateTime")
    reported = rd.when(r.get("issued"), "issued", required=False)
    abnormal = None
    for cc in r.get("conclusionCode") or []:
        c = str((first_coding(cc) or {}).get("code") or "").lower()
        if c in _ABNORMAL:
            abnormal = True
        elif c in _NORMAL and abnormal is None:
            abnormal = False
    findings = None
    for form in r.get("presentedForm") or []:
        findings = _attachment_text(form)
        if findings:
            break
    body_part = None
    for ext in r.get("extension") or []:
        if ext.get("url") == systems.BODY_PART_EXT:
            body_part = ext.get("valueString")
    p.values = {
        "modality": modality and str(modality)[:32],
        "item_code": code,
        "item_name": (name or code or "")[:200],
        "body_part": body_part,
        "findings": findings,
        "conclusion": r.get("conclusion"),
        "abnormal": abnormal,
        "performed_at": performed,
        "reported_at": reported,
        "status": r.get("status") or "final",
    }


def _document(rd: _Reader, p: Parsed) -> None:
    r = rd.r
    _common(rd, p)
    for i, enc in enumerate(((r.get("context") or {}).get("encounter") or [])[:1]):
        if enc.get("reference"):
            p.encounter_ref = (rd.path(f"context.encounter[{i}].reference"), str(enc["reference"]))
    _, type_code, type_name = concept_code(r.get("type"))
    if not type_code:
        rd.required("type.coding[0].code")
    contents = r.get("content") or []
    att = (contents[0].get("attachment") or {}) if contents else {}
    title = r.get("description") or att.get("title") or type_name or type_code
    authored = rd.when(r.get("date") or att.get("creation"), "date")
    p.values = {
        "type_code": type_code,
        "type_name": (type_name or type_code or "")[:200],
        "title": (title or "")[:255],
        "content_type": att.get("contentType") or "text/plain",
        "content": _attachment_text(att),
        "attachment_hash": att.get("hash"),
        "attachment_url": att.get("url"),
        "authored_at": authored,
        "status": r.get("status") or "current",
    }


def _immunization(rd: _Reader, p: Parsed) -> None:
    r = rd.r
    _common(rd, p, subject="patient")
    _encounter_ref(rd, p)
    _, code, name = concept_code(r.get("vaccineCode"))
    if not code:
        rd.required("vaccineCode.coding[0].code")
    occurred = rd.when(r.get("occurrenceDateTime"), "occurrenceDateTime")
    dose = None
    for pa in (r.get("protocolApplied") or [])[:1]:
        dose = pa.get("doseNumberPositiveInt")
    p.values = {
        "vaccine_code": code,
        "vaccine_name": (name or code or "")[:200],
        "dose_number": dose,
        "occurred_at": occurred,
        "lot_number": r.get("lotNumber"),
        "status": r.get("status") or "completed",
    }


_READERS = {
    "Patient": _patient,
    "Encounter": _encounter,
    "Condition": _condition,
    "MedicationRequest": _medication,
    "Observation": _observation,
    "DiagnosticReport": _report,
    "DocumentReference": _document,
    "Immunization": _immunization,
}


def parse(resource: dict[str, Any], base: str) -> Parsed:
    """Validate and map one resource; :class:`Invalid` lists every problem found."""
    rtype = resource["resourceType"]
    validate(resource, base)
    rd = _Reader(resource, base)
    parsed = Parsed(rtype, KIND_OF_TYPE.get(rtype), business_id(resource))
    _READERS[rtype](rd, parsed)
    if rd.issues:
        raise Invalid(rd.issues)
    return parsed
