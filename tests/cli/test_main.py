"""The `betal` entry point."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from betal import __version__
from betal.cli.main import app

runner = CliRunner()


class TestMain:
    def test_version(self) -> None:
        result = runner.invoke(app, ["version"])
        assert result.exit_code == 0
        assert json.loads(result.stdout) == {"version": __version__}

    def test_help_lists_the_contract_commands(self) -> None:
        result = runner.invoke(app, ["--help"])
        assert result.exit_code == 0
        for command in ("serve", "worker", "db", "org"):
            assert command in result.stdout
