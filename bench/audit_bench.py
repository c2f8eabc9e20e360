"""Audit trail benchmark: write overhead per request and ``verify`` speed on 1,000,000 records.

Run (PostgreSQL at 127.0.0.1:5432, user postgres, trust auth):

    .venv/bin/python bench/audit_bench.py --records 1000000

It creates (or reuses) the database ``hn_audit_bench``, migrates it, and then

1. **bulk load** — N audit records spread over the past year (a mix of patient reads,
   searches, logins, denials), hashed and MACed by the writer's own chain functions
   (``healthnet.core.audit.chain``: SM3 chain, HMAC-SM3), written with PostgreSQL ``COPY``;
   plus one SM2-signed checkpoint per 15 minutes of that year (35,040 for a year), signed with
   the platform key exactly as ``service.checkpoint`` does. A loaded database is reused
   (``--fresh`` starts over);
2. **verify** — ``service.verify()`` over the whole chain (records, links, MACs, every
   checkpoint signature, the head), timed end to end, twice: with the MAC check (the server's
   ``healthnet audit verify``) and without (an auditor's offline check);
3. **write overhead** — a small FastAPI app on the real ``SessionDep`` with two routes doing
   the same indexed read, one of them also calling ``service.record`` in the request's
   transaction; ``--requests`` calls each through the ASGI test client, interleaved, after a
   warm-up; nearest-rank p50/p95/p99. Then the same pair with ``--threads`` concurrent
   transactions, to show what the chain-head lock costs under contention.

Results are printed as a Markdown block for docs/benchmarks.md and written as JSON to ``--json``.
"""

import argparse
import json
import random
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import PG_SERVER, configure, create_database, machine, summary

CHECKPOINT_EVERY = timedelta(minutes=15)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--requests", type=int, default=2_000, help="requests per variant")
    p.add_argument("--threads", type=int, default=8, help="concurrent transactions")
    p.add_argument("--per-thread", type=int, default=300, help="transactions per thread")
    p.add_argument("--db", default="hn_audit_bench")
    p.add_argument("--server", default=PG_SERVER, help="SQLAlchemy URL without database")
    p.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    p.add_argument("--skip-overhead", action="store_true")
    p.add_argument("--json", default="/tmp/audit_bench_result.json")
    return p.parse_args()


# --------------------------------------------------------------------------- bulk load

ACTIONS = [
    # (action, resource type, purpose, outcome, has patient, weight)
    ("patients.person.read", "patient", "TREAT", "success", True, 60),
    ("records.document.read", "document", "TREAT", "success", True, 15),
    ("patients.person.search", "patient", "TREAT", "success", False, 10),
    ("auth.login", "session", "ADMIN", "success", False, 8),
    ("auth.login", "session", "ADMIN", "failure", False, 2),
    ("patients.person.read", "patient", "TREAT", "denied", True, 1),
    ("registries.case.update", "case", "PUBHLTH", "success", True, 3),
    ("orgs.institution.update", "institution", "ADMIN", "success", False, 1),
]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
    "HIS-Client/3.2 (hospital-integration)",
]


