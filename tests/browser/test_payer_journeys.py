"""The payer's whole journey in Chromium, once per payment method (DESIGN.md "Receivables", "Sandbox
mode"): log in to the inbox with a one-time code read from the portal's dev mailbox, open the message,
choose the method, approve at the sandbox provider's page, come back to the receipt, and see the request
paid with a ``payment.succeeded`` event. Betalingsservice: sign up, see the mandate, let the simulator
settle and the ``betalingsservice.fetch`` job read it. A card payment followed by the Betalingsservice
offer on the receipt.

The payer pages are shot on a phone (375x812) to ``test-artifacts/screenshots/journey-<method>-<step>.png``.
Each journey bills a fresh request through the services, so the journeys do not depend on each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from betal.domain.calendar import business_date, next_banking_day
from betal.domain.job import NewJob
from betal.domain.money import Money
from betal.domain.payment import PaymentStatus
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.tenancy import Principal, Role
from betal.jobs.handlers.recurring import FETCH_KIND
from betal.jobs.worker import Worker
from betal.services.customer import NewCustomer, create_customer
from betal.services.demo import DEMO_PASSWORD, DEMO_PAYER, ORGANISATIONS
from betal.services.payment_request import NewPaymentRequest, create_payment_request

from .conftest import BrowserApp

pytestmark = pytest.mark.browser

OWNER = "ejer@hansen.example"
ANNA_PHONE = "20 30 40 50"  # Anna's mobile number in the demo, +4520304050
PHONE: ViewportSize = {"width": 375, "height": 812}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
_CODE = re.compile(r"er ([0-9]{6})\.")


@dataclass(frozen=True)
class Journey:
    app: BrowserApp
    payer: Page
    mailbox: Page
    shots: Path
    name: str

    def shoot(self, step: str) -> None:
        self.payer.screenshot(path=str(self.shots / f"journey-{self.name}-{step}.png"), full_page=True)


@pytest.fixture(scope="module")
def mailbox(browser: Browser, browser_app: BrowserApp) -> Page:
    """The demo owner's portal, logged in on a desktop, for reading codes in the dev mailbox."""
    context = browser.new_context(viewport=DESKTOP, locale="da-DK")
    page = context.new_page()
    page.goto(f"{browser_app.url}/app/login")
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(f"{browser_app.url}/app/")
    return page


@pytest.fixture
def payer(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)


def _org_id(app: BrowserApp) -> str:
    with app.container.uow() as uow:
        organisation = uow.organisations.get_by_cvr(ORGANISATIONS[0][1])
    assert organisation is not None
    return organisation.id


def _bill(
    app: BrowserApp, description: str, amount: int, methods: tuple[str, ...], *, email: str = ""
) -> PaymentRequest:
    """A fresh request from Hansen & Co to Anna (or a new customer with ``email``) allowing ``methods``."""
    org_id = _org_id(app)
    principal = Principal(org_id, Role.OWNER, "system", "browser-test")
    with app.container.uow() as uow:
        if email:
            customer_id = create_customer(
                uow, app.container.cipher, principal, NewCustomer("Bo Berg", email=email)
            ).id
        else:
            anna = uow.customers.get_by_external_id(org_id, "demo-anna")
            assert anna is not None
            customer_id = anna.id
    with app.container.uow() as uow:
        due = business_date(uow.clock.now()) + timedelta(days=14)
        data = NewPaymentRequest(customer_id, amount, "DKK", due, description, methods)
        return create_payment_request(uow, principal, data)


def _code_from_mailbox(journey: Journey, recipient: str) -> str:
    page = journey.mailbox
    page.goto(f"{journey.app.url}/app/dev/mailbox")
    mail = page.get_by_test_id("mail").filter(has=page.get_by_text(recipient, exact=True)).first
    expect(mail).to_be_visible()
    match = _CODE.search(mail.get_by_test_id("mail-body").inner_text())
    assert match is not None, "the newest mail to the payer holds no code"
    return match.group(1)


