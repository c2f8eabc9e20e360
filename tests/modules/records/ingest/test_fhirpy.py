"""A real FHIR client library (fhirpy) against our endpoint, served by uvicorn on a real socket.

The server runs the test client's app (same dependency overrides: requests share the test's
transaction, rolled back at the end); fhirpy makes blocking calls, one at a time.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import AuthorizationError, OperationOutcome

from .conftest import bundle, entry, id_card, medication, observation, patient, urn


@pytest.fixture
def live_base(client: TestClient) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(
        client.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}/fhir/R4"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _client(base: str, headers: dict[str, str]) -> SyncFHIRClient:
    return SyncFHIRClient(base, authorization=headers["Authorization"])


def test_fhirpy_posts_a_transaction_and_pages_through_a_search(
    live_base: str, writer: dict[str, str]
) -> None:
    fhir = _client(live_base, writer)
    p = urn()
    entries = [entry(patient(id_card(), name="李四"), p)]
    entries += [
        entry(observation(p, f"FP{n}", when=f"2025-0{n + 1}-15T08:00:00+08:00", value=5 + n / 10))
        for n in range(5)
    ]
    entries += [entry(medication(p, None, "FPRX1", authored="2025-05-20T10:00:00+08:00"))]
    response = fhir.execute("", method="post", data=bundle(*entries))
    assert response["type"] == "transaction-response"
    pid = response["entry"][0]["response"]["location"].split("/")[1]

    search = fhir.resources("Observation").search(patient=pid).sort("date").limit(2)
    assert search.count() == 5
    everything_paged = search.fetch_all()  # follows Bundle.link next to the last page
    assert [o["effectiveDateTime"][:7] for o in everything_paged] == [
        "2025-01",
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-05",
    ]
    newest = fhir.resources("Observation").search(patient=pid, date="ge2025-04-01").fetch()
    assert len(newest) == 2
    assert newest[0]["effectiveDateTime"][:7] == "2025-05"  # -date by default

    rx = fhir.resources("MedicationRequest").search(patient=pid).first()
    assert rx is not None and rx["dispenseRequest"]["expectedSupplyDuration"]["value"] == 30
    same = fhir.reference("MedicationRequest", rx["id"]).to_resource()
    assert same["id"] == rx["id"]

    person = fhir.reference("Patient", pid).to_resource()
    assert person["name"][0]["text"] == "李四"
    bundle_all = fhir.resource("Patient", id=pid).execute("$everything", method="get")
    assert len(bundle_all["entry"]) == 1 + 5 + 1


def test_fhirpy_sees_errors_and_auth(
    live_base: str, writer: dict[str, str], token_for: Callable[..., dict[str, str]], hospital: Any
) -> None:
    anonymous = SyncFHIRClient(live_base)
    with pytest.raises(AuthorizationError):
        anonymous.resources("Observation").search(patient="x").fetch()
    metadata = anonymous.execute("metadata", method="get")
    assert metadata["resourceType"] == "CapabilityStatement"
    fhir = _client(live_base, writer)
    with pytest.raises(OperationOutcome) as err:
        fhir.execute("", method="post", data={"resourceType": "Bundle", "type": "history"})
    assert "Bundle.type" in str(err.value)
