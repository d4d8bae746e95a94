"""Bank reconciliation in a real browser: the demo owner uploads a camt.053 statement in the portal, finds the
payment no rule could match in the unmatched queue, accepts the suggestion with one click and sees the entry
matched and the request paid.

Screenshots go to ``test-artifacts/screenshots/bank-*.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from betal.domain.payment_method import Method
from betal.domain.payment_request import RequestStatus
from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, create_customer
from betal.services.demo import DEMO_PASSWORD, ORGANISATIONS
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from tests.browser.conftest import BrowserApp
from tests.services.banking_support import Line, written

pytestmark = pytest.mark.browser

OWNER = "ejer@hansen.example"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


def _bill_and_statement(app: BrowserApp, folder: Path) -> tuple[str, Path]:
    """A new customer billed 4.321,00 DKK, and a statement where the bank spells the payer differently."""
    container = app.container
    with container.uow() as uow:
        organisation = uow.organisations.get_by_cvr(ORGANISATIONS[0][1])
        assert organisation is not None
        agreement = uow.agreements.get(organisation.id, Method.ACCOUNT_TO_ACCOUNT)
        assert agreement is not None
    owner = Principal(organisation.id, Role.OWNER, "system", "test")
    with container.uow() as uow:
        customer = create_customer(
            uow, container.cipher, owner, NewCustomer("Birgitte Nørgaard", email="bn@x.dk")
        )
    due = container.clock.now().date()
    data = NewPaymentRequest(customer.id, 432_100, "DKK", due, "Konsulentbistand", ("account_to_account",))
    with container.uow() as uow:
        bill = create_payment_request(uow, owner, data)
    path = folder / "kontoudtog.xml"
    line = Line("4321.00", name="B. Noergaard", remittance="Konsulent", bank_reference="BROWSER-1")
    path.write_bytes(written(str(agreement.config["creditor_iban"]), [line]))
    return bill.id, path


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/app/login")
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(f"{base_url}/app/")


def test_upload_see_the_unmatched_entry_accept_the_suggestion(
    browser: Browser, browser_app: BrowserApp, screenshots: Path, tmp_path: Path
) -> None:
    bill_id, statement = _bill_and_statement(browser_app, tmp_path)
    context = browser.new_context(viewport=DESKTOP, locale="da-DK")
    page = context.new_page()
    _log_in(page, browser_app.url)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Bank", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontoudtog")
    page.get_by_label("Indlæs et kontoudtog").set_input_files(str(statement))
    page.get_by_role("button", name="Indlæs", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Kontoudtoget blev indlæst og afstemt.")
    expect(page.get_by_test_id("entry")).to_have_count(1)
    expect(page.get_by_test_id("entry").get_by_test_id("match-status")).to_have_text("Ikke afstemt")
    page.screenshot(path=str(screenshots / "bank-statement.png"), full_page=True)

    page.get_by_role("link", name=re.compile(r"Uafstemte$")).click()
    item = page.get_by_test_id("unmatched-entry").filter(has_text="B. Noergaard")
    suggestion = item.get_by_test_id("suggestion").first
    expect(suggestion).to_contain_text("Same amount 4.321,00 DKK")
    expect(suggestion).to_contain_text(bill_id)
    page.screenshot(path=str(screenshots / "bank-unmatched.png"), full_page=True)
    suggestion.get_by_role("button", name="Godkend").click()
    expect(page.get_by_role("status")).to_have_text("Posteringen blev afstemt og bogført.")
    expect(page.get_by_test_id("unmatched-entry").filter(has_text="B. Noergaard")).to_have_count(0)

    page.goto(f"{browser_app.url}/app/bank")
    page.get_by_test_id("statement").first.get_by_role("link").click()
    expect(page.get_by_test_id("entry").get_by_test_id("match-status")).to_have_text("Afstemt")
    page.get_by_test_id("entry").get_by_role("link").click()
    expect(page.get_by_test_id("match")).to_contain_text("Manuelt")
    with browser_app.container.uow() as uow:
        paid = uow.payment_requests.get_any(bill_id)
    assert paid is not None
    assert paid.status is RequestStatus.PAID
    context.close()
