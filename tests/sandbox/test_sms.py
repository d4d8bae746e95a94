from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.providers.sandbox_secret import sandbox_webhook_secret
from betal.sandbox.sms import token_for

URL = "/sandbox/sms/rest/mtsms"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "sender": "betal",
        "message": "Din kode er 123456 æøå",
        "recipients": [{"msisdn": 4520304050}],
    } | overrides


@pytest.fixture
def headers(container: bootstrap.Container) -> dict[str, str]:
    return {"Authorization": f"Token {token_for(container)}"}


class TestToken:
    def test_is_the_derived_sandbox_secret_of_the_gateway_url(self, container: bootstrap.Container) -> None:
        settings = container.settings
        assert token_for(container) == sandbox_webhook_secret(
            settings.secret_key, settings.provider_url("sms")
        )


class TestSendSms:
    def test_records_the_message_and_answers_ids(self, client: TestClient, headers: dict[str, str]) -> None:
        response = client.post(URL, json=body(userref="out_1"), headers=headers)
        assert response.status_code == 200
        [sms_id] = response.json()["ids"]
        [recorded] = client.get("/sandbox/sms/messages").json()["messages"]
        assert recorded["id"] == sms_id
        assert recorded["message"] == "Din kode er 123456 æøå"
        assert recorded["recipients"] == [{"msisdn": 4520304050}]
        assert recorded["userref"] == "out_1"

    def test_a_repeated_userref_answers_the_first_ids_and_records_once(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        first = client.post(URL, json=body(userref="out_2"), headers=headers).json()
        again = client.post(URL, json=body(userref="out_2"), headers=headers).json()
        assert first == again
        assert len(client.get("/sandbox/sms/messages").json()["messages"]) == 1

    def test_without_userref_every_send_is_a_new_message(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        client.post(URL, json=body(), headers=headers)
        client.post(URL, json=body(), headers=headers)
        assert len(client.get("/sandbox/sms/messages").json()["messages"]) == 2

    @pytest.mark.parametrize("auth", [None, "Token wrong", "Bearer x"])
    def test_a_wrong_token_is_401(self, client: TestClient, auth: str | None) -> None:
        response = client.post(URL, json=body(), headers={"Authorization": auth} if auth else {})
        assert response.status_code == 401
        assert response.json()["code"] == "0x0213"

    @pytest.mark.parametrize(
        "bad",
        [
            {"recipients": [{"msisdn": "4520304050"}]},
            {"recipients": [{"msisdn": 1234}]},
            {"recipients": []},
            {"recipients": ["4520304050"]},
            {"message": ""},
            {"sender": None},
            {"message": "x" * 1531},
        ],
    )
    def test_invalid_input_is_422(
        self, client: TestClient, headers: dict[str, str], bad: dict[str, Any]
    ) -> None:
        response = client.post(URL, json=body(**bad), headers=headers)
        assert response.status_code == 422
        assert response.json()["code"] == "0x0216"
        assert client.get("/sandbox/sms/messages").json()["messages"] == []

    @pytest.mark.parametrize("content", [b"not json", b"[1]"])
    def test_a_body_that_is_not_a_json_object_is_400(
        self, client: TestClient, headers: dict[str, str], content: bytes
    ) -> None:
        response = client.post(URL, content=content, headers=headers | {"Content-Type": "application/json"})
        assert response.status_code == 400


class TestListMessages:
    def test_filters_by_msisdn(self, client: TestClient, headers: dict[str, str]) -> None:
        client.post(URL, json=body(), headers=headers)
        client.post(URL, json=body(recipients=[{"msisdn": 4530405060}]), headers=headers)
        listed = client.get("/sandbox/sms/messages", params={"msisdn": 4530405060}).json()["messages"]
        assert [m["recipients"] for m in listed] == [[{"msisdn": 4530405060}]]

    def test_a_live_installation_has_no_gateway(self, db_url: str) -> None:
        from betal.api.app import create_app
        from betal.config import Settings
        from tests.conftest import TEST_SECRET

        settings = Settings(database_url=db_url, secret_key=TEST_SECRET * 2, mode="live")  # type: ignore[arg-type]
        live = bootstrap.build(settings)
        try:
            with TestClient(create_app(live)) as client:
                assert client.get("/sandbox/sms/messages").status_code == 404
        finally:
            live.close()
