"""Bench data for issue #5: 1,000,000 residents and 20,000,000 clinical rows on PostgreSQL.

Run (PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):

    nohup .venv/bin/python bench/records_data.py --fresh > /tmp/records_data.log 2>&1 &

It creates (or reuses) the database ``hn_bench_load``, migrates it (the clinical fact tables are
partitioned by year), loads the built-in alert rules, and writes

1. **residents** — ``--persons`` residents: one registered through ``patients.service`` (its
   personal fields SM4-encrypted by the model), the others SQL copies of its row with their own
   id ``md5('p' || k)``, master id ``B<k>``, birth date and district (the 16 districts of
   Shanghai, ``DISTRICTS[k % 16]``) — so a load script can name resident ``k`` without asking the
   database; ``--institutions`` hospitals ``BR000`` … spread over the districts;
2. **clinical rows** — ``--rows`` rows by ``INSERT ... SELECT generate_series`` in the database,
   the approach of ``bench/records_timeline_bench.py``: 25 % encounters, 10 % diagnoses, 15 %
   medication orders, 45 % lab results, 5 % exam reports, every child belonging to an encounter of
   the same resident. Drugs, lab and exam items are the shared demo/rule codes
   (``healthnet.demo.clinical_data``: ingredient and ATC codes of the contract), lab results are
   mostly normal (an abnormal result exempts a repeat), days of supply 7–90. ``--recent`` of the
   encounters (default 20 %) lie in the last 120 days, the rest over ten years, so the
   duplicate checks find real overlaps and repeats;
   the load drops the five tables' indexes, primary keys and foreign keys first and rebuilds
   them afterwards (the same definitions, read from the catalogue), then ``ANALYZE``.

Skipped when the rows are already there (``--fresh`` starts over). Timings of each step are
printed and written as JSON to ``--json``. ``records_source_key`` (the ingest's idempotency
keys) is not filled: nothing in retrieval or the checks reads it.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import PG_SERVER, configure, create_database, machine

SHARES = {"encounter": 0.25, "diagnosis": 0.10, "medication": 0.15, "lab": 0.45, "exam": 0.05}
DISTRICTS = (
    "310101",
    "310104",
    "310105",
    "310106",
    "310107",
    "310109",
    "310110",
    "310112",
    "310113",
    "310114",
    "310115",
    "310116",
    "310117",
    "310118",
    "310120",
    "310151",
)
TABLES = (
    "records_encounter",
    "records_diagnosis",
    "records_medication_order",
    "records_lab_result",
    "records_exam_report",
)
DIAGNOSES = (
    ("I10", "高血压"),
    ("E11.9", "2型糖尿病"),
    ("J06.9", "急性上呼吸道感染"),
    ("K29.7", "胃炎"),
    ("E78.5", "高脂血症"),
    ("M54.5", "腰痛"),
    ("J20.9", "急性支气管炎"),
)
DAYS_SUPPLY = (7, 14, 28, 30, 30, 60, 90)
ABNORMAL_EVERY = 8  # one lab result in 8 is abnormal (H)


def person_id(k: int) -> str:
    """The platform id of bench resident ``k`` (1 … persons-1), as the load writes it."""
    import hashlib

    return hashlib.md5(f"p{k}".encode()).hexdigest()


def district_of(k: int) -> str:
    return DISTRICTS[k % len(DISTRICTS)]


def encounters_of(rows: int) -> int:
    return int(rows * SHARES["encounter"])


def patient_with_care(
    institution: int,
    rng: random.Random,
    *,
    persons: int,
    encounters: int,
    institutions: int = 50,
    recent: float = 0.2,
    days: int = 85,
) -> str:
    """A resident with an encounter at bench hospital ``institution`` (``BR<institution>``)
    in the last ``days`` days, from the load's formulas: encounter e belongs to resident
    (e mod (persons-1)) + 1, at hospital e mod institutions, and lies (e·7919 mod 120) days back
    when e mod 1000 < recent·1000. (The care relationship looks back 90 days.)"""
    while True:
        e = rng.randrange(institution or institutions, encounters + 1, institutions)
        if e % 1000 < round(recent * 1000) and (e * 7919) % 120 <= days:
            return person_id((e % (persons - 1)) + 1)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=20_000_000)
    p.add_argument("--persons", type=int, default=1_000_000)
    p.add_argument("--institutions", type=int, default=50)
    p.add_argument("--recent", type=float, default=0.2, help="share of encounters in 120 days")
    p.add_argument("--db", default="hn_bench_load")
    p.add_argument("--server", default=PG_SERVER, help="SQLAlchemy URL without database")
    p.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    p.add_argument("--json", default="/tmp/records_data_result.json")
    return p.parse_args()


def _array(values: list[Any]) -> str:
    """A SQL array literal of text or numbers (values are our own constants)."""
    out = []
    for v in values:
        if v is None:
            out.append("NULL")
        elif isinstance(v, int | float):
            out.append(repr(v))
        else:
            out.append("'" + str(v).replace("'", "''") + "'")
    return f"(ARRAY[{', '.join(out)}])"


def _persons(session: Any, args: argparse.Namespace) -> None:
    from sqlalchemy import func, select, text

    from healthnet.core.orgs import service as orgs
    from healthnet.core.orgs.schemas import InstitutionCreate
    from healthnet.core.patients import service as patients
    from healthnet.core.patients.models import Person
    from healthnet.core.patients.schemas import PersonCreate
    from healthnet.core.rbac.actor import SYSTEM_ACTOR

    orgs.load_districts(session=session)
    for k in range(args.institutions):
        if orgs.get_institution_by_code(session=session, code=f"BR{k:03d}") is None:
            orgs.create_institution(
                session=session,
                data=InstitutionCreate.model_validate(
                    {
                        "code": f"BR{k:03d}",
                        "name": f"基准医院{k:03d}",
                        "kind": "tertiary_hospital",
                        "level": "3A",
                        "district_code": DISTRICTS[k % len(DISTRICTS)],
                    }
                ),
            )
    have = session.scalar(select(func.count()).select_from(Person)) or 0
    if have == 0:
        patients.register_person(
            session=session,
            actor=SYSTEM_ACTOR,
            data=PersonCreate.model_validate(
                {
                    "name": "基准居民",
                    "sexCode": "1",
                    "birthDate": "1970-01-01",
                    "districtCode": "310104",
                }
            ),
        )
        have = 1
    if have < args.persons:
        session.execute(
            text(
                f"""INSERT INTO patients_person (id, master_id, name, name_index, sex_code,
                    birth_date, district_code, status, created_at, updated_at)
                SELECT md5('p' || k), 'B' || lpad(k::text, 12, '0'), t.name, t.name_index,
                    (ARRAY['1','2'])[(k % 2) + 1], DATE '1935-01-01' + (k * 37) % 32000,
                    {_array(list(DISTRICTS))}[(k % {len(DISTRICTS)}) + 1],
                    'active', now(), now()
                FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) k,
                    (SELECT * FROM patients_person LIMIT 1) t"""
            ),
            {"first": have, "last": args.persons - 1},
        )
    session.commit()


# Encounter e starts ``days`` days and (e mod 86400) s before the load: ``--recent`` of them in
# the last 120 days, the others over ten years; its rows follow an hour later.
_START = (
    "(TIMESTAMPTZ '{now}' - make_interval(days => (CASE WHEN e % 1000 < {recent} "
    "THEN (e::bigint * 7919) % 120 ELSE (e::bigint * 7919) % 3650 END)::int, secs => (e % 86400)))"
)


def _keys(conn: Any) -> list[tuple[str, str, str]]:
    """(table, drop statement, create statement) of the five tables' PKs, FKs and indexes."""
    from sqlalchemy import text

    out: list[tuple[str, str, str]] = []
    for table in TABLES:
        cons = conn.execute(
            text(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('p', 'f') "
                "ORDER BY contype DESC"  # p before f
            ),
            {"t": table},
        ).all()
        con_names = {c[0] for c in cons}
        for name, _, definition in cons:
            out.append(
                (
                    table,
                    f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"',
                    f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}',
                )
            )
        for name, definition in conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = 'public' AND tablename = :t"
            ),
            {"t": table},
        ).all():
            if name not in con_names:
                # The catalogue shows a partitioned parent's index as "ON ONLY": rebuilt
                # without ONLY so that every partition gets its index again.
                definition = definition.replace(" ON ONLY ", " ON ", 1)
                out.append((table, f'DROP INDEX "{name}"', definition))
    return out


