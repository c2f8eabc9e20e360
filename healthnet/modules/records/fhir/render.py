"""Record rows → FHIR R4 resources (JSON dicts), the inverse of :mod:`.mapping`."""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.orgs.models import Institution
from healthnet.core.patients.identifiers import IdentifierType
from healthnet.core.patients.models import Person
from healthnet.modules.records.fhir import systems
from healthnet.modules.records.models import (
    Diagnosis,
    Document,
    Encounter,
    ExamReport,
    Immunization,
    LabResult,
    MedicationOrder,
)

_GENDER = {"1": "male", "2": "female", "9": "other", "0": "unknown"}


def _dt(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    n = value.normalize()
    return int(n) if n == n.to_integral_value() else float(n)


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, [], {}, "")}


class Renderer:
    """Renders rows; caches institution codes and names per request."""

    def __init__(self, session: Session, client_institution_id: str | None = None) -> None:
        self.session = session
        self.client_institution_id = client_institution_id
        self._inst: dict[str, tuple[str, str]] = {}

    def institution(self, institution_id: str) -> tuple[str, str]:
        if institution_id not in self._inst:
            row = self.session.execute(
                select(Institution.code, Institution.name).where(Institution.id == institution_id)
            ).one_or_none()
            self._inst[institution_id] = (row[0], row[1]) if row else ("?", "?")
        return self._inst[institution_id]

    def _base(self, rtype: str, row: Any) -> dict[str, Any]:
        code, _ = self.institution(row.institution_id)
        system, sep, value = row.source_id.partition("|")
        ident = (
            {"system": system, "value": value}
            if sep
            else {"system": f"{systems.SOURCE_ID}/{code}/{rtype}", "value": row.source_id}
        )
        out: dict[str, Any] = {
            "resourceType": rtype,
            "id": row.id,
            "meta": {"lastUpdated": _dt(row.updated_at)},
            "identifier": [ident],
        }
        if row.sensitivity:
            out["meta"]["security"] = [
                {
                    "system": "https://healthnet.sh.cn/fhir/CodeSystem/sensitivity",
                    "code": row.sensitivity,
                }
            ]
        return out

    def _subject(self, row: Any) -> dict[str, str]:
        return {"reference": f"Patient/{row.person_id}"}

    def _org(self, row: Any) -> dict[str, str]:
        _, name = self.institution(row.institution_id)
        return {"reference": f"Organization/{row.institution_id}", "display": name}

    @staticmethod
    def _enc(row: Any) -> dict[str, str] | None:
        return {"reference": f"Encounter/{row.encounter_id}"} if row.encounter_id else None

    def render(self, row: Any) -> dict[str, Any]:
        if isinstance(row, Encounter):
            return self.encounter(row)
        if isinstance(row, Diagnosis):
            return self.condition(row)
        if isinstance(row, MedicationOrder):
            return self.medication_request(row)
        if isinstance(row, LabResult):
            return self.observation(row)
        if isinstance(row, ExamReport):
            return self.diagnostic_report(row)
        if isinstance(row, Document):
            return self.document_reference(row)
        if isinstance(row, Immunization):
            return self.immunization(row)
        raise TypeError(type(row).__name__)

    def patient(self, person: Person) -> dict[str, Any]:
        """The resident with the master id and the citizen ID number (fhir.read clients), and
        the hospital card of the calling institution only."""
        idents: list[dict[str, Any]] = [{"system": systems.MASTER_ID, "value": person.master_id}]
        for ident in person.identifiers:
            if not ident.active:
                continue
            if ident.id_type == IdentifierType.RESIDENT_ID_CARD.value:
                idents.append({"system": systems.ID_CARD, "value": ident.value})
            elif (
                ident.id_type == IdentifierType.HOSPITAL_CARD.value
                and ident.institution_id is not None
                and ident.institution_id == self.client_institution_id
            ):
                code, _ = self.institution(ident.institution_id)
                idents.append({"system": systems.hospital_card_system(code), "value": ident.value})
        out: dict[str, Any] = {
            "resourceType": "Patient",
            "id": person.id,
            "meta": {"lastUpdated": _dt(person.updated_at)},
            "identifier": idents,
            "active": person.status == "active",
            "name": [{"text": person.name}],
            "gender": _GENDER.get(person.sex_code, "unknown"),
            "birthDate": person.birth_date.isoformat() if person.birth_date else None,
        }
        if person.merged_into_id:
            out["link"] = [
                {"other": {"reference": f"Patient/{person.merged_into_id}"}, "type": "replaced-by"}
            ]
        return _clean(out)

    def encounter(self, e: Encounter) -> dict[str, Any]:
        out = self._base("Encounter", e)
        out.update(
            status=e.status,
            **{
                "class": {
                    "system": systems.ENCOUNTER_CLASS,
                    "code": systems.CLASS_TO_V3[e.class_code],
                    "display": systems.CLASS_DISPLAY[e.class_code],
                }
            },
            subject=self._subject(e),
            period=_clean({"start": _dt(e.start_at), "end": _dt(e.end_at)}),
            serviceType=_clean(
                {
                    "coding": [_clean({"code": e.department_code, "display": e.department_name})]
                    if e.department_code
                    else None,
                    "text": e.department_name,
                }
            )
            or None,
            participant=[{"individual": {"display": e.attending_name}}]
            if e.attending_name
            else None,
            reasonCode=[{"text": e.reason}] if e.reason else None,
            serviceProvider=self._org(e),
        )
        return _clean(out)

    def condition(self, d: Diagnosis) -> dict[str, Any]:
        out = self._base("Condition", d)
        out.update(
            clinicalStatus={
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": d.clinical_status,
                    }
                ]
            }
            if d.clinical_status
            else None,
            category=[
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                            "code": "encounter-diagnosis",
                        }
                    ],
                    "text": "主要诊断" if d.kind == "primary" else "次要诊断",
                }
            ],
            code={
                "coding": [{"system": systems.ICD10, "code": d.icd10_code, "display": d.name}],
                "text": d.name,
            },
            subject=self._subject(d),
            encounter=self._enc(d),
            recordedDate=_dt(d.recorded_at),
        )
        return _clean(out)

    def medication_request(self, m: MedicationOrder) -> dict[str, Any]:
        out = self._base("MedicationRequest", m)
        coding: list[dict[str, Any]] = [
            {"system": f"{systems.SOURCE_ID}/drug", "code": m.drug_code, "display": m.generic_name}
        ]
        if m.atc_code:
            coding.append({"system": systems.ATC, "code": m.atc_code})
        if m.ingredient_code:
            coding.append(
                _clean(
                    {
                        "system": systems.INGREDIENT,
                        "code": m.ingredient_code,
                        "display": m.ingredient_name,
                    }
                )
            )
        dosage = _clean(
            {
                "text": m.frequency,
                "timing": {"code": {"text": m.frequency}} if m.frequency else None,
                "route": {"text": m.route} if m.route else None,
                "doseAndRate": [
                    {"doseQuantity": _clean({"value": _num(m.dose), "unit": m.dose_unit})}
                ]
                if m.dose is not None
                else None,
            }
        )
        dispense = _clean(
            {
                "expectedSupplyDuration": {
                    "value": m.days_supply,
                    "unit": "d",
                    "system": "http://unitsofmeasure.org",
                    "code": "d",
                }
                if m.days_supply is not None
                else None,
                "quantity": _clean({"value": _num(m.quantity), "unit": m.quantity_unit})
                if m.quantity is not None
                else None,
            }
        )
        out.update(
            status=m.status,
            intent="order",
            medicationCodeableConcept={"coding": coding, "text": m.generic_name},
            subject=self._subject(m),
            encounter=self._enc(m),
            authoredOn=_dt(m.ordered_at),
            requester=self._org(m),
            dosageInstruction=[dosage] if dosage else None,
            dispenseRequest=dispense or None,
        )
        return _clean(out)

    def observation(self, o: LabResult) -> dict[str, Any]:
        out = self._base("Observation", o)
        value: dict[str, Any] = {}
        if o.value_numeric is not None:
            value["valueQuantity"] = _clean({"value": _num(o.value_numeric), "unit": o.unit})
        elif o.value is not None:
            value["valueString"] = o.value
        rr = _clean(
            {
                "low": {"value": _num(o.reference_low)} if o.reference_low is not None else None,
                "high": {"value": _num(o.reference_high)} if o.reference_high is not None else None,
                "text": o.reference_range,
            }
        )
        out.update(
            status=o.status,
            category=[
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "laboratory",
                        }
                    ]
                }
            ],
            code={
                "coding": [
                    {"system": systems.LOCAL_ITEM, "code": o.item_code, "display": o.item_name}
                ],
                "text": o.item_name,
            },
            subject=self._subject(o),
            encounter=self._enc(o),
            effectiveDateTime=_dt(o.collected_at),
            issued=_dt(o.reported_at),
            performer=[self._org(o)],
            **value,
            interpretation=[
                {"coding": [{"system": systems.INTERPRETATION, "code": o.abnormal_flag}]}
            ]
            if o.abnormal_flag
            else None,
            specimen={"display": o.specimen} if o.specimen else None,
            referenceRange=[rr] if rr else None,
        )
        return _clean(out)

    def diagnostic_report(self, r: ExamReport) -> dict[str, Any]:
        out = self._base("DiagnosticReport", r)
        out.update(
            extension=[{"url": systems.BODY_PART_EXT, "valueString": r.body_part}]
            if r.body_part
            else None,
            status=r.status,
            category=[{"coding": [{"code": r.modality}]}] if r.modality else None,
            code={
                "coding": [
                    {"system": systems.LOCAL_ITEM, "code": r.item_code, "display": r.item_name}
                ],
                "text": r.item_name,
            },
            subject=self._subject(r),
            encounter=self._enc(r),
            effectiveDateTime=_dt(r.performed_at),
            issued=_dt(r.reported_at),
            performer=[self._org(r)],
            conclusion=r.conclusion,
            conclusionCode=[{"coding": [{"code": "abnormal" if r.abnormal else "normal"}]}]
            if r.abnormal is not None
            else None,
            presentedForm=[
                {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(r.findings.encode()).decode(),
                    "title": "检查所见",
                }
            ]
            if r.findings
            else None,
        )
        return _clean(out)

    def document_reference(self, d: Document) -> dict[str, Any]:
        out = self._base("DocumentReference", d)
        attachment = _clean(
            {
                "contentType": d.content_type,
                "data": base64.b64encode(d.content.encode()).decode() if d.content else None,
                "url": d.attachment_url,
                "hash": d.attachment_hash,
                "title": d.title,
            }
        )
        out.update(
            status=d.status,
            type={"coding": [{"code": d.type_code, "display": d.type_name}], "text": d.type_name},
            subject=self._subject(d),
            date=_dt(d.authored_at),
            custodian=self._org(d),
            description=d.title,
            content=[{"attachment": attachment}],
            context={"encounter": [self._enc(d)]} if d.encounter_id else None,
        )
        return _clean(out)

    def immunization(self, i: Immunization) -> dict[str, Any]:
        out = self._base("Immunization", i)
        out.update(
            status=i.status,
            vaccineCode={"coding": [{"code": i.vaccine_code, "display": i.vaccine_name}]},
            patient=self._subject(i),
            encounter=self._enc(i),
            occurrenceDateTime=_dt(i.occurred_at),
            lotNumber=i.lot_number,
            performer=[{"actor": self._org(i)}],
            protocolApplied=[{"doseNumberPositiveInt": i.dose_number}] if i.dose_number else None,
        )
        return _clean(out)
