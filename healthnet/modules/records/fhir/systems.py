"""Code and identifier systems HealthNet reads and writes over FHIR (see docs/decisions).

Identifiers of residents:
- ``ID_CARD``: 居民身份证号 (公民身份号码, GB 11643). The OID is the national health
  information standards' identifier of the resident ID card number
  (``2.16.156.10011.1.1``, as used in WS 364/WS 445 documents); ``ID_CARD_ALIASES`` are accepted
  as the same on input.
- Hospital card (院内就诊卡号): one system per institution, ``HOSPITAL_CARD_PREFIX`` + the
  institution's registration code, e.g. ``https://healthnet.sh.cn/fhir/sid/hospital-card/H0001``.
  A sender may also use ``urn:healthnet:hospital-card`` (its own institution is implied).
- ``MASTER_ID``: HealthNet's master patient index number (主索引号), written on output.

Medicines: the drug code is the first coding whose system is neither ATC nor ingredient;
``ATC`` is WHO's; ``INGREDIENT`` is the national drug ingredient code system OID.
"""

from __future__ import annotations

ID_CARD = "urn:oid:2.16.156.10011.1.1"
ID_CARD_ALIASES = frozenset(
    {ID_CARD, "2.16.156.10011.1.1", "https://healthnet.sh.cn/fhir/sid/resident-id-card"}
)
HOSPITAL_CARD_PREFIX = "https://healthnet.sh.cn/fhir/sid/hospital-card/"
HOSPITAL_CARD_OWN = "urn:healthnet:hospital-card"
MASTER_ID = "https://healthnet.sh.cn/fhir/sid/master-id"
SOURCE_ID = "https://healthnet.sh.cn/fhir/sid/source"  # prefix for records without a system

ATC = "http://www.whocc.no/atc"
INGREDIENT = "urn:oid:2.16.156.10011.2.3.2"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_CN = "urn:oid:2.16.156.10011.2.3.3.11"  # GB/T 14396 疾病分类与代码 (accepted as ICD-10)
LOCAL_ITEM = "https://healthnet.sh.cn/fhir/CodeSystem/local-item"
BODY_PART_EXT = "https://healthnet.sh.cn/fhir/StructureDefinition/body-part"
ENCOUNTER_CLASS = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"

# v3 ActCode encounter classes → our three.
ENCOUNTER_CLASSES = {
    "AMB": "outpatient",
    "EMER": "emergency",
    "IMP": "inpatient",
    "ACUTE": "inpatient",
    "NONAC": "inpatient",
    "SS": "outpatient",
}
CLASS_TO_V3 = {"outpatient": "AMB", "emergency": "EMER", "inpatient": "IMP"}
CLASS_DISPLAY = {"outpatient": "门诊", "emergency": "急诊", "inpatient": "住院"}


def hospital_card_system(institution_code: str) -> str:
    return HOSPITAL_CARD_PREFIX + institution_code
