"""Payment requests: FI line, inbox message, pay link, events, state changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.errors import IllegalTransition, InvalidInput, NotFound
from betal.domain.payment_request import RequestStatus
from betal.formats import fi_line
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import (
    NewPaymentRequest,
    cancel_payment_request,
    create_payment_request,
    get_payment_request,
    list_payment_requests,
    mark_overdue_requests,
    pay_url,
    request_from_token,
)
from tests.services.receivables_support import make_request, owner


class TestCreatePaymentRequest:
    def test_fi_line_message_and_event(self, container: Container, org: CreatedOrganisation) -> None:
        first = make_request(container, org)
        second = make_request(container, org, email="other@x.dk")
        assert first.status is RequestStatus.OPEN
        assert first.fi_payment_line is not None
        line = fi_line.parse(first.fi_payment_line)
        assert line.card_type == "71"
        assert line.payment_id == first.fi_payment_id
        assert first.fi_payment_id != second.fi_payment_id  # unique per organisation
        with container.uow() as uow:
            messages = uow.messages.list_for_customers([first.customer_id], 10)
            events = uow.events.list_after(org.organisation.id, 0, 50)
        assert [m.payment_request_id for m in messages] == [first.id]
        created = [e for e in events if e.type == "payment_request.created"]
        assert [e.data["id"] for e in created] == [first.id, second.id]
        assert created[0].data["amount"] == 10_000

    def test_no_fi_line_without_fi_card(self, container: Container, org: CreatedOrganisation) -> None:
        assert make_request(container, org, methods=("mobilepay",)).fi_payment_line is None

    @pytest.mark.parametrize(
        ("change", "field"),
        [({"amount_minor": 0}, "amount"), ({"currency": "XYZ"}, "currency"),
         ({"allowed_methods": ("paypal",)}, "allowed_methods"),
         ({"customer_id": "cus_missing"}, "customer_id"), ({"due_date_offset": -1}, "due_date"),
         ({"currency": "EUR"}, "currency")],
    )  # fmt: skip
    def test_bad_input_writes_nothing(
        self, container: Container, org: CreatedOrganisation, change: dict[str, object], field: str
    ) -> None:
        change = dict(change)  # parameters are shared between the database runs
        base = make_request(container, org)
        today = business_date(container.clock.now())
        values: dict[str, object] = {
            "customer_id": base.customer_id, "amount_minor": 500, "currency": "DKK",
            "due_date": today + timedelta(days=int(change.pop("due_date_offset", 3))),  # type: ignore[call-overload]
            "description": "x", "allowed_methods": ("fi_card",),
        } | change  # fmt: skip
        with container.uow() as uow, pytest.raises(InvalidInput) as info:
            create_payment_request(uow, owner(org), NewPaymentRequest(**values))  # type: ignore[arg-type]
        assert info.value.errors[0].field == field
        with container.uow() as uow:
            assert (
                len(
                    list_payment_requests(
                        uow, owner(org), status=None, customer_id=None, after_id=None, limit=10
                    )
                )
                == 1
            )


class TestPayLink:
    def test_token_round_trip_and_tampering(self, container: Container, org: CreatedOrganisation) -> None:
        request = make_request(container, org)
        url = pay_url(container.signer, "https://pay.example.dk/", request.id)
        assert url.startswith("https://pay.example.dk/pay/")
        token = url.rsplit("/", 1)[1]
        with container.uow() as uow:
            assert request_from_token(uow, container.signer, token).id == request.id
            with pytest.raises(InvalidInput):
                request_from_token(uow, container.signer, token[:-3] + "abc")


class TestCancelAndOverdue:
    def test_cancel_then_cancel_again_is_409(self, container: Container, org: CreatedOrganisation) -> None:
        request = make_request(container, org)
        with container.uow() as uow:
            assert cancel_payment_request(uow, owner(org), request.id).status is RequestStatus.CANCELLED
        with container.uow() as uow, pytest.raises(IllegalTransition):
            cancel_payment_request(uow, owner(org), request.id)
        with container.uow() as uow, pytest.raises(NotFound):
            cancel_payment_request(uow, owner(org), "preq_missing")

    def test_overdue_after_due_date(self, container: Container, org: CreatedOrganisation) -> None:
        from betal.adapters.clock import FrozenClock

        request = make_request(container, org)
        clock = FrozenClock(container.clock.now() + timedelta(days=20))
        container.clock = clock
        with container.uow() as uow:
            assert mark_overdue_requests(uow, org.organisation.id, [request]) == 1
        with container.uow() as uow:
            assert get_payment_request(uow, owner(org), request.id).request.status is RequestStatus.OVERDUE
            assert [e.type for e in uow.events.list_after(org.organisation.id, 0, 50)][
                -1
            ] == "payment_request.overdue"


class TestRequestTimeline:
    def test_audit_entries_and_untold_events_in_order(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        from betal.domain.payment import PaymentStatus
        from betal.domain.payment_method import Method
        from betal.domain.provider import ProviderPayment
        from betal.services.payment import begin_payment, record_provider_payment
        from betal.services.payment_request import request_timeline

        request = make_request(container, org)
        make_request(container, org, email="someone@else.dk")  # another request's history stays out
        with container.uow() as uow:
            payment = begin_payment(uow, request, Method.CARD, provider="card")
        done = ProviderPayment(payment.id, "psp-t", PaymentStatus.SUCCEEDED, 10_000, "DKK")
        with container.uow() as uow:
            record_provider_payment(uow, payment.id, org.organisation.id, done)
        with container.uow() as uow:
            timeline = request_timeline(uow, owner(org), request.id)
        actions = [e.action for e in timeline.entries]
        assert actions[0] == "payment_request.created"
        assert {"payment.initiated", "payment.succeeded", "payment_request.paid"} <= set(actions)
        assert actions.count("payment_request.created") == 1
        assert all(e.target_id in {request.id, payment.id} for e in timeline.entries)
        assert [e.created_at for e in timeline.entries] == sorted(e.created_at for e in timeline.entries)
