"""Payer-side value types are immutable."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from betal.domain.inbox import PayerSession


class TestPayerSession:
    def test_frozen(self) -> None:
        now = datetime.now(UTC)
        session = PayerSession("s", ("a@b.dk",), (), now, now)
        with pytest.raises(dataclasses.FrozenInstanceError):
            session.emails = ()  # type: ignore[misc]
