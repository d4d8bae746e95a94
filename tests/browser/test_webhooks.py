"""Webhooks in a real browser: the demo owner adds an endpoint pointing at a small local receiver, copies
the secret shown once, a customer is created, the worker delivers the event, the log shows the attempt with
its status code, "Send igen" sends it again with the same webhook-id, and the endpoint is deleted after
confirming. The log is also checked on a phone (no sideways scrolling).

Screenshots go to ``test-artifacts/screenshots/webhooks-*.png``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from betal.domain.tenancy import Principal, Role
from betal.jobs.worker import Worker
from betal.services.customer import NewCustomer, create_customer
from betal.services.demo import DEMO_PASSWORD, ORGANISATIONS
from tests.webhook_receiver import Answer, Received, Receiver, running_receiver

from .conftest import BrowserApp

pytestmark = pytest.mark.browser

OWNER = "ejer@hansen.example"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 812}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        running.answer("/betal", Answer(200, b'{"received": true}'))
        yield running


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/app/login")
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(f"{base_url}/app/")


def _run_jobs(app: BrowserApp) -> None:
    worker = Worker(app.container, name="browser-webhooks")
    while worker.run_once():
        pass


def _new_customer(app: BrowserApp, name: str) -> None:
    with app.container.uow() as uow:
        organisation = uow.organisations.get_by_cvr(ORGANISATIONS[0][1])
        assert organisation is not None
        principal = Principal(organisation.id, Role.OWNER, "system", "browser-test")
        create_customer(
            uow, app.container.cipher, principal, NewCustomer(name, email="kunde@webhook.example")
        )


def _signed_with(secret: str, received: Received) -> bool:
    """The Standard Webhooks check of docs/webhooks.md "Verifying a delivery"."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    content = f"{received.headers['webhook-id']}.{received.headers['webhook-timestamp']}.".encode()
    digest = hmac.new(key, content + received.body, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    return any(hmac.compare_digest(s, expected) for s in received.headers["webhook-signature"].split())


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"webhooks-{name}.png"), full_page=True)


def test_owner_adds_an_endpoint_sees_the_delivery_and_sends_it_again(
    browser: Browser, browser_app: BrowserApp, receiver: Receiver, screenshots: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="da-DK")
    page = context.new_page()
    _log_in(page, browser_app.url)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    page.get_by_role("link", name="Nyt endpoint").click()
    page.get_by_label("URL", exact=True).fill(receiver.url("/betal"))
    page.get_by_label("Alle hændelser, også typer der kommer til senere").uncheck()
    page.get_by_label("customer.created").check()
    page.get_by_label("Beskrivelse").fill("Kundekartotek")
    page.get_by_role("button", name="Opret endpoint").click()

    expect(page.get_by_text("Kopiér nøglen nu: den bliver ikke vist igen.")).to_be_visible()
    secret = page.get_by_label("Nøgle", exact=True).input_value()
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", secret)
    _shoot(page, screenshots, "secret-once")
    page.get_by_role("link", name="Jeg har kopieret nøglen").click()
    expect(page).to_have_url(re.compile(r"/app/webhooks/whe_\w+$"))
    assert "whsec_" not in page.content()
    expect(page.get_by_text("Ingen leveringer")).to_be_visible()

    _new_customer(browser_app, "Webhook Kunde ApS")
    _run_jobs(browser_app)
    page.reload()
    delivery = page.get_by_test_id("delivery")
    expect(delivery).to_have_count(1)
    expect(delivery.get_by_test_id("delivery-status")).to_have_text("Leveret")
    expect(delivery.get_by_test_id("status-code")).to_have_text("200")
    expect(delivery.get_by_test_id("excerpt")).to_have_text('{"received": true}')
    webhook_id = delivery.get_by_test_id("webhook-id").inner_text()
    [first] = receiver.at("/betal")
    assert first.headers["webhook-id"] == webhook_id
    assert _signed_with(secret, first), "the secret shown once signs the deliveries"
    _shoot(page, screenshots, "log-desktop")

    delivery.get_by_role("button", name="Send igen").click()
    expect(page.get_by_role("status")).to_have_text("Leveringen sendes igen nu med samme webhook-id.")
    expect(delivery.get_by_test_id("delivery-status")).to_have_text("Afventer")
    _run_jobs(browser_app)
    page.reload()
    expect(delivery.get_by_test_id("attempt")).to_have_count(2)
    expect(delivery.get_by_test_id("delivery-status")).to_have_text("Leveret")
    assert [r.headers["webhook-id"] for r in receiver.at("/betal")] == [webhook_id, webhook_id]

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    _shoot(page, screenshots, "log-phone")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Slet endpoint").click()
    expect(page.get_by_text("Det kan ikke fortrydes.")).to_be_visible()
    page.get_by_role("button", name="Slet endpoint").click()
    expect(page.get_by_role("status")).to_contain_text("Endpointet er slettet.")
    expect(page.get_by_test_id("endpoint")).to_have_count(0)
    context.close()
