"""Pure, deterministic generators of synthetic Shanghai demo data (no database, no clock).

Everything is drawn from ``random.Random(seed)``: the same seed gives the same institutions,
residents and staff, byte for byte, on every machine. Birth dates are relative to the fixed
:data:`REFERENCE_DATE`, not today, for the same reason. Residents are a stream: the first N
residents of a larger size are the residents of a smaller one.

No generated person exists; any resemblance of a name + ID number to a real person is chance.
The ID numbers are valid GB 11643-1999 numbers (they must pass the same validation as real ones).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from healthnet.core.orgs.enums import InstitutionKind as Kind
from healthnet.core.orgs.enums import InstitutionLevel as Level
from healthnet.core.orgs.rules import CREDIT_CODE_CHARSET, credit_code_check_char
from healthnet.core.patients.identifiers import gb11643_check_char
from healthnet.demo import data
from healthnet.demo.data import DISTRICTS, DistrictInfo

REFERENCE_DATE = date(2025, 7, 1)
DEFAULT_SEED = 20261125

# ----------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Size:
    institutions: int
    residents: int
    staff_per_institution: int


SIZES: dict[str, Size] = {
    # ``tiny`` exists for tests: every district and kind of row, loaded in a second or two.
    "tiny": Size(institutions=26, residents=60, staff_per_institution=1),
    # Staff passwords cost ~0.1 s each (PBKDF2-HMAC-SM3, 120,000 rounds), so small keeps one
    # account per institution to stay well under a minute.
    "small": Size(institutions=60, residents=2_000, staff_per_institution=1),
    "medium": Size(institutions=600, residents=50_000, staff_per_institution=3),
    "large": Size(institutions=600, residents=1_000_000, staff_per_institution=3),
}

# ----------------------------------------------------------------------------- check digits


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """An 18-digit citizen ID number; ``sequence`` 0..999 (odd = male, GB 11643-1999 §5.3)."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + gb11643_check_char(first17)


