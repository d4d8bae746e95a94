"""Allowed methods must be known and covered by an active agreement."""

from __future__ import annotations

import pytest

from betal.domain.errors import InvalidInput
from betal.domain.payment_method import Agreement, AgreementStatus, Method, parse_methods, require_agreements


class TestParseMethods:
    def test_order_kept_and_duplicates_dropped(self) -> None:
        assert parse_methods(["card", "fi_card", "card"]) == (Method.CARD, Method.FI_CARD)

    def test_unknown_and_empty(self) -> None:
        with pytest.raises(InvalidInput, match="unknown method 'bitcoin'"):
            parse_methods(["card", "bitcoin"])
        with pytest.raises(InvalidInput, match="at least one"):
            parse_methods([])


class TestRequireAgreements:
    def test_missing_or_suspended(self) -> None:
        agreements = [
            Agreement("agr_1", "org_1", Method.CARD, AgreementStatus.ACTIVE),
            Agreement("agr_2", "org_1", Method.MOBILEPAY, AgreementStatus.SUSPENDED),
        ]
        require_agreements([Method.CARD], agreements)
        with pytest.raises(InvalidInput) as info:
            require_agreements([Method.CARD, Method.MOBILEPAY, Method.FI_CARD], agreements)
        assert info.value.code == "payment_method.no_agreement"
        assert "mobilepay, fi_card" in info.value.detail
