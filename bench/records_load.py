"""Issue #5 load test: 300 clinicians on the timeline and the duplicate check, over HTTP.

    .venv/bin/python bench/records_load.py [--db hn_bench_load] [--users 300] [--spawn-rate 10]
        [--duration 4m] [--think 5,15] [--workers 2] [--csv /tmp/records_load] [--profile 200]

Needs the database of ``bench/records_data.py`` (same ``--db``; same ``HEALTHNET_VAR_DIR``,
default /tmp/hn_bench_var, which holds the master key). Steps:

1. **accounts** — ``--accounts`` (default ``--users``) doctors ``bench_doc_NNNN`` of the bench
   hospitals (``BR000`` … in turn; built-in role ``doctor``, data scope: own institution) created
   through ``core.auth.service`` with an authenticator enrolled, as ``tests/e2e/seed.py`` does;
   their passwords and TOTP secrets go to ``$HEALTHNET_VAR_DIR/records_accounts.json`` and are
   reused by later runs;
2. **profile** (``--profile N``, in process, no HTTP) — N timelines (care-relationship access +
   first page + audit + commit) and N duplicate checks, one transaction each, with the number of
   SQL statements and the time spent in them (SQLAlchemy cursor events);
3. **load** — ``healthnet serve --workers W`` on a free port (background jobs off, the per-IP
   login limit lifted: all users sign in from 127.0.0.1), then ``locust --headless`` with
   ``bench/locustfile_records.py``, ``--users`` users at ``--spawn-rate``, ``--duration``, stats
   reset when spawning is done, CSV to ``--csv``; the accounts are signed in (password + TOTP,
   bearer sessions) before locust starts, so sign-ins are not in the results; the load average
   and the CPU seconds of the server, locust and PostgreSQL are sampled meanwhile.

Prints a Markdown block for docs/benchmarks.md and writes JSON to ``<csv>_result.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import PG_SERVER, ROOT, configure, machine, summary

PASSWORD = "Bench-records-1"


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--db", default="hn_bench_load")
    p.add_argument("--server", default=PG_SERVER, help="SQLAlchemy URL without database")
    p.add_argument("--persons", type=int, default=1_000_000, help="as given to records_data")
    p.add_argument("--rows", type=int, default=20_000_000, help="as given to records_data")
    p.add_argument("--users", type=int, default=300)
    p.add_argument("--accounts", type=int, default=0, help="doctor accounts (default: --users)")
    p.add_argument("--spawn-rate", type=float, default=10)
    p.add_argument("--duration", default="4m")
    p.add_argument("--think", default="5,15", help="think time MIN,MAX seconds")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    p.add_argument("--port", type=int, default=0)
    p.add_argument(
        "--threads",
        type=int,
        default=0,
        help="serve through bench/records_server.py with this many AnyIO thread tokens per "
        "worker (default: `healthnet serve` as shipped, 40)",
    )
    p.add_argument("--csv", default="/tmp/records_load")
    p.add_argument("--profile", type=int, default=0, help="in-process samples per operation")
    p.add_argument("--no-load", action="store_true", help="accounts and profile only")
    return p.parse_args()


def _accounts(n: int, path: Path) -> list[dict[str, Any]]:
    """``n`` doctor accounts with an enrolled authenticator (kept in ``path``)."""
    import pyotp
    from sqlalchemy import select

    from healthnet.core.auth import service as auth
    from healthnet.core.auth import totp
    from healthnet.core.db import transaction, utcnow
    from healthnet.core.orgs.models import Institution
    from healthnet.core.rbac import service as rbac

    known: list[dict[str, Any]] = json.loads(path.read_text()) if path.exists() else []
    if len(known) >= n:
        return known
    earlier = utcnow() - timedelta(minutes=10)  # the enrolment's code step is long past
    with transaction() as s:
        rbac.load_builtin_roles(session=s)
        hospitals = list(
            s.scalars(
                select(Institution.id)
                .where(Institution.code.like("BR%"))
                .order_by(Institution.code)
            )
        )
        for i in range(len(known), n):
            index = i % len(hospitals)
            user = auth.create_user(
                session=s,
                username=f"bench_doc_{i:04d}",
                display_name=f"压测医生{i:04d}",
                password=PASSWORD,
                institution_id=hospitals[index],
                role_codes=["doctor"],
                must_change_password=False,
            )
            enrolment = totp.start_enrolment(session=s, user=user)
            totp.confirm_enrolment(
                session=s, user=user, code=pyotp.TOTP(enrolment.secret).at(earlier), now=earlier
            )
            known.append(
                {
                    "username": user.username,
                    "password": PASSWORD,
                    "totpSecret": enrolment.secret,
                    "institutionIndex": index,
                }
            )
    path.write_text(json.dumps(known, indent=1))
    path.chmod(0o600)
    return known


def _profile(args: argparse.Namespace, accounts: list[dict[str, Any]]) -> dict[str, Any]:
    """In-process latency of the two operations, with their SQL statements and SQL time
    (not the locustfile: importing locust would monkey-patch this process with gevent)."""
    from records_data import encounters_of, patient_with_care
    from sqlalchemy import event, select

    from healthnet.core.auth.models import User
    from healthnet.core.db import get_engine, get_sessionmaker
    from healthnet.core.rbac.service import actor_for
    from healthnet.demo.clinical_data import DRUGS, LABS
    from healthnet.modules.alerts import service as alerts
    from healthnet.modules.alerts.schemas import CheckRequest
    from healthnet.modules.records import access, timeline

    sql = {"n": 0, "s": 0.0}

    def before(conn: Any, *_: Any) -> None:
        conn.info["t0"] = time.perf_counter()

    def after(conn: Any, *_: Any) -> None:
        sql["n"] += 1
        sql["s"] += time.perf_counter() - conn.info.pop("t0", time.perf_counter())

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    make_session = get_sessionmaker()
    rng = random.Random(7)
    out: dict[str, Any] = {}
    try:
        with make_session() as s:
            users = {
                a["username"]: s.scalar(select(User).where(User.username == a["username"]))
                for a in accounts[:50]
            }
            actors = [(actor_for(session=s, user=users[a["username"]]), a) for a in accounts[:50]]

        def patient(acc: dict[str, Any]) -> str:
            return patient_with_care(
                int(acc["institutionIndex"]),
                rng,
                persons=args.persons,
                encounters=encounters_of(args.rows),
            )

        def timeline_once() -> None:
            actor, acc = rng.choice(actors)
            pid = patient(acc)
            with make_session() as s:
                grant = access.open_record(session=s, actor=actor, person_id=pid)
                timeline.timeline(session=s, grant=grant, query=timeline.TimelineQuery())
                s.commit()

        def check_once() -> None:
            actor, acc = rng.choice(actors)
            pid = patient(acc)
            drugs = [
                {"drugCode": d[0], "genericName": d[1], "ingredientCode": d[2], "atcCode": d[4]}
                for d in rng.sample(list(DRUGS.values()), rng.randint(1, 3))
            ]
            code, (name, *_) = rng.choice(list(LABS.items()))
            data = CheckRequest.model_validate(
                {
                    "personId": pid,
                    "drugs": drugs,
                    "items": [{"kind": "lab", "itemCode": code, "itemName": name}],
                }
            )
            with make_session() as s:
                alerts.present_check(alerts.run_check(session=s, actor=actor, data=data))
                s.commit()

        n = args.profile
        for name, fn in (("timeline", timeline_once), ("alerts/check", check_once)):
            for _ in range(min(20, n)):
                fn()  # warm-up
            times, stmts, sql_s = [], [], []
            for _ in range(n):
                sql.update(n=0, s=0.0)
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
                stmts.append(sql["n"])
                sql_s.append(sql["s"])
            out[name] = {
                **summary(times),
                "sql_statements_mean": round(sum(stmts) / len(stmts), 1),
                "sql_ms": summary(sql_s),
            }
            print(f"[profile] {name}: {out[name]}", flush=True)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    return out


def _sign_in(url: str, accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A bearer session for every account (password, then the authenticator code), four at a
    time, before the load starts: the sign-ins are not part of what is measured."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx
    import pyotp

    def one(account: dict[str, Any]) -> dict[str, Any]:
        with httpx.Client(base_url=url, timeout=120) as client:
            body = {"username": account["username"], "password": account["password"]}
            for offset in (0, 1, 2):  # a code is accepted once per account and time step
                step = client.post("/api/v1/auth/login", json=body).json()
                code = pyotp.TOTP(account["totpSecret"]).at(time.time() + 30 * offset)
                r = client.post(
                    "/api/v1/auth/login/totp", json={"ticket": step["ticket"], "code": code}
                )
                if r.status_code == 200 and r.json().get("stage") == "done":
                    return {**account, "token": r.json()["token"]}
        raise SystemExit(f"{account['username']}: sign-in failed: {r.text[:300]}")

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, accounts))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return total


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    kids = [int(x) for x in out.split()]
    return kids + [g for k in kids for g in _children(k)]


def _postgres_pids(db: str) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines() if f"postgres {db} " in line]


def _wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    for _ in range(120):
        if proc.poll() is not None:
            raise SystemExit("the server stopped")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("the server did not start")


def _stats(prefix: str) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv") as fh:
        return list(csv.DictReader(fh))


def _load(args: argparse.Namespace, accounts_path: Path) -> dict[str, Any]:
    port = args.port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        {
            "HEALTHNET_RUN_WORKER_IN_PROCESS": "false",
            "HEALTHNET_LOG_LEVEL": "WARNING",
            "HEALTHNET_LOGIN_IP_LIMIT": "100000000",
            "HN_BENCH_ACCOUNTS": str(accounts_path),
            "HN_BENCH_THINK": args.think,
            "HN_BENCH_COUNTS": f"{args.csv}_counts.json",
        }
    )
    if args.threads:
        env["HN_BENCH_THREADS"] = str(args.threads)
        serve = [
            "-m",
            "uvicorn",
            "records_server:create_app",
            "--factory",
            "--app-dir",
            str(ROOT / "bench"),
            "--no-access-log",
            "--proxy-headers",
        ]
    else:
        serve = ["-m", "healthnet.cli", "serve"]
    server = subprocess.Popen(
        [
            sys.executable,
            *serve,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    result: dict[str, Any] = {"url": url, "server_pid": server.pid}
    try:
        _wait_ready(url, server)
        t0 = time.perf_counter()
        signed = _sign_in(url, json.loads(accounts_path.read_text())[: args.users])
        tokens = accounts_path.with_name(f"{accounts_path.stem}_tokens.json")
        tokens.touch(0o600)
        tokens.write_text(json.dumps(signed))
        env["HN_BENCH_ACCOUNTS"] = str(tokens)
        result["sign_in_s"] = round(time.perf_counter() - t0, 1)
        print(f"[load] {len(signed)} accounts signed in ({result['sign_in_s']} s)", flush=True)
        server_pids = [server.pid, *_children(server.pid)]
        pg_cpu_before = {pid: _cpu_seconds([pid]) for pid in _postgres_pids(args.db)}
        locust_cmd = [
            str(ROOT / ".venv/bin/locust"),
            "-f",
            str(ROOT / "bench/locustfile_records.py"),
            "--headless",
            "-u",
            str(args.users),
            "-r",
            str(args.spawn_rate),
            "-t",
            args.duration,
            "--host",
            url,
            "--csv",
            args.csv,
            "--reset-stats",
            "--only-summary",
            "--stop-timeout",
            "30",
        ]
        result["locust_command"] = " ".join(locust_cmd)
        print(f"[load] {result['locust_command']}", flush=True)
        started = time.time()
        cpu0 = {"server": _cpu_seconds(server_pids)}
        loc = subprocess.Popen(locust_cmd, cwd=ROOT, env=env)
        locust_cpu = 0.0
        loads: list[tuple[float, float]] = []
        pg_cpu_seen: dict[int, float] = {}
        while loc.poll() is None:
            time.sleep(5)
            loads.append((round(time.time() - started), os.getloadavg()[0]))
            for pid in _postgres_pids(args.db):
                pg_cpu_seen[pid] = _cpu_seconds([pid])  # backends come and go: keep the last
            locust_cpu = max(locust_cpu, _cpu_seconds([loc.pid, *_children(loc.pid)]))
        elapsed = time.time() - started
        result["locust_exit"] = loc.returncode
        result["elapsed_s"] = round(elapsed, 1)
        server_cpu = _cpu_seconds(server_pids) - cpu0["server"]
        # Backends that existed before the run count from their CPU time at its start.
        pg_cpu = sum(v - pg_cpu_before.get(pid, 0.0) for pid, v in pg_cpu_seen.items())
        result["cpu_seconds"] = {
            "server": round(server_cpu, 1),
            "postgres_backends": round(pg_cpu, 1),
            "locust": round(locust_cpu, 1),
            "available": round(elapsed * (os.cpu_count() or 1), 1),
        }
        result["load_average_1m"] = {
            "max": max((v for _, v in loads), default=0),
            "mean": round(sum(v for _, v in loads) / max(len(loads), 1), 2),
            "samples": loads,
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    result["stats"] = _stats(args.csv)
    counts = Path(f"{args.csv}_counts.json")
    if counts.exists():
        result["counts"] = json.loads(counts.read_text())
    return result


def table(stats: list[dict[str, str]]) -> str:
    lines = [
        "| endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in stats:
        lines.append(
            f"| {row['Type']} `{row['Name']}` | {row['Request Count']} | {row['Failure Count']} "
            f"| {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} "
            f"| {float(row['Max Response Time']):.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    args = _args()
    configure(args)
    os.environ["HN_BENCH_PERSONS"] = str(args.persons)
    os.environ["HN_BENCH_ENCOUNTERS"] = str(int(args.rows * 0.25))  # records_data.SHARES
    accounts_path = Path(os.environ["HEALTHNET_VAR_DIR"]) / f"records_accounts_{args.db}.json"
    os.environ["HN_BENCH_ACCOUNTS"] = str(accounts_path)
    sys.path.insert(0, str(ROOT / "bench"))
    import healthnet.models  # noqa: F401  (every table known to the session)
    from healthnet.core.crypto import ensure_active_key

    ensure_active_key()
    t0 = time.perf_counter()
    accounts = _accounts(max(args.accounts or args.users, 1), accounts_path)
    print(f"[accounts] {len(accounts)} ready ({time.perf_counter() - t0:.1f} s)", flush=True)
    out: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/records_load.py", *sys.argv[1:]]),
        "machine": machine(),
        "database": args.db,
        "users": args.users,
        "think_s": args.think,
        "workers": args.workers,
    }
    if args.profile:
        out["profile"] = _profile(args, accounts)
    if not args.no_load:
        out["load"] = _load(args, accounts_path)
        print(f"\n{out['command']}  ({out['at']})")
        print(f"machine: {json.dumps(out['machine'], ensure_ascii=False)}")
        load = out["load"]
        print(
            f"cpu seconds: {load['cpu_seconds']}; load average (1 min): "
            f"mean {load['load_average_1m']['mean']}, max {load['load_average_1m']['max']}; "
            f"counts: {load.get('counts')}\n"
        )
        print(table(load["stats"]))
    with open(f"{args.csv}_result.json", "w") as fh:
        json.dump(out, fh, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
