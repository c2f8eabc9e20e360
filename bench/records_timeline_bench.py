"""Record retrieval benchmark: timeline, next page and lab trend latency at 20,000,000 rows.

Run (PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):

    nohup .venv/bin/python bench/records_timeline_bench.py --rows 20000000 \
        > /tmp/records_bench.log 2>&1 &

It creates (or reuses) the database ``hn_bench_records``, migrates it (the clinical fact tables
are partitioned by year), and then

1. **load** — ``--persons`` residents (one encrypted through the model, the others copies of its
   row with their own ids) and ``--rows`` clinical rows written by ``INSERT ... SELECT
   generate_series`` in the database: 25 % encounters, 10 % diagnoses, 15 % medication orders,
   45 % lab results (items FBG/HBA1C/CBC/LFT/RFT), 5 % exam reports, spread over ten years and
   ``--institutions`` hospitals; every diagnosis, order, lab and exam belongs to an encounter of
   the same resident. Skipped when the rows are already there (``--fresh`` starts over);
2. **timeline** — ``--samples`` random residents: ``access.open_record`` (city-scope reader) +
   ``timeline.timeline`` (first page of 20, all kinds, grouped, with children) + its audit
   record, one transaction each, committed, after a warm-up; then the second page (cursor), a
   lab-only page, a one-year window and ``lab_trend('FBG')``.

Reports p50/p95/p99 per operation as Markdown for docs/benchmarks.md and JSON to ``--json``.
No timing is asserted anywhere in the tests.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, date, datetime
from typing import Any

from common import PG_SERVER, configure, create_database, machine, summary

SHARES = {"encounter": 0.25, "diagnosis": 0.10, "medication": 0.15, "lab": 0.45, "exam": 0.05}


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=20_000_000)
    p.add_argument("--persons", type=int, default=200_000)
    p.add_argument("--institutions", type=int, default=50)
    p.add_argument("--samples", type=int, default=300)
    p.add_argument("--db", default="hn_bench_records")
    p.add_argument("--server", default=PG_SERVER, help="SQLAlchemy URL without database")
    p.add_argument("--seed", type=int, default=20261126)
    p.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    p.add_argument("--json", default="/tmp/records_bench_result.json")
    return p.parse_args()


# Deterministic times: encounter i starts (i * 7919 mod 3650) days and (i mod 86400) s before
# the load; its rows follow an hour later, so every child lies in its encounter's partition year.
_START = (
    "(TIMESTAMPTZ '{now}' - make_interval("
    "days => ((e::bigint * 7919) % 3650)::int, secs => (e % 86400)))"
)


def _load(conn: Any, args: argparse.Namespace, now: datetime) -> None:
    from sqlalchemy import text

    n_enc = int(args.rows * SHARES["encounter"])
    start = _START.format(now=now.isoformat())
    # Persons 1 .. N-1 have the id md5('p' || k) (see _persons): computed, not looked up in an
    # array (a 200,000-element array would be detoasted for every row).
    person = f"md5('p' || ((e % {args.persons - 1}) + 1))"
    inst = f"(i.ids[(e % {args.institutions}) + 1])"
    arrays = (
        "(SELECT array_agg(id ORDER BY code) AS ids FROM orgs_institution WHERE code LIKE 'BR%') i"
    )

    def run(label: str, sql: str) -> None:
        t0 = time.perf_counter()
        conn.execute(text(sql))
        conn.commit()
        print(f"  {label}: {time.perf_counter() - t0:.1f} s", flush=True)

    run(
        f"encounters {n_enc:,}",
        f"""INSERT INTO records_encounter (id, person_id, institution_id, source_id, created_at,
            updated_at, start_at, class_code, status, department_name)
        SELECT md5('e' || e), {person}, {inst}, 'E' || e, now(), now(), {start},
            (ARRAY['outpatient','outpatient','outpatient','emergency','inpatient'])[(e % 5) + 1],
            'finished', (ARRAY['内科','外科','儿科','妇产科','眼科'])[(e % 5) + 1]
        FROM generate_series(1, {n_enc}) e, {arrays}""",
    )

    def child(kind: str, share: float, table: str, columns: str, values: str) -> None:
        n = int(args.rows * share)
        run(
            f"{kind} {n:,}",
            f"""INSERT INTO {table} (id, person_id, institution_id, source_id, created_at,
                updated_at, encounter_id, {columns})
            SELECT md5('{kind}' || j), {person}, {inst}, '{kind}' || j, now(), now(),
                md5('e' || e), {values}
            FROM (SELECT j, (j % {n_enc}) + 1 AS e FROM generate_series(1, {n}) j) s, {arrays}""",
        )

    child(
        "diagnosis",
        SHARES["diagnosis"],
        "records_diagnosis",
        "icd10_code, name, kind, recorded_at",
        f"'I10', '高血压', 'primary', {start}",
    )
    child(
        "medication",
        SHARES["medication"],
        "records_medication_order",
        "ordered_at, drug_code, generic_name, atc_code, days_supply, status",
        f"{start} + interval '1 hour', 'C08CA01', '氨氯地平', 'C08CA01', 30, 'active'",
    )
    child(
        "lab",
        SHARES["lab"],
        "records_lab_result",
        "collected_at, item_code, item_name, value, value_numeric, unit, abnormal_flag, status",
        f"{start} + interval '1 hour', (ARRAY['FBG','HBA1C','CBC','LFT','RFT'])[(j % 5) + 1], "
        "'检验项目', ((j % 50) / 5.0 + 3)::text, (j % 50) / 5.0 + 3, 'mmol/L', "
        "CASE WHEN j % 50 > 15 THEN 'H' ELSE 'N' END, 'final'",
    )
    child(
        "exam",
        SHARES["exam"],
        "records_exam_report",
        "item_code, item_name, modality, conclusion, performed_at, status",
        f"'CT-CHEST', '胸部CT', 'CT', '未见明显异常', {start} + interval '1 hour', 'final'",
    )
    t0 = time.perf_counter()
    conn.execute(text("ANALYZE"))
    conn.commit()
    print(f"  analyze: {time.perf_counter() - t0:.1f} s", flush=True)


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
                        "district_code": "310104",
                    }
                ),
            )
    have = session.scalar(select(func.count()).select_from(Person)) or 0
    if have == 0:
        patients.register_person(
            session=session,
            actor=SYSTEM_ACTOR,
            data=PersonCreate.model_validate(
                {"name": "基准居民", "sexCode": "1", "birthDate": "1970-01-01"}
            ),
        )
        have = 1
    if have < args.persons:
        session.execute(
            text(
                """INSERT INTO patients_person (id, master_id, name, name_index, sex_code,
                    birth_date, district_code, status, created_at, updated_at)
                SELECT md5('p' || k), 'B' || lpad(k::text, 12, '0'), t.name, t.name_index,
                    t.sex_code, t.birth_date, '310104', 'active', now(), now()
                FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) k,
                    (SELECT * FROM patients_person LIMIT 1) t"""
            ),
            {"first": have, "last": args.persons - 1},
        )
    session.commit()


def main() -> None:
    args = _args()
    url = configure(args)
    create_database(args)

    from alembic import command
    from sqlalchemy import func, select

    from healthnet.core.crypto import ensure_active_key
    from healthnet.core.db import get_engine, get_sessionmaker
    from healthnet.core.health import alembic_config
    from healthnet.core.patients.models import Person
    from healthnet.core.rbac.actor import SCOPE_CITY, Actor
    from healthnet.modules.records import access, timeline
    from healthnet.modules.records.models import Encounter

    engine = get_engine()
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    ensure_active_key()
    make_session = get_sessionmaker()
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = time.perf_counter()
    with make_session() as s:
        _persons(s, args)
        loaded = s.scalar(select(func.count()).select_from(Encounter)) or 0
    if loaded == 0:
        print("loading ...", flush=True)
        with engine.connect() as conn:
            _load(conn, args, now)
    load_s = time.perf_counter() - t0
    with make_session() as s:
        ids = list(s.scalars(select(Person.id)))
        total = {
            name: s.scalar(select(func.count()).select_from(k.model)) or 0
            for name, k in timeline.KINDS.items()
        }
    print(f"rows: {total}", flush=True)

    reader = Actor(
        "bench-reader",
        "bench",
        None,
        None,
        frozenset({access.READ_PERMISSION}),
        role_codes=("doctor",),
        scopes=frozenset({SCOPE_CITY}),
    )
    rng = random.Random(args.seed)
    year_ago = date(now.year - 1, now.month, 1)

    def one(person_id: str, op: str) -> float:
        with make_session() as s:
            started = time.perf_counter()
            grant = access.open_record(session=s, actor=reader, person_id=person_id)
            if op == "trend":
                timeline.lab_trend(session=s, grant=grant, item_code="FBG")
            else:
                query = timeline.TimelineQuery()
                if op == "labs":
                    query = timeline.TimelineQuery(kinds=("lab",))
                elif op == "year":
                    query = timeline.TimelineQuery(date_from=year_ago)
                elif op == "next":
                    first = timeline.timeline(session=s, grant=grant, query=query)
                    started = time.perf_counter()
                    query = timeline.TimelineQuery(cursor=first.next_cursor)
                timeline.timeline(session=s, grant=grant, query=query)
            s.commit()
            return time.perf_counter() - started

    for pid in rng.sample(ids, min(50, len(ids))):  # warm-up
        one(pid, "first")
    results: dict[str, Any] = {}
    for op in ("first", "next", "labs", "year", "trend"):
        samples = [one(pid, op) for pid in rng.sample(ids, min(args.samples, len(ids)))]
        results[op] = summary(samples)
        print(op, results[op], flush=True)

    out = {
        "command": f"bench/records_timeline_bench.py --rows {args.rows} --persons {args.persons}",
        "rows": total,
        "persons": len(ids),
        "load_s": round(load_s, 1),
        "machine": machine(),
        "results": results,
        "at": now.isoformat(),
    }
    with open(args.json, "w") as fh:
        json.dump(out, fh, ensure_ascii=False, indent=2)
    print("\n| operation | n | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|")
    for op, r in results.items():
        print(f"| {op} | {r['n']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |")


if __name__ == "__main__":
    main()
