"""Request schema pieces: strict integer amounts in minor units, ISO currency codes, no unknown fields."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.testclient import TestClient

from betal.api.app import create_app
from betal.api.schemas.base import MoneyModel, RequestModel
from betal.bootstrap import Container
from tests.helpers import assert_problem


class Priced(RequestModel):
    price: MoneyModel


def _money_client(container: Container) -> TestClient:
    app = create_app(container)
    router = APIRouter()

    @router.post("/v1/_test/priced")
    def priced(body: Priced) -> dict[str, int]:
        return {"amount": body.price.amount}

    app.include_router(router)
    return TestClient(app, raise_server_exceptions=False)


class TestAmounts:
    """API.md: amounts are integers in minor units; floats and strings are rejected with 422."""

    def test_integer_amount_accepted(self, container: Container) -> None:
        response = _money_client(container).post(
            "/v1/_test/priced", json={"price": {"amount": 12500, "currency": "DKK"}}
        )
        assert response.status_code == 200
        assert response.json() == {"amount": 12500}

    def test_float_string_bool_zero_and_huge_amounts_rejected(self, container: Container) -> None:
        client = _money_client(container)
        for amount in (125.0, 125.5, "12500", True, 0, -1, 10**12 + 1):
            response = client.post("/v1/_test/priced", json={"price": {"amount": amount, "currency": "DKK"}})
            body = assert_problem(response, 422, "invalid_input")
            assert body["errors"][0]["field"] == "price.amount", amount  # type: ignore[index]

    def test_currency_must_be_iso_code(self, container: Container) -> None:
        response = _money_client(container).post(
            "/v1/_test/priced", json={"price": {"amount": 1, "currency": "dkk"}}
        )
        assert assert_problem(response, 422, "invalid_input")["errors"][0]["field"] == "price.currency"  # type: ignore[index]
