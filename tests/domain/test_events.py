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
            assert verb.endswith("ed") or verb in {"paid", "partially_paid", "overdue", "pending"}, name

    def test_new_event_data_defaults_to_empty(self) -> None:
        assert NewEvent("org_1", "payment.succeeded").data == {}


class TestEveryStateChangeHasAnEventType:
    """Issue 5 item 1: every state a payment request, payment or mandate can move into is an event type."""

    def test_payment_requests(self) -> None:
        from betal.domain.payment_request import TRANSITIONS, RequestStatus

        targets = {t for moves in TRANSITIONS.values() for t in moves} - {RequestStatus.OPEN}
        assert {f"payment_request.{t.value}" for t in targets} <= EVENT_TYPES
        assert "payment_request.created" in EVENT_TYPES  # a request is open from its creation

    def test_payments(self) -> None:
        from betal.domain.payment import TRANSITIONS

        targets = {t for moves in TRANSITIONS.values() for t in moves}
        assert {f"payment.{t.value}" for t in targets} <= EVENT_TYPES

    def test_mandates(self) -> None:
        from betal.domain.mandate import PAST, TRANSITIONS

        targets = {t for moves in TRANSITIONS.values() for t in moves}
        assert {f"mandate.{PAST[t]}" for t in targets} <= EVENT_TYPES
