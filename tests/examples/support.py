"""Run examples/receiver/receiver.py as a real process and talk to it the way betal does.

Requests are signed with the ``standardwebhooks`` library (the specification's reference
implementation), independently of the receiver's own code.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from standardwebhooks import Webhook

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
RECEIVER = ROOT / "examples" / "receiver" / "receiver.py"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

SPEC_VECTOR = {  # /work/shared/standards: Standard Webhooks test vector
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "timestamp": "1614265330",
    "body": '{"test": 2432232314}',
    "signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
}


def load_receiver() -> ModuleType:
    """The receiver as a module, for its pure functions."""
    spec = importlib.util.spec_from_file_location("betal_example_receiver", RECEIVER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def signature(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    at = datetime.fromtimestamp(int(timestamp), UTC)
    return str(Webhook(secret).sign(webhook_id, at, body.decode()))


def headers(body: bytes, webhook_id: str, *, secret: str = SECRET, at: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if at is None else at))
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature(secret, webhook_id, timestamp, body),
        "content-type": "application/json",
    }


def event(
    kind: str = "payment.succeeded",
    *,
    event_id: str = "evt_01JTEST0000000000000000001",
    created_at: str = "2026-03-02T09:15:00Z",
    **data: Any,
) -> bytes:
    """A delivery body as betal sends it, with a payment snapshot as ``data``."""
    snapshot = {
        "id": "pay_01JTESTPAYMENT0000000000001",
        "payment_request_id": "preq_01JTESTREQUEST000000000001",
        "customer_id": "cus_01JTESTCUSTOMER00000000001",
        "method": "card",
        "amount": 123450,
        "currency": "DKK",
        "status": "succeeded",
        "refunded_amount": 0,
        "failure_reason": None,
    } | data
    document = {
        "id": event_id,
        "type": kind,
        "created_at": created_at,
        "sequence": 12,
        "organisation_id": "org_01JTESTORGANISATION0000001",
        "data": snapshot,
    }
    return json.dumps(document).encode()


@dataclass
class ReceiverProcess:
    """One run of the receiver on a free port, with its CSV and dedupe files in ``directory``."""

    directory: Path
    secret: str = SECRET
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/betal"

    @property
    def csv_path(self) -> Path:
        return self.directory / "payments.csv"

    def start(self) -> ReceiverProcess:
        # -I -S: plain Python with no site-packages, as a business would run it.
        command = [
            sys.executable, "-I", "-S", str(RECEIVER), "--secret", self.secret, "--port", str(self.port),
            "--csv", str(self.csv_path), "--db", str(self.directory / "seen.sqlite3"),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=self.directory
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.startswith("listening on"), line
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def post(self, body: bytes, request_headers: dict[str, str]) -> httpx.Response:
        return httpx.post(self.url, content=body, headers=request_headers, timeout=10)

    def deliver(self, body: bytes, webhook_id: str = "msg_01JTESTDELIVERY00000000001") -> httpx.Response:
        return self.post(body, headers(body, webhook_id, secret=self.secret))

    def rows(self) -> list[dict[str, str]]:
        with self.csv_path.open(encoding="utf-8", newline="") as file:
            return list(csv.DictReader(file))
