"""The ledger in a real browser: the demo owner opens the ledger from the menu, sees the balance chart,
reads the journal, downloads it as CSV, reverses an entry, and checks the trial balance and the
receivables aging; the journal on a phone. The strict Content-Security-Policy reports no violation.

The app is served over its own database with the demo payer's bills (booked when they were issued).
Screenshots go to ``test-artifacts/screenshots/ledger-*.png``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from betal.services.demo import DEMO_PASSWORD
from tests.browser.conftest import BrowserApp, _serve

pytestmark = pytest.mark.browser

OWNER = "ejer@hansen.example"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 812}


@pytest.fixture(scope="module")
def ledger_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserApp]:
    with _serve(tmp_path_factory, payer=True) as app:
        yield app


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/app/login")
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(f"{base_url}/app/")


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"ledger-{name}.png"), full_page=True)


def test_owner_reads_the_books_downloads_the_journal_and_reverses_an_entry(
    browser: Browser, ledger_app: BrowserApp, screenshots: Path, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="da-DK", accept_downloads=True)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if _is_csp(m) else None)
    _log_in(page, ledger_app.url)

    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Regnskab").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Regnskab")
    chart = page.get_by_role("img", name=re.compile("Saldi de seneste 30 dage"))
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)
    # Anna's bills in Hansen & Co: 8.500,00 + 349,00 kr.
    expect(page.get_by_text("Tilgodehavender: 8.849,00 DKK")).to_be_visible()
    expect(page.get_by_text("Regnskabet stemmer")).to_be_visible()
    _shoot(page, screenshots, "overview-desktop")

    page.get_by_role("navigation", name="Regnskabets sider").get_by_role("link", name="Journal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal")
    first = page.get_by_role("article", name="Bilag 1")
    expect(first.get_by_role("cell", name="5600 Debitorer")).to_be_visible()
    expect(first.get_by_role("cell", name="8.500,00 DKK")).to_have_count(2)  # debit receivables, credit sales

    with page.expect_download() as download:
        page.get_by_role("link", name="Hent CSV").click()
    saved = tmp_path / "journal.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert [(r["entry_number"], r["account_code"], r["debit"], r["credit"]) for r in rows[:2]] == [
        ("1", "5600", "8500.00", ""), ("1", "1010", "", "8500.00"),
    ]  # fmt: skip

    second = page.get_by_role("article", name="Bilag 2")
    second.get_by_text("Tilbagefør bilag 2").click()
    second.get_by_label("Begrundelse").fill("Sendt to gange")
    second.get_by_role("button", name="Bogfør tilbageførslen").click()
    expect(page.get_by_role("status")).to_have_text("Bilaget er tilbageført.")
    reversal = page.get_by_role("article", name="Bilag 3")
    expect(reversal.get_by_text("Tilbageførsel af bilag 2: Sendt to gange")).to_be_visible()
    expect(reversal.get_by_text("Tilbageførsel", exact=True)).to_be_visible()
    expect(reversal.get_by_text("Tilbagefør bilag 3")).to_have_count(0)  # a reversal is final
    expect(second.get_by_text("Tilbageført", exact=True)).to_be_visible()
    expect(second.get_by_text("Tilbagefør bilag 2")).to_have_count(0)
    _shoot(page, screenshots, "journal-desktop")

    page.get_by_role("link", name="Saldobalance").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Saldobalance")
    expect(page.get_by_role("row", name=re.compile("5600 Debitorer"))).to_contain_text("8.500,00 DKK")
    expect(page.get_by_role("status")).to_contain_text("Regnskabet stemmer")

    page.get_by_role("link", name="Aldersfordelte tilgodehavender").click()
    cells = page.get_by_role("row", name=re.compile("Anna Jensen")).get_by_role("cell")
    expect(cells.nth(2)).to_have_text("8.849,00 DKK")  # not yet due
    page.get_by_label("Pr. dato").fill("2099-01-01")
    page.get_by_role("button", name="Vis").click()
    expect(cells.nth(6)).to_have_text("8.849,00 DKK")  # over 90 days
    expect(cells.nth(2)).to_have_text("0,00 DKK")
    _shoot(page, screenshots, "aging-desktop")
    assert violations == []
    context.close()


def test_the_journal_on_a_phone(browser: Browser, ledger_app: BrowserApp, screenshots: Path) -> None:
    context = browser.new_context(viewport=PHONE, locale="da-DK", is_mobile=True, has_touch=True)
    page = context.new_page()
    _log_in(page, ledger_app.url)
    page.goto(f"{ledger_app.url}/app/ledger/journal")
    entry = page.get_by_role("article", name="Bilag 1")
    expect(entry.get_by_role("columnheader", name="Debet")).to_be_hidden()  # each cell shows its own label
    expect(entry.get_by_role("cell", name="8.500,00 DKK").first).to_be_visible()
    box = entry.bounding_box()
    assert box is not None
    assert box["width"] <= 375
    page.goto(f"{ledger_app.url}/app/ledger")
    expect(page.get_by_role("img", name=re.compile("Saldi de seneste 30 dage"))).to_be_visible()
    _shoot(page, screenshots, "phone")
    context.close()


def _is_csp(message: ConsoleMessage) -> bool:
    return "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
