"""The whole payables flow in a real browser (payables issue, item 9): the demo bookkeeper uploads an
OIOUBL e-invoice and sees its bank details read from it, makes a payment order and sends it for approval;
the approver opens the link from the e-mail on a phone, sees the invoice and approves; at the cut-off of
the execution date the worker's jobs put the order in a pain.001 that the sandbox bank accepts over HTTP;
the next morning the bank's camt.053 is fetched and imported, and the portal shows the invoice paid, the
order executed and the payment booked from payables against the bank.

The app runs on a frozen clock that the test moves: Monday 23 November 2026 at 10:00 in Copenhagen, then
14:30 (after the 14:00 cut-off), then Tuesday at 07:00. Jobs run in-process through the real worker.
Screenshots go to ``test-artifacts/screenshots/payables-flow-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from betal.adapters.clock import FrozenClock
from betal.domain.tenancy import Principal, Role
from betal.jobs.worker import Worker
from betal.services.approval_policy import PolicyInput, put_policy
from betal.services.demo import DEMO_PASSWORD, ORGANISATIONS, seed_demo_suppliers
from tests.browser.conftest import BrowserApp, _serve
from tests.browser.phone import LINK, approve_on_a_phone

pytestmark = pytest.mark.browser

E_INVOICE = Path(__file__).resolve().parents[1] / "formats" / "data" / "ubl" / "valid" / "oioubl-bank.xml"
BOOKKEEPER = "revisor@tal.example"
APPROVER = "godkender@hansen.example"
OWNER = "ejer@hansen.example"  # may approve, but is not on the policy
DEBTOR = "DK9553010000244041"  # the demo company's payment account, 5301 0244041
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen, before the cut-off
AFTER_CUTOFF = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 14:30 in Copenhagen
TUESDAY = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 07:00 in Copenhagen
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Flow:
    app: BrowserApp
    clock: FrozenClock

    def run_jobs(self) -> None:
        """Run every job due now through the real worker, as ``betal worker`` would, until none is left."""
        while Worker(self.app.container, name="browser-test").run_once():
            pass


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    """The demo app on a frozen clock, seeded as ``betal serve --demo`` does (Hansen & Co's suppliers and
    the payment account it pays from), with Lars Hansen as the one approver on the approval policy."""
    clock = FrozenClock(MONDAY)
    with _serve(tmp_path_factory, payer=False, clock=clock) as served:
        container = served.container
        with container.uow() as uow:
            seed_demo_suppliers(uow)
        with container.uow() as uow:
            hansen = uow.organisations.get_by_cvr(ORGANISATIONS[0][1])
            approver = uow.users.get_by_email(APPROVER)
        assert hansen is not None
        assert approver is not None
        with container.uow() as uow:
            owner = Principal(hansen.id, Role.OWNER, "system", "test")
            put_policy(uow, owner, PolicyInput(1, (approver.id,)))
        yield Flow(served, clock)


def _log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/app/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(f"{base_url}/app/")


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"payables-flow-{name}.png"), full_page=True)


def _upload_invoice(page: Page, base_url: str) -> str:
    """Book the e-invoice from the upload form; the invoice page's URL."""
    page.goto(f"{base_url}/app/payables/invoices/new")
    page.get_by_label("XML-fil").set_input_files(E_INVOICE)
    page.get_by_role("button", name="Læs og bogfør").click()
    expect(page.get_by_role("status")).to_contain_text("Fakturaen er bogført.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontorhuset Vest A/S · 100482")
    expect(page.get_by_test_id("total")).to_have_text("2.782,50 DKK")
    expect(page.get_by_test_id("vat")).to_have_text("472,50 DKK")
    expect(page.get_by_test_id("means")).to_have_text("Dansk konto 0040 0440116243")
    expect(page.get_by_test_id("status")).to_have_text("Bogført")
    return page.url.split("?")[0]


def _order_and_send(page: Page) -> str:
    """Make the invoice's payment order and send it for approval; the order page's URL."""
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Betalingsordrer").click()
    page.get_by_label("Betal faktura 100482").check()
    page.get_by_role("button", name="Opret betalingsordrer").click()
    expect(page.get_by_role("status")).to_contain_text("Betalingsordren er oprettet.")
    expect(page.get_by_test_id("status")).to_have_text("Kladde")
    expect(page.get_by_test_id("amount")).to_have_text("2.782,50 DKK")
    # due 30 April: long past, so it goes on the first banking day from today
    expect(page.get_by_test_id("execution-date")).to_contain_text("23. nov. 2026")
    page.get_by_role("button", name="Send til godkendelse").click()
    expect(page.get_by_test_id("status")).to_have_text("Afventer godkendelse")
    return page.url.split("?")[0]


def _approval_link(page: Page, base_url: str) -> str:
    """The approve link from the one approval e-mail the notification system sent."""
    page.goto(f"{base_url}/app/dev/mailbox")
    mails = page.get_by_test_id("mail").filter(has_text="Godkend 1 betaling for Hansen & Co ApS")
    expect(mails).to_have_count(1)  # to the approver on the policy only, not to the owner
    expect(mails).to_contain_text(APPROVER)
    expect(mails).not_to_contain_text(OWNER)
    expect(mails).to_contain_text("1 betaling på i alt 2.782,50 kr.")
    match = LINK.search(mails.get_by_test_id("mail-body").inner_text())
    assert match is not None
    assert match.group(1).startswith(f"{base_url}/approve/")
    return match.group(1)