_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_char_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_code_check_char(first8: str) -> str:
    """GB 11714-1997 organisation code check character: 11 - (Σ Ci×Wi mod 11); 10 → X, 11 → 0."""
    c9 = 11 - sum(_org_char_value(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def make_credit_code(authority_and_type: str, region: str, org_body8: str) -> str:
    """A unified social credit code (GB 32100-2015): 2 + 6 + 9 (organisation code) + check."""
    first17 = f"{authority_and_type}{region}{org_body8}{org_code_check_char(org_body8)}"
    return first17 + credit_code_check_char(first17)


# ----------------------------------------------------------------------------- helpers


def _weighted(rng: random.Random, items: Sequence[str], cum: Sequence[float]) -> str:
    return rng.choices(items, cum_weights=cum, k=1)[0]


def _point(rng: random.Random, d: DistrictInfo) -> tuple[float, float]:
    south, north, west, east = d.box
    return round(rng.uniform(south, north), 6), round(rng.uniform(west, east), 6)


def district_by_code() -> dict[str, DistrictInfo]:
    return {d.code: d for d in DISTRICTS}


# ----------------------------------------------------------------------------- institutions


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    category: str  # top-level 诊疗科目 code


@dataclass(frozen=True)
class InstitutionSpec:
    code: str  # 9-character organisation code (GB 11714), the natural key
    name: str
    short_name: str
    kind: Kind
    level: Level
    district_code: str
    address: str
    latitude: float
    longitude: float
    beds: int | None
    credit_code: str
    phone: str
    departments: tuple[DepartmentSpec, ...] = field(default=())


@dataclass(frozen=True)
class _Draft:
    name: str
    short_name: str
    kind: Kind
    level: Level
    public: bool
    beds: tuple[int, int] | None
    departments: tuple[str, ...]


_PROFILE_DEPTS = {
    "general": data.HOSPITAL_DEPTS_TERTIARY,
    "children": ("07", "09", "20", "30", "32", "28"),
    "chest": ("03", "04", "19", "30", "31", "32"),
    "mental": data.MENTAL_DEPTS,
    "eye": data.EYE_DEPTS,
    "oral": data.ORAL_DEPTS,
    "tcm": ("50", "03", "04", "21", "30", "32"),
    "women": ("05", "06", "07", "30", "32"),
    "rehab": ("21", "03", "30"),
    "ortho": ("04", "21", "32"),
    "nursing": ("03", "21"),
}
_PROFILE_KIND = {
    "general": Kind.TERTIARY_HOSPITAL,
    "chest": Kind.SPECIALIST_HOSPITAL,
    "children": Kind.SPECIALIST_HOSPITAL,
    "mental": Kind.SPECIALIST_HOSPITAL,
    "eye": Kind.EYE_ORAL_PREVENTION,
    "oral": Kind.SPECIALIST_HOSPITAL,
    "tcm": Kind.TERTIARY_HOSPITAL,
    "women": Kind.SPECIALIST_HOSPITAL,
}


def _chc_short(street: str) -> str:
    """枫林路街道 → 枫林路, 七宝镇 → 七宝: the short names people use for a centre."""
    if street.endswith("街道"):
        return street.removesuffix("街道")
    return street[:-1] if street.endswith(("镇", "乡")) and len(street) > 2 else street


def _district_drafts(rng: random.Random, d: DistrictInfo, rotate: int) -> list[_Draft]:
    """Every institution a district could have, most essential first.

    Sizes take the first k of each district's list (round-robin over districts), so even the
    smallest size has a CDC, a hospital and community health centres in all 16 districts.
    """
    city = f"上海市{d.name}"
    chcs = [
        _Draft(
            f"{city}{s}社区卫生服务中心",
            f"{_chc_short(s)}社区",
            Kind.COMMUNITY_HEALTH_CENTRE,
            Level.L1,
            True,
            (0, 60),
            data.CHC_DEPTS,
        )
        for s in d.streets
    ]
    vaccs = [
        _Draft(
            f"{city}{s}社区卫生服务中心预防接种门诊",
            f"{_chc_short(s)}接种门诊",
            Kind.VACCINATION_CLINIC,
            Level.UNGRADED,
            True,
            None,
            ("01",),
        )
        for s in d.streets
    ]
    tertiary = [
        _Draft(
            name,
            name.removeprefix("上海市"),
            _PROFILE_KIND[profile],
            Level.L3A if rng.random() < 0.8 else Level.L3B,
            True,
            (800, 2400) if profile == "general" else (300, 900),
            _PROFILE_DEPTS[profile],
        )
        for code, name, profile in data.CITY_HOSPITALS
        if code == d.code
    ]
    labs = [
        _Draft(
            f"上海{d.short}{brand}医学检验所有限公司",
            f"{brand}检验",
            Kind.LABORATORY,
            Level.UNGRADED,
            False,
            None,
            ("30", "31"),
        )
        for brand in rng.sample(data.LAB_BRANDS, 2)
    ]
    privates = []
    for stem in rng.sample(data.PRIVATE_STEMS, 4):
        suffix, profile = rng.choice(data.PRIVATE_PROFILES)
        level = rng.choice((Level.L2, Level.L1, Level.UNGRADED))
        kind = Kind.SPECIALIST_HOSPITAL
        if profile == "tcm":  # a general TCM hospital is classed by its grade
            kind = Kind.SECONDARY_HOSPITAL if level is Level.L2 else Kind.PRIMARY_HOSPITAL
        # 医疗机构基本标准: a grade-2 hospital has at least 100 beds, grade 1 20-99.
        beds = (100, 300) if level is Level.L2 else (20, 99)
        privates.append(
            _Draft(
                f"上海{d.short}{stem}{suffix}",
                f"{stem}{suffix}",
                kind,
                level,
                False,
                beds,
                _PROFILE_DEPTS[profile],
            )
        )
    core = [
        _Draft(
            f"{city}疾病预防控制中心",
            f"{d.short}区疾控",
            Kind.CDC,
            Level.UNGRADED,
            True,
            None,
            data.CDC_DEPTS,
        ),
        _Draft(
            f"{city}中心医院",
            f"{d.short}区中心医院",
            Kind.SECONDARY_HOSPITAL,
            Level.L2A,
            True,
            (400, 900),
            data.HOSPITAL_DEPTS_SECONDARY,
        ),
    ]
    later = [
        _Draft(
            f"{city}妇幼保健所",
            f"{d.short}区妇幼",
            Kind.MATERNAL_CHILD_HEALTH,
            Level.L2,
            True,
            (0, 120),
            data.MCH_DEPTS,
        ),
        _Draft(
            f"{city}精神卫生中心",
            f"{d.short}区精卫中心",
            Kind.SPECIALIST_HOSPITAL,
            Level.L2A,
            True,
            (200, 600),
            data.MENTAL_DEPTS,
        ),
        _Draft(
            f"{city}牙病防治所",
            f"{d.short}区牙防所",
            Kind.EYE_ORAL_PREVENTION,
            Level.UNGRADED,
            True,
            None,
            data.ORAL_DEPTS,
        ),
        _Draft(
            f"{city}眼病防治所",
            f"{d.short}区眼防所",
            Kind.EYE_ORAL_PREVENTION,
            Level.UNGRADED,
            True,
            None,
            data.EYE_DEPTS,
        ),
        _Draft(
            f"{city}中医医院",
            f"{d.short}区中医医院",
            Kind.SECONDARY_HOSPITAL,
            Level.L2A,
            True,
            (200, 600),
            ("50", "03", "04", "21", "30", "32"),
        ),
        _Draft(
            f"{city}人民医院",
            f"{d.short}区人民医院",
            Kind.SECONDARY_HOSPITAL,
            Level.L2B,
            True,
            (200, 700),
            data.HOSPITAL_DEPTS_SECONDARY,
        ),
    ]
    # Interleave so that a district's first few rows are a useful mix of kinds, and rotate the
    # mix by district so that a small size still holds every kind somewhere in the city.
    ordered: list[_Draft] = [*core, chcs.pop(0)]
    queues: list[deque[_Draft]] = [
        deque(tertiary),
        deque(later),
        deque(vaccs),
        deque(labs),
        deque(privates),
        deque(chcs),
    ]
    queues = queues[rotate % len(queues) :] + queues[: rotate % len(queues)]
    while any(queues):
        for q in queues:
            if q:
                ordered.append(q.popleft())
    return ordered


def _departments(codes: Sequence[str], big: bool) -> tuple[DepartmentSpec, ...]:
    depts: list[DepartmentSpec] = []
    for code in codes:
        subs = data.SUB_DEPTS.get(code) if big else None
        if subs:
            depts.extend(DepartmentSpec(sub_code, name, code) for sub_code, name in subs)
        else:
            depts.append(DepartmentSpec(code, data.DEPT_NAMES[code], code))
    return tuple(depts)


def _org_body(rng: random.Random, public: bool) -> str:
    if public:  # older 事业单位 codes are numeric, e.g. 425xxxxx
        return "42" + "".join(rng.choice("0123456789") for _ in range(6))
    # Codes issued since 2015 start with MA followed by the GB 32100 character set.
    return "MA1" + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(5))


def generate_institutions(count: int, seed: int = DEFAULT_SEED) -> list[InstitutionSpec]:
    """``count`` institutions spread over all 16 districts (round-robin, most essential first)."""
    rng = random.Random(f"institutions:{seed}")
    per_district = [(d, _district_drafts(rng, d, i)) for i, d in enumerate(DISTRICTS)]
    picked: list[tuple[int, int]] = []  # (district index, draft index)
    taken: set[tuple[int, int]] = set()

    def take(di: int, j: int) -> None:
        if len(picked) < count and (di, j) not in taken:
            picked.append((di, j))
            taken.add((di, j))

    # 1. every district's CDC; 2. one institution of every kind somewhere in the city, so even
    # a tiny size has a vaccination clinic, a laboratory, an eye/oral institute ...;
    # 3. round-robin over the districts' lists, most essential first.
    for di, (_, drafts) in enumerate(per_district):
        take(di, next(j for j, x in enumerate(drafts) if x.kind is Kind.CDC))
    for k, kind in enumerate(Kind):
        for step in range(len(per_district)):
            di = (k + step) % len(per_district)
            j = next((j for j, x in enumerate(per_district[di][1]) if x.kind is kind), None)
            if j is not None:
                take(di, j)
                break
    depth = 0
    while len(picked) < count and any(depth < len(lst) for _, lst in per_district):
        for di, (_, drafts) in enumerate(per_district):
            if depth < len(drafts):
                take(di, depth)
        depth += 1
    chosen = [(per_district[di][0], per_district[di][1][j]) for di, j in picked]

    used_codes: set[str] = set()
    result = []
    for d, draft in chosen:
        body = _org_body(rng, draft.public)
        while body in used_codes:
            body = _org_body(rng, draft.public)
        used_codes.add(body)
        org_code = body + org_code_check_char(body)
        # 12 = 机构编制 / 事业单位; 52 = 民政 / 民办非企业单位; 91 = 工商 / 企业 (GB 32100 Table 1).
        authority = "12" if draft.public else "91" if draft.kind is Kind.LABORATORY else "52"
        lat, lon = _point(rng, d)
        beds = rng.randint(*draft.beds) if draft.beds else None
        result.append(
            InstitutionSpec(
                code=org_code,
                name=draft.name,
                short_name=draft.short_name,
                kind=draft.kind,
                level=draft.level,
                district_code=d.code,
                address=f"上海市{d.name}{rng.choice(d.roads)}{rng.randint(1, 2999)}号",
                latitude=lat,
                longitude=lon,
                beds=beds,
                credit_code=make_credit_code(authority, d.code, body),
                phone=f"021-{rng.randint(5000, 6999)}{rng.randint(0, 9999):04d}",
                departments=_departments(draft.departments, big=(beds or 0) >= 400),
            )
        )
    return result


# ----------------------------------------------------------------------------- residents


@dataclass(frozen=True)
class ResidentSpec:
    seq: int  # position in the stream, 0-based
    name: str
    sex: str  # GB/T 2261.1: "1" male, "2" female
    birth_date: date
    id_number: str | None
    district_code: str  # where the resident lives
    address: str
    phone: str | None
    social_security_card: str | None = None
    medical_insurance_card: str | None = None
    self_pay_card: str | None = None
    # Index of the resident this one is a deliberate near-duplicate of (same name and birth date,
    # other phone and identifier), so the patient-index review list has work in it.
    duplicate_of: int | None = None


class _ResidentStream:
    NEAR_DUPLICATE_SHARE = 0.01

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"residents:{seed}")
        self.districts = list(DISTRICTS)
        self.district_cum = list(accumulate(d.population_10k for d in DISTRICTS))
        self.surnames = [s for s, _ in data.SURNAMES]
        self.surname_cum = list(accumulate(w for _, w in data.SURNAMES))
        self.bands = data.AGE_BANDS
        self.band_cum = list(accumulate(w for _, _, w in data.AGE_BANDS))
        self.birthplaces = [c for c, _ in data.OTHER_BIRTHPLACES]
        self.birthplace_cum = list(accumulate(w for _, w in data.OTHER_BIRTHPLACES))
        self.used_ids: set[int] = set()
        self.used_phones: set[int] = set()
        self.used_cards: set[str] = set()
        self.recent: deque[ResidentSpec] = deque(maxlen=500)

    def _phone(self) -> str:
        rng = self.rng
        while True:
            phone = rng.choice(data.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if int(phone) not in self.used_phones:
                self.used_phones.add(int(phone))
                return phone

    def _card(self, make: str) -> str:
        rng = self.rng
        while True:
            if make == "ss":  # 社会保障卡卡号: one letter + 8 digits (人社部 card spec)
                card = rng.choice("ABCDEFGHJKLMNPQRSTUWXY") + f"{rng.randrange(10**8):08d}"
            elif make == "mi":  # 医保卡号 in the city's numbering: 10 digits
                card = f"{rng.randrange(10**9, 10**10)}"
            else:  # 自费医疗卡: "ZF" + district code + 8 digits
                card = f"ZF31{rng.randrange(10**10):010d}"
            if card not in self.used_cards:
                self.used_cards.add(card)
                return card

    def _birth_date(self) -> date:
        rng = self.rng
        lo, hi, _ = rng.choices(self.bands, cum_weights=self.band_cum, k=1)[0]
        age_days = rng.randint(lo * 365 + 1, hi * 365 + 364)
        return REFERENCE_DATE - timedelta(days=age_days)

    def _given(self, sex: str, birth: date) -> str:
        cohort = (
            "old"
            if birth.year < 1960
            else "mid"
            if birth.year < 1985
            else "young"
            if birth.year < 2005
            else "child"
        )
        return self.rng.choice(data.GIVEN_NAMES[cohort][sex])

    def _id_number(self, region: str, birth: date, sex: str) -> str:
        rng = self.rng
        parity = 1 if sex == "1" else 0
        seq = rng.randrange(500) * 2 + parity
        for _ in range(500):
            number = make_id_number(region, birth, seq)
            key = int(number[:17])
            if key not in self.used_ids:
                self.used_ids.add(key)
                return number
            seq = (seq + 2) % 1000
        raise RuntimeError("ID sequence space exhausted")  # 500 people, one place, one day

    def _address(self, d: DistrictInfo) -> str:
        rng = self.rng
        street = rng.choice(d.streets)
        floor, room = rng.randint(1, 18), rng.randint(1, 6)
        if rng.random() < 0.5:
            return (
                f"上海市{d.name}{street}{rng.choice(d.roads)}{rng.randint(1, 1999)}弄"
                f"{rng.randint(1, 60)}号{floor}{room:02d}室"
            )
        compound = rng.choice(data.COMPOUND_STEMS) + rng.choice(data.COMPOUND_WORDS)
        return f"上海市{d.name}{street}{compound}{rng.randint(1, 40)}号{floor}{room:02d}室"

    def resident(self, seq: int) -> ResidentSpec:
        rng = self.rng
        if len(self.recent) > 50 and rng.random() < self.NEAR_DUPLICATE_SHARE:
            return self._near_duplicate(seq)
        d: DistrictInfo = rng.choices(self.districts, cum_weights=self.district_cum, k=1)[0]
        sex = "1" if rng.random() < 0.5 else "2"
        birth = self._birth_date()
        surname = _weighted(rng, self.surnames, self.surname_cum)
        name = surname + self._given(sex, birth)
        # About a third of Shanghai's residents were born elsewhere (2020 census: 42 % migrants).
        region = (
            d.code if rng.random() < 0.7 else _weighted(rng, self.birthplaces, self.birthplace_cum)
        )
        age = (REFERENCE_DATE - birth).days // 365
        spec = ResidentSpec(
            seq=seq,
            name=name,
            sex=sex,
            birth_date=birth,
            id_number=self._id_number(region, birth, sex),
            district_code=d.code,
            address=self._address(d),
            phone=self._phone() if age >= 12 or rng.random() < 0.3 else None,
            social_security_card=self._card("ss") if age >= 16 and rng.random() < 0.6 else None,
            medical_insurance_card=self._card("mi") if rng.random() < 0.5 else None,
            self_pay_card=self._card("zf") if rng.random() < 0.1 else None,
        )
        self.recent.append(spec)
        return spec

    def _near_duplicate(self, seq: int) -> ResidentSpec:
        """The same person registered again elsewhere: same name, sex and birth date, another
        phone, and only a card number (no ID number) — the patient index must flag, not merge."""
        rng = self.rng
        original = rng.choice(list(self.recent))
        d = district_by_code()[original.district_code]
        return ResidentSpec(
            seq=seq,
            name=original.name,
            sex=original.sex,
            birth_date=original.birth_date,
            id_number=None,
            district_code=original.district_code,
            address=self._address(d),
            phone=self._phone(),
            medical_insurance_card=self._card("mi"),
            duplicate_of=original.seq,
        )


def iter_residents(count: int, seed: int = DEFAULT_SEED) -> Iterator[ResidentSpec]:
    """The first ``count`` residents of the stream for ``seed`` (lazy: 1,000,000 is fine)."""
    stream = _ResidentStream(seed)
    for seq in range(count):
        yield stream.resident(seq)


# ----------------------------------------------------------------------------- staff


@dataclass(frozen=True)
class StaffSpec:
    username: str
    display_name: str
    role: str  # doctor | nurse | admin
    institution_code: str


_STAFF_ROLES = ("doctor", "nurse", "admin")


def generate_staff(
    institutions: Sequence[InstitutionSpec], per_institution: int, seed: int = DEFAULT_SEED
) -> list[StaffSpec]:
    """``per_institution`` accounts per institution (doctor, then nurse, then admin).

    User names are ``<role>_<organisation code>``: unique, and they say where the account
    belongs without personal data in them.
    """
    surnames = [s for s, _ in data.SURNAMES]
    surname_cum = list(accumulate(w for _, w in data.SURNAMES))
    staff = []
    for inst in institutions:
        for role in _STAFF_ROLES[:per_institution]:
            # One generator per account: a doctor's name does not change with the staff count.
            rng = random.Random(f"staff:{seed}:{inst.code}:{role}")
            sex = rng.choice("12")
            name = _weighted(rng, surnames, surname_cum) + rng.choice(
                data.GIVEN_NAMES[rng.choice(("mid", "young"))][sex]
            )
            staff.append(StaffSpec(f"{role}_{inst.code.lower()}", name, role, inst.code))
    return staff


@dataclass(frozen=True)
class DistrictAdminSpec:
    username: str
    display_name: str
    district_code: str
    institution_code: str | None  # the district CDC hosts the account, when generated


def district_admins(institutions: Sequence[InstitutionSpec]) -> list[DistrictAdminSpec]:
    """One administrator per district (``admin_xuhui`` …), attached to the district's CDC."""
    cdc = {i.district_code: i.code for i in institutions if i.kind is Kind.CDC}
    return [
        DistrictAdminSpec(f"admin_{d.pinyin}", f"{d.name}管理员", d.code, cdc.get(d.code))
        for d in DISTRICTS
    ]
