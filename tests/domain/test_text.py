"""Free-text validation."""

from __future__ import annotations

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.text import validate_name


class TestValidateName:
    def test_whitespace_folded(self) -> None:
        assert validate_name("  Hansen \t & \n Co ") == "Hansen & Co"

    @pytest.mark.parametrize(
        ("value", "message"), [("", "empty"), ("x" * 201, "at most 200"), ("a\x00b", "control")]
    )
    def test_rejected(self, value: str, message: str) -> None:
        with pytest.raises(InvalidInput, match=message) as info:
            validate_name(value, field="supplier.name")
        assert info.value.errors[0].field == "supplier.name"
