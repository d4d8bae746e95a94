"""Payer-page fixtures: an app on a clock frozen at ``START`` and an organisation to bill from."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.api.app import create_app
from betal.config import Settings
from betal.services.organisation import CreatedOrganisation
from tests.services.test_inbox import make_org

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def c(settings: Settings, clock: FrozenClock) -> Iterator[bootstrap.Container]:
    container = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield container
    container.close()


@pytest.fixture
def web(c: bootstrap.Container) -> Iterator[TestClient]:
    with TestClient(create_app(c), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def hansen(c: bootstrap.Container) -> CreatedOrganisation:
    return make_org(c, "Hansen & Co ApS", "25313763")
