"""Registries at 1,000,000 enrolments and 10,000,000 events (issue #6 "Measured").

Needs the data of ``bench/programs_data.py`` (database ``hn_prog_bench``). Run:

    nohup .venv/bin/python bench/programs_bench.py > /tmp/programs_bench.log 2>&1 &

Everything goes through the real application in process (``create_app()`` and an HTTP client
with real bearer sessions): authentication, permission and data-scope dependencies, the service,
the audit record, the JSON response — the path of the web console's requests, without a
network hop.

1. **Work list.** One staff account per community centre (role ``bench_family_doctor``: data
   scope ``institution``, ``programs:enrolment:read`` and ``programs:event:write``).
   ``--samples`` times a random centre's user asks ``GET /api/v1/programs/worklist?due=overdue``
   (the first page of 20, oldest due first, with the total), then the same for ``due=due`` (due
   within 7 days). Nearest-rank p50/p95/p99. The SQL of one call at the largest centre is
   captured and shown with ``EXPLAIN (ANALYZE, BUFFERS)``.
2. **Reminders.** One run of the daily reminder job's work (``send_followup_reminders``) over
   the whole city, timed and rolled back.
3. **Indicator dashboard** (when the indicator routes exist). The refresh job of each measured
   program (``programs.indicators.refresh``, the handler the worker runs) is timed over the 10M
   events; then, ``--dashboards`` times, a random district's user (role
   ``bench_district_officer``: scope ``district``) loads what the console's indicator page
   loads: the indicator list, then the values of the current quarter for the district grouped by
   institution and the 12-month trend of the first indicator (the page sends these two at once;
   the total reported is the sum, sequential). Skip with ``--no-dashboard``; reuse the stored
   aggregates with ``--no-refresh``.

The machine is shared: the load average is recorded before and after each phase.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from datetime import UTC, datetime
from typing import Any

from common import PG_SERVER, configure, machine, summary
from programs_data import DISTRICTS

READ = ("programs:enrolment:read", "programs:indicator:read")


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--samples", type=int, default=300)
    p.add_argument("--dashboards", type=int, default=60)
    p.add_argument("--programs", default="diabetes,hypertension")
    p.add_argument("--no-worklist", action="store_true", help="skip 1 and 2")
    p.add_argument("--no-dashboard", action="store_true")
    p.add_argument("--no-refresh", action="store_true")
    p.add_argument("--seed", type=int, default=20261126)
    p.add_argument("--db", default="hn_prog_bench")
    p.add_argument("--server", default=PG_SERVER, help="SQLAlchemy URL without database")
    p.add_argument("--json", default="/tmp/programs_bench_result.json")
    return p.parse_args()


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _accounts(make_session: Any) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Bearer tokens of one doctor per centre and one district officer per district."""
    from sqlalchemy import select

    from healthnet.core.auth import service as auth
    from healthnet.core.auth.models import User
    from healthnet.core.orgs.models import Institution
    from healthnet.core.rbac import service as rbac
    from healthnet.core.rbac.models import Role

    doctors: list[dict[str, str]] = []
    officers: list[dict[str, str]] = []
    with make_session() as s:
        for code, scope, permissions in (
            ("bench_family_doctor", "institution", (*READ, "programs:event:write")),
            ("bench_district_officer", "district", READ),
        ):
            rbac.define_role(
                session=s,
                code=code,
                name=f"基准{code}",
                permissions=permissions,
                data_scope=scope,
                role=s.scalar(select(Role).where(Role.code == code)),
            )
        s.flush()
        centres = s.execute(
            select(Institution.code, Institution.id, Institution.district_code)
            .where(Institution.code.like("BC%"))
            .order_by(Institution.code)
        ).all()
        for code, inst_id, district in centres:
            wanted = [("bench_family_doctor", f"bdoc_{code.lower()}", doctors)]
            if int(code[2:]) < len(DISTRICTS):  # BC000 … BC015: one per district
                wanted.append(("bench_district_officer", f"bcdc_{code.lower()}", officers))
            for role, username, into in wanted:
                user = s.scalar(select(User).where(User.username == username))
                if user is None:
                    user = auth.create_user(
                        session=s,
                        username=username,
                        display_name=username,
                        password="Bench-pass-2026",
                        institution_id=inst_id,
                        role_codes=[role],
                        must_change_password=False,
                    )
                token, _ = auth.open_session(session=s, user=user, method="bench")
                into.append(
                    {"centre": code, "institution": inst_id, "district": district, "token": token}
                )
        s.commit()
    return doctors, officers


