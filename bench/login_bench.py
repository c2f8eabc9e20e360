"""Logins per second with TOTP: password step + TOTP step over HTTP against real uvicorn workers.

    .venv/bin/python bench/login_bench.py [--users 150] [--workers 2] [--concurrency 8]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/hn_bench]

A fresh database (SQLite file in a temp folder unless --database-url is given) gets ``--users``
staff accounts with an enrolled authenticator; then ``--concurrency`` clients log each of them in
once (a TOTP code is accepted once per account and time step, so every login is a different
account, as at the start of a working day). Each login is the full path: rate-limit row, account
lookup, PBKDF2-HMAC-SM3 (120,000 iterations), ticket, TOTP check, session, login log and audit
record. The per-IP login limit is lifted for the run (all clients share 127.0.0.1).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hn-login-bench-"))
    env = dict(os.environ)
    env.update(
        {
            "HEALTHNET_DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.db'}",
            "HEALTHNET_VAR_DIR": str(tmp),
            "HEALTHNET_MASTER_KEY": secrets.token_hex(32),
            "HEALTHNET_ENVIRONMENT": "local",
            "HEALTHNET_RUN_WORKER_IN_PROCESS": "false",
            "HEALTHNET_LOG_LEVEL": "WARNING",
            "HEALTHNET_LOGIN_IP_LIMIT": "100000000",
        }
    )
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    import httpx
    import pyotp
    from alembic import command
    from sqlalchemy import text

    from healthnet.core.auth import service, totp
    from healthnet.core.crypto import ensure_active_key
    from healthnet.core.db import get_engine, transaction, utcnow
    from healthnet.core.health import alembic_config

    engine = get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    cfg = alembic_config(env["HEALTHNET_DATABASE_URL"])
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    ensure_active_key()

    print(f"creating {args.users} staff accounts with TOTP …", flush=True)
    accounts: list[tuple[str, str]] = []
    password = "Bench-pass-1"
    earlier = utcnow() - timedelta(minutes=10)
    with transaction() as s:
        for i in range(args.users):
            user = service.create_user(
                session=s,
                username=f"bench_{i:05d}",
                display_name="压测",
                password=password,
                must_change_password=False,
            )
            enrol = totp.start_enrolment(session=s, user=user)
            totp.confirm_enrolment(
                session=s, user=user, now=earlier, code=pyotp.TOTP(enrol.secret).at(earlier)
            )
            accounts.append((user.username, enrol.secret))

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "healthnet.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("server did not start")

        # One pooled client for all threads: creating a client per login (TLS context set-up)
        # would cost the client more CPU than the server's work.
        limits = httpx.Limits(max_connections=args.concurrency)
        c = httpx.Client(base_url=base, timeout=120, limits=limits)

        def one(account: tuple[str, str]) -> float:
            username, secret = account
            start = time.perf_counter()
            r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
            assert r.status_code == 200 and r.json()["stage"] == "second_factor", r.text
            r = c.post(
                "/api/v1/auth/login/totp",
                json={"ticket": r.json()["ticket"], "code": pyotp.TOTP(secret).now()},
            )
            assert r.status_code == 200 and r.json()["stage"] == "done", r.text
            return time.perf_counter() - start

        one(accounts[0])  # warm-up (imports, connection pools, first key load)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            latencies = list(pool.map(one, accounts[1:]))
        elapsed = time.perf_counter() - started
        c.close()
    finally:
        server.terminate()
        server.wait(timeout=30)

    n = len(latencies)
    latencies.sort()
    p95 = latencies[int(0.95 * (n - 1))]
    dialect = "PostgreSQL" if "postgresql" in env["HEALTHNET_DATABASE_URL"] else "SQLite"
    print(
        f"\n{dialect}, {args.workers} uvicorn worker(s), {args.concurrency} concurrent clients, "
        f"{n} full logins (password + TOTP)"
    )
    print(f"  throughput: {n / elapsed:.1f} logins/s")
    print(
        f"  latency per login: p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
