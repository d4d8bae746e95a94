"""Job payment_requests.bulk: rows created; progress visible through GET /v1/jobs/{id} while and after."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.job import NewJob
from betal.domain.tenancy import Principal, Role
from betal.jobs.handlers.bulk import create_payment_requests
from betal.jobs.registry import JobContext
from betal.jobs.worker import Worker
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import list_payment_requests

DATA = Path(__file__).parents[2] / "services" / "data" / "bulk"
CSV = {"Content-Type": "text/csv"}


def _owner(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")


def _customers(container: Container, org: CreatedOrganisation) -> dict[str, str]:
    ids = {}
    for external_id in ("C-1001", "C-1002"):
        with container.uow() as uow:
            data = NewCustomer(
                f"Kunde {external_id}", email=f"{external_id.lower()}@example.dk", external_id=external_id
            )
            ids[external_id] = create_customer(uow, container.cipher, _owner(org), data).id
    return ids


def _count(container: Container, org: CreatedOrganisation) -> int:
    with container.uow() as uow:
        return len(
            list_payment_requests(uow, _owner(org), status=None, customer_id=None, after_id=None, limit=500)
        )


def _large_csv(customer_id: str, due: str, rows: int) -> bytes:
    lines = ["customer_id,amount,currency,due_date,description,allowed_methods"]
    lines += [f"{customer_id},{100 + n},DKK,{due},Faktura {n},card" for n in range(rows)]
    return "\n".join(lines).encode()


ROWS = 400  # four transactions of bulk.BATCH rows: progress is seen between them


class TestBulkJob:
    def test_result_and_progress_after_the_run(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        _customers(container, org)
        job = client.post(
            "/v1/payment-requests/bulk", headers=auth | CSV, content=(DATA / "mixed.csv").read_bytes()
        )
        assert job.status_code == 202
        assert Worker(container, name="test").run_once() >= 1  # the bulk job, then each request's notice
        done = client.get(f"/v1/jobs/{job.json()['id']}", headers=auth).json()
        assert (done["status"], done["progress_done"], done["progress_total"]) == ("succeeded", 8, 8)
        result = done["result"]
        assert (result["total"], result["created"], result["failed"]) == (8, 2, 6)
        assert result["errors"][0] == {
            "line": 3,
            "field": "amount",
            "message": "must be a whole number of øre (minor units), e.g. 123450 for 1.234,50",
        }
        assert [e["line"] for e in result["errors"]] == [3, 4, 5, 6, 6, 10, 10, 10, 11]
        assert _count(container, org) == 2
        with container.uow() as uow:
            created = [
                e
                for e in uow.audit_log.latest(org.organisation.id, 50)
                if e.action == "payment_request.created"
            ]
        assert {(e.actor_type, e.actor_id) for e in created} == {("api_key", org_key_id(container, org))}

    def test_progress_is_visible_while_the_job_runs(
        self, client: TestClient, auth: dict[str, str], container: Container, org: CreatedOrganisation
    ) -> None:
        customers = _customers(container, org)
        due = (business_date(container.clock.now()) + timedelta(days=20)).isoformat()
        body = _large_csv(customers["C-1001"], due, ROWS)
        job_id = client.post("/v1/payment-requests/bulk", headers=auth | CSV, content=body).json()["id"]
        runner = Worker(container, name="test")
        [job] = runner.queue.claim(runner.id, 1, runner.lease)
        assert job.id == job_id  # only the import; the notices of its requests are left queued
        worker = threading.Thread(target=runner.process, args=(job,))
        seen: list[tuple[str, int, Any]] = []
        worker.start()
        while worker.is_alive():
            state = client.get(f"/v1/jobs/{job_id}", headers=auth).json()
            seen.append((state["status"], state["progress_done"], state["progress_total"]))
            time.sleep(0.01)
        worker.join()
        running = [(done, total) for status, done, total in seen if status == "running" and total is not None]
        assert any(0 < done < ROWS for done, _ in running), seen
        assert all(total == ROWS for _, total in running)
        assert [done for done, _ in running] == sorted(done for done, _ in running)  # only ever forward
        final = client.get(f"/v1/jobs/{job_id}", headers=auth).json()
        assert (final["status"], final["progress_done"], final["result"]["created"]) == (
            "succeeded",
            ROWS,
            ROWS,
        )

    def test_a_second_attempt_does_not_create_rows_twice(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        _customers(container, org)
        with container.uow() as uow:
            from betal.services.bulk import FileFormat, enqueue_bulk

            enqueue_bulk(uow, _owner(org), FileFormat.JSON, (DATA / "mixed.json").read_bytes())
        queue = container.job_queue()
        [job] = queue.claim("w1", 1, timedelta(minutes=1))
        results = []
        for _attempt in range(2):  # e.g. the worker died after the rows committed, before the job did
            with container.uow() as uow:
                context = JobContext(job, uow, container, lambda _done, _total: None)
                results.append(create_payment_requests(context))
        assert [r["created"] for r in results] == [2, 2]
        assert _count(container, org) == 2

    def test_a_bad_payload_fails_at_once(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            uow.enqueue(
                NewJob("payment_requests.bulk", {"format": "csv"}, organisation_id=org.organisation.id)
            )
            uow.commit()
        Worker(container, name="test").run_once()
        assert container.job_queue().counts("payment_requests.bulk") == {"failed": 1}


def org_key_id(container: Container, org: CreatedOrganisation) -> str:
    with container.uow() as uow:
        [key] = uow.api_keys.list_page(org.organisation.id, None, 10)
    return key.id