def _load(conn: Any, args: argparse.Namespace, now: datetime, timings: dict[str, float]) -> None:
    from sqlalchemy import text

    from healthnet.demo.clinical_data import DRUGS, EXAMS, LABS

    n_enc = int(args.rows * SHARES["encounter"])
    start = _START.format(now=now.isoformat(), recent=round(args.recent * 1000))
    person = f"md5('p' || ((e % {args.persons - 1}) + 1))"
    inst = f"(i.ids[(e % {args.institutions}) + 1])"
    arrays = (
        "(SELECT array_agg(id ORDER BY code) AS ids FROM orgs_institution WHERE code LIKE 'BR%') i"
    )

    def run(label: str, sql: str) -> None:
        t0 = time.perf_counter()
        conn.execute(text(sql))
        conn.commit()
        timings[label] = round(time.perf_counter() - t0, 1)
        print(f"  {label}: {timings[label]} s", flush=True)

    conn.execute(text("SET maintenance_work_mem = '1GB'"))
    conn.execute(text("SET synchronous_commit = off"))
    keys = _keys(conn)
    Path("/tmp/records_data_keys.sql").write_text("".join(f"{c};\n" for _, _, c in keys))
    t0 = time.perf_counter()
    for _, drop, _ in reversed(keys):  # foreign keys and indexes, then primary keys
        conn.execute(text(drop))
    conn.commit()
    print(f"  dropped {len(keys)} keys/indexes (DDL in /tmp/records_data_keys.sql)", flush=True)

    run(
        f"encounters {n_enc:,}",
        f"""INSERT INTO records_encounter (id, person_id, institution_id, source_id, created_at,
            updated_at, start_at, end_at, class_code, status, department_name, attending_name)
        SELECT md5('e' || e), {person}, {inst}, 'E' || e, now(), now(), {start},
            {start} + interval '30 minutes',
            (ARRAY['outpatient','outpatient','outpatient','emergency','inpatient'])[(e % 5) + 1],
            'finished',
            (ARRAY['内科','外科','儿科','妇产科','眼科','心内科','内分泌科'])[(e % 7) + 1],
            (ARRAY['王医生','李医生','张医生','刘医生'])[(e % 4) + 1]
        FROM generate_series(1, {n_enc}) e, {arrays}""",
    )

    def child(kind: str, table: str, columns: str, values: str) -> None:
        n = int(args.rows * SHARES[kind])
        run(
            f"{kind} {n:,}",
            f"""INSERT INTO {table} (id, person_id, institution_id, source_id, created_at,
                updated_at, encounter_id, {columns})
            SELECT md5('{kind}' || j), {person}, {inst}, '{kind}' || j, now(), now(),
                md5('e' || e), {values}
            FROM (SELECT j, (j % {n_enc}) + 1 AS e FROM generate_series(1, {n}) j) s, {arrays}""",
        )

    nd = len(DIAGNOSES)
    child(
        "diagnosis",
        "records_diagnosis",
        "icd10_code, name, kind, clinical_status, recorded_at",
        f"{_array([c for c, _ in DIAGNOSES])}[(j % {nd}) + 1], "
        f"{_array([n for _, n in DIAGNOSES])}[(j % {nd}) + 1], "
        f"CASE WHEN j % 3 = 0 THEN 'secondary' ELSE 'primary' END, 'active', {start}",
    )
    drugs = list(DRUGS.values())
    nm = len(drugs)

    def d(col: int) -> str:
        return f"{_array([row[col] for row in drugs])}[(j % {nm}) + 1]"

    per_day = {"qd": 1, "qn": 1, "bid": 2, "tid": 3}
    # Antibacterials (ATC J01) for a week, chronic drugs for 1 to 12 weeks.
    supply = (
        f"(CASE WHEN {d(4)} LIKE 'J01%' THEN 7 "
        f"ELSE {_array(list(DAYS_SUPPLY))}[(j % {len(DAYS_SUPPLY)}) + 1] END)"
    )
    child(
        "medication",
        "records_medication_order",
        "ordered_at, drug_code, generic_name, ingredient_code, ingredient_name, atc_code, dose, "
        "dose_unit, route, frequency, days_supply, quantity, quantity_unit, status",
        f"{start} + interval '1 hour', {d(0)}, {d(1)}, {d(2)}, {d(3)}, {d(4)}, "
        f"CAST({d(5)} AS numeric), {d(6)}, '口服', {d(7)}, {supply}, "
        f"{_array([per_day[row[7]] for row in drugs])}[(j % {nm}) + 1] * {supply}, '片', "
        "'completed'",
    )
    labs = list(LABS.items())
    nl = len(labs)

    def lab(values: list[Any]) -> str:
        return f"{_array(values)}[(j % {nl}) + 1]"

    low = lab([float(v[2]) for _, v in labs])
    high = lab([float(v[3]) for _, v in labs])
    # Normal values inside the range; one in ABNORMAL_EVERY 30 % above the upper limit.
    number = (
        f"round(CAST(CASE WHEN j % {ABNORMAL_EVERY} = 1 THEN {high} * 1.3 "
        f"ELSE {low} + ({high} - {low}) * ((j % 97) / 97.0) END AS numeric), 2)"
    )
    is_ua = f"{lab([k for k, _ in labs])} = 'UA'"
    child(
        "lab",
        "records_lab_result",
        "collected_at, reported_at, item_code, item_name, value, value_numeric, unit, "
        "reference_range, reference_low, reference_high, abnormal_flag, specimen, status",
        f"{start} + interval '1 hour', {start} + interval '3 hours', "
        f"{lab([k for k, _ in labs])}, {lab([v[0] for _, v in labs])}, "
        f"CASE WHEN {is_ua} THEN (CASE WHEN j % {ABNORMAL_EVERY} = 1 THEN '+' ELSE '阴性' END) "
        f"ELSE CAST({number} AS text) END, "
        f"CASE WHEN {is_ua} THEN NULL ELSE {number} END, "
        f"NULLIF({lab([v[1] for _, v in labs])}, ''), "
        f"CASE WHEN {is_ua} THEN '阴性' ELSE {low}::text || '-' || {high}::text END, "
        f"CASE WHEN {is_ua} THEN NULL ELSE CAST({low} AS numeric) END, "
        f"CASE WHEN {is_ua} THEN NULL ELSE CAST({high} AS numeric) END, "
        f"CASE WHEN j % {ABNORMAL_EVERY} = 1 THEN 'H' ELSE 'N' END, "
        f"{lab([v[4] for _, v in labs])}, 'final'",
    )
    exams = list(EXAMS.items())
    nx = len(exams)

    def ex(values: list[Any]) -> str:
        return f"{_array(values)}[(j % {nx}) + 1]"

    child(
        "exam",
        "records_exam_report",
        "item_code, item_name, modality, body_part, findings, conclusion, abnormal, "
        "performed_at, reported_at, status",
        f"{ex([k for k, _ in exams])}, {ex([v[0] for _, v in exams])}, "
        f"{ex([v[1] for _, v in exams])}, {ex([v[2] for _, v in exams])}, "
        f"{ex([v[3] for _, v in exams])}, {ex([v[4] for _, v in exams])}, false, "
        f"{start} + interval '1 hour', {start} + interval '1 day', 'final'",
    )
    for table in TABLES:
        t0 = time.perf_counter()
        for t, _, create in keys:
            if t == table:
                conn.execute(text(create))
        conn.commit()
        timings[f"keys {table}"] = round(time.perf_counter() - t0, 1)
        print(f"  keys and indexes of {table}: {timings[f'keys {table}']} s", flush=True)
    run("analyze", "ANALYZE")


