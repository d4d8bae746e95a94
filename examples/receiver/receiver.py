"""A reference receiver for betal's webhooks: verify, dedupe, and book payments to a CSV file.

Copy it and change it: it needs nothing but Python 3.11.

    python receiver.py --secret whsec_... --port 8787 --csv payments.csv --db seen.sqlite3

Deliveries follow the Standard Webhooks specification
(https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
the headers ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``; the signature is
``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{raw body}``, keyed with the base64-decoded
secret after ``whsec_``; during a secret rotation the header holds several space-separated entries.

Every verified delivery is remembered by its ``webhook-id`` in a SQLite file, so a retry (betal
sends the same ``webhook-id`` on every retry) is acknowledged and written once, also across
restarts. ``payment.succeeded`` becomes one CSV row and ``payment.refunded`` a negative row; other
events are acknowledged and not written. See README.md for the columns.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import csv
import hashlib
import hmac
import io
import json
import os
import sqlite3
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TOLERANCE_SECONDS = 5 * 60
MAX_BODY_BYTES = 1_000_000
COLUMNS = (
    "date", "voucher_text", "amount", "amount_ore", "currency",
    "method", "payment_id", "payment_request_id", "event_id",
)  # fmt: skip
BOOKED = {  # event type -> voucher text, the field holding the amount, sign
    "payment.succeeded": ("Indbetaling", "amount", 1),
    "payment.refunded": ("Refusion", "refund_amount", -1),
}
EXPONENTS = {"ISK": 0, "JPY": 0, "KRW": 0, "BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3}  # else 2

try:
    COPENHAGEN: ZoneInfo | None = ZoneInfo("Europe/Copenhagen")
except ZoneInfoNotFoundError:  # Windows without the tzdata package
    COPENHAGEN = None


class Rejected(Exception):
    """A delivery this receiver refuses: ``status`` and a short ``reason`` for the answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def sign(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one delivery."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None) -> str:
    """The ``webhook-id`` of an authentic delivery signed within 5 minutes of ``now``; else Rejected."""
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (webhook_id and timestamp and signatures):
        raise Rejected(400, "missing webhook-id, webhook-timestamp or webhook-signature")
    if not timestamp.isascii() or not timestamp.isdigit():
        raise Rejected(400, "webhook-timestamp is not Unix seconds")
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        raise Rejected(401, "webhook-timestamp is more than 5 minutes off")
    expected = sign(secret, webhook_id, timestamp, body).encode()
    if any(hmac.compare_digest(entry.encode(), expected) for entry in signatures.split()):
        return webhook_id
    raise Rejected(401, "no valid signature")


def copenhagen_date(moment: datetime) -> date:
    """The business date in Denmark of an aware timestamp."""
    if COPENHAGEN is None:
        return eu_copenhagen_date(moment)
    return moment.astimezone(COPENHAGEN).date()


def eu_copenhagen_date(moment: datetime) -> date:
    """The same without time zone data: CET, and CEST from the last Sunday of March to that of October
    (01:00 UTC, EU directive 2000/84/EC)."""
    utc = moment.astimezone(UTC)
    summer = _last_sunday(utc.year, 3) <= utc < _last_sunday(utc.year, 10)
    return (utc + timedelta(hours=2 if summer else 1)).date()


def _last_sunday(year: int, month: int) -> datetime:
    last = datetime(year, month, 31, 1, tzinfo=UTC)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def kroner(ore: int, currency: str) -> str:
    """Minor units as a decimal with a dot: -123450 DKK -> "-1234.50"."""
    exponent = EXPONENTS.get(currency, 2)
    whole, minor = divmod(abs(ore), 10**exponent)
    text = f"{whole}.{minor:0{exponent}d}" if exponent else str(whole)
    return "-" + text if ore < 0 else text


def booking_row(event: dict[str, Any]) -> list[str] | None:
    """The CSV row for a payment event, or None for an event that books nothing."""
    if event["type"] not in BOOKED:
        return None
    label, field, direction = BOOKED[event["type"]]
    data = event["data"]
    ore = direction * int(data[field])
    created = datetime.fromisoformat(event["created_at"])
    return [
        copenhagen_date(created).isoformat(),
        f"{label} {data['method']} {data['payment_request_id']}",
        kroner(ore, data["currency"]),
        str(ore),
        data["currency"],
        data["method"],
        data["id"],
        data["payment_request_id"],
        event["id"],
    ]


class Store:
    """The webhook-ids already handled (kept in SQLite) and the CSV file the rows go to."""

    def __init__(self, db_path: str, csv_path: str) -> None:
        self.db = sqlite3.connect(db_path, isolation_level=None)
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (webhook_id TEXT PRIMARY KEY, received_at TEXT)")
        self.csv_path = csv_path
        if not os.path.exists(csv_path) or os.path.getsize(csv_path) == 0:
            self._append(list(COLUMNS))

    def record(self, webhook_id: str, row: list[str] | None) -> bool:
        """Write ``row`` unless ``webhook_id`` was handled before; False for a repeat.

        The row is on disk before the webhook-id is committed: a crash in between means the retry
        writes the row again (spot it by ``event_id``), never that a payment is lost."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            new = self.db.execute(
                "INSERT OR IGNORE INTO seen VALUES (?, ?)", (webhook_id, datetime.now(UTC).isoformat())
            ).rowcount
            if new and row is not None:
                self._append(row)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return bool(new)

    def _append(self, row: list[str]) -> None:
        line = io.StringIO()
        csv.writer(line, lineterminator="\r\n").writerow(row)
        with open(self.csv_path, "a", encoding="utf-8", newline="") as file:
            file.write(line.getvalue())
            file.flush()
            os.fsync(file.fileno())


class Receiver(HTTPServer):
    def __init__(self, address: tuple[str, int], secret: str, store: Store) -> None:
        super().__init__(address, Handler)
        self.secret = secret
        self.store = store


class Handler(BaseHTTPRequestHandler):
    server: Receiver
    timeout = 15

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length", "")
        if not length.isascii() or not length.isdigit():
            self.answer(411, "Content-Length required")
            return
        if int(length) > MAX_BODY_BYTES:
            self.answer(413, "the body is larger than 1 MB")
            return
        body = self.rfile.read(int(length))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            webhook_id = verify(self.server.secret, headers, body)
            row = booking_row(json.loads(body))
        except Rejected as rejected:
            self.answer(rejected.status, rejected.reason)
            return
        except (ValueError, KeyError, TypeError):
            self.answer(400, "not a betal event")
            return
        if self.server.store.record(webhook_id, row):
            self.answer(204)
        else:
            self.answer(200, "already received")

    def answer(self, status: int, reason: str = "") -> None:
        body = reason.encode()
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Receive betal webhooks and book payments to a CSV file.")
    parser.add_argument("--secret", default=os.environ.get("BETAL_WEBHOOK_SECRET"), help="whsec_...")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--csv", default="payments.csv")
    parser.add_argument("--db", default="seen.sqlite3")
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error("--secret (or BETAL_WEBHOOK_SECRET) is required")
    try:
        base64.b64decode(args.secret.removeprefix("whsec_"), validate=True)
    except binascii.Error:
        parser.error("--secret must be the whsec_... secret betal showed when the endpoint was made")
    server = Receiver((args.host, args.port), args.secret, Store(args.db, args.csv))
    print(f"listening on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
