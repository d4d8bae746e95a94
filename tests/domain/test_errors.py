"""The error tree: kinds, stable codes, field problems."""

from __future__ import annotations

from betal.domain.errors import (
    BetalError,
    Conflict,
    FieldProblem,
    IllegalTransition,
    InvalidInput,
    NotFound,
    RateLimited,
)


class TestErrors:
    def test_code_override_and_default(self) -> None:
        assert NotFound("x").code == "not_found"
        assert NotFound("x", code="job.not_found").code == "job.not_found"
        assert NotFound.code == "not_found"  # the class default is untouched
        assert isinstance(NotFound("x"), BetalError)

    def test_invalid_input_with_field_or_list(self) -> None:
        assert InvalidInput("must be positive", field="amount").errors == [
            FieldProblem("amount", "must be positive")
        ]
        many = [FieldProblem("a", "x"), FieldProblem("b", "y")]
        assert InvalidInput("two problems", errors=many).errors == many
        assert InvalidInput("general").errors == []

    def test_illegal_transition_is_a_conflict_with_entity_code(self) -> None:
        error = IllegalTransition("payment_request", "paid", "cancelled")
        assert isinstance(error, Conflict)
        assert error.code == "payment_request.illegal_state_change"
        assert error.detail == "a payment_request cannot go from paid to cancelled"

    def test_rate_limited_carries_retry_after(self) -> None:
        assert RateLimited("slow down", retry_after=30).retry_after == 30