def _log_in(journey: Journey, destination: str, recipient: str) -> None:
    page, url = journey.payer, journey.app.url
    page.goto(f"{url}/inbox/login")
    journey.shoot("login")
    page.locator("#destination").fill(destination)
    page.locator("form[action='/inbox/login'] button[type=submit]").click()
    expect(page).to_have_url(f"{url}/inbox/verify")
    page.locator("#code").fill(_code_from_mailbox(journey, recipient))
    journey.shoot("code")
    page.locator("form[action='/inbox/verify'] button[type=submit]").click()
    expect(page).to_have_url(f"{url}/inbox")


def _open_request(journey: Journey, description: str) -> None:
    page = journey.payer
    page.locator(".inbox__link", has_text=description).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(description)
    journey.shoot("message")
    page.locator(".panel__actions a.button--primary, a.button--primary[href^='/pay/']").first.click()
    expect(page).to_have_url(re.compile(r"/pay/[^/]+$"))
    journey.shoot("request")


def _approve(journey: Journey, method: str) -> None:
    """The payer's part at the sandbox provider's page."""
    page = journey.payer
    if method in ("account_to_account", "fi_card"):
        expect(page).to_have_url(re.compile(r"/sandbox/openbanking/"))
        journey.shoot("bank")
        page.locator("button[name=decision][value=instant]").click()
    elif method == "mobilepay":
        expect(page).to_have_url(re.compile(r"/sandbox/mobilepay/"))
        page.locator("#phone").fill(ANNA_PHONE)
        journey.shoot("app")
        page.locator("button[name=decision][value=approve]").click()
    else:
        expect(page).to_have_url(re.compile(r"/sandbox/card/"))
        page.locator("#number").fill("4111 1111 1111 1111")
        page.locator("#expiry").fill("12/30")
        page.locator("#cvc").fill("123")
        page.locator("#name").fill("Anna Jensen")
        journey.shoot("card")
        page.locator("button[name=action][value=pay]").click()


def _assert_paid(app: BrowserApp, request: PaymentRequest) -> None:
    org_id = request.organisation_id
    with app.container.uow() as uow:
        found = uow.payment_requests.get(org_id, request.id)
        payments = uow.payments.list_for_request(org_id, request.id)
        events = uow.events.list_after(org_id, 0, 10_000)
    assert found is not None
    assert (found.status, found.paid_minor) == (RequestStatus.PAID, request.amount_minor)
    assert [p.status for p in payments] == [PaymentStatus.SUCCEEDED]
    succeeded = [e for e in events if e.type == "payment.succeeded" and e.data["id"] == payments[0].id]
    assert len(succeeded) == 1


def _pay(journey: Journey, request: PaymentRequest, method: str) -> None:
    page = journey.payer
    page.locator(f"form[action$='/pay/{method}'] button[type=submit]").click()
    _approve(journey, method)
    expect(page).to_have_url(re.compile(r"/pay/[^/]+/receipt$"))
    amount = Money(request.amount_minor, request.currency).format()
    expect(page.locator(".receipt .bill__amount")).to_have_text(amount)
    journey.shoot("receipt")
    _assert_paid(journey.app, request)


@pytest.mark.parametrize(
    ("method", "destination", "recipient"),
    [
        ("account_to_account", DEMO_PAYER, DEMO_PAYER),
        ("fi_card", DEMO_PAYER, DEMO_PAYER),
        ("mobilepay", ANNA_PHONE, "+4520304050"),
        ("card", DEMO_PAYER, DEMO_PAYER),
    ],
)
def test_payer_pays_by(
    method: str,
    destination: str,
    recipient: str,
    browser_app: BrowserApp,
    payer: BrowserContext,
    mailbox: Page,
    screenshots: Path,
) -> None:
    description = f"Rejsetest {method}"
    request = _bill(browser_app, description, 12_345, (method,))
    journey = Journey(browser_app, payer.new_page(), mailbox, screenshots, method)
    _log_in(journey, destination, recipient)
    _open_request(journey, description)
    _pay(journey, request, method)
    payer.close()


