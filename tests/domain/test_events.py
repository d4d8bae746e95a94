"""Event types: the public list of API.md is known to the domain."""

from __future__ import annotations

from betal.domain.events import EVENT_TYPES, NewEvent

API_MD_TYPES = {
    "payment_request.created", "payment_request.paid", "payment_request.overdue", "payment.succeeded",
    "payment.failed", "payment.refunded", "mandate.activated", "payment_order.approved",
    "payment_order.rejected", "payment_order.executed", "bank_statement.imported", "reconciliation.matched",
}  # fmt: skip


class TestEventTypes:
    def test_api_md_types_are_known(self) -> None:
        assert API_MD_TYPES <= EVENT_TYPES

    def test_types_are_resource_dot_past_tense(self) -> None:
        for name in EVENT_TYPES:
            resource, _, verb = name.partition(".")
            assert resource
            assert verb.endswith("ed") or verb in {"paid", "overdue"}, name

    def test_new_event_data_defaults_to_empty(self) -> None:
        assert NewEvent("org_1", "payment.succeeded").data == {}
