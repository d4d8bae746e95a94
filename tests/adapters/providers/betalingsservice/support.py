"""Driving the Betalingsservice simulator as a payer and as Betalingsservice's clock, over real HTTP."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import httpx

SANDBOX = "/sandbox/betalingsservice"


def sign_up(signup_url: str, *, behaviour: str = "pay", decision: str = "confirm") -> str:
    """Confirm (or cancel) the sign-up at the simulator's page like a payer; returns where it sends them."""
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        page = client.get(signup_url)
        assert page.status_code == 200, page.text
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
        assert token is not None
        query = {k: v[0] for k, v in parse_qs(urlsplit(signup_url).query).items()}
        form = {**query, "csrf_token": token.group(1), "reg_no": "5301", "account_no": "0123456789",
                "cpr": "0101901234", "behaviour": behaviour, "decision": decision}  # fmt: skip
        answer = client.post(signup_url.split("?")[0], data=form)
        assert answer.status_code == 303, answer.text
        return answer.headers["location"]


def run_settlement(base_url: str, day: date) -> list[str]:
    """Have the simulator settle every collection due on or before ``day``; the deliveries it made."""
    response = httpx.post(f"{base_url}{SANDBOX}/admin/run-settlement", params={"date": day.isoformat()})
    assert response.status_code == 200, response.text
    deliveries: list[str] = response.json()["deliveries"]
    return deliveries


def cancel_mandate(base_url: str, reference: str) -> list[str]:
    """Cancel a mandate at the simulator as the payer's bank would (0232)."""
    pbs_number, group, customer = reference.split("/")
    params = {"pbs_number": pbs_number, "debtor_group": group, "customer_number": customer}
    response = httpx.post(f"{base_url}{SANDBOX}/admin/cancel-mandate", params=params)
    assert response.status_code == 200, response.text
    deliveries: list[str] = response.json()["deliveries"]
    return deliveries