def _settle_betalingsservice(app: BrowserApp, request: PaymentRequest) -> None:
    """Betalingsservice's clock: the simulator settles on the due date, the fetch job reads the news."""
    day = next_banking_day(request.due_date).isoformat()
    response = httpx.post(f"{app.url}/sandbox/betalingsservice/admin/run-settlement", params={"date": day})
    assert response.status_code == 200, response.text
    with app.container.uow() as uow:
        uow.enqueue(NewJob(FETCH_KIND, {"browser": request.id}, max_attempts=1))
        uow.commit()
    worker = Worker(app.container, name="browser-test")
    while worker.run_once():
        pass


def test_payer_signs_up_for_betalingsservice_and_the_bill_is_collected(
    browser_app: BrowserApp, payer: BrowserContext, mailbox: Page, screenshots: Path
) -> None:
    description = "Rejsetest Betalingsservice"
    request = _bill(browser_app, description, 34_900, ("betalingsservice",))
    journey = Journey(browser_app, payer.new_page(), mailbox, screenshots, "betalingsservice")
    page = journey.payer
    _log_in(journey, ANNA_PHONE, "+4520304050")
    _open_request(journey, description)
    page.locator(".panel__actions a[href$='/betalingsservice']").click()
    journey.shoot("offer")
    page.locator("form[action$='/betalingsservice'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/sandbox/betalingsservice/signup/"))
    journey.shoot("signup")
    page.locator("button[name=decision][value=confirm]").click()
    expect(page).to_have_url(re.compile(r"/pay/[^/]+/betalingsservice/return"))
    expect(page.locator(".enroll__note")).to_be_visible()  # active; this bill is collected on its due date
    journey.shoot("return")
    with browser_app.container.uow() as uow:
        (payment,) = uow.payments.list_for_request(request.organisation_id, request.id)
        still_open = uow.payment_requests.get(request.organisation_id, request.id)
    assert payment.status is PaymentStatus.PENDING
    assert still_open is not None
    assert still_open.status is RequestStatus.OPEN  # submitted is not paid

    _settle_betalingsservice(browser_app, request)
    _assert_paid(browser_app, request)
    page.goto(f"{browser_app.url}/inbox")
    page.locator(".inbox__link", has_text=description).click()
    page.locator(".panel__actions a[href$='/receipt']").click()
    expect(page.locator(".receipt .bill__amount")).to_have_text(Money(34_900, "DKK").format())
    journey.shoot("receipt")
    payer.close()


def test_a_card_payment_is_followed_by_the_betalingsservice_offer(
    browser_app: BrowserApp, payer: BrowserContext, mailbox: Page, screenshots: Path
) -> None:
    description = "Rejsetest kort og tilmelding"
    email = "bo.berg@kunde.example"
    request = _bill(browser_app, description, 49_500, ("card", "betalingsservice"), email=email)
    journey = Journey(browser_app, payer.new_page(), mailbox, screenshots, "card-offer")
    page = journey.payer
    _log_in(journey, email, email)
    _open_request(journey, description)
    _pay(journey, request, "card")
    offer = page.locator(".panel--offer")
    expect(offer).to_be_visible()
    offer.locator("a[href$='/betalingsservice']").click()
    page.locator("form[action$='/betalingsservice'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/sandbox/betalingsservice/signup/"))
    page.locator("button[name=decision][value=confirm]").click()
    expect(page).to_have_url(re.compile(r"/pay/[^/]+/betalingsservice/return"))
    journey.shoot("enrolled")
    with browser_app.container.uow() as uow:
        mandates = uow.mandates.list_page(
            request.organisation_id, customer_id=request.customer_id, after_id=None, limit=10
        )
    assert [m.status.value for m in mandates] == ["active"]
    payer.close()
