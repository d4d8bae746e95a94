"""The portal in a real browser: log in as the accountant, switch organisation and language, log out.

Screenshots (desktop 1280x800, phone 375x812) go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from betal.services.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ACCOUNTANT = "revisor@tal.example"
OWNER = "ejer@hansen.example"
ORG_A = "Hansen & Co ApS"
ORG_B = "Nordlys Café I/S"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 812}


def _log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/app/")
    expect(page).to_have_url(re.compile(r"/app/login"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(f"{base_url}/app/")


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_accountant_logs_in_switches_organisation_and_language_and_logs_out(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="da-DK")
    page = context.new_page()
    page.goto(f"{live_server}/app/login")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    _shoot(page, screenshots, "login-desktop")

    _log_in(page, live_server, ACCOUNTANT)
    expect(page.get_by_role("heading", level=1)).to_have_text(ORG_A)
    expect(page.get_by_test_id("cvr")).to_have_text("25313763")
    expect(page.get_by_test_id("role")).to_have_text("Bogholder")
    _shoot(page, screenshots, "dashboard-desktop")

    page.get_by_label("Organisation", exact=True).select_option(label=ORG_B)
    page.get_by_role("button", name="Skift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORG_B)
    expect(page.get_by_test_id("cvr")).to_have_text("10150817")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("Your organisations")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORG_B)
    _shoot(page, screenshots, "dashboard-desktop-en")
    page.get_by_role("link", name="Dansk").click()
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_text("Dine organisationer")).to_be_visible()

    page.get_by_role("button", name="Log ud").click()
    expect(page).to_have_url(re.compile(r"/app/login$"))
    page.goto(f"{live_server}/app/")
    expect(page).to_have_url(re.compile(r"/app/login"))
    context.close()


def test_portal_on_a_phone(browser: Browser, live_server: str, screenshots: Path) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/app/login")
    _shoot(page, screenshots, "login-phone")
    _log_in(page, live_server, ACCOUNTANT)
    expect(page.get_by_role("heading", level=1)).to_have_text(ORG_A)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    _shoot(page, screenshots, "dashboard-phone")
    context.close()


def test_owner_sees_the_activity_log(browser: Browser, live_server: str, screenshots: Path) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _log_in(page, live_server, OWNER)
    expect(page.get_by_role("heading", name="Seneste aktivitet")).to_be_visible()
    expect(page.get_by_text("Tilføjede et medlem").first).to_be_visible()
    _shoot(page, screenshots, "dashboard-owner-desktop")
    page.goto(f"{live_server}/app/does-not-exist")
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden blev ikke fundet")
    _shoot(page, screenshots, "error-404-desktop")
    context.close()
