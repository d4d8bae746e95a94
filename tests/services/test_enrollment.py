"""Enrollment in Betalingsservice over the simulator: offer, pending mandate, activation, information."""

from __future__ import annotations

from datetime import timedelta

import pytest

from betal.domain.calendar import next_banking_day
from betal.domain.errors import Conflict, NotFound
from betal.domain.mandate import MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import RequestStatus
from betal.domain.provider import CreatePayment, ProviderMandate, ProviderPayment
from betal.services import enrollment
from betal.services.organisation import CreatedOrganisation, create_organisation
from betal.services.payment import begin_payment, record_provider_payment
from tests.adapters.providers.betalingsservice.support import cancel_mandate, run_settlement, sign_up
from tests.conftest import LiveServer
from tests.services.betalingsservice_support import enroll, make_customer, make_request, units

RETURN = "/pay/token/betalingsservice/return?mandate={mandate_id}"


@pytest.fixture
def live_org(live_server: LiveServer) -> CreatedOrganisation:
    with live_server.container.uow() as uow:
        return create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")


def _events(live_server: LiveServer, org: CreatedOrganisation) -> list[str]:
    with live_server.container.uow() as uow:
        return [e.type for e in uow.events.list_after(org.organisation.id, 0, 500)]


def _start(live_server: LiveServer, request_id: str) -> enrollment.Enrollment:
    return enrollment.start_enrollment(
        units(live_server.container), live_server.container.providers, request_id=request_id,
        return_url=live_server.url + RETURN,
    )  # fmt: skip


class TestOffer:
    def test_offered_after_a_successful_payment_only(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org), methods=("card",))
        with c.uow() as uow:
            assert enrollment.enrollment_offer(uow, request).state == "unavailable"
            payment = begin_payment(uow, request, Method.CARD, provider="card")
        with c.uow() as uow:
            paid = ProviderPayment(payment.id, "card-1", PaymentStatus.SUCCEEDED, request.amount_minor, "DKK")
            record_provider_payment(uow, payment.id, live_org.organisation.id, paid)
        with c.uow() as uow:
            offer = enrollment.enrollment_offer(uow, request)
        assert (offer.state, offer.organisation.name) == ("offer", "Hansen & Co ApS")

    def test_enrollment_only_when_betalingsservice_is_the_only_method(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        only = make_request(c, live_org, customer)
        mixed = make_request(c, live_org, customer, methods=("card", "betalingsservice"))
        with c.uow() as uow:
            assert enrollment.enrollment_offer(uow, only).state == "offer"
            assert enrollment.enrollment_offer(uow, mixed).state == "unavailable"

    def test_not_twice(self, live_server: LiveServer, live_org: CreatedOrganisation) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org))
        enroll(c, live_server.url, request)
        with c.uow() as uow:
            assert enrollment.enrollment_offer(uow, request).state == "enrolled"
        with pytest.raises(Conflict, match="not offered"):
            _start(live_server, request.id)