def _worklist(
    client: Any, doctors: list[dict[str, str]], args: argparse.Namespace
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    out: dict[str, Any] = {}
    for due in ("overdue", "due"):
        for d in rng.sample(doctors, 10):  # warm-up
            client.get(
                "/api/v1/programs/worklist",
                params={"due": due},
                headers={"Authorization": f"Bearer {d['token']}"},
            )
        samples: list[float] = []
        totals: list[int] = []
        load_before = _load()
        for _ in range(args.samples):
            d = rng.choice(doctors)
            t0 = time.perf_counter()
            r = client.get(
                "/api/v1/programs/worklist",
                params={"due": due, "page": 1, "pageSize": 20},
                headers={"Authorization": f"Bearer {d['token']}"},
            )
            samples.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text
            totals.append(r.json()["total"])
        out[due] = {
            **summary(samples),
            "rows_total_min": min(totals),
            "rows_total_median": sorted(totals)[len(totals) // 2],
            "rows_total_max": max(totals),
            "load_before": load_before,
            "load_after": _load(),
        }
        print(f"  worklist due={due}: {json.dumps(out[due])}", flush=True)
    return out


def _explain(engine: Any, client: Any, doctor: dict[str, str]) -> list[str]:
    """EXPLAIN ANALYZE of the work-list statements of one call (captured from the engine)."""
    from sqlalchemy import event

    captured: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "programs_event" in statement and statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, params))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        client.get(
            "/api/v1/programs/worklist",
            params={"due": "overdue"},
            headers={"Authorization": f"Bearer {doctor['token']}"},
        )
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    plans: list[str] = []
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, params in captured:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            plans.append("\n".join(r[0] for r in cur.fetchall()))
    finally:
        raw.close()
    return plans


def _reminders(make_session: Any) -> dict[str, Any]:
    """One run of the daily reminder job's work over the whole city, rolled back afterwards
    (so it can be measured again). The bench events are assigned to doctors without accounts,
    so every centre's digest goes to its bench doctor (who may record follow-ups)."""
    from healthnet.core.programs.service.reminders import send_followup_reminders

    load_before = _load()
    t0 = time.perf_counter()
    with make_session() as s:
        run = send_followup_reminders(session=s)
        seconds = round(time.perf_counter() - t0, 2)
        s.rollback()
    out = {
        "seconds": seconds,
        "lead_days": run.lead_days,
        "recipients": run.recipients,
        "sent": run.sent,
        "load_before": load_before,
        "load_after": _load(),
    }
    print(f"  reminders: {out}", flush=True)
    return out


