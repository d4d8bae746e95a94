"""A request id on every response and every log line; logs are one JSON object per line."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from betal.logging import JsonFormatter


class TestRequestId:
    def test_generated_when_absent(self, client: TestClient, auth: dict[str, str]) -> None:
        first = client.get("/v1/events", headers=auth).headers["x-request-id"]
        second = client.get("/v1/events", headers=auth).headers["x-request-id"]
        assert first.startswith("req_")
        assert first != second

    def test_callers_id_is_echoed_if_sane(self, client: TestClient, auth: dict[str, str]) -> None:
        assert (
            client.get("/v1/events", headers=auth | {"X-Request-ID": "abc-123"}).headers["x-request-id"]
            == "abc-123"
        )
        odd = client.get("/v1/events", headers=auth | {"X-Request-ID": "a b<script>"}).headers["x-request-id"]
        assert odd.startswith("req_")

    def test_error_responses_carry_it_too(self, client: TestClient) -> None:
        assert client.get("/v1/nope").headers["x-request-id"].startswith("req_")

    def test_audit_entry_records_request_id_and_ip(self, client: TestClient, auth: dict[str, str]) -> None:
        client.post("/v1/api-keys", headers=auth | {"X-Request-ID": "trace-42"}, json={"name": "deploy"})
        entries = client.get("/v1/audit-log", headers=auth).json()["data"]
        created = [
            e for e in entries if e["action"] == "api_key.created" and e["details"]["name"] == "deploy"
        ]
        assert len(created) == 1
        assert created[0]["request_id"] == "trace-42"
        assert created[0]["actor_type"] == "api_key"
        assert created[0]["ip"] == "testclient"


class TestJsonLogs:
    def test_request_log_line_is_json_with_request_id(
        self, client: TestClient, auth: dict[str, str], caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.INFO, logger="betal.http"):
            client.get("/v1/events", headers=auth | {"X-Request-ID": "log-me"})
        records = [r for r in caplog.records if r.name == "betal.http"]
        assert records
        line = json.loads(JsonFormatter().format(records[-1]))
        assert line["msg"] == "request"
        assert line["request_id"] == "log-me"
        assert line["path"] == "/v1/events"
        assert line["status"] == 200
        assert line["level"] == "info"
        assert isinstance(line["ms"], float)

    def test_formatter_includes_request_id_from_context(self) -> None:
        from betal.logging import request_id_var

        token = request_id_var.set("req_ctx")
        try:
            record = logging.LogRecord(
                "betal.test", logging.WARNING, __file__, 1, "hello %s", ("world",), None
            )
            line = json.loads(JsonFormatter().format(record))
        finally:
            request_id_var.reset(token)
        assert line == line | {"msg": "hello world", "request_id": "req_ctx", "level": "warning"}
