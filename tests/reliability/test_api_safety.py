"""Reliability of the public API (issue 8): idempotent POSTs under a storm of concurrent retries, and
personal data (CPR numbers, card numbers) that never shows in clear outside its encrypted column.

Everything runs against a real server (uvicorn on a free port) over HTTP, on SQLite and PostgreSQL.
The "kill -9 in the middle of a request" case of idempotency is not covered here.
"""

from __future__ import annotations

import io
import json
import logging
import random
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from stdnum.dk import cpr as stdnum_cpr

from betal.adapters.db.schema import metadata
from betal.bootstrap import Container
from betal.logging import JsonFormatter
from tests.conftest import LiveServer
from tests.webhook_receiver import Receiver, running_receiver

COPIES = 100  # identical requests fired at once with one Idempotency-Key
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')
_TOKEN = re.compile(r'name="token" value="([^"]*)"')


# --- helpers -----------------------------------------------------------------------------------------


@pytest.fixture
def api(live_server: LiveServer, auth: dict[str, str]) -> Iterator[httpx.Client]:
    limits = httpx.Limits(max_connections=COPIES, max_keepalive_connections=COPIES)
    with httpx.Client(base_url=live_server.url, headers=auth, timeout=60, limits=limits) as client:
        yield client


def storm(api: httpx.Client, path: str, key: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """POST every body to ``path`` with one Idempotency-Key, all threads released at the same moment."""
    start = threading.Barrier(len(bodies))

    def post(body: dict[str, Any]) -> httpx.Response:
        start.wait()
        return api.post(path, json=body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def listed(api: httpx.Client, path: str, **params: str) -> list[dict[str, Any]]:
    response = api.get(path, params={"limit": "500", **params})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def events(api: httpx.Client) -> list[dict[str, Any]]:
    """The organisation's whole event log, page by page."""
    found: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        page = api.get("/v1/events", params={"after": after, "limit": 500})
        assert page.status_code == 200, page.text
        found += page.json()["data"]
        after = page.json()["next_after"]
    return found


def new_customer(api: httpx.Client, **fields: str) -> dict[str, Any]:
    made = api.post(
        "/v1/customers", json={"name": "Karen Blixen", "email": "karen@rungsted.example"} | fields
    )
    assert made.status_code == 201, made.text
    customer: dict[str, Any] = made.json()
    return customer


def request_body(customer_id: str, description: str = "Husleje for maj") -> dict[str, Any]:
    due = (date.today() + timedelta(days=14)).isoformat()
    return {
        "customer_id": customer_id, "amount": 845_000, "currency": "DKK", "due_date": due,
        "description": description, "allowed_methods": ["card", "fi_card"],
    }  # fmt: skip


# --- R1: idempotency ---------------------------------------------------------------------------------


class TestIdempotencyUnderConcurrency:
    def test_identical_payment_requests_at_once_make_one_request(self, api: httpx.Client) -> None:
        customer = new_customer(api)
        body = request_body(customer["id"])
        responses = storm(api, "/v1/payment-requests", "rent-2026-05", [body] * COPIES)

        assert [r.status_code for r in responses] == [201] * COPIES, {r.text for r in responses}
        assert len({r.content for r in responses}) == 1  # every caller got the very same answer
        fresh = [r for r in responses if r.headers.get("idempotent-replayed") != "true"]
        assert len(fresh) == 1  # one call acted; all the others replayed its stored response
        made = listed(api, "/v1/payment-requests", customer_id=customer["id"])
        assert [r["id"] for r in made] == [responses[0].json()["id"]]
        created = [e for e in events(api) if e["type"] == "payment_request.created"]
        assert len(created) == 1

    def test_identical_customers_at_once_make_one_customer(self, api: httpx.Client) -> None:
        body = {"name": "Niels Bohr", "email": "niels@bohr.example", "external_id": "NB-1885"}
        responses = storm(api, "/v1/customers", "customer-nb-1885", [body] * COPIES)

        assert [r.status_code for r in responses] == [201] * COPIES, {r.text for r in responses}
        assert len({r.content for r in responses}) == 1
        assert [c["external_id"] for c in listed(api, "/v1/customers")] == ["NB-1885"]
        assert [e["type"] for e in events(api)].count("customer.created") == 1

    def test_one_key_with_two_bodies_at_once_acts_once_and_refuses_the_other(self, api: httpx.Client) -> None:
        customer = new_customer(api)
        april, may = request_body(customer["id"], "Husleje for april"), request_body(customer["id"])
        responses = storm(api, "/v1/payment-requests", "rent-shared", [april, may] * (COPIES // 2))

        made = listed(api, "/v1/payment-requests", customer_id=customer["id"])
        assert len(made) == 1
        winner = made[0]["description"]
        for body, response in zip([april, may] * (COPIES // 2), responses, strict=True):
            if body["description"] == winner:
                assert response.status_code == 201, response.text
                assert response.json()["id"] == made[0]["id"]
            else:
                assert response.status_code == 409, response.text
                assert response.json()["code"] == "idempotency.key_reused"
        assert len({r.content for r in responses if r.status_code == 201}) == 1

    def test_the_same_key_later_with_another_body_is_409_and_changes_nothing(self, api: httpx.Client) -> None:
        customer = new_customer(api)
        first = api.post(
            "/v1/payment-requests", json=request_body(customer["id"]), headers={"Idempotency-Key": "k-later"}
        )
        assert first.status_code == 201, first.text
        other = request_body(customer["id"]) | {"amount": 1}
        again = api.post("/v1/payment-requests", json=other, headers={"Idempotency-Key": "k-later"})
        assert again.status_code == 409
        assert again.headers["content-type"].startswith("application/problem+json")
        assert again.json()["code"] == "idempotency.key_reused"
        assert [r["amount"] for r in listed(api, "/v1/payment-requests")] == [845_000]


# --- R8: data protection -----------------------------------------------------------------------------

PANS = ("4111111111111111", "4000000000000002")  # the sandbox acquirer's approved and declined test cards


def generated_cprs(count: int, seed: int = 8) -> list[str]:
    """Valid CPR numbers (python-stdnum ``dk.cpr``) of people born 1940-1999, from a fixed seed."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(60 * 365))
        number = born.strftime("%d%m%y") + f"{rng.randrange(4)}{rng.randrange(1000):03d}"
        if stdnum_cpr.is_valid(number) and number not in found:
            found.append(number)
    return found


def shown_forms(number: str, group: int) -> set[str]:
    """The ways a number can be written: compact, and grouped with a space or a hyphen."""
    parts = [number[:6], number[6:]] if group == 6 else re.findall(r"\d{1,4}", number)
    return {number, " ".join(parts), "-".join(parts)}


def leaks(text: str, secrets: dict[str, set[str]]) -> list[str]:
    return [f"{name} ({form})" for name, forms in secrets.items() for form in forms if form in text]


@dataclass
class Captured:
    stream: io.StringIO

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def captured_logs() -> Iterator[Captured]:
    """The records of the ``betal`` loggers at DEBUG (and of the others from their own level), formatted
    as betal's JSON log lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root, betal = logging.getLogger(), logging.getLogger("betal")
    level = betal.level
    root.addHandler(handler)
    betal.setLevel(logging.DEBUG)
    try:
        yield Captured(stream)
    finally:
        root.removeHandler(handler)
        betal.setLevel(level)


def table_dump(container: Container) -> dict[str, str]:
    """Every row of every table of betal's schema as text, per ``table.column``."""
    dump: dict[str, str] = {}
    with container.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for column, value in row._mapping.items():
                    shown = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    dump[f"{table.name}.{column}"] = dump.get(f"{table.name}.{column}", "") + "\n" + shown
    return dump


def pay_by_card(live_server: LiveServer, pay_url: str, pan: str) -> None:
    """The payer's journey: betal's pay page → the acquirer's card form (PAN typed there) → back."""
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        csrf = _CSRF.findall(browser.get(pay_url).text)[0]
        started = browser.post(f"{pay_url}/pay/card", data={"csrf_token": csrf})
        assert started.status_code == 303, started.text
        card_page = started.headers["location"]
        form = browser.get(card_page)
        assert form.status_code == 200, form.text
        typed = " ".join(re.findall(r"\d{4}", pan))  # as printed on the card
        data = {
            "token": _TOKEN.findall(form.text)[0], "action": "pay", "number": typed,
            "expiry": "12/39", "cvc": "737", "name": "Karen Blixen",
        }  # fmt: skip
        decided = browser.post(card_page, data=data)
        assert decided.status_code == 303, decided.text
        assert browser.get(f"{pay_url}/return").status_code in (200, 303)


def run_all_jobs(live_server: LiveServer) -> None:
    while live_server.run_jobs():
        pass


class TestPersonalDataStaysProtected:
    def test_cpr_and_card_numbers_never_appear_in_clear(
        self, live_server: LiveServer, api: httpx.Client, captured_logs: Captured
    ) -> None:
        cprs = generated_cprs(4)
        secrets = {f"CPR {n}": shown_forms(n, 6) for n in cprs} | {
            f"PAN {p}": shown_forms(p, 4) for p in PANS
        }
        with running_receiver() as receiver:
            hook = api.post("/v1/webhook-endpoints", json={"url": receiver.url(), "events": []})
            assert hook.status_code == 201, hook.text
            customers, answers = self._customers(api, cprs)
            self._pay(live_server, api, customers)
            run_all_jobs(live_server)
            since_hook = sorted(e["type"] for e in events(api) if e["type"] != "organisation.created")
            assert sorted(json.loads(r.body)["type"] for r in receiver.at("/hook")) == since_hook
            self._check(live_server, api, receiver, captured_logs, secrets, answers, cprs)

    @staticmethod
    def _customers(api: httpx.Client, cprs: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
        """Customers with CPR numbers in each written form, one through a replay and one refused first."""
        answers: list[str] = []
        made = []
        for i, number in enumerate(cprs):
            written = number if i % 2 else f"{number[:6]}-{number[6:]}"
            body = {"name": f"Kunde {i}", "email": f"kunde{i}@example.dk", "cpr": written}
            refused = api.post("/v1/customers", json=body | {"email": "not an e-mail"})
            assert refused.status_code == 422, refused.text
            answers.append(refused.text)
            key = {"Idempotency-Key": f"cpr-{i}"}
            first = api.post("/v1/customers", json=body, headers=key)
            replay = api.post("/v1/customers", json=body, headers=key)
            assert first.status_code == replay.status_code == 201, first.text
            assert first.json()["cpr"] == f"{number[:6]}-XXXX"
            answers += [first.text, replay.text, api.get(f"/v1/customers/{first.json()['id']}").text]
            made.append(first.json())
        return made, answers

    @staticmethod
    def _pay(live_server: LiveServer, api: httpx.Client, customers: list[dict[str, Any]]) -> None:
        for customer, pan in zip(customers, PANS * len(customers), strict=False):
            made = api.post("/v1/payment-requests", json=request_body(customer["id"]))
            assert made.status_code == 201, made.text
            pay_by_card(live_server, made.json()["pay_url"], pan)
        requests = [r for c in customers for r in listed(api, "/v1/payment-requests", customer_id=c["id"])]
        details = [api.get(f"/v1/payment-requests/{r['id']}").json() for r in requests]
        settled = [p["status"] for detail in details for p in detail["payments"]]
        assert sorted(settled) == ["failed", "failed", "succeeded", "succeeded"]

    @staticmethod
    def _check(
        live_server: LiveServer, api: httpx.Client, receiver: Receiver, logs: Captured,
        secrets: dict[str, set[str]], answers: list[str], cprs: list[str],
    ) -> None:  # fmt: skip
        seen = events(api)
        delivered = [r.body.decode() for r in receiver.at("/hook")]
        dump = table_dump(live_server.container)
        places: dict[str, str] = {
            "the log": logs.text,
            "the API's answers": "\n".join(answers),
            "GET /v1/events": json.dumps(seen, ensure_ascii=False),
            "the webhook deliveries received": "\n".join(delivered),
            **{f"table column {name}": text for name, text in dump.items()},
        }
        found = {place: hit for place, text in places.items() if (hit := leaks(text, secrets))}
        assert found == {}, f"personal data in clear: {found}"
        # The searches looked where the data went: the log has the requests, events and webhooks carry
        # the customers (masked), and the CPR numbers are in the database, encrypted.
        assert '"path": "/v1/customers"' in logs.text
        masked = {f"{n[:6]}-XXXX" for n in cprs}
        assert masked <= {e["data"].get("cpr") for e in seen if e["type"] == "customer.created"}
        assert all(any(m in body for body in delivered) for m in masked)
        assert any('"type":"payment.succeeded"' in b.replace(" ", "") for b in delivered)
        with live_server.container.engine.connect() as conn:
            table = metadata.tables["customers"]
            stored = conn.execute(select(table.c.cpr_ciphertext).where(table.c.cpr_ciphertext.is_not(None)))
            decrypted = {live_server.container.cipher.decrypt(token) for (token,) in stored}
        assert decrypted == set(cprs)
