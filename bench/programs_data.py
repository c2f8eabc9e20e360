"""Bench data for issue #6: 1,000,000 registry enrolments and 10,000,000 stage events on PostgreSQL.

Run (PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):

    nohup .venv/bin/python bench/programs_data.py --fresh > /tmp/programs_data.log 2>&1 &

It creates (or reuses) the database ``hn_prog_bench``, migrates it, loads the districts and the
ten shipped program files (``registries.service.load_programs``, as ``healthnet setup`` does) and
writes

1. **community health centres** — ``--institutions`` (250) institutions ``BC000`` … of kind
   ``community_health_centre`` through ``orgs.service``, institution ``j`` in district
   ``DISTRICTS[j % 16]`` (the 16 districts of Shanghai);
2. **residents** — ``--enrolments`` residents as ``bench/records_data.py`` writes them: one
   registered through ``patients.service``, the others SQL copies with id ``md5('p' || k)`` and
   district ``DISTRICTS[k % 16]``;
3. **enrolments** — resident ``n`` enrolled once (``md5('en' || n)``): 60 % hypertension, 37 %
   diabetes, 3 % severe mental disorders (restricted label), managed by a community centre of the
   resident's own district (skewed: the first centres of a district are the big ones) and one of
   its ``--doctors`` family doctors (``assigned_user_id = md5('u<centre>-<doctor>')``, not
   accounts); 92 % managed, 2 % suspended, 4 % closed, 2 % deceased;
4. **events** — per enrolment 2 … 18 stage events (10 on average: ``--events`` ≈ 10 × enrolments),
   the quarterly follow-ups due 90 days apart since enrolment and every 4th an annual check: all
   but the last completed (3 % skipped) with values (diabetes: fasting glucose, blood pressure,
   weight and the control class the program's rules assign; hypertension: blood pressure, heart
   rate, control class), the last one ``scheduled`` (open enrolments; ``skipped`` for closed
   ones). 15 % of the scheduled follow-ups are overdue (1 … 180 days, most by a few weeks), the
   rest due in the next 90 days.

The load drops the two tables' indexes, primary and foreign keys first and rebuilds them
afterwards (the same definitions, read from the catalogue; the approach of
``bench/records_data.py``), then ``ANALYZE``. Skipped when the events are already there
(``--fresh`` starts over). Timings of each step are printed and written as JSON to ``--json``.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from common import PG_SERVER, configure, create_database, machine
from records_data import DISTRICTS, _array

TABLES = ("programs_enrolment", "programs_event")
# program buckets of n % 100: [0, 60) hypertension, [60, 97) diabetes, [97, 100) mental
PROGRAMS = (("hypertension", 60), ("diabetes", 97), ("severe_mental_disorders", 100))


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--enrolments", type=int, default=1_000_000)
    p.add_argument("--institutions", type=int, default=250)
    p.add_argument("--doctors", type=int, default=8, help="family doctors per centre")
    p.add_argument("--db", default="hn_prog_bench")
    p.add_argument("--server", default=PG_SERVER, help="SQLAlchemy URL without database")
    p.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    p.add_argument("--json", default="/tmp/programs_data_result.json")
    return p.parse_args()


def centre_code(j: int) -> str:
    return f"BC{j:03d}"


def doctor_id(centre: int, doctor: int) -> str:
    """The ``assigned_user_id`` of bench family doctor ``doctor`` of centre ``centre``."""
    import hashlib

    return hashlib.md5(f"u{centre}-{doctor}".encode()).hexdigest()


def _setup(session: Any, args: argparse.Namespace) -> None:
    from sqlalchemy import func, select, text

    from healthnet.core.orgs import service as orgs
    from healthnet.core.orgs.schemas import InstitutionCreate
    from healthnet.core.patients import service as patients
    from healthnet.core.patients.models import Person
    from healthnet.core.patients.schemas import PersonCreate
    from healthnet.core.rbac.actor import SYSTEM_ACTOR
    from healthnet.modules.registries.service import load_programs

    orgs.load_districts(session=session)
    load_programs(session=session, loaded_by="bench")
    for j in range(args.institutions):
        if orgs.get_institution_by_code(session=session, code=centre_code(j)) is None:
            orgs.create_institution(
                session=session,
                data=InstitutionCreate.model_validate(
                    {
                        "code": centre_code(j),
                        "name": f"基准社区卫生服务中心{j:03d}",
                        "kind": "community_health_centre",
                        "level": "1",
                        "district_code": DISTRICTS[j % len(DISTRICTS)],
                    }
                ),
            )
    session.commit()
    have = session.scalar(select(func.count()).select_from(Person)) or 0
    if have == 0:
        patients.register_person(
            session=session,
            actor=SYSTEM_ACTOR,
            data=PersonCreate.model_validate(
                {
                    "name": "基准居民",
                    "sexCode": "1",
                    "birthDate": "1950-01-01",
                    "districtCode": "310104",
                }
            ),
        )
        have = 1
    if have <= args.enrolments:
        # Residents aged 35–95 (the registries' population), as records_data.py writes them.
        session.execute(
            text(
                f"""INSERT INTO patients_person (id, master_id, name, name_index, sex_code,
                    birth_date, district_code, status, created_at, updated_at)
                SELECT md5('p' || k), 'B' || lpad(k::text, 12, '0'), t.name, t.name_index,
                    (ARRAY['1','2'])[(k % 2) + 1], DATE '1931-01-01' + (k * 37) % 21900,
                    {_array(list(DISTRICTS))}[(k % {len(DISTRICTS)}) + 1],
                    'active', now(), now()
                FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) k,
                    (SELECT * FROM patients_person LIMIT 1) t"""
            ),
            {"first": have, "last": args.enrolments},
        )
    session.commit()


def _keys(conn: Any) -> list[tuple[str, str, str]]:
    """(table, drop statement, create statement) of the tables' PKs, FKs and indexes; also the
    foreign keys of other tables that point at them (dropped with the primary key)."""
    from sqlalchemy import text

    out: list[tuple[str, str, str]] = []
    for table in TABLES:
        cons = conn.execute(
            text(
                "SELECT conname, contype, pg_get_constraintdef(oid), conrelid::regclass::text "
                "FROM pg_constraint WHERE (conrelid = CAST(:t AS regclass) AND contype IN "
                "('p', 'f')) OR (confrelid = CAST(:t AS regclass) AND contype = 'f' "
                "AND conrelid::regclass::text NOT IN ('programs_enrolment', 'programs_event')) "
                "ORDER BY contype DESC"  # p before f
            ),
            {"t": table},
        ).all()
        con_names = {c[0] for c in cons}
        for name, _, definition, owner in cons:
            out.append(
                (
                    table,
                    f'ALTER TABLE "{owner}" DROP CONSTRAINT "{name}"',
                    f'ALTER TABLE "{owner}" ADD CONSTRAINT "{name}" {definition}',
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
                out.append((table, f'DROP INDEX "{name}"', definition))
    # primary keys before the foreign keys that reference them
    return sorted(out, key=lambda k: (" FOREIGN KEY " in k[2], TABLES.index(k[0])))


# Per enrolment n (1 … N), computed once into an unlogged table:
#   prog   program bucket (n % 100, see PROGRAMS)
#   d      district index (n % 16: the resident's district)
#   inst   centre index (the district's centres are d, d + 16, …; skewed to the first ones)
#   doc    family doctor (0 … doctors-1)
#   cnt    events (2 … 18)
#   dd     due date of the last event relative to today (< 0: overdue)
#   st     status bucket ((n·13) % 100)
_PARAMS = """
CREATE UNLOGGED TABLE bench_enrol AS
SELECT n, prog, d, d + 16 * floor(ncent * power(u, 1.6))::int AS inst,
    (n * 11) % {doctors} AS doc, cnt, dd, st
