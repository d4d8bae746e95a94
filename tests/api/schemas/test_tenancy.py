"""Response schemas never carry secrets."""

from __future__ import annotations

from datetime import UTC, datetime

from betal.api.schemas.tenancy import ApiKeyRead
from betal.domain.tenancy import ApiKey, Role


class TestApiKeyRead:
    def test_hash_is_not_exposed(self) -> None:
        key = ApiKey("key_1", "org_1", "n", "betal_test_abcd", "f" * 64, Role.ADMIN, datetime.now(UTC))
        dumped = ApiKeyRead.model_validate(key).model_dump()
        assert "secret_hash" not in dumped
        assert "f" * 64 not in str(dumped)
        assert dumped["prefix"] == "betal_test_abcd"