class TestStartEnrollment:
    def test_a_pending_mandate_and_the_way_to_betalingsservice(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        customer = make_customer(c, live_org)
        first = _start(live_server, make_request(c, live_org, customer).id)
        second = _start(live_server, make_request(c, live_org, customer).id)
        with c.uow() as uow:
            pbs = uow.agreements.get(live_org.organisation.id, Method.BETALINGSSERVICE).config["pbs_number"]  # type: ignore[union-attr]
            audit = uow.audit_log.list_for_target(live_org.organisation.id, first.mandate.id)
        assert first.mandate.status is MandateStatus.PENDING
        assert first.mandate.provider_reference == f"{pbs}/00001/000000000000001"
        assert second.mandate.provider_reference == f"{pbs}/00001/000000000000002"
        assert first.redirect_url is not None
        assert first.redirect_url.startswith(
            f"{live_server.url}/sandbox/betalingsservice/signup/{first.mandate.id}?"
        )
        assert "return_url=" + live_server.url.replace(":", "%3A").replace("/", "%2F") in first.redirect_url
        assert first.mandate.id in first.redirect_url.split("return_url=")[1]
        assert [a.action for a in audit] == ["mandate.created"]

    def test_unknown_request(self, live_server: LiveServer) -> None:
        with pytest.raises(NotFound):
            _start(live_server, "preq_nope")


class TestActivation:
    def test_active_when_betalingsservice_reports_it(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org), methods=("betalingsservice",))
        started = _start(live_server, request.id)
        refresh = {"organisation_id": live_org.organisation.id, "mandate_id": started.mandate.id}
        assert enrollment.refresh_mandate(units(c), c.providers, **refresh).status is MandateStatus.PENDING
        assert started.redirect_url is not None
        sign_up(started.redirect_url)
        active = enrollment.refresh_mandate(units(c), c.providers, **refresh)
        assert active.status is MandateStatus.ACTIVE
        assert enrollment.refresh_mandate(units(c), c.providers, **refresh).status is MandateStatus.ACTIVE
        assert _events(live_server, live_org).count("mandate.activated") == 1
        with c.uow() as uow:
            assert uow.mandates.active_for(
                live_org.organisation.id, request.customer_id, Method.BETALINGSSERVICE
            )

    def test_refresh_unknown_mandate(self, live_server: LiveServer, live_org: CreatedOrganisation) -> None:
        with pytest.raises(NotFound):
            enrollment.refresh_mandate(
                units(live_server.container), live_server.container.providers,
                organisation_id=live_org.organisation.id, mandate_id="man_nope",
            )  # fmt: skip


class TestCompleteEnrollment:
    def test_an_enrollment_only_request_is_collected_and_paid_when_confirmed(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org))
        started = _start(live_server, request.id)
        assert started.redirect_url is not None
        sign_up(started.redirect_url)
        args = {"request_id": request.id, "mandate_id": started.mandate.id}
        assert enrollment.complete_enrollment(units(c), c.providers, **args).status is MandateStatus.ACTIVE
        enrollment.complete_enrollment(units(c), c.providers, **args)  # the payer reloads the page
        with c.uow() as uow:
            (payment,) = uow.payments.list_for_request(live_org.organisation.id, request.id)
            pending = uow.payment_requests.get_any(request.id)
        assert (payment.method, payment.status, payment.amount_minor) == (
            Method.BETALINGSSERVICE, PaymentStatus.PENDING, 34_900,
        )  # fmt: skip
        assert pending is not None
        assert pending.status is RequestStatus.OPEN  # submitted is not paid
        assert run_settlement(live_server.url, request.due_date - timedelta(days=1)) == []
        run_settlement(live_server.url, next_banking_day(request.due_date))  # collected on the due date
        report = enrollment.apply_information(units(c), c.providers.by_key("betalingsservice"))
        assert (report.deliveries, report.payments, report.unknown) == (2, 1, 0)
        with c.uow() as uow:
            paid = uow.payment_requests.get_any(request.id)
            settled = uow.payments.get(live_org.organisation.id, payment.id)
        assert paid is not None
        assert settled is not None
        assert (paid.status, paid.paid_minor, settled.status) == (
            RequestStatus.PAID,
            34_900,
            PaymentStatus.SUCCEEDED,
        )
        assert _events(live_server, live_org).count("payment_request.paid") == 1

    def test_a_request_paid_otherwise_is_not_collected(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org), methods=("card",))
        with c.uow() as uow:
            payment = begin_payment(uow, request, Method.CARD, provider="card")
        with c.uow() as uow:
            paid = ProviderPayment(payment.id, "card-2", PaymentStatus.SUCCEEDED, request.amount_minor, "DKK")
            record_provider_payment(uow, payment.id, live_org.organisation.id, paid)
        started = _start(live_server, request.id)
        assert started.redirect_url is not None
        sign_up(started.redirect_url)
        args = {"request_id": request.id, "mandate_id": started.mandate.id}
        assert enrollment.complete_enrollment(units(c), c.providers, **args).status is MandateStatus.ACTIVE
        with c.uow() as uow:
            assert [
                p.method for p in uow.payments.list_for_request(live_org.organisation.id, request.id)
            ] == [Method.CARD]

    def test_someone_elses_mandate(self, live_server: LiveServer, live_org: CreatedOrganisation) -> None:
        c = live_server.container
        mine = make_request(c, live_org, make_customer(c, live_org))
        theirs = make_request(c, live_org, make_customer(c, live_org, "anna@example.dk"))
        started = _start(live_server, theirs.id)
        with pytest.raises(NotFound):
            enrollment.complete_enrollment(
                units(c), c.providers, request_id=mine.id, mandate_id=started.mandate.id
            )
        with pytest.raises(NotFound):
            enrollment.complete_enrollment(
                units(c), c.providers, request_id="preq_x", mandate_id=started.mandate.id
            )