FROM (
    SELECT n, n % 100 AS prog, n % 16 AS d,
        CASE WHEN n % 16 < {institutions} % 16 THEN {institutions} / 16 + 1
             ELSE {institutions} / 16 END AS ncent,
        ((n::bigint * 7919) % 10007) / 10007.0 AS u,
        2 + (n::bigint * 31) % 17 AS cnt,
        CASE WHEN (n::bigint * 6151) % 1000 < 150
             THEN -(1 + ((n::bigint * 37) % 60) * ((n::bigint * 41) % 3 + 1))
             ELSE (n::bigint * 53) % 90 END AS dd,
        (n::bigint * 13) % 100 AS st
    FROM generate_series(1, {n}) n
) s
"""

_ENROLMENTS = """
INSERT INTO programs_enrolment (id, program_id, version_id, person_id, org_unit_id,
    assigned_user_id, status, is_open, enrolled_on, incident_on, values, duplicate_of_id,
    sensitivity, birth_on, sex_code, created_by, created_at, updated_at)
SELECT md5('en' || b.n), p.id, p.current_version_id, md5('p' || b.n), c.ids[b.inst + 1],
    md5('u' || b.inst || '-' || b.doc),
    CASE WHEN b.st < 92 THEN 'managed' WHEN b.st < 94 THEN 'suspended'
         WHEN b.st < 98 THEN 'closed' ELSE 'deceased' END,
    b.st < 94, DATE '{today}' + b.dd::int - 90 * b.cnt::int, NULL,
    CASE p.code
      WHEN 'diabetes' THEN jsonb_build_object('diagnosis', 'E11.9',
        'diagnosed_on', (DATE '{today}' + b.dd::int - 90 * b.cnt::int - b.n % 400)::text,
        'height_cm', 150 + b.n % 35, 'baseline_fbg', 7.0 + round((b.n % 60) / 10.0, 1),
        'treatment_mode', '2')
      WHEN 'hypertension' THEN jsonb_build_object('diagnosis', 'I10',
        'diagnosed_on', (DATE '{today}' + b.dd::int - 90 * b.cnt::int - b.n % 400)::text,
        'height_cm', 150 + b.n % 35, 'baseline_sbp', 140 + b.n % 40,
        'baseline_dbp', 85 + b.n % 20)
      ELSE jsonb_build_object('diagnosis', 'F20.0', 'risk_grade', (b.n % 4)::text)
    END,
    NULL, CASE WHEN p.code = 'severe_mental_disorders' THEN 'restricted' ELSE 'normal' END,
    DATE '1931-01-01' + (b.n * 37) % 21900, (ARRAY['1','2'])[(b.n % 2) + 1],
    md5('u' || b.inst || '-' || b.doc), now(), now()
