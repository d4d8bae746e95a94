"""Shared steps for the MobilePay and card tests: open a request, check out, act as the payer on the
simulators' pages over real HTTP, wait for background callbacks, read what betal recorded."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.calendar import business_date
from betal.domain.payment import Payment
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest
from betal.domain.tenancy import Principal, Role
from betal.services.checkout import Checkout, start_checkout
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import NewPaymentRequest, create_payment_request

if TYPE_CHECKING:
    from tests.conftest import LiveServer

T = TypeVar("T")
TOKEN = re.compile(r'name="token" value="([^"]+)"')


def owner(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")


def open_request(
    container: Container, org: CreatedOrganisation, method: Method, amount: int
) -> PaymentRequest:
    with container.uow() as uow:
        customer = create_customer(
            uow, container.cipher, owner(org), NewCustomer("Jens Hansen", email="jens@example.dk")
        )
    due = business_date(container.clock.now()) + timedelta(days=14)
    data = NewPaymentRequest(customer.id, amount, "DKK", due, "Husleje december", (method.value,))
    with container.uow() as uow:
        return create_payment_request(uow, owner(org), data)


def checkout(
    live_server: LiveServer, org: CreatedOrganisation, method: Method, amount: int = 12_500
) -> tuple[PaymentRequest, Checkout]:
    """A fresh request for ``amount`` and a started checkout by ``method`` (the payer's redirect)."""
    container = live_server.container
    request = open_request(container, org, method, amount)
    started = start_checkout(
        container.uow,
        container.providers,
        request_id=request.id,
        method=method,
        return_url=f"{live_server.url}/pay/return",
    )
    return request, started


def form_token(html: str) -> str:
    match = TOKEN.search(html)
    assert match is not None, html
    return match.group(1)


def mobilepay_decide(redirect_url: str, decision: str, phone: str = "20 12 34 56") -> httpx.Response:
    """Open the MobilePay app page and approve or reject; answers the simulator's response (a 303)."""
    page = httpx.get(redirect_url)
    assert page.status_code == 200, page.text
    data = {"token": form_token(page.text), "decision": decision, "phone": phone}
    return httpx.post(redirect_url, data=data)


CARD = {"number": "4111 1111 1111 1111", "expiry": "12/39", "cvc": "737", "name": "Jens Hansen"}


def card_submit(redirect_url: str, action: str = "pay", **fields: str) -> httpx.Response:
    """Open the hosted payment page and submit the card form (or cancel)."""
    page = httpx.get(redirect_url)
    assert page.status_code == 200, page.text
    return httpx.post(redirect_url, data={"token": form_token(page.text), "action": action, **CARD, **fields})


def wait_until(probe: Callable[[], T | None], *, seconds: float = 10.0) -> T:
    """Poll ``probe`` until it answers something truthy (background callbacks land after responses)."""
    deadline = time.monotonic() + seconds
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing after {seconds} s")
        time.sleep(0.05)


def payment(container: Container, org: CreatedOrganisation, payment_id: str) -> Payment:
    with container.uow() as uow:
        found = uow.payments.get(org.organisation.id, payment_id)
    assert found is not None
    return found


def request_status(container: Container, org: CreatedOrganisation, request_id: str) -> str:
    with container.uow() as uow:
        found = uow.payment_requests.get(org.organisation.id, request_id)
    assert found is not None
    return found.status.value


def event_types(container: Container, org: CreatedOrganisation) -> list[str]:
    with container.uow() as uow:
        return [e.type for e in uow.events.list_after(org.organisation.id, 0, 500)]


def provider_event_count(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM provider_events")).scalar_one())


def database_text(container: Container) -> dict[str, str]:
    """Every row of every table of betal's database, as text, per table."""
    tables: dict[str, str] = {}
    with container.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows: list[Any] = list(conn.execute(text(f'SELECT * FROM "{table}"')))
            tables[table] = "\n".join(repr(tuple(row)) for row in rows)
    return tables


def msn_of(container: Container, org: CreatedOrganisation) -> str:
    """The merchant serial number of the organisation's sandbox MobilePay agreement."""
    with container.uow() as uow:
        agreement = uow.agreements.get(org.organisation.id, Method.MOBILEPAY)
    assert agreement is not None
    return str(agreement.config["merchant_serial_number"])


def lose_callbacks(live_server: LiveServer, org: CreatedOrganisation, method: Method) -> None:
    """Register betal's callback URL with the simulator, then point it at a closed port: every
    callback for ``method`` is lost from now on (as when betal is unreachable)."""
    provider: Any = live_server.container.providers.for_method(method)
    store = live_server.container.sandbox_store()
    if method is Method.MOBILEPAY:
        provider.ensure_webhook(msn_of(live_server.container, org))
        hooks = [("mobilepay", h["id"]) for h in store.list("mobilepay", "webhook")]
    else:
        provider.ensure_webhook()
        hooks = [("card", f"endpoint:{h['id']}") for h in store.list("card", "endpoint")]
    assert hooks
    for key, object_id in hooks:
        dead = f"http://127.0.0.1:9/hooks/{key}"
        store.update(key, object_id, lambda d, dead=dead: d | {"url": dead})


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A tiny HTTP server on 127.0.0.1 that records the callbacks a simulator delivers to it."""

    def __init__(self) -> None:
        received: list[Received] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append(Received(self.path, dict(self.headers.items()), self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.received = received
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/test"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def simulator(settings: Settings, clock: FrozenClock) -> Iterator[TestClient]:
    """betal's app (and so its simulators) on a clock the test moves, driven in-process."""
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            yield client
    finally:
        container.close()
