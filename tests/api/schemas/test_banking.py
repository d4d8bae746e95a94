"""Banking schemas: reads carry amounts as integers; the match body refuses what it does not know."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from betal.api.schemas.banking import MatchCreate, MatchRead, StatementEntryRead, SuggestionRead
from betal.domain.banking import Match, MatchState, TargetType
from betal.domain.reconciliation_suggestion import Suggestion
from tests.domain.test_reconciliation import T0, entry


class TestMatchCreate:
    def test_requests_or_payments(self) -> None:
        body = MatchCreate.model_validate({"entry_id": " ent_1 ", "payment_request_ids": ["preq_1"]})
        assert (body.entry_id, body.payment_request_ids, body.payment_ids) == ("ent_1", ["preq_1"], [])

    @pytest.mark.parametrize(
        "bad",
        [{}, {"entry_id": ""}, {"entry_id": "ent_1", "amount": 5},
         {"entry_id": "ent_1", "payment_request_ids": "preq_1"},
         {"entry_id": "ent_1", "payment_request_ids": [f"preq_{n}" for n in range(51)]}],
    )  # fmt: skip
    def test_refused(self, bad: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            MatchCreate.model_validate(bad)


class TestReads:
    def test_entry(self) -> None:
        read = StatementEntryRead.of(entry(12_345, counterparty_name="Jens Hansen", matched_minor=345))
        assert (read.amount, read.matched_amount) == (12_345, 345)
        assert (read.direction, read.match_status) == ("credit", "unmatched")

    def test_match(self) -> None:
        match = Match("mat_1", "org_1", "ent_1", TargetType.PAYMENT_REQUEST, "preq_1", 500, "reference", 100,
                      MatchState.ACTIVE, "pay_1", None, None, None, T0, None)  # fmt: skip
        dumped = MatchRead.of(match).model_dump()
        assert dumped["amount"] == 500
        assert (dumped["target_type"], dumped["status"], dumped["payment_id"]) == (
            "payment_request",
            "active",
            "pay_1",
        )

    def test_suggestion(self) -> None:
        read = SuggestionRead.of(Suggestion(("preq_1", "preq_2"), 700, "DKK", 85, "Pays 2 requests"))
        assert read.model_dump() == {
            "payment_request_ids": ["preq_1", "preq_2"], "amount": 700, "currency": "DKK", "score": 85,
            "explanation": "Pays 2 requests",
        }  # fmt: skip