FROM bench_enrol b
JOIN bench_prog p ON b.prog >= p.lo AND b.prog < p.hi,
    (SELECT array_agg(id ORDER BY code) AS ids FROM orgs_institution
     WHERE code LIKE 'BC%') c
"""

# Event i (1 … cnt) of enrolment n is due 90·i days after enrolment; the last (i = cnt) is the
# open one. h is a per-event pseudo-random number for the values.
_EVENTS = """
INSERT INTO programs_event (id, enrolment_id, program_id, version_id, stage, status, due_on,
    event_on, org_unit_id, assigned_user_id, values, created_by, scheduled_by_rule, skip_reason,
    created_at, updated_at)
SELECT md5('ev' || b.n || '-' || i), md5('en' || b.n), p.id, p.current_version_id,
    CASE WHEN i % 4 = 0 AND p.code <> 'severe_mental_disorders' THEN 'annual_check'
         ELSE 'followup' END,
    CASE WHEN i = b.cnt THEN (CASE WHEN b.st < 94 THEN 'scheduled' ELSE 'skipped' END)
         WHEN h % 100 < 3 THEN 'skipped' ELSE 'completed' END,
    e.due,
    CASE WHEN i < b.cnt AND h % 100 >= 3
         THEN LEAST(DATE '{today}', e.due + (h % 21)::int - 7) END,
    c.ids[b.inst + 1], md5('u' || b.inst || '-' || b.doc),
    CASE WHEN i = b.cnt OR h % 100 < 3 THEN '{{}}'::jsonb
      WHEN i % 4 = 0 AND p.code <> 'severe_mental_disorders' THEN jsonb_build_object(
        'check_sbp', 115 + h % 50, 'check_dbp', 68 + h % 25,
        'check_weight_kg', 50 + round((h % 400) / 10.0, 1),
        'check_fbg', 4.6 + round((h % 60) / 10.0, 1),
        'total_cholesterol', 3.5 + round((h % 40) / 10.0, 1))
      WHEN p.code = 'diabetes' THEN jsonb_build_object(
        'followup_mode', (ARRAY['1','1','1','2','3'])[(h % 5) + 1],
        'fbg', e.fbg, 'sbp', 112 + h % 45, 'dbp', 66 + h % 28,
        'weight_kg', 50 + round((h % 400) / 10.0, 1),
        'adherence', (ARRAY['1','1','2','3'])[(h % 4) + 1],
        'control', CASE WHEN e.fbg < 7.0 THEN '1' ELSE '2' END)
      WHEN p.code = 'hypertension' THEN jsonb_build_object(
        'followup_mode', (ARRAY['1','1','1','2','3'])[(h % 5) + 1],
        'sbp', e.sbp, 'dbp', e.dbp, 'heart_rate', 60 + h % 35,
        'weight_kg', 50 + round((h % 400) / 10.0, 1),
        'adherence', (ARRAY['1','1','2','3'])[(h % 4) + 1],
        'control', CASE WHEN e.sbp < 140 AND e.dbp < 90 THEN '1' ELSE '2' END)
      ELSE jsonb_build_object('followup_mode', '1', 'risk_grade', (h % 4)::text)
    END,
    md5('u' || b.inst || '-' || b.doc), NULL,
    CASE WHEN i = b.cnt AND b.st >= 94 THEN '登记已结案' WHEN i < b.cnt AND h % 100 < 3
         THEN '失访' END,
    now(), now()