def main() -> None:
    args = _args()
    url = configure(args)
    create_database(args)

    from alembic import command
    from sqlalchemy import func, select, text

    from healthnet.core.crypto import ensure_active_key
    from healthnet.core.db import get_engine, get_sessionmaker
    from healthnet.core.health import alembic_config
    from healthnet.core.patients.models import Person
    from healthnet.modules.alerts import service as alerts
    from healthnet.modules.records import timeline
    from healthnet.modules.records.models import Encounter

    engine = get_engine()
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    ensure_active_key()
    make_session = get_sessionmaker()
    now = datetime.now(UTC).replace(microsecond=0)
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    with make_session() as s:
        alerts.load_rules(session=s)
        s.commit()
        t0 = time.perf_counter()
        _persons(s, args)
        timings["residents"] = round(time.perf_counter() - t0, 1)
        print(f"  residents: {timings['residents']} s", flush=True)
        loaded = s.scalar(select(func.count()).select_from(Encounter)) or 0
    if loaded == 0:
        print("loading ...", flush=True)
        with engine.connect() as conn:
            _load(conn, args, now, timings)
    total_s = round(time.perf_counter() - t_all, 1)
    with make_session() as s:
        persons = s.scalar(select(func.count()).select_from(Person)) or 0
        rows = {
            name: s.scalar(select(func.count()).select_from(k.model)) or 0
            for name, k in timeline.KINDS.items()
        }
        size = s.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    print(f"persons: {persons:,}; rows: {rows}; total {sum(rows.values()):,}; size {size}")
    print(f"generation: {total_s} s", flush=True)
    out = {
        "command": "bench/records_data.py "
        + " ".join(f"--{k}={v}" for k, v in (("rows", args.rows), ("persons", args.persons))),
        "database": args.db,
        "persons": persons,
        "rows": rows,
        "database_size": size,
        "timings_s": timings,
        "total_s": total_s,
        "machine": machine(),
        "at": now.isoformat(),
    }
    with open(args.json, "w") as fh:
        json.dump(out, fh, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
