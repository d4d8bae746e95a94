"""Benchmark: webhook deliveries per second through betal's real delivery path, against bare HTTP POSTs.

    python -m bench.webhooks [--events 10000] [--database-url postgresql://...]

A minimal receiver (``http.server``, answering 204) runs in a process of its own. betal side: an
organisation with one endpoint pointing at it, ``--events`` events published through the unit of work
(which fans each out to a delivery and a ``webhooks.deliver`` job in the same commit), then one worker
thread runs the jobs until none is left: per delivery a job claim, the reads, signing, the POST, and
the attempt and job completion written back. Baseline: a loop of ``httpx.Client.post`` calls of the
same bodies to the same receiver, in the same run. The result is the ratio of the two rates; see
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import tempfile
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from betal import bootstrap
from betal.config import Settings
from betal.domain.events import NewEvent
from betal.domain.tenancy import Principal, Role
from betal.jobs.worker import Worker
from betal.services.organisation import create_organisation
from betal.services.webhook import NewEndpoint, create_endpoint

PUBLISH_BATCH = 500
SECRET_KEY = "bench-secret-key-for-betal-benchmarks-0123456789"


class _Count(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: Any = None  # a multiprocessing.Value, set in _serve

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.received.get_lock():
            self.received.value += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        return


def _serve(port: Any, received: Any) -> None:
    _Count.received = received
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Count)
    port.value = server.server_address[1]
    server.serve_forever()


@dataclass
class Receiver:
    url: str
    received: Any
    process: multiprocessing.process.BaseProcess

    @classmethod
    def start(cls) -> Receiver:
        context = multiprocessing.get_context("spawn")
        port, received = context.Value("i", 0), context.Value("q", 0)
        process = context.Process(target=_serve, args=(port, received), daemon=True)
        process.start()
        deadline = time.monotonic() + 10
        while not port.value and time.monotonic() < deadline:
            time.sleep(0.01)
        return cls(f"http://127.0.0.1:{port.value}/hooks/betal", received, process)

    def count(self) -> int:
        return int(self.received.value)


def _snapshot(n: int) -> dict[str, Any]:
    return {
        "id": f"pay_bench{n:018d}", "payment_request_id": f"preq_bench{n:017d}",
        "customer_id": "cus_bench", "method": "card", "amount": 12_500 + n, "currency": "DKK",
        "status": "succeeded", "refunded_amount": 0, "failure_reason": None,
    }  # fmt: skip


def publish(container: bootstrap.Container, organisation_id: str, events: int) -> None:
    for start in range(0, events, PUBLISH_BATCH):
        with container.uow() as uow:
            for n in range(start, min(start + PUBLISH_BATCH, events)):
                uow.publish(NewEvent(organisation_id, "payment.succeeded", _snapshot(n)))
            uow.commit()


def delivered(container: bootstrap.Container) -> int:
    with container.engine.connect() as conn:
        query = text("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'")
        return int(conn.execute(query).scalar_one())


def betal_rate(database_url: str, receiver: Receiver, events: int) -> float:
    """Deliveries per second of one worker thread, from the first claim to the last delivery."""
    container = bootstrap.build(Settings(database_url=database_url, secret_key=SECRET_KEY))
    try:
        bootstrap.migrate(container)
        with container.uow() as uow:
            org = create_organisation(uow, name="Benchmark ApS", cvr="25313763")
        principal = Principal(org.organisation.id, Role.OWNER, "api_key", "key_bench")
        with container.uow() as uow:
            endpoint = NewEndpoint(receiver.url, ("payment.succeeded",))
            create_endpoint(
                uow, container.cipher, container.webhook_transport(), principal, endpoint, live=False
            )
        publish(container, org.organisation.id, events)
        worker = Worker(container, name="bench")
        started = time.perf_counter()
        while worker.run_once():
            pass
        elapsed = time.perf_counter() - started
        done = delivered(container)
        if done != events:
            raise SystemExit(f"only {done} of {events} deliveries were delivered")
        return events / elapsed
    finally:
        container.close()


def bare_rate(receiver: Receiver, events: int) -> float:
    """POSTs per second of a plain loop over one ``httpx.Client`` (keep-alive), same bodies."""
    bodies = [
        json.dumps({"id": f"evt_bench{n:018d}", "type": "payment.succeeded", "data": _snapshot(n)}).encode()
        for n in range(events)
    ]
    with httpx.Client(trust_env=False) as client:
        started = time.perf_counter()
        for body in bodies:
            response = client.post(receiver.url, content=body, headers={"content-type": "application/json"})
            if response.status_code != 204:
                raise SystemExit(f"the receiver answered {response.status_code}")
        return events / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args(argv)
    logging.getLogger("betal").setLevel(logging.WARNING)
    receiver = Receiver.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
            betal = betal_rate(url, receiver, args.events)
            after_betal = receiver.count()
            bare = bare_rate(receiver, args.events)
        if after_betal != args.events or receiver.count() != 2 * args.events:
            raise SystemExit(f"the receiver counted {after_betal} and {receiver.count()} requests")
    finally:
        receiver.process.terminate()
    backend = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"webhook deliveries, {args.events} events, {backend}, one worker thread")
    print(f"  betal delivery path   {betal:8.0f} /s")
    print(f"  bare httpx POST loop  {bare:8.0f} /s")
    print(f"  ratio                 {betal / bare:8.2f}")


if __name__ == "__main__":
    main()
