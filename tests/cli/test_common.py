"""Shared CLI behaviour: configuration problems are one readable line and exit code 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from betal.cli.main import app

runner = CliRunner()


class TestConfigErrors:
    def test_live_mode_with_default_secret_exits_2(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BETAL_MODE", "live")
        monkeypatch.delenv("BETAL_SECRET_KEY", raising=False)
        result = runner.invoke(app, ["org", "create", "--name", "X", "--cvr", "25313763"])
        assert result.exit_code == 2
        assert "Configuration error" in result.stderr

    def test_unknown_mode_names_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("BETAL_MODE", "production")
        result = runner.invoke(app, ["org", "create", "--name", "X", "--cvr", "25313763"])
        assert result.exit_code == 2
        assert "BETAL_MODE" in result.stderr
        assert "Traceback" not in result.output
