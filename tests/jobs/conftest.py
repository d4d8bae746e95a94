"""Fixtures for the job engine: a container whose clock only moves when a test says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.adapters.security import Argon2PasswordHasher
from betal.bootstrap import Container
from betal.config import Settings

from .support import T0


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def frozen(settings: Settings, clock: FrozenClock) -> Iterator[Container]:
    c = bootstrap.build(settings, clock=clock, hasher=Argon2PasswordHasher(fast=True))
    yield c
    c.close()
