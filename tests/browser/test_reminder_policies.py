"""Reminder policies in a real browser: the demo owner opens the built-in policy from the menu, gives a
reminder a fee above the law's limit, sees the rule broken next to the field, corrects it and saves the
policy as the organisation's own; the editor on a phone.

Screenshots go to ``test-artifacts/screenshots/reminders-*.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from betal.services.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

OWNER = "ejer@hansen.example"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 812}
TOO_HIGH = "Renteloven § 9 b: Et rykkergebyr er højst 100 kr."


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/app/login")
    page.get_by_label("E-mail").fill(OWNER)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(f"{base_url}/app/")


def _shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"reminders-{name}.png"), full_page=True)


def test_owner_sees_the_rule_broken_next_to_the_fee_and_saves_the_policy(
    browser: Browser, live_server: str, screenshots: Path
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="da-DK")
    page = context.new_page()
    _log_in(page, live_server)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Rykkere").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rykkerforløb")
    page.get_by_role("link", name="Standard (indbygget)").click()
    expect(page.get_by_text("Dette er betals indbyggede rykkerforløb.")).to_be_visible()

    fourth = page.get_by_role("group", name="Rykker 4", exact=True)
    expect(fourth.get_by_label("Dag")).to_have_value("10")
    fourth.get_by_label("Gebyr (kr.)").fill("150")
    page.get_by_role("button", name="Gem rykkerforløb").click()
    expect(page.get_by_role("alert")).to_contain_text("Rykkerforløbet blev ikke gemt.")
    expect(fourth.get_by_text(TOO_HIGH)).to_be_visible()
    expect(fourth.get_by_label("Gebyr (kr.)")).to_have_value("150")
    expect(fourth.get_by_label("Gebyr (kr.)")).to_have_attribute("aria-invalid", "true")
    _shoot(page, screenshots, "editor-error-desktop")

    fourth.get_by_label("Gebyr (kr.)").fill("100,00")
    page.get_by_label("Navn").fill("Hansens rykkere")
    page.get_by_role("button", name="Gem rykkerforløb").click()
    expect(page).to_have_url(re.compile(r"/app/reminder-policies/rpol_\w+\?notice=saved$"))
    expect(page.get_by_role("status").filter(has_text="Rykkerforløbet er gemt.")).to_be_visible()
    expect(page.get_by_text(TOO_HIGH)).to_have_count(0)
    page.get_by_role("link", name=re.compile(r"Rykkerforløb$")).click()
    expect(page.get_by_test_id("policy")).to_have_count(1)
    expect(page.get_by_test_id("policy")).to_contain_text("Hansens rykkere")
    expect(page.get_by_test_id("policy")).to_contain_text("Standard")
    context.close()


def test_the_editor_on_a_phone(browser: Browser, live_server: str, screenshots: Path) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    _log_in(page, live_server)
    page.goto(f"{live_server}/app/reminder-policies/new")
    page.get_by_label("Navn").fill("Telefon")
    first = page.get_by_role("group", name="Rykker 1", exact=True)
    first.get_by_label("Dag").fill("0")
    first.get_by_label("E-mail").check()
    first.get_by_label("Gebyr (kr.)").fill("50")
    page.get_by_role("button", name="Gem rykkerforløb").click()
    expect(
        first.get_by_text("Renteloven § 9 b: Der kan først opkræves rykkergebyr efter forfaldsdagen.")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
    _shoot(page, screenshots, "editor-error-phone")
    context.close()
