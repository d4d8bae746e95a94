"""Payment approval in a real browser: the demo bookkeeper makes a payment order from a booked invoice and
sends it for approval; the approver opens the link from the e-mail in the dev mailbox on a phone, sees the
supplier, the amount and the invoice, approves, and the bookkeeper sees the order approved.

Screenshots go to ``test-artifacts/screenshots/approvals-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from betal.domain.calendar import business_date
from betal.domain.tenancy import Principal, Role
from betal.services.demo import DEMO_PASSWORD, ORGANISATIONS
from betal.services.supplier import SupplierInput, create_supplier
from betal.services.supplier_invoice import InvoiceInput, LineInput, create_invoice
from tests.browser.conftest import BrowserApp, _serve
from tests.browser.phone import LINK, approve_on_a_phone

pytestmark = pytest.mark.browser

BOOKKEEPER = "revisor@tal.example"
APPROVER = "godkender@hansen.example"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserApp]:
    """The demo app with one booked invoice from a supplier of Hansen & Co ApS."""
    with _serve(tmp_path_factory, payer=False) as served:
        container = served.container
        with container.uow() as uow:
            hansen = uow.organisations.get_by_cvr(ORGANISATIONS[0][1])
            assert hansen is not None
        principal = Principal(hansen.id, Role.BOOKKEEPER, "system", "test")
        with container.uow() as uow:
            bank = SupplierInput(
                "Kontorartikler A/S", cvr="13748136", dk_reg_no="0040", dk_account_no="0440116243"
            )
            supplier = create_supplier(uow, principal, bank)
        due = business_date(container.clock.now()) + timedelta(days=14)
        lines = (LineInput("Kopipapir, 40 kasser", 100_000),)
        data = InvoiceInput(
            supplier.id, "F-2026-0042", due - timedelta(days=30), due, "DKK", 25_000, 125_000, lines=lines
        )
        with container.uow() as uow:
            create_invoice(uow, principal, data)
        yield served


def _log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/app/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(f"{base_url}/app/")


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"approvals-{name}.png"), full_page=True)


def test_an_order_is_approved_from_the_email_link_on_a_phone(
    browser: Browser, app: BrowserApp, screenshots: Path
) -> None:
    desk = browser.new_context(viewport=DESKTOP, locale="da-DK")
    bookkeeper = desk.new_page()
    _log_in(bookkeeper, app.url, BOOKKEEPER)
    bookkeeper.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Betalingsordrer").click()
    expect(bookkeeper.get_by_role("heading", level=1)).to_have_text("Betalingsordrer")
    bookkeeper.get_by_label("Betal faktura F-2026-0042").check()
    bookkeeper.get_by_role("button", name="Opret betalingsordrer").click()
    expect(bookkeeper.get_by_role("status")).to_contain_text("Betalingsordren er oprettet.")
    expect(bookkeeper.get_by_test_id("status")).to_have_text("Kladde")
    bookkeeper.get_by_role("button", name="Send til godkendelse").click()
    expect(bookkeeper.get_by_role("status")).to_contain_text("Sendt til godkendelse")
    expect(bookkeeper.get_by_test_id("status")).to_have_text("Afventer godkendelse")
    order_url = bookkeeper.url.split("?")[0]
    _shoot(bookkeeper, screenshots, "order-sent-desktop")

    bookkeeper.goto(f"{app.url}/app/dev/mailbox")
    mail = bookkeeper.get_by_test_id("mail").filter(has_text=APPROVER).first
    expect(mail).to_contain_text("Godkend 1 betaling for Hansen & Co ApS")
    match = LINK.search(mail.get_by_test_id("mail-body").inner_text())
    assert match is not None
    link = match.group(1)
    assert link.startswith(f"{app.url}/approve/")

    phone, approver = approve_on_a_phone(
        browser, link, supplier="Kontorartikler A/S", amount="1.250,00 DKK", line="Kopipapir, 40 kasser",
        shoot=lambda page: _shoot(page, screenshots, "link-phone"),
    )  # fmt: skip
    _shoot(approver, screenshots, "approved-phone")
    approver.goto(link)
    expect(approver.get_by_role("heading", level=1)).to_have_text("Allerede brugt")
    phone.close()

    bookkeeper.goto(order_url)
    expect(bookkeeper.get_by_test_id("status")).to_have_text("Godkendt")
    expect(bookkeeper.get_by_test_id("decisions")).to_contain_text("Lars Hansen")
    desk.close()
