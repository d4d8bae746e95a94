"""Test fixtures: every database test runs on SQLite, and on PostgreSQL when BETAL_TEST_POSTGRES_URL is set.

A test that asks for ``container`` (or ``db_url``) is run once per backend. Without the variable the
PostgreSQL run is skipped with ``PG_SKIP_REASON``; ``.ci/run`` fails if any test was skipped for it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from betal import bootstrap
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.config import Settings
from betal.services.organisation import CreatedOrganisation, create_organisation
from tests.services.approval_support import World, clocked, make_world

# Property tests check behaviour, not speed (bench/ does that): no per-example deadline, which a loaded
# CI machine would turn into random failures.
hypothesis_settings.register_profile("betal", deadline=None)
hypothesis_settings.load_profile("betal")

PG_ENV = "BETAL_TEST_POSTGRES_URL"
PG_SKIP_REASON = "PostgreSQL tests need BETAL_TEST_POSTGRES_URL"
TEST_SECRET = "test-secret-key-for-betal-tests-only-0123456789"


def pg_base_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return None
    return Settings(database_url=url).sqlalchemy_url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if pg_base_url() is not None:
        return
    skip = pytest.mark.skip(reason=PG_SKIP_REASON)
    for item in items:
        if item.get_closest_marker("postgres") is not None:
            item.add_marker(skip)


# The layers above the services (API routes, portal pages, the sandbox providers, the CLI) reach the
# database only through the services, whose tests run on both databases; their own tests run on SQLite
# unless marked ``both_backends``. The API's cross-cutting tests (tests/api/test_*.py: tenancy,
# idempotency, errors, paging) stay on both.
_SQLITE_LAYERS = ("tests/web/", "tests/sandbox/", "tests/cli/", "tests/api/routers/", "tests/api/hooks/",
                  "tests/api/schemas/")  # fmt: skip
_ROOT = Path(__file__).resolve().parent.parent


def _sqlite_layer(metafunc: pytest.Metafunc) -> bool:
    if metafunc.definition.get_closest_marker("both_backends") is not None:
        return False
    where = Path(str(metafunc.definition.path)).resolve().relative_to(_ROOT).as_posix()
    return where.startswith(_SQLITE_LAYERS)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("postgres") is not None:
        backends = [pytest.param("postgres", id="postgres")]
    elif metafunc.definition.get_closest_marker("sqlite_only") is not None or _sqlite_layer(metafunc):
        backends = [pytest.param("sqlite", id="sqlite")]
    else:
        backends = [
            pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
        ]
    metafunc.parametrize("backend", backends)


def _worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test process, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    container = bootstrap.build(_settings(f"sqlite:///{path}"))
    bootstrap.migrate(container)
    container.close()
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A database per test process on the PostgreSQL server, migrated once, dropped at the end."""
    base = pg_base_url()
    if base is None:
        pytest.skip(PG_SKIP_REASON)
    url = make_url(base)
    name = f"{url.database}_{_worker_id()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = url.set(database=name).render_as_string(hide_password=False)
    container = bootstrap.build(_settings(db_url))
    bootstrap.migrate(container)
    container.close()
    yield db_url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_ENGINES: dict[str, Engine] = {}


def _truncate_all(db_url: str) -> None:
    """Empty every table the last test wrote to: one query finds them, one TRUNCATE empties them.

    Truncating all seventy-odd tables each time cost about 0.4 s a test; most tests write to a few.
    """
    from betal.adapters.db.schema import metadata as _metadata

    engine = _ENGINES.get(db_url)
    if engine is None:
        engine = _ENGINES[db_url] = create_engine(db_url, poolclass=NullPool)
    probes = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in _metadata.sorted_tables
    )
    with engine.begin() as conn:
        written = [row[0] for row in conn.execute(text(probes))]
        if written:
            tables = ", ".join(f'"{name}"' for name in written)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "postgres":
        url: str = request.getfixturevalue("pg_database")
        _truncate_all(url)
        return url
    template: Path = request.getfixturevalue("sqlite_template")
    target = tmp_path / "betal.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def _settings(db_url: str, **overrides: object) -> Settings:
    return Settings(database_url=db_url, secret_key=TEST_SECRET, **overrides)  # type: ignore[arg-type]


@pytest.fixture
def settings(db_url: str) -> Settings:
    return _settings(db_url)


@pytest.fixture
def container(settings: Settings) -> Iterator[bootstrap.Container]:
    c = bootstrap.build(settings, hasher=Argon2PasswordHasher(fast=True))
    yield c
    c.close()


@pytest.fixture
def client(container: bootstrap.Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def org(container: bootstrap.Container) -> CreatedOrganisation:
    with container.uow() as uow:
        return create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")


@pytest.fixture
def other_org(container: bootstrap.Container) -> CreatedOrganisation:
    with container.uow() as uow:
        return create_organisation(uow, name="Nordlys Café I/S", cvr="10150817")


@pytest.fixture
def auth(org: CreatedOrganisation) -> dict[str, str]:
    return {"Authorization": f"Bearer {org.api_key}"}


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    """The payables world (``tests.services.approval_support``) on its frozen clock."""
    with clocked(settings) as (container, clock):
        yield make_world(container, clock)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if PG_SKIP_REASON in str(getattr(r, "longrepr", ""))
    ]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} PostgreSQL tests skipped: {PG_SKIP_REASON} "
            "(e.g. postgresql://postgres@127.0.0.1:5432/betal_test); .ci/run sets it.",
            yellow=True,
        )


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server on 127.0.0.1 serving betal (API, portal, payer pages, /sandbox simulators)."""

    def __init__(self, container: bootstrap.Container, url: str) -> None:
        self.container = container
        self.url = url

    def run_jobs(self) -> int:
        """Process every job that is due now (for tests that drive the worker by hand)."""
        from betal.jobs.worker import Worker

        return Worker(self.container, name="test").run_once()


@contextmanager
def serving(container: bootstrap.Container, port: int) -> Iterator[None]:
    """The container's app served by uvicorn on 127.0.0.1:``port`` from a thread while the block runs; the
    server is stopped and the container closed after it."""
    import threading
    import time

    import uvicorn

    config = uvicorn.Config(
        create_app(container), host="127.0.0.1", port=port, log_config=None, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"betal-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:  # pragma: no cover
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


@pytest.fixture
def live_server(db_url: str) -> Iterator[LiveServer]:
    """betal on a free port; providers in sandbox mode talk to its /sandbox simulators over real HTTP.

    No background worker runs: call ``live_server.run_jobs()`` to process jobs deterministically.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(database_url=db_url, secret_key=TEST_SECRET, base_url=url)
    container = bootstrap.build(settings, hasher=Argon2PasswordHasher(fast=True))
    with serving(container, port):
        yield LiveServer(container, url)
