"""Locust scenario of issue #5: clinicians reading the shared record and checking new orders.

Run through ``bench/records_load.py`` (it creates the accounts, starts the server and passes
the settings below), or by hand against a running server::

    HN_BENCH_ACCOUNTS=/tmp/hn_bench_var/records_accounts.json \\
    .venv/bin/locust -f bench/locustfile_records.py --headless -u 300 -r 10 -t 4m \\
        --host http://127.0.0.1:8300 --csv /tmp/records_load --reset-stats

Each simulated user is a doctor of one of the bench hospitals (``BR000`` …, role ``doctor``,
data scope: own institution) who signs in once (password, then the authenticator code; a
bearer session) and then, with a think time of ``HN_BENCH_THINK`` seconds (``MIN,MAX``,
default ``5,15``), treats patients: each patient is a resident with an encounter at the
doctor's hospital in the last 85 days (a care relationship, purpose "treatment" — the ground
a clinician normally has; no data scope, no break-the-glass). The residents are computed from
the generator's formulas (``bench/records_data.py``), not read from the database. Tasks:

* weight 6 — open the patient's timeline (first page of 20, all kinds); in 30 % of the visits
  also the next page, in 25 % the trend of one lab item;
* weight 4 — ``POST /api/v1/alerts/check`` for the patient with 1–3 drugs and 1–2 lab/exam
  items drawn from the shared codes (so the earlier orders and tests of the generated history
  are found as duplicates).

Settings (environment): ``HN_BENCH_ACCOUNTS`` (JSON list of {username, password, totpSecret,
institutionIndex} and, when the runner signed the accounts in beforehand, a bearer ``token``),
``HN_BENCH_PERSONS`` (1000000), ``HN_BENCH_ENCOUNTERS`` (5000000),
``HN_BENCH_INSTITUTIONS`` (50), ``HN_BENCH_RECENT`` (share of recent encounters, 0.2).
"""

from __future__ import annotations

# Locust first: its gevent monkey-patching must precede anything importing ssl.
import locust  # isort: skip
from locust import FastHttpUser, between, events, task  # isort: skip

import itertools
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import pyotp

ACCOUNTS: list[dict[str, Any]] = json.loads(
    Path(os.environ.get("HN_BENCH_ACCOUNTS", "/tmp/hn_bench_var/records_accounts.json")).read_text()
)
PERSONS = int(os.environ.get("HN_BENCH_PERSONS", "1000000"))
ENCOUNTERS = int(os.environ.get("HN_BENCH_ENCOUNTERS", "5000000"))
INSTITUTIONS = int(os.environ.get("HN_BENCH_INSTITUTIONS", "50"))
RECENT = round(float(os.environ.get("HN_BENCH_RECENT", "0.2")) * 1000)
THINK = tuple(float(x) for x in os.environ.get("HN_BENCH_THINK", "5,15").split(","))
CARE_DAYS = 85  # the care relationship looks back 90 days; a margin for the load's date

# The shared demo codes (healthnet.demo.clinical_data, /work/records-contract.md).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from records_data import patient_with_care  # noqa: E402

from healthnet.demo.clinical_data import DRUGS as _DRUGS  # noqa: E402
from healthnet.demo.clinical_data import EXAMS as _EXAMS  # noqa: E402
from healthnet.demo.clinical_data import LABS as _LABS  # noqa: E402

DRUGS = [(v[0], v[1], v[2], v[4]) for v in _DRUGS.values()]  # code, name, ingredient, ATC
LABS = [(code, v[0]) for code, v in _LABS.items()]
EXAMS = [(code, v[0]) for code, v in _EXAMS.items()]

_next_account = itertools.count()
CHECKS = {"checks": 0, "with_prompts": 0, "prompts": 0}
TIMELINES = {"pages": 0, "entries": 0}


def patient_of(institution: int, rng: random.Random) -> str:
    """A resident with a recent encounter at bench hospital ``institution`` (care relationship)."""
    return patient_with_care(
        institution,
        rng,
        persons=PERSONS,
        encounters=ENCOUNTERS,
        institutions=INSTITUTIONS,
        recent=RECENT / 1000,
        days=CARE_DAYS,
    )


