"""Browser fixtures: Debian's Chromium driven by playwright against the real app served by uvicorn.

The app runs in a background thread on a free 127.0.0.1 port over a migrated SQLite file seeded with the
demo data (``betal serve --demo``). Chromium is installed with apt when missing.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright

from betal import bootstrap
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.config import Settings
from betal.ports import Clock
from betal.services.demo import seed_demo, seed_demo_customers

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SECRET = "browser-test-secret-key-0123456789abcdef"


def _install_chromium() -> str | None:
    """Install Debian's chromium; the reason it failed, or None."""
    if shutil.which("apt-get") is None:
        return "Chromium is missing and apt-get is not available to install it"
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            return f"Chromium is missing and `{' '.join(command)}` failed: {done.stderr.strip()[-500:]}"
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        reason = _install_chromium()
        if reason is not None or not Path(CHROMIUM).exists():
            pytest.skip(reason or f"apt installed chromium but {CHROMIUM} does not exist")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class BrowserApp:
    """The served app: its base URL and the container behind it (for set-up and checks the UI cannot do)."""

    url: str
    container: bootstrap.Container


@contextmanager
def _serve(
    tmp_path_factory: pytest.TempPathFactory, *, payer: bool, clock: Clock | None = None
) -> Iterator[BrowserApp]:
    """Serve the app from a thread over a fresh demo database (with Anna's bills when ``payer``); on the
    system clock, or on ``clock`` (a ``FrozenClock`` the test moves) when given."""
    path = tmp_path_factory.mktemp("browser") / "betal.db"
    port = _free_port()
    settings = Settings(
        database_url=f"sqlite:///{path}", secret_key=SECRET, base_url=f"http://127.0.0.1:{port}"
    )
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    bootstrap.migrate(container)
    with container.uow() as uow:
        seed_demo(uow, container.hasher)
    if payer:
        with container.uow() as uow:
            seed_demo_customers(uow, container.cipher)
    config = uvicorn.Config(
        create_app(container), host="127.0.0.1", port=port, log_config=None, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield BrowserApp(f"http://127.0.0.1:{port}", container)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of the app, served by uvicorn from a thread, with the demo organisations and users."""
    with _serve(tmp_path_factory, payer=False) as app:
        yield app.url


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserApp]:
    """Another app (its own database) with the demo payer Anna and her bills too, for payer journeys;
    separate so the payer tests do not change what the portal tests see."""
    with _serve(tmp_path_factory, payer=True) as app:
        yield app


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
