"""Master patient index benchmark: registration throughput and lookup-by-ID-number latency.

Run (PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):

    .venv/bin/python bench/mpi_bench.py --residents 1000000

It creates (or reuses) the database ``hn_bench``, migrates it, and then

1. **bulk load** — writes the first N residents of the demo stream (seed 20261125) through the
   bulk path of ``healthnet.demo.residents`` (schema-validated, SM4-GCM encrypted through the
   models' ``EncryptedText`` columns, HMAC-SM3 blind indexes), committing every 2,000; reports
   residents/s. A database that already holds them is reused (``--fresh`` starts over);
2. **registration** — registers ``--register`` new residents one by one through
   ``patients.service.register_person`` (validation, identifier lookups, duplicate matching
   against the whole index, history), one transaction each, as a hospital desk would; reports
   residents/s and latency percentiles;
3. **lookup** — ``--lookups`` random residents looked up by citizen ID number through
   ``patients.service.find_by_identifier`` (normalise → HMAC-SM3 blind index → indexed query →
   decrypt), one session each, after a warm-up; plus lookups of valid numbers nobody holds.
   Reports p50/p95/p99.

Results are printed as a Markdown block for docs/benchmarks.md and written as JSON to
``--json`` (default /tmp/mpi_bench_result.json). No timing is asserted anywhere in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import PG_SERVER, configure, create_database, machine, pct, summary


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--residents", type=int, default=1_000_000)
    p.add_argument("--register", type=int, default=10_000, help="registrations via the service")
    p.add_argument("--lookups", type=int, default=10_000)
    p.add_argument("--misses", type=int, default=1_000, help="lookups of unknown ID numbers")
    p.add_argument("--db", default="hn_bench")
    p.add_argument("--server", default=PG_SERVER, help="SQLAlchemy URL without database")
    p.add_argument("--seed", type=int, default=20261125)
    p.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    p.add_argument(
        "--prewarm",
        action="store_true",
        help="after the first look-ups, pg_prewarm the identifier and person tables and "
        "indexes and measure again",
    )
    p.add_argument("--json", default="/tmp/mpi_bench_result.json")
    return p.parse_args()


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    args = _args()
    url = configure(args)
    create_database(args)

    from alembic import command
    from sqlalchemy import func, select, text

    from healthnet.core.auth.service import Actor
    from healthnet.core.crypto import ensure_active_key
    from healthnet.core.db import get_engine, get_sessionmaker
    from healthnet.core.health import alembic_config
    from healthnet.core.orgs import service as orgs
    from healthnet.core.patients import service as patients
    from healthnet.core.patients.identifiers import IdentifierType
    from healthnet.core.patients.models import Identifier, Person
    from healthnet.demo.generators import iter_residents, make_id_number
    from healthnet.demo.residents import BULK_BATCH, DEMO_ACTOR, BulkWriter, person_create

    started_at = datetime.now(UTC)
    engine = get_engine()
    cfg = alembic_config(url)
    with engine.begin() as conn:  # the way tests/conftest.py migrates
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    ensure_active_key()
    make_session = get_sessionmaker()
    with make_session() as s:
        orgs.load_districts(session=s)
        s.commit()
    result: dict[str, Any] = {
        "command": " ".join(["python", "bench/mpi_bench.py", *sys.argv[1:]]),
        "started_at": started_at.isoformat(timespec="seconds"),
        "machine": machine(),
        "database": url.split("@")[-1],
        "load_average": {"start": _load()},
    }
    with engine.connect() as conn:
        result["postgres"] = conn.execute(text("SELECT version()")).scalar_one().split(",")[0]
        result["shared_buffers"] = conn.execute(text("SHOW shared_buffers")).scalar_one()

    # ------------------------------------------------------------------ 1. bulk load
    with make_session() as s:
        stmt = (
            select(func.count()).select_from(Person).where(Person.created_by == DEMO_ACTOR.user_id)
        )
        already = int(s.scalar(stmt) or 0)
    print(f"[bulk] {already:,} residents present; loading up to {args.residents:,}", flush=True)
    loaded = 0
    if already < args.residents:
        session = make_session()
        writer = BulkWriter(session)
        batch: list[Any] = []
        skipped = 0  # an identifier already in the index (none in a fresh database)
        t0 = time.perf_counter()
        last_report = t0
        for spec in iter_residents(args.residents, args.seed):
            if spec.seq < already:
                continue  # written by an earlier, interrupted run (batches commit whole)
            batch.append(spec)
            if len(batch) >= BULK_BATCH:
                skipped += len(writer.write(batch))
                session.commit()
                batch.clear()
                now = time.perf_counter()
                loaded = writer.written
                if now - last_report > 30:
                    rate = loaded / (now - t0)
                    print(f"[bulk] {already + loaded:,} loaded, {rate:,.0f}/s", flush=True)
                    last_report = now
        if batch:
            skipped += len(writer.write(batch))
            session.commit()
        loaded = writer.written
        bulk_seconds = time.perf_counter() - t0
        session.close()
        result["bulk"] = {
            "residents": loaded,
            "skipped_identifier_known": skipped,
            "seconds": round(bulk_seconds, 1),
            "residents_per_s": round(loaded / bulk_seconds, 1),
        }
        print(f"[bulk] {loaded:,} in {bulk_seconds:,.0f} s", flush=True)
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    else:
        result["bulk"] = {"residents": 0, "note": "reused an already loaded database"}
    result["load_average"]["after_bulk"] = _load()

    # ------------------------------------------------------------------ 2. registration
    bench_actor = Actor("bench-register", "bench-register", None, None, frozenset())
    if args.register:
        with make_session() as s:
            earlier = s.scalar(
                select(func.count())
                .select_from(Person)
                .where(Person.created_by == bench_actor.user_id)
            )
        # A separate stream, continued past what earlier runs registered: always new people.
        offset = int(earlier or 0)
        reg_times: list[float] = []
        created = existing = candidates = 0
        t0 = time.perf_counter()
        for spec in iter_residents(offset + args.register, args.seed + 1):
            if spec.seq < offset:
                continue
            data = person_create(spec)
            t = time.perf_counter()
            with make_session() as s:
                reg = patients.register_person(session=s, actor=bench_actor, data=data)
                s.commit()
            reg_times.append(time.perf_counter() - t)
            created += reg.created
            existing += not reg.created
            candidates += len(reg.candidates)
        reg_seconds = time.perf_counter() - t0
        result["register"] = {
            "residents": args.register,
            "created": created,
            "already_known": existing,
            "review_candidates": candidates,
            "seconds": round(reg_seconds, 1),
            "residents_per_s": round(args.register / reg_seconds, 1),
            **summary(reg_times),
        }
        print(f"[register] {result['register']}", flush=True)
        result["load_average"]["after_register"] = _load()

    # ------------------------------------------------------------------ 3. lookups
    with make_session() as s:
        result["persons_in_index"] = int(s.scalar(select(func.count()).select_from(Person)) or 0)

    def sample(n: int) -> list[str]:
        """ID numbers of residents drawn at random from the whole index (decrypted by the
        model's EncryptedText column)."""
        with make_session() as s:
            return list(
                s.scalars(
                    select(Identifier.value)
                    .where(Identifier.id_type == "resident_id_card", Identifier.active.is_(True))
                    .order_by(func.random())
                    .limit(n)
                )
            )

    def lookup(number: str) -> tuple[float, float, bool]:
        t, c = time.perf_counter(), time.process_time()
        with make_session() as s:
            person = patients.find_by_identifier(
                session=s, id_type=IdentifierType.RESIDENT_ID_CARD, value=number
            )
            found = person is not None and bool(person.master_id)
        return time.perf_counter() - t, time.process_time() - c, found

    def run_lookups(label: str, numbers: list[str]) -> None:
        warm = min(500, len(numbers) // 2)  # a small test database has fewer than 500 + n
        for number in numbers[:warm]:  # warm-up: pool, statement caches, the key ring
            lookup(number)
        walls: list[float] = []
        cpus: list[float] = []
        not_found = 0
        for number in numbers[warm:]:
            wall, cpu, found = lookup(number)
            walls.append(wall)
            cpus.append(cpu)
            not_found += not found
        result[label] = {
            **summary(walls),
            "client_cpu_p50_ms": round(pct(cpus, 50) * 1000, 3),
            "not_found": not_found,
        }
        result["load_average"][f"after_{label}"] = _load()
        print(f"[{label}] {result[label]}", flush=True)

    run_lookups("lookup", sample(args.lookups + 500))
    # Valid numbers nobody holds (born 1900-01-01, a date no generated resident has).
    miss_rng = random.Random(args.seed + 2)
    misses: list[float] = []
    for _ in range(args.misses):
        number = make_id_number("310104", datetime(1900, 1, 1).date(), miss_rng.randrange(1000))
        misses.append(lookup(number)[0])
    result["lookup_miss"] = summary(misses)
    if args.prewarm and engine.dialect.name == "postgresql":
        # Steady state of a production server: the index and rows a look-up touches are in
        # memory. pg_prewarm 'read' mode pulls them into the OS page cache.
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
            for rel in (
                "uq_patients_identifier_active",
                "patients_identifier",
                "pk_patients_person",
                "patients_person",
            ):
                conn.execute(text("SELECT pg_prewarm(:r, 'read')"), {"r": rel})
            conn.commit()
        run_lookups("lookup_prewarmed", sample(args.lookups + 500))
    result["target_p95_ms"] = 20
    best = result.get("lookup_prewarmed", result["lookup"])
    result["target_met"] = best["p95_ms"] < 20
    with engine.connect() as conn:
        result["database_size_mb"] = round(
            conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one() / 2**20
        )
    result["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False, indent=2))
    print(_markdown(result))


def _markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lk, miss, bulk = r["lookup"], r["lookup_miss"], r["bulk"]
    reg = r.get("register", {})
    lines = [
        f"- command: `{r['command']}` (run {r['started_at']})",
        f"- data: {r['persons_in_index']:,} residents in the index; database "
        f"{r['database_size_mb']:,} MB; {r['postgres']}, shared_buffers {r['shared_buffers']}",
        f"- machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB RAM, "
        f"Python {m['python']}, Linux {m['kernel']}",
        "",
        "| measure | n | p50 ms | p95 ms | p99 ms | throughput |",
        "|---|---|---|---|---|---|",
    ]
    if bulk.get("residents"):
        lines.append(
            f"| bulk load (BulkWriter) | {bulk['residents']:,} | | | | "
            f"{bulk['residents_per_s']:,.0f} residents/s ({bulk['seconds']:,.0f} s) |"
        )
    if reg.get("n"):
        lines.append(
            f"| register_person, 1 transaction each | {reg['n']:,} | {reg['p50_ms']} | "
            f"{reg['p95_ms']} | {reg['p99_ms']} | {reg['residents_per_s']:,.0f} residents/s |"
        )
    lines.append(
        f"| find_by_identifier (ID number, hit) | {lk['n']:,} | {lk['p50_ms']} | "
        f"{lk['p95_ms']} | {lk['p99_ms']} | client CPU p50 {lk['client_cpu_p50_ms']} ms |"
    )
    if "lookup_prewarmed" in r:
        pw = r["lookup_prewarmed"]
        lines.append(
            f"| same, after pg_prewarm | {pw['n']:,} | {pw['p50_ms']} | {pw['p95_ms']} | "
            f"{pw['p99_ms']} | client CPU p50 {pw['client_cpu_p50_ms']} ms |"
        )
    lines.append(
        f"| find_by_identifier (unknown number) | {miss['n']:,} | {miss['p50_ms']} | "
        f"{miss['p95_ms']} | {miss['p99_ms']} | |"
    )
    lines.append("")
    lines.append(f"- load average (1/5/15 min) during the run: {r['load_average']}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
