"""``/v1/price-plan`` and ``/v1/fee-statements`` over HTTP: set and read the plan (owner only, every problem
at once), the quarter's statement as JSON and as a PDF, and a period that is no quarter answers 422."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal.domain.tenancy import Role
from betal.services.fees import meter_executed_payment
from betal.services.organisation import create_organisation
from betal.services.payment_order import NewPaymentOrder, create_payment_order
from tests.helpers import assert_problem
from tests.services.approval_support import NOW, World, auth, client, invoice, key, supplier
from tests.services.test_receipt import pdf_text

__all__ = ["auth", "client"]  # the world's API fixtures (tests.services.approval_support)

STANDARD = {"name": "Standard", "per_payment_fee": 250, "monthly_fee": 19_900}


def executed(world: World, day: date) -> str:
    """An order of 1.250,00 DKK to Blå Æble ApS, metered as executed on ``day``."""
    inv = invoice(world, supplier(world, "Blå Æble ApS"))
    with world.container.uow() as uow:
        made = create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(inv.id, None))
    with world.container.uow() as uow:
        meter_executed_payment(uow, organisation_id=world.org_id, payment_order_id=made.id, day=day)
        uow.commit()
    return made.id


class TestPricePlan:
    def test_none_then_put_then_get(self, client: TestClient, auth: dict[str, str]) -> None:
        assert_problem(client.get("/v1/price-plan", headers=auth), 404, "price_plan.not_found")
        saved = client.put("/v1/price-plan", headers=auth, json=STANDARD)
        assert saved.status_code == 200, saved.text
        body = saved.json()
        assert {k: body[k] for k in ("name", "per_payment_fee", "monthly_fee", "currency")} == {
            **STANDARD, "currency": "DKK",
        }  # fmt: skip
        assert body["id"].startswith("plan_")
        assert client.get("/v1/price-plan", headers=auth).json() == body

    def test_every_problem_at_once(self, client: TestClient, auth: dict[str, str]) -> None:
        body = {"name": " ", "per_payment_fee": 250, "monthly_fee": 0, "currency": "EUR"}
        problem = assert_problem(
            client.put("/v1/price-plan", headers=auth, json=body), 422, "price_plan.invalid"
        )
        assert {e["field"] for e in problem["errors"]} == {"name", "currency"}
        assert_problem(client.get("/v1/price-plan", headers=auth), 404, "price_plan.not_found")

    @pytest.mark.parametrize("fee", [2.5, "250", -1, None])
    def test_a_fee_is_a_whole_number_of_ore(self, client: TestClient, auth: dict[str, str], fee: Any) -> None:
        response = client.put("/v1/price-plan", headers=auth, json={**STANDARD, "per_payment_fee": fee})
        assert_problem(response, 422, "invalid_input")

    @pytest.mark.parametrize("role", [Role.ADMIN, Role.BOOKKEEPER, Role.VIEWER])
    def test_only_the_owner_sets_it(self, world: World, client: TestClient, role: Role) -> None:
        headers = key(world, role)
        assert_problem(client.put("/v1/price-plan", headers=headers, json=STANDARD), 403, "role.forbidden")
        assert_problem(client.get("/v1/price-plan", headers=headers), 404, "price_plan.not_found")

    def test_needs_a_key(self, client: TestClient) -> None:
        assert client.get("/v1/price-plan").status_code == 401


class TestFeeStatement:
    def test_json_with_lines_payments_vat_and_total(
        self, world: World, client: TestClient, auth: dict[str, str]
    ) -> None:
        world.clock.set(datetime(2026, 9, 15, tzinfo=UTC))
        assert client.put("/v1/price-plan", headers=auth, json=STANDARD).status_code == 200
        world.clock.set(NOW)
        inside, _outside = executed(world, date(2026, 12, 31)), executed(world, date(2027, 1, 1))
        world.clock.set(datetime(2027, 1, 10, tzinfo=UTC))
        response = client.get("/v1/fee-statements/2026-Q4", headers=key(world, Role.VIEWER))
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["number"], body["period"], body["start"], body["end"]) == (
            "25313763-2026Q4", "2026-Q4", "2026-10-01", "2026-12-31",
        )  # fmt: skip
        assert (body["organisation_name"], body["organisation_cvr"]) == ("Hansen & Co ApS", "25313763")
        assert body["lines"] == [
            {"kind": "subscription", "quantity": 3, "unit_amount": 19_900, "amount": 59_700},
            {"kind": "payments", "quantity": 1, "unit_amount": 250, "amount": 250},
        ]
        assert [
            (p["payment_order_id"], p["day"], p["supplier_name"], p["amount"], p["fee"])
            for p in body["payments"]
        ] == [(inside, "2026-12-31", "Blå Æble ApS", {"amount": 125_000, "currency": "DKK"}, 250)]
        assert (body["subtotal"], body["vat_rate"], body["vat"], body["total"], body["currency"]) == (
            59_950, "0.25", 14_988, 74_938, "DKK",  # 14.987,5 øre rounds to the even 14.988
        )  # fmt: skip

    @pytest.mark.parametrize(
        "path", ["/v1/fee-statements/2026-Q4.pdf", "/v1/fee-statements/2026-Q4?format=pdf"]
    )
    def test_pdf(self, world: World, client: TestClient, auth: dict[str, str], path: str) -> None:
        client.put("/v1/price-plan", headers=auth, json=STANDARD)
        executed(world, date(2026, 11, 30))
        response = client.get(path, headers=auth)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert "gebyroversigt-25313763-2026Q4.pdf" in response.headers["content-disposition"]
        text = pdf_text(response.content)
        assert "Gebyroversigt" in text
        assert "Blå Æble ApS" in text
        # 23 Nov 2026: the plan was saved this month, so one month (199,00) and one payment (2,50)
        assert "201,50 DKK" in text
        assert "251,88 DKK" in text  # 50,375 kr. of VAT rounds to 50,38

    def test_a_key_gets_its_own_organisations_statement(self, world: World, client: TestClient) -> None:
        mine = executed(world, date(2026, 11, 30))
        with world.container.uow() as uow:
            other = create_organisation(uow, name="Nordlys Café I/S", cvr="10150817")
        response = client.get(
            "/v1/fee-statements/2026-Q4", headers={"Authorization": f"Bearer {other.api_key}"}
        )
        assert response.status_code == 200
        assert (response.json()["organisation_cvr"], response.json()["payments"]) == ("10150817", [])
        assert mine not in response.text
        assert world.org_id not in response.text

    @pytest.mark.parametrize("period", ["2026-Q5", "2026-4", "Q4-2026", "2026-Q4.xml", "latest"])
    def test_a_period_that_is_no_quarter_is_422(
        self, client: TestClient, auth: dict[str, str], period: str
    ) -> None:
        problem = assert_problem(
            client.get(f"/v1/fee-statements/{period}", headers=auth), 422, "fee_statement.invalid_period"
        )
        assert problem["errors"] == [{"field": "period", "message": problem["detail"]}]

    def test_an_unknown_format_is_422(self, client: TestClient, auth: dict[str, str]) -> None:
        assert_problem(
            client.get("/v1/fee-statements/2026-Q4?format=xml", headers=auth), 422, "invalid_input"
        )
