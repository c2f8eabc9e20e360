"""Identifier rules of the master patient index: what each document number looks like, how it is
normalised before blind-indexing, and how it is masked for display.

Pure functions, no database: the schemas use them to reject bad input with a field-level message,
the service uses them again so a caller from Python gets the same normal form.

Every problem is reported as an :class:`IdentifierProblem` carrying a message code of
``patients/messages.py``; the caller turns it into a pydantic or a domain error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class IdentifierType(StrEnum):
    """Kinds of identifier a resident may carry. The value is the stable API/database code."""

    RESIDENT_ID_CARD = "resident_id_card"  # 居民身份证 (公民身份号码, GB 11643-1999)
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证 (GB 11643 form, 81/82/83)
    PASSPORT = "passport"  # 护照
    HK_MACAU_PERMIT = "hk_macau_permit"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证
    FOREIGNER_PERMANENT_RESIDENCE = "foreigner_permanent_residence"  # 外国人永久居留身份证
    SOCIAL_SECURITY_CARD = "social_security_card"  # 社会保障卡
    MEDICAL_INSURANCE_CARD = "medical_insurance_card"  # 医保卡 / 医保电子凭证号
    SHANGHAI_SELF_PAY_CARD = "shanghai_self_pay_card"  # 上海市统一自费就诊卡
    HOSPITAL_CARD = "hospital_card"  # 院内就诊卡 (issued by one institution)


# Types whose number alone is not unique: the issuer is part of the identity of the number.
ISSUER_COUNTRY_REQUIRED = frozenset({IdentifierType.PASSPORT})
ISSUER_INSTITUTION_REQUIRED = frozenset({IdentifierType.HOSPITAL_CARD})
# Types that carry a GB 11643 number, from which birth date and sex are derived.
GB11643_TYPES = frozenset({IdentifierType.RESIDENT_ID_CARD, IdentifierType.HMT_RESIDENCE_PERMIT})

# GB/T 2260 province-level codes (first two digits of an address code) of the mainland.
_MAINLAND_PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    }
)
# Residence permits for residents of Hong Kong, Macao and Taiwan use these address codes
# (国务院办公厅《港澳台居民居住证申领发放办法》, 2018).
_HMT_REGIONS = frozenset({"810000", "820000", "830000"})

# GB 11643-1999 §7 / ISO 7064:1983 MOD 11-2: weights 2^(17-i) mod 11 for positions 1..17.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"  # index = weighted sum mod 11

# An ID number printed in a form, a scan or a spreadsheet may carry spaces or dashes.
_SEPARATORS = re.compile(r"[\s\-_/]+")
_EARLIEST_BIRTH_YEAR = 1850  # catches typed years like 0990; the standard's example is 1880


class IdentifierProblem(ValueError):
    """A value does not satisfy its rule; ``code`` is a message code of this slice."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ResidentIdInfo:
    number: str
    region_code: str
    birth_date: date
    sex_code: str  # GB/T 2261.1: "1" male, "2" female


def _compact(value: str) -> str:
    """NFKC (full-width digits and letters → ASCII), upper-case, separators removed."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value)).upper()


def gb11643_check_char(first17: str) -> str:
    """The 18th character of a citizen identity number (GB 11643-1999 §7.2, MOD 11-2)."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_resident_id(value: str, *, today: date, hmt: bool = False) -> ResidentIdInfo:
    """Validate a GB 11643-1999 citizen identity number and read what it encodes.

    Structure (§5): address code (6, GB/T 2260) + birth date code (8, YYYYMMDD) + sequence code
    (3; odd 17th digit = male, even = female) + check character (1, ISO 7064 MOD 11-2, X for 10).
    ``hmt=True`` validates a Hong Kong/Macao/Taiwan residence-permit number, which has the same
    form but the address code 810000/820000/830000.
    """
    number = _compact(value)
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise IdentifierProblem("patients.id_number_format")
    region = number[:6]
    if hmt:
        if region not in _HMT_REGIONS:
            raise IdentifierProblem("patients.hmt_permit_region")
    # The address code names a county-level division (§5.2): a known province and a real
    # prefecture part. County part "00" stays allowed: prefecture cities without counties
    # (东莞 441900, 中山 442000, 嘉峪关 620200, 儋州 460400) issue numbers with it.
    elif region[:2] not in _MAINLAND_PROVINCES or region[2:4] == "00":
        raise IdentifierProblem("patients.id_number_region")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierProblem("patients.id_number_birth_date") from None
    if birth.year < _EARLIEST_BIRTH_YEAR:
        raise IdentifierProblem("patients.id_number_birth_date")
    if birth > today:
        raise IdentifierProblem("patients.id_number_birth_future")
    if gb11643_check_char(number[:17]) != number[17]:
        raise IdentifierProblem("patients.id_number_checksum")
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return ResidentIdInfo(number=number, region_code=region, birth_date=birth, sex_code=sex)