FROM bench_enrol b
JOIN bench_prog p ON b.prog >= p.lo AND b.prog < p.hi
CROSS JOIN LATERAL generate_series(1, b.cnt::int) i
CROSS JOIN LATERAL (SELECT (b.n::bigint * 7919 + i * 104729) % 100003 AS h) hh
CROSS JOIN LATERAL (SELECT
    DATE '{today}' + b.dd::int - 90 * (b.cnt::int - i) AS due,
    round(4.6 + round((h % 41) / 10.0, 1) + CASE WHEN h % 5 = 0 THEN 3.0 ELSE 0 END, 1) AS fbg,
    118 + h % 40 + CASE WHEN h % 4 = 0 THEN 15 ELSE 0 END AS sbp,
    70 + h % 22 AS dbp) e,
    (SELECT array_agg(id ORDER BY code) AS ids FROM orgs_institution
     WHERE code LIKE 'BC%') c
"""


def _load(conn: Any, args: argparse.Namespace, today: date, timings: dict[str, float]) -> None:
    from sqlalchemy import text

    def run(label: str, sql: str) -> None:
        t0 = time.perf_counter()
        conn.execute(text(sql))
        conn.commit()
        timings[label] = round(time.perf_counter() - t0, 1)
        print(f"  {label}: {timings[label]} s", flush=True)

    conn.execute(text("SET maintenance_work_mem = '1GB'"))
    conn.execute(text("SET synchronous_commit = off"))
    conn.execute(text("SET max_parallel_maintenance_workers = 2"))
    keys = _keys(conn)
    Path("/tmp/programs_data_keys.sql").write_text("".join(f"{c};\n" for _, _, c in keys))
    for _, drop, _ in reversed(keys):  # foreign keys and indexes, then primary keys
        conn.execute(text(drop))
    conn.commit()
    print(f"  dropped {len(keys)} keys/indexes (DDL in /tmp/programs_data_keys.sql)", flush=True)
    conn.execute(text("DROP TABLE IF EXISTS bench_enrol, bench_prog"))
    buckets = []
    lo = 0
    for code, hi in PROGRAMS:
        buckets.append(f"('{code}', {lo}, {hi})")
        lo = hi
    run(
        "program buckets",
        "CREATE UNLOGGED TABLE bench_prog AS SELECT p.id, p.code, p.current_version_id, b.lo, "
        f"b.hi FROM programs_program p JOIN (VALUES {', '.join(buckets)}) b(code, lo, hi) "
        "ON b.code = p.code",
    )
    run(
        "enrolment parameters",
        _PARAMS.format(n=args.enrolments, institutions=args.institutions, doctors=args.doctors),
    )
    run(f"enrolments {args.enrolments:,}", _ENROLMENTS.format(today=today.isoformat()))
    run("events", _EVENTS.format(today=today.isoformat()))
    conn.execute(text("DROP TABLE bench_enrol, bench_prog"))
    conn.commit()
    t0 = time.perf_counter()
    for _, _, create in keys:
        t1 = time.perf_counter()
        conn.execute(text(create))
        conn.commit()
        print(f"    {create[:110]}: {time.perf_counter() - t1:.1f} s", flush=True)
    timings["keys and indexes"] = round(time.perf_counter() - t0, 1)
    print(f"  keys and indexes: {timings['keys and indexes']} s", flush=True)
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
    from healthnet.core.localtime import local_today
    from healthnet.core.programs.models import Enrolment, Event

    engine = get_engine()
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    ensure_active_key()
    make_session = get_sessionmaker()
    today = local_today()
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    with make_session() as s:
        t0 = time.perf_counter()
        _setup(s, args)
        timings["setup and residents"] = round(time.perf_counter() - t0, 1)
        print(f"  setup and residents: {timings['setup and residents']} s", flush=True)
        loaded = s.scalar(select(func.count()).select_from(Event)) or 0
    if loaded == 0:
        print("loading ...", flush=True)
        with engine.connect() as conn:
            _load(conn, args, today, timings)
    total_s = round(time.perf_counter() - t_all, 1)
    with make_session() as s:
        enrolments = s.scalar(select(func.count()).select_from(Enrolment)) or 0
        by_status = dict(s.execute(select(Event.status, func.count()).group_by(Event.status)).all())
        overdue = (
            s.scalar(
                select(func.count())
                .select_from(Event)
                .where(Event.status == "scheduled", Event.due_on < today)
            )
            or 0
        )
        size = s.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
    events = sum(by_status.values())
    print(f"enrolments: {enrolments:,}; events: {events:,} {by_status}; overdue {overdue:,}")
    print(f"database {args.db}: {size}; generation: {total_s} s", flush=True)
    out = {
        "command": f"bench/programs_data.py --enrolments={args.enrolments} "
        f"--institutions={args.institutions}",
        "database": args.db,
        "enrolments": enrolments,
        "events": events,
        "events_by_status": by_status,
        "overdue_scheduled": overdue,
        "database_size": size,
        "timings_s": timings,
        "total_s": total_s,
        "machine": machine(),
        "at": datetime.now(UTC).isoformat(),
    }
    with open(args.json, "w") as fh:
        json.dump(out, fh, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
