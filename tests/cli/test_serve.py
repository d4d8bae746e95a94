"""`betal serve --demo`: the real server process with its in-process worker, as `make run` starts it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.sqlite_only
class TestServe:
    def test_demo_server_starts_serves_and_stops(self, tmp_path: Path, backend: str) -> None:
        db = tmp_path / "serve.db"
        env = os.environ | {
            "BETAL_DATABASE_URL": f"sqlite:///{db}",
            "BETAL_SECRET_KEY": "serve-test-secret-0123456789",
        }
        upgrade = subprocess.run(
            [sys.executable, "-m", "betal.cli.main", "db", "upgrade"],
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert upgrade.returncode == 0, upgrade.stderr
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "betal.cli.main", "serve", "--demo", "--port", str(port)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            else:
                pytest.fail("server did not start")
            assert httpx.get(f"{base}/v1/events", timeout=5).status_code == 401
            assert httpx.get(f"{base}/app/login", timeout=5).status_code == 200
        finally:
            server.send_signal(signal.SIGINT)
            output, _ = server.communicate(timeout=30)
        assert "revisor@tal.example" in output
        assert "betal-demo-2026" in output
        assert f"http://localhost:{port}/app/login" in output
        assert server.returncode == 0, output