# Formats of the other documents, checked after normalisation (upper-case, no separators).
# Where the issuing authority publishes no fixed form, or the form changed over the years,
# the rule is deliberately loose: refusing a real card at a hospital desk is worse than
# accepting a typo that the blind index then simply fails to match.
_FORMATS: dict[IdentifierType, re.Pattern[str]] = {
    # ICAO 9303 document numbers are up to 9 characters; some states use more in practice.
    IdentifierType.PASSPORT: re.compile(r"[A-Z0-9]{5,17}"),
    # 港澳居民来往内地通行证: H/M + 8 digits (since 2013), formerly H/M + 10 digits.
    IdentifierType.HK_MACAU_PERMIT: re.compile(r"[HM]\d{8}(\d{2})?"),
    # 台湾居民来往大陆通行证: 8 digits (since 2015), formerly 10 digits plus a letter.
    IdentifierType.TAIWAN_PERMIT: re.compile(r"\d{8}(\d{2}[A-Z]?)?"),
    # 外国人永久居留身份证: 2004 form = 3-letter nationality + 12 digits; 2017/2023 forms are
    # 18 characters beginning with 9.
    IdentifierType.FOREIGNER_PERMANENT_RESIDENCE: re.compile(r"[A-Z]{3}\d{12}|9\d{16}[\dX]"),
    # Card serial numbers; their coding rules are set locally (上海市社会保障卡, 医保卡,
    # 《上海市统一自费就诊卡编码规范》, whose text the project does not have yet).
    IdentifierType.SOCIAL_SECURITY_CARD: re.compile(r"[A-Z0-9]{6,32}"),
    IdentifierType.MEDICAL_INSURANCE_CARD: re.compile(r"[A-Z0-9]{6,32}"),
    IdentifierType.SHANGHAI_SELF_PAY_CARD: re.compile(r"[A-Z0-9]{6,32}"),
    IdentifierType.HOSPITAL_CARD: re.compile(r"[A-Z0-9]{1,32}"),
}
_COUNTRY = re.compile(r"[A-Z]{3}")  # ISO 3166-1 alpha-3, as in the passport's MRZ


def normalise_identifier(id_type: IdentifierType, value: str, *, today: date) -> str:
    """The canonical form of ``value`` (what is encrypted and blind-indexed), or a problem."""
    if id_type is IdentifierType.RESIDENT_ID_CARD:
        return parse_resident_id(value, today=today).number
    if id_type is IdentifierType.HMT_RESIDENCE_PERMIT:
        return parse_resident_id(value, today=today, hmt=True).number
    compact = _compact(value)
    if not compact:
        raise IdentifierProblem("patients.identifier_empty")
    if not _FORMATS[id_type].fullmatch(compact):
        raise IdentifierProblem(f"patients.identifier_format.{id_type.value}")
    return compact


def normalise_country(value: str) -> str:
    country = _compact(value)
    if not _COUNTRY.fullmatch(country):
        raise IdentifierProblem("patients.issuer_country_invalid")
    return country


def index_input(id_type: IdentifierType, value: str, issuer: str | None) -> str:
    """What goes into the blind index: the issuer is part of a number's identity where numbers
    are unique only per issuer (passports per country, hospital cards per hospital)."""
    if id_type in ISSUER_COUNTRY_REQUIRED or id_type in ISSUER_INSTITUTION_REQUIRED:
        return f"{issuer or ''}|{value}"
    return value


def mask(value: str) -> str:
    """Show only what a desk clerk needs to tell documents apart: ``310***********1234``."""
    n = len(value)
    if n >= 11:
        return value[:3] + "*" * (n - 7) + value[-4:]
    if n >= 6:
        return value[:1] + "*" * (n - 3) + value[-2:]
    return "*" * n


# ---------------------------------------------------------------- demographics

_MOBILE = re.compile(r"1[3-9]\d{9}")
# Landline with area code: 010, 02x (3 digits) or 0xxx (4 digits), then a 7- or 8-digit
# subscriber number that does not begin with 0 or 1 (YD/T 2.1 numbering plan).
_LANDLINE = re.compile(r"0(10|2\d|[3-9]\d{2})[2-9]\d{6,7}")
_PHONE_SEPARATORS = re.compile(r"[\s\-()（）]+")


def normalise_phone(value: str) -> str:
    """A Chinese mobile (``1[3-9]`` + 9 digits) or a landline with its area code, digits only."""
    phone = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
            if not phone.startswith("1"):  # +86 21 ... → the domestic form 021 ...
                phone = "0" + phone
            break
    if _MOBILE.fullmatch(phone) or _LANDLINE.fullmatch(phone):
        return phone
    raise IdentifierProblem("patients.phone_invalid")


# Separators people type inside transliterated minority and foreign names (阿依古丽·买买提).
_NAME_DOTS = re.compile(r"[·•・．.]+")
_SPACES = re.compile(r"\s+")


def normalise_name(value: str) -> str:
    """Canonical name for the blind index: NFKC, one kind of middle dot, single spaces,
    Latin letters upper-case. The stored (encrypted) name keeps what the user typed."""
    name = unicodedata.normalize("NFKC", value).strip()
    name = _NAME_DOTS.sub("·", name)
    name = _SPACES.sub(" ", name)
    name = re.sub(r"\s*·\s*", "·", name)
    if not name or not any(ch.isalpha() for ch in name):
        raise IdentifierProblem("patients.name_invalid")
    return name.upper()