def _dashboard(
    client: Any, make_session: Any, officers: list[dict[str, str]], args: argparse.Namespace
) -> dict[str, Any]:
    from healthnet.core.jobs.registry import get_handler
    from healthnet.core.localtime import local_today

    codes = [c for c in args.programs.split(",") if c]
    out: dict[str, Any] = {"programs": codes, "refresh_s": {}}
    headers = {"Authorization": f"Bearer {officers[0]['token']}"}
    probe = client.get(f"/api/v1/programs/{codes[0]}/indicators", headers=headers)
    if probe.status_code == 404 or probe.status_code == 405:
        out["skipped"] = f"indicator routes not available ({probe.status_code})"
        return out
    if not args.no_refresh:
        import healthnet.core.programs.jobs  # noqa: F401  (registers the handlers)

        handler = get_handler("programs.indicators.refresh")
        assert handler is not None, "no programs.indicators.refresh job handler"
        for code in codes:
            load_before = _load()
            t0 = time.perf_counter()
            with make_session() as s:
                handler.func(s, {"program": code})
                s.commit()
            out["refresh_s"][code] = {
                "seconds": round(time.perf_counter() - t0, 1),
                "load_before": load_before,
                "load_after": _load(),
            }
            print(f"  refresh {code}: {out['refresh_s'][code]}", flush=True)
    if not args.no_refresh:  # a long refresh outlives the sessions' 30-minute idle limit
        officers = _accounts(make_session)[1]
    today = local_today()
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    first = today.replace(day=1)
    start_month = (first.year * 12 + first.month - 1) - 11
    month_from = f"{start_month // 12}-{start_month % 12 + 1:02d}"
    month_to = f"{first.year}-{first.month:02d}"
    rng = random.Random(args.seed + 1)
    parts: dict[str, list[float]] = {
        "list": [],
        "values": [],
        "trend": [],
        "page": [],
        "page_parallel": [],
    }
    rows: list[int] = []
    load_before = _load()
    for i in range(args.dashboards + 5):
        o = rng.choice(officers)
        code = rng.choice(codes)
        h = {"Authorization": f"Bearer {o['token']}"}
        t0 = time.perf_counter()
        r = client.get(f"/api/v1/programs/{code}/indicators", headers=h)
        t1 = time.perf_counter()
        assert r.status_code == 200, r.text
        indicator = r.json()["indicators"][0]["code"]
        r = client.get(
            f"/api/v1/programs/{code}/indicators/values",
            params={
                "periodType": "quarter",
                "period": quarter,
                "groupBy": "institution",
                "district": o["district"],
            },
            headers=h,
        )
        t2 = time.perf_counter()
        assert r.status_code == 200, r.text
        n_rows = len(r.json()["rows"])
        r = client.get(
            f"/api/v1/programs/{code}/indicators/trend",
            params={
                "periodType": "month",
                "from": month_from,
                "to": month_to,
                "indicator": indicator,
                "district": o["district"],
            },
            headers=h,
        )
        t3 = time.perf_counter()
        assert r.status_code == 200, r.text
        if i < 5:
            continue  # warm-up
        rows.append(n_rows)
        parts["list"].append(t1 - t0)
        parts["values"].append(t2 - t1)
        parts["trend"].append(t3 - t2)
        parts["page"].append(t3 - t0)
        parts["page_parallel"].append((t1 - t0) + max(t2 - t1, t3 - t2))
    out["requests"] = {k: summary(v) for k, v in parts.items()}
    out["value_rows"] = {"min": min(rows), "max": max(rows)}
    out["quarter"] = quarter
    out["load_before"] = load_before
    out["load_after"] = _load()
    print(f"  dashboard: {json.dumps(out['requests']['page'])}", flush=True)
    return out


def main() -> None:
    args = _args()
    # The app's in-process job worker stays off: nothing but the measured requests runs.
    configure(args, HEALTHNET_RUN_WORKER_IN_PROCESS="false")
    import logging

    for name in ("httpx", "healthnet.access"):  # one line per request otherwise
        logging.getLogger(name).setLevel(logging.WARNING)
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select, text

    import healthnet.models  # noqa: F401  (every table, for the ORM's foreign keys)
    from healthnet.app import create_app
    from healthnet.core.db import get_engine, get_sessionmaker
    from healthnet.core.programs.models import Enrolment, Event

    engine = get_engine()
    make_session = get_sessionmaker()
    with make_session() as s:
        enrolments = s.scalar(select(func.count()).select_from(Enrolment)) or 0
        events = s.scalar(select(func.count()).select_from(Event)) or 0
        size = s.scalar(text("SELECT pg_size_pretty(pg_database_size(current_database()))"))
        biggest = s.execute(
            text(
                "SELECT i.code FROM programs_event e "
                "JOIN orgs_institution i ON i.id = e.org_unit_id WHERE e.status = 'scheduled' "
                "GROUP BY i.code ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar()
        pg = s.scalar(text("SHOW server_version"))
    print(f"enrolments {enrolments:,}, events {events:,}, database {size}", flush=True)
    doctors, officers = _accounts(make_session)
    result: dict[str, Any] = {
        "command": "bench/programs_bench.py "
        + f"--samples={args.samples} --dashboards={args.dashboards} --programs={args.programs}",
        "database": args.db,
        "database_size": size,
        "enrolments": enrolments,
        "events": events,
        "postgresql": pg,
        "machine": machine(),
        "at": datetime.now(UTC).isoformat(),
    }
    with TestClient(create_app()) as client:
        if not args.no_worklist:
            result["worklist"] = _worklist(client, doctors, args)
            top = next(d for d in doctors if d["centre"] == biggest)
            plans = _explain(engine, client, top)
            result["worklist_explain_centre"] = biggest
            result["worklist_explain"] = plans
            for plan in plans:
                print(plan, flush=True)
            result["reminders"] = _reminders(make_session)
        if not args.no_dashboard:
            result["dashboard"] = _dashboard(client, make_session, officers, args)
    with open(args.json, "w") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=2)
    print(f"results: {args.json}", flush=True)


if __name__ == "__main__":
    main()
