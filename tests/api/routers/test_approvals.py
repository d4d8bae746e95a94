"""``/v1/payment-orders``, ``/v1/approval-policy`` and ``/v1/approval-requests`` over HTTP: orders from
invoices (one or bulk, all or nothing), past dates refused, FX shown, cancel; the policy; sending for
approval; decisions need a person, so an API key gets 403."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from betal.domain.notification import Template
from betal.domain.tenancy import Role
from tests.helpers import assert_problem
from tests.services.approval_support import World, auth, client, ecb_rates, invoice, key, outbox, supplier

__all__ = ["auth", "client"]  # the world's API fixtures (tests.services.approval_support)

DE_IBAN = "DE89370400440532013000"


def make_order(client: TestClient, auth: dict[str, str], invoice_id: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/v1/payment-orders", json={"supplier_invoice_id": invoice_id, **body}, headers=auth
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class TestPaymentOrders:
    def test_create_read_and_replay(self, world: World, client: TestClient, auth: dict[str, str]) -> None:
        inv = invoice(world, supplier(world), 125_000, due=date(2026, 11, 28))
        headers = auth | {"Idempotency-Key": "order-1"}
        first = client.post("/v1/payment-orders", json={"supplier_invoice_id": inv.id}, headers=headers)
        again = client.post("/v1/payment-orders", json={"supplier_invoice_id": inv.id}, headers=headers)
        assert (first.status_code, again.status_code, again.json()) == (201, 201, first.json())
        order = first.json()
        assert order["id"].startswith("pord_")
        assert {
            k: order[k]
            for k in (
                "type",
                "status",
                "amount",
                "currency",
                "requested_date",
                "execution_date",
                "execution_note",
                "required_approvals",
                "fx",
                "end_to_end_id",
            )
        } == {
            "type": "domestic",
            "status": "draft",
            "amount": 125_000,
            "currency": "DKK",
            "requested_date": "2026-11-28",
            "execution_date": "2026-11-30",
            "execution_note": "not_a_banking_day",
            "required_approvals": 1,
            "fx": None,
            "end_to_end_id": order["id"],
        }
        detail = client.get(f"/v1/payment-orders/{order['id']}", headers=auth).json()
        assert detail["decisions"] == []
        assert detail["id"] == order["id"]

    def test_an_execution_date_in_the_past_is_422(
        self, world: World, client: TestClient, auth: dict[str, str]
    ) -> None:
        inv = invoice(world, supplier(world))
        body = {"supplier_invoice_id": inv.id, "execution_date": "2026-11-20"}
        problem = assert_problem(
            client.post("/v1/payment-orders", json=body, headers=auth),
            422,
            "payment_order.execution_date_in_past",
        )
        assert problem["errors"][0]["field"] == "execution_date"
        assert client.get("/v1/payment-orders", headers=auth).json()["data"] == []

    def test_unknown_fields_and_bad_dates_are_422(
        self, world: World, client: TestClient, auth: dict[str, str]
    ) -> None:
        inv = invoice(world, supplier(world))
        for body in (
            {"supplier_invoice_id": inv.id, "amount": 1},
            {"supplier_invoice_id": inv.id, "execution_date": "soon"},
        ):
            assert client.post("/v1/payment-orders", json=body, headers=auth).status_code == 422

    def test_a_foreign_order_shows_its_rate(
        self, world: World, client: TestClient, auth: dict[str, str]
    ) -> None:
        ecb_rates(world.container, date(2026, 11, 23), DKK="7.4604")
        inv = invoice(world, supplier(world, "Bürobedarf GmbH", iban=DE_IBAN), 100_000, currency="EUR")
        order = make_order(client, auth, inv.id)
        assert order["type"] == "sepa"
        assert order["fx"] == {"rate": "7.4604", "rate_date": "2026-11-23", "dkk_amount": 746_040}

    def test_bulk_is_all_or_nothing(self, world: World, client: TestClient, auth: dict[str, str]) -> None:
        kontor = supplier(world)
        good, other = invoice(world, kontor).id, invoice(world, kontor).id
        refused = client.post(
            "/v1/payment-orders/bulk", json={"supplier_invoice_ids": [good, "sinv_nope"]}, headers=auth
        )
        problem = assert_problem(refused, 422, "payment_order.bulk_invalid")
        assert [e["field"] for e in problem["errors"]] == ["supplier_invoice_ids.1"]
        made = client.post(
            "/v1/payment-orders/bulk", json={"supplier_invoice_ids": [good, other]}, headers=auth
        )
        assert made.status_code == 201
        assert [o["supplier_invoice_id"] for o in made.json()["data"]] == [good, other]

    def test_list_by_status_and_cancel(self, world: World, client: TestClient, auth: dict[str, str]) -> None:
        kontor = supplier(world)
        first, second = (make_order(client, auth, invoice(world, kontor).id) for _ in range(2))
        cancelled = client.post(f"/v1/payment-orders/{second['id']}/cancel", headers=auth)
        assert cancelled.json()["status"] == "cancelled"
        assert_problem(
            client.post(f"/v1/payment-orders/{second['id']}/cancel", headers=auth),
            409,
            "payment_order.illegal_state_change",
        )
        drafts = client.get("/v1/payment-orders?status=draft", headers=auth).json()
        assert [o["id"] for o in drafts["data"]] == [first["id"]]
        page = client.get("/v1/payment-orders?limit=1", headers=auth).json()
        assert page["next_cursor"] is not None
        assert client.get("/v1/payment-orders?status=paid", headers=auth).status_code == 422

    def test_an_approver_key_cannot_make_orders(self, world: World, client: TestClient) -> None:
        inv = invoice(world, supplier(world))
        response = client.post(
            "/v1/payment-orders", json={"supplier_invoice_id": inv.id}, headers=key(world, Role.APPROVER)
        )
        assert_problem(response, 403, "role.forbidden")


class TestApprovalPolicy:
    def test_read_and_replace(self, world: World, client: TestClient, auth: dict[str, str]) -> None:
        before = client.get("/v1/approval-policy", headers=auth).json()
        assert (before["required_approvals"], before["approver_user_ids"]) == (
            1,
            [world.anna.id, world.bent.id],
        )
        body = {
            "required_approvals": 2,
            "approver_user_ids": [world.bent.id, world.carl.id],
            "dual_threshold_amount": None,
            "remind_days_before": 3,
        }
        saved = client.put("/v1/approval-policy", json=body, headers=auth)
        assert saved.status_code == 200
        assert {k: saved.json()[k] for k in body} == body
        assert saved.json()["id"] == before["id"]

    def test_problems_are_422_with_every_field(
        self, world: World, client: TestClient, auth: dict[str, str]
    ) -> None:
        body = {
            "required_approvals": 2,
            "approver_user_ids": [world.bookkeeper.id],
            "dual_threshold_amount": 10,
        }
        problem = assert_problem(
            client.put("/v1/approval-policy", json=body, headers=auth), 422, "approval_policy.invalid"
        )
        assert [e["field"] for e in problem["errors"]] == ["approver_user_ids", "approver_user_ids.0"]
        for bad in ({**body, "required_approvals": 3}, {**body, "dual_threshold_amount": 1.5}):
            assert client.put("/v1/approval-policy", json=bad, headers=auth).status_code == 422

    def test_a_bookkeeper_key_cannot_change_it(self, world: World, client: TestClient) -> None:
        body = {"required_approvals": 1, "approver_user_ids": [world.anna.id]}
        assert_problem(
            client.put("/v1/approval-policy", json=body, headers=key(world, Role.BOOKKEEPER)),
            403,
            "role.forbidden",
        )


class TestApprovalRequests:
    def test_send_read_and_decisions_need_a_person(
        self, world: World, client: TestClient, auth: dict[str, str]
    ) -> None:
        order = make_order(client, auth, invoice(world, supplier(world)).id)
        sent = client.post("/v1/approval-requests", json={"payment_order_ids": [order["id"]]}, headers=auth)
        assert sent.status_code == 201
        approval = sent.json()
        assert (approval["payment_order_ids"], approval["approver_user_ids"]) == (
            [order["id"]],
            [world.anna.id, world.bent.id],
        )
        assert client.get(f"/v1/approval-requests/{approval['id']}", headers=auth).json() == approval
        assert (
            client.get(f"/v1/payment-orders/{order['id']}", headers=auth).json()["status"]
            == "awaiting_approval"
        )
        assert len(outbox(world.container, world.org_id, Template.APPROVAL_REQUESTED)) == 2
        decided = client.post(
            f"/v1/approval-requests/{approval['id']}/decisions", json={"decision": "approve"}, headers=auth
        )
        assert_problem(decided, 403, "approval.user_required")
        assert (
            client.get(f"/v1/payment-orders/{order['id']}", headers=auth).json()["status"]
            == "awaiting_approval"
        )

    def test_an_approver_not_on_the_policy_is_422(
        self, world: World, client: TestClient, auth: dict[str, str]
    ) -> None:
        order = make_order(client, auth, invoice(world, supplier(world)).id)
        body = {"payment_order_ids": [order["id"]], "approver_user_ids": [world.carl.id]}
        assert_problem(
            client.post("/v1/approval-requests", json=body, headers=auth),
            422,
            "approval.approver_not_on_policy",
        )

    def test_unknown_ids_are_404_and_decisions_are_checked_for_shape(
        self, world: World, client: TestClient, auth: dict[str, str]
    ) -> None:
        path = "/v1/approval-requests"
        assert client.post(path, json={"payment_order_ids": ["pord_x"]}, headers=auth).status_code == 404
        assert client.post(path, json={"payment_order_ids": []}, headers=auth).status_code == 422
        assert (
            client.post(f"{path}/appr_x/decisions", json={"decision": "approve"}, headers=auth).status_code
            == 404
        )
        order = make_order(client, auth, invoice(world, supplier(world)).id)
        approval = client.post(path, json={"payment_order_ids": [order["id"]]}, headers=auth).json()
        for body in (
            {"decision": "maybe"},
            {"decision": "approve", "comment": "x" * 501},
            {"decision": "approve", "payment_order_ids": []},
        ):
            assert (
                client.post(f"{path}/{approval['id']}/decisions", json=body, headers=auth).status_code == 422
            )
