"""Which resident an identifier names, the way hospital systems write identifiers.

Hospital systems name a patient by ``system`` + ``value``: the FHIR identifier systems of
:mod:`healthnet.modules.records.fhir.systems` (resident ID card OID, a hospital's card system,
the master index number), or — for systems that do not speak FHIR — the patient index's own
identifier type codes (``resident_id_card``, ``social_security_card`` …). The lookup is the
patient index's (:func:`healthnet.core.patients.service.find_by_identifier`): blind index,
merged records followed to their survivor.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthnet.core.errors import ValidationFailed
from healthnet.core.orgs.models import Institution
from healthnet.core.patients import service as patients
from healthnet.core.patients.identifiers import ISSUER_COUNTRY_REQUIRED, IdentifierType
from healthnet.core.patients.models import Person
from healthnet.modules.records import messages as _messages  # noqa: F401  (catalogue)
from healthnet.modules.records.fhir import systems

_TYPE_CODES = {t.value for t in IdentifierType} - {t.value for t in ISSUER_COUNTRY_REQUIRED}


def find_person_by_identifier(
    *,
    session: Session,
    system: str,
    value: str,
    institution_id: str | None = None,
    field: str = "identifier",
) -> str | None:
    """The platform id of the resident holding ``system|value`` (the survivor of a merge), or
    None when nobody holds it.

    ``institution_id`` is the caller's institution: its own hospital cards may be named with
    ``urn:healthnet:hospital-card`` or the type code ``hospital_card``. An unknown system →
    ValidationFailed on ``<field>.system``; a malformed number (a bad ID card check digit …) →
    ValidationFailed on ``<field>.value``, with the patient index's message.
    """
    system = system.strip()
    value = value.strip()
    if system == systems.MASTER_ID:
        return session.scalar(select(Person.id).where(Person.master_id == value))
    kind: IdentifierType
    issuer_institution: str | None = None
    if system in systems.ID_CARD_ALIASES:
        kind = IdentifierType.RESIDENT_ID_CARD
    elif system == systems.HOSPITAL_CARD_OWN or system == IdentifierType.HOSPITAL_CARD.value:
        if institution_id is None:
            raise ValidationFailed.field(f"{field}.system", "records.identifier_system_unknown")
        kind, issuer_institution = IdentifierType.HOSPITAL_CARD, institution_id
    elif system.startswith(systems.HOSPITAL_CARD_PREFIX):
        code = system.removeprefix(systems.HOSPITAL_CARD_PREFIX)
        found = session.scalar(select(Institution.id).where(Institution.code == code))
        if found is None:
            raise ValidationFailed.field(f"{field}.system", "records.identifier_system_unknown")
        kind, issuer_institution = IdentifierType.HOSPITAL_CARD, found
    elif system in _TYPE_CODES:
        kind = IdentifierType(system)
    else:
        raise ValidationFailed.field(f"{field}.system", "records.identifier_system_unknown")
    try:
        person = patients.find_by_identifier(
            session=session, id_type=kind, value=value, institution_id=issuer_institution
        )
    except ValidationFailed as exc:
        # The patient index names its own fields (idValue …): name the caller's instead.
        raise ValidationFailed(
            errors=[replace(e, field=f"{field}.value") for e in exc.errors]
        ) from None
    return None if person is None else person.id


__all__ = ["find_person_by_identifier"]
