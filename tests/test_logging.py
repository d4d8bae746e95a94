"""Structured JSON logs."""

from __future__ import annotations

import json
import logging

import pytest

from betal import logging as betal_logging
from betal.logging import JsonFormatter, request_id_var


class TestJsonFormatter:
    def test_request_id_from_context_and_extras(self) -> None:
        token = request_id_var.set("req_ctx")
        try:
            record = logging.LogRecord(
                "betal.test", logging.WARNING, __file__, 1, "hello %s", ("world",), None
            )
            record.job_id = "job_1"
            line = json.loads(JsonFormatter().format(record))
        finally:
            request_id_var.reset(token)
        assert line["msg"] == "hello world"
        assert line["request_id"] == "req_ctx"
        assert line["level"] == "warning"
        assert line["job_id"] == "job_1"
        assert line["ts"].endswith("+00:00")

    def test_exceptions_are_included(self) -> None:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            record = logging.LogRecord("b", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
        assert "ValueError: boom" in json.loads(JsonFormatter().format(record))["exc"]


class TestConfigure:
    def test_root_logs_json_to_stdout(self, capsys: pytest.CaptureFixture[str]) -> None:
        root = logging.getLogger()
        saved = (root.handlers[:], root.level)
        try:
            betal_logging.configure("INFO")
            logging.getLogger("betal.x").info("started", extra={"port": 8000})
            out = capsys.readouterr().out.strip().splitlines()[-1]
        finally:
            root.handlers[:], root.level = saved[0], saved[1]
        assert json.loads(out) | {"ts": "", "logger": ""} == {
            "ts": "",
            "logger": "",
            "level": "info",
            "msg": "started",
            "port": 8000,
        }
