"""Helpers for the open banking tests: a customer with an open request, and a payer at the sandbox bank."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest
from betal.domain.provider import CreatePayment
from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import NewPaymentRequest, create_payment_request

DATA = Path(__file__).parent / "data"
SANDBOX_ACCOUNT = "DK7091800012345678"  # Sandbox Sparekasse, everyday account
OTHER_SANDBOX_ACCOUNT = "DK6795700011223344"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def owner(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_openbanking_test")


def open_request(
    container: Container,
    org: CreatedOrganisation,
    *,
    customer_id: str | None = None,
    amount: int = 12_500,
    description: str = "Faktura 1042 – vinduespudsning",
) -> PaymentRequest:
    """An open request allowing account_to_account and fi_card (a new customer unless one is given)."""
    if customer_id is None:
        with container.uow() as uow:
            customer = create_customer(
                uow, container.cipher, owner(org), NewCustomer("Mette Jensen", email="mette@example.dk")
            )
        customer_id = customer.id
    due = business_date(container.clock.now()) + timedelta(days=14)
    data = NewPaymentRequest(customer_id, amount, "DKK", due, description, ("account_to_account", "fi_card"))
    with container.uow() as uow:
        return create_payment_request(uow, owner(org), data)


def command(
    container: Container,
    org: CreatedOrganisation,
    request: PaymentRequest,
    method: Method,
    *,
    payment_id: str,
    return_url: str,
    payer_account: str | None = None,
) -> CreatePayment:
    with container.uow() as uow:
        agreement = uow.agreements.get(org.organisation.id, method)
    assert agreement is not None
    return CreatePayment(
        payment_id=payment_id,
        organisation_id=org.organisation.id,
        method=method,
        amount_minor=request.amount_minor,
        currency=request.currency,
        description=request.description,
        return_url=return_url,
        creditor=dict(agreement.config),
        payer_account=payer_account,
        fi_payment_line=request.fi_payment_line,
    )


def sca_page(url: str) -> tuple[str, str]:
    """The bank's SCA page (HTML) and its CSRF token."""
    page = httpx.get(url, timeout=10)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None, "the SCA page has no form"
    return page.text, match.group(1)


def preselected(html: str) -> str | None:
    match = re.search(r'<option value="([A-Z0-9]+)" selected>', html)
    return None if match is None else match.group(1)


def decide(url: str, decision: str, account: str = SANDBOX_ACCOUNT) -> httpx.Response:
    """The payer opens the SCA page and presses a button; returns the bank's (unfollowed) answer."""
    _, csrf = sca_page(url)
    form = {"csrf_token": csrf, "decision": decision, "debtor_iban": account}
    return httpx.post(url, data=form, timeout=10, follow_redirects=False)


def settle_all(base_url: str) -> list[str]:
    """The sandbox bank's end-of-day run: standard transfers settle."""
    response = httpx.post(f"{base_url}/sandbox/openbanking/admin/settle", timeout=10)
    assert response.status_code == 200, response.text
    settled: list[str] = response.json()["settled"]
    return settled
