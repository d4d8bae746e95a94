"""Web Push in Chromium: the logged-in inbox registers its service worker at ``/inbox/sw.js`` for the
``/inbox`` scope and offers "Få besked på denne enhed". Subscribing itself needs a browser vendor's push
service, which is not reachable offline (and Chromium refuses push in playwright's incognito contexts), so
the tests stop at the registration, the button, and what the page says when the browser refuses."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, create_customer
from betal.services.demo import ORGANISATIONS
from tests.services.test_inbox import code_from_outbox

from .conftest import BrowserApp

pytestmark = pytest.mark.browser
PAYER = "pia@push.example"  # her own payer, so these logins count against no other test's code limit

REGISTRATION = """async () => {
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), 10000));
  const ready = navigator.serviceWorker.ready.then(async (registration) => {
    const found = await navigator.serviceWorker.getRegistration('/inbox');
    const worker = registration.active || registration.waiting || registration.installing;
    return {scope: registration.scope, script: worker.scriptURL, found: !!found};
  });
  return Promise.race([ready, timeout]);
}"""


@pytest.fixture(scope="module")
def pia(browser_app: BrowserApp) -> str:
    """A customer of the first demo organisation, with no other test logging in as her."""
    with browser_app.container.uow() as uow:
        organisation = uow.organisations.get_by_cvr(ORGANISATIONS[0][1])
        assert organisation is not None
        principal = Principal(organisation.id, Role.OWNER, "system", "browser-test")
        create_customer(uow, browser_app.container.cipher, principal, NewCustomer("Pia Push", email=PAYER))
    return PAYER


def _log_in(page: Page, app: BrowserApp, email: str) -> None:
    page.goto(f"{app.url}/inbox/login")
    page.locator("#destination").fill(email)
    page.locator("form[action='/inbox/login'] button[type=submit]").click()
    expect(page).to_have_url(f"{app.url}/inbox/verify")
    page.locator("#code").fill(code_from_outbox(app.container, email))
    page.locator("form[action='/inbox/verify'] button[type=submit]").click()
    expect(page).to_have_url(f"{app.url}/inbox")


def test_the_inbox_registers_its_service_worker_and_offers_the_button(
    browser: Browser, browser_app: BrowserApp, pia: str
) -> None:
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        _log_in(page, browser_app, pia)
        expect(page.get_by_role("button", name="Få besked på denne enhed")).to_be_visible()
        registration: dict[str, Any] | None = page.evaluate(REGISTRATION)
        assert registration is not None, "no service worker became ready for /inbox"
        assert registration == {
            "scope": f"{browser_app.url}/inbox",
            "script": f"{browser_app.url}/inbox/sw.js",
            "found": True,
        }
        assert errors == []
    finally:
        context.close()


def test_no_button_before_the_login(browser: Browser, browser_app: BrowserApp) -> None:
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    try:
        page.goto(f"{browser_app.url}/inbox/login")
        expect(page.get_by_role("button", name="Få besked på denne enhed")).to_have_count(0)
    finally:
        context.close()


def test_a_subscription_the_browser_refuses_is_reported(
    browser: Browser, browser_app: BrowserApp, pia: str
) -> None:
    """Playwright's contexts are incognito, where Chromium refuses push subscriptions: the page says so."""
    context = browser.new_context(locale="da-DK", permissions=["notifications"])
    page = context.new_page()
    try:
        _log_in(page, browser_app, pia)
        page.get_by_role("button", name="Få besked på denne enhed").click()
        expect(page.get_by_role("status")).to_have_text(
            "Notifikationer kunne ikke slås til. Prøv igen senere."
        )
        expect(page.get_by_role("button", name="Få besked på denne enhed")).to_be_enabled()
    finally:
        context.close()
    with browser_app.container.uow() as uow:
        customers = uow.customers.find_matching([pia], [], [])
        assert customers
        for customer in customers:
            assert (
                uow.push_subscriptions.list_active_for_customer(customer.organisation_id, customer.id) == []
            )
