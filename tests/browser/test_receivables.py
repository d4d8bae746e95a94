"""Receivables in a real browser: the demo owner creates a customer and a payment request through the
portal's forms, opens the request and cancels it; the same pages on a phone.

Screenshots (desktop 1280x800, phone 375x812) go to ``test-artifacts/screenshots/receivables-*.png``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from betal.services.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

OWNER = "ejer@hansen.example"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 812}


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/app/login")
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(f"{base_url}/app/")


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"receivables-{name}.png"), full_page=True)


def _fits(page: Page, viewport: ViewportSize) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "no sideways scrolling"


def _create_customer(page: Page, name: str, email: str) -> None:
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Kunder").click()
    page.get_by_role("link", name="Ny kunde").click()
    page.get_by_role("button", name="Opret kunde").click()  # empty: the errors come back next to the fields
    expect(page.get_by_text("Skriv kundens navn (højst 200 tegn).")).to_be_visible()
    page.get_by_label("Navn").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Telefon").fill("20 30 40 50")
    page.get_by_role("button", name="Opret kunde").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def _create_request(page: Page, folder: Path, suffix: str) -> None:
    page.get_by_role("link", name="Ny betalingsanmodning").click()
    page.get_by_label("Beløb").fill("1.234,5")
    page.get_by_label("Forfaldsdato").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_label("Beskrivelse").fill("Husleje december")
    page.get_by_label("Reference").fill("F-2026-117")
    page.get_by_label("Indbetalingskort (FI-kort)").check()
    page.get_by_label("MobilePay").check()
    page.get_by_label("Beløb").fill("1.234,567")
    page.get_by_role("button", name="Opret og send").click()
    expect(page.get_by_text("Beløbet har flere decimaler, end valutaen tillader.")).to_be_visible()
    _shoot(page, folder, f"form-errors-{suffix}")
    page.get_by_label("Beløb").fill("1.234,50")
    page.get_by_role("button", name="Opret og send").click()
    expect(page.get_by_test_id("amount")).to_have_text("1.234,50 DKK")
    expect(page.get_by_test_id("status")).to_have_text("Afventer betaling")
    expect(page.get_by_label("Betalingslink")).to_have_value(re.compile(r"/pay/"))
    expect(page.get_by_label("FI-kodelinje")).to_have_value(re.compile(r"^\+71<\d{15}\+\d{8}<$"))


def test_owner_creates_a_customer_and_a_request_and_cancels_it(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="da-DK")
    page = context.new_page()
    _log_in(page, live_server)
    _create_customer(page, "Café Ørsted ApS", "kontor@orsted.example")
    _shoot(page, screenshots, "customer-desktop")
    _create_request(page, screenshots, "desktop")
    expect(page.get_by_test_id("timeline")).to_contain_text("Betalingsanmodningen blev oprettet")
    _shoot(page, screenshots, "request-desktop")

    page.get_by_role("button", name="Annuller anmodningen").click()
    expect(page.get_by_text("Betalingsanmodningen er annulleret.")).to_be_visible()
    expect(page.get_by_test_id("status")).to_have_text("Annulleret")
    expect(page.get_by_role("button", name="Annuller anmodningen")).to_have_count(0)
    items = page.get_by_test_id("timeline").locator("li")
    expect(items.last).to_contain_text("Betalingsanmodningen blev annulleret")
    expect(items.last).to_contain_text("Mette Hansen")
    _shoot(page, screenshots, "cancelled-desktop")

    page.get_by_role("link", name="Betalingsanmodninger", exact=True).first.click()
    page.get_by_label("Status").select_option(label="Annulleret")
    page.get_by_role("button", name="Filtrér").click()
    expect(page.get_by_role("link", name="Husleje december").first).to_be_visible()
    _shoot(page, screenshots, "requests-desktop")
    for path, name in (
        ("/app/customers", "customers"),
        ("/app/payments", "payments"),
        ("/app/mandates", "mandates"),
    ):
        page.goto(f"{live_server}{path}")
        _shoot(page, screenshots, f"{name}-desktop")
    context.close()


def test_the_pages_on_a_phone(browser: Browser, live_server: str, screenshots: Path) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    _log_in(page, live_server)
    _fits(page, PHONE)
    _create_customer(page, "Jens Hansen", "jens@example.dk")
    _fits(page, PHONE)
    _create_request(page, screenshots, "phone")
    _fits(page, PHONE)
    _shoot(page, screenshots, "request-phone")
    for path, name in (("/app/payment-requests", "requests"), ("/app/customers", "customers"),
                       ("/app/payment-requests/new", "form")):  # fmt: skip
        page.goto(f"{live_server}{path}")
        _fits(page, PHONE)
        _shoot(page, screenshots, f"{name}-phone")
    context.close()
