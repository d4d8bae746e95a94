"""Approving from the e-mail link on a phone-sized page: the steps the approval tests share."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

PHONE: ViewportSize = {"width": 375, "height": 812}
LINK = re.compile(r"Godkend: (\S+)")


def approve_on_a_phone(
    browser: Browser, link: str, *, supplier: str, amount: str, line: str, shoot: Callable[[Page], None]
) -> tuple[BrowserContext, Page]:
    """Open ``link`` on a phone, check the order and its invoice line, approve; the phone stays open."""
    phone = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="da-DK"
    )
    approver = phone.new_page()
    approver.goto(link)
    order = approver.get_by_test_id("order")
    expect(order.get_by_role("heading", level=2)).to_have_text(supplier)
    expect(order.get_by_test_id("amount")).to_have_text(amount)
    order.get_by_text("Fakturaen").click()
    expect(order.get_by_text(line)).to_be_visible()
    shoot(approver)
    order.get_by_role("button", name="Godkend").click()
    expect(approver.get_by_test_id("done")).to_contain_text("1 betaling godkendt")
    return phone, approver