class TestInformation:
    def test_each_delivery_is_applied_once(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        mandate = enroll(c, live_server.url, make_request(c, live_org, make_customer(c, live_org)))
        source = c.providers.by_key("betalingsservice")
        first = enrollment.apply_information(units(c), source)
        assert (first.deliveries, first.mandates, first.skipped) == (1, 1, 0)
        again = enrollment.apply_information(units(c), source)
        assert (again.deliveries, again.skipped) == (0, 1)
        assert mandate.provider_reference is not None
        cancel_mandate(live_server.url, mandate.provider_reference)
        enrollment.apply_information(units(c), source)
        with c.uow() as uow:
            cancelled = uow.mandates.get(live_org.organisation.id, mandate.id)
        assert cancelled is not None
        assert cancelled.status is MandateStatus.CANCELLED
        assert _events(live_server, live_org).count("mandate.cancelled") == 1

    def test_cancelled_before_it_was_active_is_rejected(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        started = _start(live_server, make_request(c, live_org, make_customer(c, live_org)).id)
        reference = started.mandate.provider_reference
        assert reference is not None
        with c.uow() as uow:
            rejected = enrollment.apply_mandate_status(
                uow, ProviderMandate("", reference, MandateStatus.CANCELLED)
            )
        assert rejected is not None
        assert rejected.status is MandateStatus.REJECTED
        with c.uow() as uow:  # news about a closed mandate changes nothing
            same = enrollment.apply_mandate_status(uow, ProviderMandate("", reference, MandateStatus.ACTIVE))
        assert same is not None
        assert same.status is MandateStatus.REJECTED
        with c.uow() as uow:
            assert (
                enrollment.apply_mandate_status(uow, ProviderMandate("", "1/2/3", MandateStatus.ACTIVE))
                is None
            )

    def test_unknown_collections_are_counted_and_skipped(
        self, live_server: LiveServer, live_org: CreatedOrganisation
    ) -> None:
        c = live_server.container
        request = make_request(c, live_org, make_customer(c, live_org))
        mandate = enroll(c, live_server.url, request)
        assert mandate.provider_reference is not None
        with c.uow() as uow:
            config = uow.agreements.get(live_org.organisation.id, Method.BETALINGSSERVICE).config  # type: ignore[union-attr]
        due = request.due_date + timedelta(days=1)
        unknown = CreatePayment(
            "pay_unknown", live_org.organisation.id, Method.BETALINGSSERVICE, 100, "DKK", "x", "",
            config | {"due_date": due.isoformat()}, mandate_reference=mandate.provider_reference,
        )  # fmt: skip
        c.providers.mandates().collect(unknown)
        run_settlement(live_server.url, due)
        report = enrollment.apply_information(units(c), c.providers.by_key("betalingsservice"))
        assert (report.payments, report.unknown) == (1, 1)