def _bulk_load(n: int) -> dict[str, Any]:
    import base64

    from sqlalchemy import func, select, text

    from healthnet.core.audit import chain
    from healthnet.core.audit import checkpoints as audit_keys
    from healthnet.core.audit.models import GENESIS_HASH, HEAD_ID, AuditRecord
    from healthnet.core.crypto import hmac_sm3
    from healthnet.core.db import get_engine, transaction

    engine = get_engine()
    with engine.connect() as conn:
        have = conn.scalar(select(func.count()).select_from(AuditRecord)) or 0
    if have >= n:
        return {"reused": True, "records": have}
    with engine.begin() as conn:
        for table in (
            "audit_record",
            "audit_record_archive",
            "audit_checkpoint",
            "audit_chain_head",
            "audit_verification",
        ):
            conn.execute(text(f"TRUNCATE {table}"))

    rng = random.Random(20261125)
    weights = [a[5] for a in ACTIONS]
    users = [(f"{i:032x}", f"doctor{i:04d}", f"{rng.randrange(600):032x}") for i in range(3000)]
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    start = end - timedelta(days=365)
    step = (end - start) / n
    mac_key = chain.record_mac_key()
    cols = ["seq", *[f for f in chain.FIELDS if f != "seq"], "prev_hash", "hash", "mac"]
    col_sql = ", ".join(cols)

    # Checkpoints: the head every 15 minutes of the simulated year, signed like checkpoint().
    with transaction() as session:
        key, fingerprint = audit_keys._active_signing_key(session)
    checkpoints: list[tuple[int, str, datetime]] = []
    next_cp = start + CHECKPOINT_EVERY

    t0 = time.perf_counter()
    prev = GENESIS_HASH
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        seq = 0
        batch = 50_000
        while seq < n:
            with cur.copy(f"COPY audit_record ({col_sql}) FROM STDIN") as copy:
                for _ in range(min(batch, n - seq)):
                    seq += 1
                    occurred = start + step * seq
                    action, rtype, purpose, outcome, has_patient, _w = rng.choices(
                        ACTIONS, weights
                    )[0]
                    uid, uname, inst = users[rng.randrange(len(users))]
                    patient = f"{rng.getrandbits(128):032x}" if has_patient else None
                    values = [
                        seq,
                        occurred,
                        uid,
                        uname,
                        "doctor",
                        inst,
                        f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}",
                        AGENTS[seq % len(AGENTS)],
                        action,
                        rtype,
                        patient if has_patient else None,
                        patient,
                        purpose,
                        outcome,
                        '{"fields":["name","birthDate","diagnoses"]}' if has_patient else None,
                        f"{rng.getrandbits(64):016x}",
                    ]
                    digest = chain.record_hash(prev, values)
                    mac = hmac_sm3(mac_key, bytes.fromhex(digest)).hex()
                    copy.write_row([*values, prev, digest, mac])
                    prev = digest
                    if occurred >= next_cp:
                        checkpoints.append((seq, digest, next_cp))
                        next_cp += CHECKPOINT_EVERY
            raw.commit()
            print(f"  loaded {seq:,} records ({time.perf_counter() - t0:.0f} s)", flush=True)
        load_s = time.perf_counter() - t0

        t1 = time.perf_counter()
        with cur.copy(
            "COPY audit_checkpoint (id, seq, head_hash, signed_at, signature, "
            "signer_fingerprint, created_at) FROM STDIN"
        ) as copy:
            for cp_seq, head_hash, signed_at in checkpoints:
                sig = key.sign(chain.checkpoint_message(cp_seq, head_hash, signed_at))
                copy.write_row(
                    [
                        f"{cp_seq:032x}",
                        cp_seq,
                        head_hash,
                        signed_at,
                        base64.b64encode(sig).decode(),
                        fingerprint,
                        signed_at,
                    ]
                )
        cur.execute(
            "INSERT INTO audit_chain_head (id, last_seq, last_hash, updated_at) "
            "VALUES (%s, %s, %s, %s)",
            (HEAD_ID, n, prev, end),
        )
        raw.commit()
        sign_s = time.perf_counter() - t1
        cur.execute("ANALYZE audit_record")
        raw.commit()
    finally:
        raw.close()
    return {
        "reused": False,
        "records": n,
        "load_s": round(load_s, 1),
        "records_per_s": round(n / load_s),
        "checkpoints": len(checkpoints),
        "checkpoint_sign_s": round(sign_s, 1),
    }


def _table_size() -> str:
    from sqlalchemy import text

    from healthnet.core.db import get_engine

    with get_engine().connect() as conn:
        return str(
            conn.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('audit_record'))"))
        )


# --------------------------------------------------------------------------- verify


def _verify() -> dict[str, Any]:
    from healthnet.core.audit.verify import verify

    out: dict[str, Any] = {}
    for label, mac in (("with_mac", True), ("offline_no_mac", False)):
        report = verify(check_mac=mac)
        assert report.ok, report.lines()
        out[label] = {
            "seconds": round(report.seconds, 1),
            "records": report.records,
            "checkpoints": report.checkpoints,
            "records_per_s": round(report.records / report.seconds),
        }
        print(
            f"  verify ({label}): {report.records:,} records, {report.checkpoints:,} "
            f"checkpoints in {report.seconds:.1f} s",
            flush=True,
        )
    return out


# --------------------------------------------------------------------------- write overhead