def _approve_on_a_phone(browser: Browser, link: str, screenshots: Path) -> None:
    phone, _ = approve_on_a_phone(
        browser, link, supplier="Kontorhuset Vest A/S", amount="2.782,50 DKK",
        line="Kopipapir A4, 5 x 500 ark", shoot=lambda page: _shoot(page, screenshots, "approve-phone"),
    )  # fmt: skip
    phone.close()


def _the_bank_accepted(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/app/payables/bank-files")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bankfiler")
    bank_file = page.get_by_test_id("bank-file")
    expect(bank_file).to_have_count(1)
    expect(bank_file.locator("header")).to_contain_text("Godkendt af banken")
    expect(bank_file).to_contain_text(DEBTOR)
    expect(bank_file).to_contain_text("2782.50")  # the control sum
    row = bank_file.get_by_test_id("bank-file-order")
    expect(row).to_contain_text("Kontorhuset Vest A/S")
    expect(row).to_contain_text("100482")


def _the_statement_confirmed(page: Page, base_url: str) -> None:
    """Yesterday's camt.053, fetched this morning, holds the debit, matched to the order."""
    page.goto(f"{base_url}/app/bank")
    yesterdays = page.get_by_test_id("statement").filter(has_text="24. nov. 2026 07.00")
    yesterdays.filter(has_text="23. nov. 2026").get_by_role("link").click()
    expect(page.get_by_test_id("matched-count")).to_have_text("1")
    expect(page.get_by_test_id("unmatched-count")).to_have_text("0")
    entry = page.get_by_test_id("entry")
    expect(entry).to_contain_text("Kontorhuset Vest A/S")
    expect(entry).to_contain_text("−2.782,50 DKK")
    expect(entry.get_by_test_id("match-status")).to_have_text("Afstemt")


def _booked(page: Page, base_url: str, order_id: str) -> None:
    """The journal's newest entry: the payment, debit payables and credit the bank."""
    page.goto(f"{base_url}/app/ledger/journal")
    entry = page.get_by_role("article", name="Bilag 2")
    expect(entry).to_contain_text("Betalingsordre")
    expect(entry).to_contain_text(order_id)
    postings = entry.get_by_role("row")
    expect(postings.filter(has_text="Kreditorer").get_by_role("cell")).to_have_text(
        ["6810 Kreditorer", "DKK", "2.782,50 DKK", ""]
    )
    expect(postings.filter(has_text="Bank").get_by_role("cell")).to_have_text(
        ["5810 Bank", "DKK", "", "2.782,50 DKK"]
    )


def test_an_e_invoice_is_approved_from_the_email_paid_at_the_bank_and_booked(
    browser: Browser, flow: Flow, screenshots: Path
) -> None:
    url = flow.app.url
    desk = browser.new_context(viewport=DESKTOP, locale="da-DK")
    bookkeeper = desk.new_page()
    _log_in(bookkeeper, url, BOOKKEEPER)
    invoice_url = _upload_invoice(bookkeeper, url)
    _shoot(bookkeeper, screenshots, "invoice")
    order_url = _order_and_send(bookkeeper)
    flow.run_jobs()  # the notification jobs
    _approve_on_a_phone(browser, _approval_link(bookkeeper, url), screenshots)

    flow.run_jobs()  # 10:00: approved, but nothing goes to the bank before the cut-off
    bookkeeper.goto(order_url)
    expect(bookkeeper.get_by_test_id("status")).to_have_text("Godkendt")
    expect(bookkeeper.get_by_test_id("decisions")).to_contain_text("Lars Hansen")
    bookkeeper.goto(f"{url}/app/payables/bank-files")
    expect(bookkeeper.get_by_test_id("bank-file")).to_have_count(0)

    flow.clock.set(AFTER_CUTOFF)
    flow.run_jobs()  # payments.execute, bank_files.submit and bank_files.poll over HTTP
    _the_bank_accepted(bookkeeper, url)
    _shoot(bookkeeper, screenshots, "bank-files")
    desk.close()

    flow.clock.set(TUESDAY)
    flow.run_jobs()  # bank.statements
    desk = browser.new_context(viewport=DESKTOP, locale="da-DK")
    bookkeeper = desk.new_page()
    _log_in(bookkeeper, url, BOOKKEEPER)
    _the_statement_confirmed(bookkeeper, url)
    bookkeeper.goto(invoice_url)
    expect(bookkeeper.get_by_test_id("status")).to_have_text("Betalt")
    expect(bookkeeper.locator(".rows__item", has_text="Betalingsordre")).to_contain_text("Udført")
    bookkeeper.goto(order_url)
    expect(bookkeeper.get_by_test_id("status")).to_have_text("Udført")
    _booked(bookkeeper, url, order_url.rsplit("/", 1)[-1])
    _shoot(bookkeeper, screenshots, "journal")
    desk.close()
