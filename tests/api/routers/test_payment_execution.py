"""``/v1/payment-accounts`` and ``/v1/bank-files`` over HTTP: add and list accounts, the bank files with
their status and orders, and the pain.001 XML as it was made; another organisation's file is a 404."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from betal.api.app import create_app
from betal.services.payment_execution import execute_all_due
from tests.helpers import assert_problem
from tests.services.approval_support import World, supplier
from tests.services.execution_support import AFTER_CUTOFF, approved

ACCOUNT = {
    "name": "Driftskonto",
    "dk_account": {"reg_no": "0040", "account_no": "440116254"},
    "cutoff": "13:30",
}


@pytest.fixture
def api(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.container), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {world.org.api_key}"
        yield client


class TestPaymentAccounts:
    def test_add_and_list(self, api: TestClient) -> None:
        made = api.post("/v1/payment-accounts", json=ACCOUNT, headers={"Idempotency-Key": "a1"})
        assert made.status_code == 201, made.text
        body = made.json()
        assert (body["iban"], body["is_default"], body["cutoff"], body["file_version"]) == (
            "DK4400400440116254", True, "13:30", "pain.001.001.09",
        )  # fmt: skip
        listed = api.get("/v1/payment-accounts").json()["data"]
        assert [a["id"] for a in listed] == [body["id"]]

    def test_bad_details_are_422_per_field(self, api: TestClient) -> None:
        response = api.post("/v1/payment-accounts", json={"name": "X", "iban": "DK00", "bic": "?"})
        body = assert_problem(response, 422, "payment_account.invalid")
        assert {e["field"] for e in body["errors"]} == {"iban", "bic"}


class TestBankFiles:
    def test_list_orders_and_the_xml(self, world: World, api: TestClient) -> None:
        api.post("/v1/payment-accounts", json=ACCOUNT)
        order = approved(world, supplier(world))
        world.clock.set(AFTER_CUTOFF)
        with world.container.uow() as uow:
            [made] = execute_all_due(uow).files
        [listed] = api.get("/v1/bank-files").json()["data"]
        assert (listed["id"], listed["status"], listed["payment_count"], listed["control_sum"]) == (
            made.id, "created", 1, "1250.00",
        )  # fmt: skip
        orders = api.get(f"/v1/bank-files/{made.id}/orders").json()["data"]
        assert [(o["id"], o["status"]) for o in orders] == [(order.id, "submitted")]
        xml = api.get(f"/v1/bank-files/{made.id}")
        assert xml.status_code == 200
        assert xml.headers["content-type"].startswith("application/xml")
        assert made.message_id.encode() in xml.content
        assert_problem(api.get("/v1/bank-files/bfile_01JD0000000000000000000000"), 404, "bank_file.not_found")