def _overhead(requests: int, threads: int, per_thread: int) -> dict[str, Any]:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from healthnet.core.audit import service as audit
    from healthnet.core.audit.context import AuditContext, AuditContextDep
    from healthnet.core.audit.models import AuditRecord
    from healthnet.core.db import get_engine, transaction
    from healthnet.core.deps import SessionDep
    from healthnet.core.rbac.actor import Actor

    actor = Actor("0" * 32, "bench_doctor", "1" * 32, "310101", frozenset(), role_codes=("doctor",))
    with get_engine().connect() as conn:
        top = int(conn.scalar(select(func.max(AuditRecord.seq))) or 1)
    rng = random.Random(7)

    def business_read(session: Session) -> str:
        # One indexed read standing in for the request's own work.
        seq = rng.randrange(1, top)
        return str(session.scalar(select(AuditRecord.patient_id).where(AuditRecord.seq == seq)))

    app = FastAPI()

    @app.get("/plain")
    def plain(session: SessionDep, ctx: AuditContextDep) -> dict[str, str]:
        return {"patient": business_read(session)}

    @app.get("/audited")
    def audited(session: SessionDep, ctx: AuditContextDep) -> dict[str, str]:
        patient = business_read(session)
        audit.record(
            session=session,
            actor=actor,
            action="patients.person.read",
            resource_type="patient",
            resource_id=patient[:32],
            patient_id=patient[:32],
            detail={"fields": ["name"]},
            request=ctx,
        )
        return {"patient": patient}

    samples: dict[str, list[float]] = {"plain": [], "audited": []}
    with TestClient(app) as client:
        for _ in range(200):  # warm-up
            client.get("/plain")
            client.get("/audited")
        for _ in range(requests):
            for path in ("plain", "audited"):
                t = time.perf_counter()
                r = client.get(f"/{path}")
                samples[path].append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
    sequential = {k: summary(v) for k, v in samples.items()}
    print(f"  sequential: {sequential}", flush=True)

    concurrent: dict[str, Any] = {}
    ctx = AuditContext(client_ip="10.0.0.1", user_agent="bench", request_id="bench")

    def run(with_audit: bool) -> dict[str, Any]:
        lat: list[float] = []
        lock = threading.Lock()
        barrier = threading.Barrier(threads)

        def work() -> None:
            mine: list[float] = []
            barrier.wait()
            for _ in range(per_thread):
                t = time.perf_counter()
                with transaction() as session:
                    patient = business_read(session)
                    if with_audit:
                        audit.record(
                            session=session,
                            actor=actor,
                            action="patients.person.read",
                            resource_type="patient",
                            patient_id=patient[:32],
                            request=ctx,
                        )
                mine.append(time.perf_counter() - t)
            with lock:
                lat.extend(mine)

        pool = [threading.Thread(target=work) for _ in range(threads)]
        t0 = time.perf_counter()
        for th in pool:
            th.start()
        for th in pool:
            th.join()
        wall = time.perf_counter() - t0
        return {**summary(lat), "transactions_per_s": round(len(lat) / wall)}

    concurrent["plain"] = run(False)
    concurrent["audited"] = run(True)
    print(f"  concurrent ({threads} threads): {concurrent}", flush=True)
    return {"sequential": sequential, "concurrent": {"threads": threads, **concurrent}}


def main() -> None:
    args = _args()
    url = configure(args, HEALTHNET_LOG_LEVEL="WARNING")
    create_database(args)

    from alembic import command

    from healthnet.core.db import get_engine
    from healthnet.core.health import alembic_config

    with get_engine().begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")

    result: dict[str, Any] = {
        "command": " ".join([".venv/bin/python", "bench/audit_bench.py", *sys.argv[1:]]),
        "machine": machine(),
        "database": url.rsplit("@", 1)[-1],
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print("bulk load ...", flush=True)
    result["load"] = _bulk_load(args.records)
    result["load"]["table_size"] = _table_size()
    print(f"  {result['load']}", flush=True)
    print("verify ...", flush=True)
    result["verify"] = _verify()
    if not args.skip_overhead:
        print("write overhead ...", flush=True)
        result["overhead"] = _overhead(args.requests, args.threads, args.per_thread)
    Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