class Clinician(FastHttpUser):
    wait_time = between(*THINK)

    def on_start(self) -> None:
        n = next(_next_account)
        self.account = ACCOUNTS[n % len(ACCOUNTS)]
        self.institution = int(self.account["institutionIndex"])
        self.rng = random.Random(n)
        self.headers: dict[str, str] = {}
        self.patient = patient_of(self.institution, self.rng)
        if self.account.get("token"):  # signed in beforehand by bench/records_load.py
            self.headers = {"Authorization": f"Bearer {self.account['token']}"}
        else:
            self._sign_in()

    def _sign_in(self) -> None:
        body = {"username": self.account["username"], "password": self.account["password"]}
        with self.client.post(
            "/api/v1/auth/login", json=body, name="login (password)", catch_response=True
        ) as r:
            step = r.json() if r.status_code == 200 else {}
            if step.get("stage") != "second_factor":
                r.failure(f"login answered {r.status_code} {r.text[:200]}")
                raise locust.exception.StopUser()
        secret = self.account["totpSecret"]
        for offset in (0, 1):  # a code is accepted once per account and time step
            code = pyotp.TOTP(secret).at(time.time() + 30 * offset)
            with self.client.post(
                "/api/v1/auth/login/totp",
                json={"ticket": step["ticket"], "code": code},
                name="login (totp)",
                catch_response=True,
            ) as r:
                done = r.json() if r.status_code == 200 else {}
                if done.get("stage") == "done":
                    self.headers = {"Authorization": f"Bearer {done['token']}"}
                    return
                r.success()  # retried with the next step's code
        raise locust.exception.StopUser()

    def _next_patient(self) -> str:
        if self.rng.random() < 0.5:  # half of the actions concern a new patient
            self.patient = patient_of(self.institution, self.rng)
        return self.patient

    @task(6)
    def timeline(self) -> None:
        pid = self._next_patient()
        base = f"/api/v1/records/persons/{pid}"
        with self.client.get(
            f"{base}/timeline",
            headers=self.headers,
            name="/records/persons/[id]/timeline",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} {(r.text or str(r.error))[:200]}")
                return
            page = r.json()
            TIMELINES["pages"] += 1
            TIMELINES["entries"] += len(page["items"])
        if page.get("nextCursor") and self.rng.random() < 0.3:
            self.client.get(
                f"{base}/timeline",
                params={"cursor": page["nextCursor"]},
                headers=self.headers,
                name="/records/persons/[id]/timeline?cursor (next page)",
            )
        if self.rng.random() < 0.25:
            item = self.rng.choice(LABS)[0]
            self.client.get(
                f"{base}/labs/{item}/trend",
                headers=self.headers,
                name="/records/persons/[id]/labs/[item]/trend",
            )

    @task(4)
    def check(self) -> None:
        pid = self._next_patient()
        drugs = [
            {
                "drugCode": code,
                "genericName": name,
                "ingredientCode": ingredient,
                "atcCode": atc,
                "daysSupply": self.rng.choice((7, 14, 30)),
            }
            for code, name, ingredient, atc in self.rng.sample(DRUGS, self.rng.randint(1, 3))
        ]
        items = []
        for _ in range(self.rng.randint(1, 2)):
            kind, (code, name) = (
                ("lab", self.rng.choice(LABS))
                if self.rng.random() < 0.7
                else ("exam", self.rng.choice(EXAMS))
            )
            if all(i["itemCode"] != code for i in items):
                items.append({"kind": kind, "itemCode": code, "itemName": name})
        body = {"personId": pid, "encounterClass": "outpatient", "drugs": drugs, "items": items}
        with self.client.post(
            "/api/v1/alerts/check",
            json=body,
            headers=self.headers,
            name="/alerts/check",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code} {(r.text or str(r.error))[:200]}")
                return
            prompts = len(r.json()["prompts"])
            CHECKS["checks"] += 1
            CHECKS["with_prompts"] += prompts > 0
            CHECKS["prompts"] += prompts


@events.quitting.add_listener
def _report(environment: Any, **_: Any) -> None:
    out = {"checks": CHECKS, "timelines": TIMELINES}
    print("records-bench:", json.dumps(out), flush=True)
    path = os.environ.get("HN_BENCH_COUNTS")
    if path:
        with open(path, "w") as fh:
            json.dump(out, fh)
