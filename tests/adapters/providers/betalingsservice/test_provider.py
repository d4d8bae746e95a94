"""BetalingsserviceProvider against the simulator over real HTTP: mandates, collections, settlement."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from betal.adapters.providers.betalingsservice.provider import BetalingsserviceProvider
from betal.config import Settings
from betal.domain.mandate import MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.provider import (
    Capability,
    CreateMandate,
    CreatePayment,
    CreateRefund,
    NotSupported,
    ProviderMandate,
    ProviderRejected,
    ProviderUnavailable,
)
from betal.formats import dk_betalingsservice as bs
from tests.adapters.providers.betalingsservice.support import cancel_mandate, run_settlement, sign_up
from tests.conftest import TEST_SECRET, LiveServer, free_port

CREDITOR = {"pbs_number": "12345678", "debtor_group": "00001"}
DUE = date.today() + timedelta(days=30)


def _provider(live_server: LiveServer) -> BetalingsserviceProvider:
    provider: BetalingsserviceProvider = live_server.container.providers.mandates()  # type: ignore[assignment]
    return provider


def _mandate(live_server: LiveServer, customer_number: str, **signup: str) -> ProviderMandate:
    creditor = CREDITOR | {"customer_number": customer_number, "creditor_name": "Hansen & Co ApS"}
    return_url = f"{live_server.url}/pay/token/betalingsservice/return?mandate=man_1"
    mandate = _provider(live_server).create_mandate(
        CreateMandate("man_1", "org_1", "Jens Hansen", creditor, return_url)
    )
    assert mandate.redirect_url is not None
    sign_up(mandate.redirect_url, **signup)
    return mandate


def _collection(
    reference: str, payment_id: str = "pay_01JNQ7W3K2X9V8T6R5P4M3N2B1", amount: int = 34_900
) -> CreatePayment:
    return CreatePayment(
        payment_id=payment_id, organisation_id="org_1", method=Method.BETALINGSSERVICE, amount_minor=amount,
        currency="DKK", description="Vinduespolering, abonnement", return_url="",
        creditor=CREDITOR | {"due_date": DUE.isoformat()}, mandate_reference=reference,
    )  # fmt: skip


class TestMandates:
    def test_pending_until_the_payer_signs_up_at_betalingsservice(self, live_server: LiveServer) -> None:
        provider = _provider(live_server)
        creditor = CREDITOR | {"customer_number": "42", "creditor_name": "Hansen & Co ApS"}
        mandate = provider.create_mandate(
            CreateMandate("man_1", "org_1", "Jens", creditor, f"{live_server.url}/back")
        )
        assert (mandate.status, mandate.reference) == (
            MandateStatus.PENDING,
            "12345678/00001/000000000000042",
        )
        assert mandate.redirect_url is not None
        url = urlsplit(mandate.redirect_url)
        assert url.path == "/sandbox/betalingsservice/signup/man_1"
        assert parse_qs(url.query)["customer_number"] == ["000000000000042"]
        assert provider.get_mandate(mandate.reference).status is MandateStatus.PENDING
        back = sign_up(mandate.redirect_url)
        assert back == f"{live_server.url}/back?status=registered"
        active = provider.get_mandate(mandate.reference)
        assert (active.status, active.reference) == (MandateStatus.ACTIVE, mandate.reference)
        assert active.raw["record"][13:17] == "0231"  # the 0603 record that registered it, as read

    def test_cancelled_by_the_bank(self, live_server: LiveServer) -> None:
        mandate = _mandate(live_server, "43")
        cancel_mandate(live_server.url, mandate.reference)
        assert _provider(live_server).get_mandate(mandate.reference).status is MandateStatus.CANCELLED

    def test_a_customer_number_that_cannot_travel_is_refused(self, live_server: LiveServer) -> None:
        creditor = CREDITOR | {"customer_number": "1" * 16}
        with pytest.raises(ProviderRejected, match="not a Betalingsservice mandate reference"):
            _provider(live_server).create_mandate(
                CreateMandate("man_1", "org_1", "Jens", creditor, "http://x")
            )


class TestCollections:
    def test_pending_until_settled_then_succeeded(self, live_server: LiveServer) -> None:
        provider = _provider(live_server)
        mandate = _mandate(live_server, "44")
        submitted = provider.collect(_collection(mandate.reference))
        assert (submitted.status, submitted.amount_minor) == (PaymentStatus.PENDING, 34_900)
        assert submitted.reference == "12345678/pay_01JNQ7W3K2X9V8T6R5P4M3N2B1"
        assert submitted.raw["receipt"]["records"] == 1
        delivery = bs.parse(submitted.raw["delivery"].encode(bs.ENCODING))
        (record,) = delivery.details()
        assert isinstance(record, bs.Collection)
        assert (record.customer_no, record.due_date, record.reference) == (
            "000000000000044", DUE, "pay_01JNQ7W3K2X9V8T6R5P4M3N2B1",
        )  # fmt: skip
        assert provider.get_payment(submitted.reference).status is PaymentStatus.PENDING
        run_settlement(live_server.url, DUE)
        settled = provider.get_payment(submitted.reference)
        assert (settled.status, settled.amount_minor, settled.payment_id) == (
            PaymentStatus.SUCCEEDED, 34_900, "pay_01JNQ7W3K2X9V8T6R5P4M3N2B1",
        )  # fmt: skip

    def test_a_retry_collects_once(self, live_server: LiveServer) -> None:
        provider = _provider(live_server)
        mandate = _mandate(live_server, "45")
        first = provider.collect(_collection(mandate.reference))
        again = provider.create_payment(_collection(mandate.reference))
        assert again.raw["receipt"] == first.raw["receipt"]
        run_settlement(live_server.url, DUE)
        (delivery,) = [d for d in provider.fetch_information() if d.payments]
        assert [p.reference for p in delivery.payments] == [first.reference]

    def test_rejected_when_the_debtor_cannot_pay(self, live_server: LiveServer) -> None:
        provider = _provider(live_server)
        mandate = _mandate(live_server, "46", behaviour="reject")
        submitted = provider.collect(_collection(mandate.reference))
        run_settlement(live_server.url, DUE)
        failed = provider.get_payment(submitted.reference)
        assert failed.status is PaymentStatus.FAILED
        assert failed.failure_reason == "rejected by the debtor's bank (afvist)"

    def test_settles_only_on_the_due_date(self, live_server: LiveServer) -> None:
        provider = _provider(live_server)
        mandate = _mandate(live_server, "47")
        submitted = provider.collect(_collection(mandate.reference))
        assert run_settlement(live_server.url, DUE - timedelta(days=1)) == []
        assert provider.get_payment(submitted.reference).status is PaymentStatus.PENDING

    def test_what_betalingsservice_cannot_do(self, live_server: LiveServer) -> None:
        provider = _provider(live_server)
        assert provider.key == "betalingsservice"
        assert provider.capabilities == {Capability.MANDATE, Capability.POLL}
        collection = _collection("12345678/00001/000000000000001")
        with pytest.raises(NotSupported, match="sign up first"):
            provider.create_payment(replace(collection, mandate_reference=None))
        with pytest.raises(NotSupported):
            provider.refund(CreateRefund("pay_1", "r1", "12345678/pay_1", 100, "DKK"))
        with pytest.raises(NotSupported):
            provider.cancel("12345678/pay_1")
        with pytest.raises(ProviderRejected, match="DKK only"):
            provider.collect(replace(collection, currency="EUR"))
        with pytest.raises(ProviderRejected, match="collection reference"):
            provider.get_payment("pay_1")


class TestInformation:
    def test_fetch_maps_every_delivery_in_order(self, live_server: LiveServer) -> None:
        provider = _provider(live_server)
        one = _mandate(live_server, "48")
        two = _mandate(live_server, "49")
        paid = provider.collect(_collection(one.reference, "pay_01JNQ7W3K2X9V8T6R5P4M3NA01", 100))
        run_settlement(live_server.url, DUE)
        deliveries = provider.fetch_information()
        assert [d.delivery_type for d in deliveries] == ["0603", "0603", "0602"]
        assert [m.reference for d in deliveries for m in d.mandates] == [one.reference, two.reference]
        assert [p.reference for p in deliveries[-1].payments] == [paid.reference]
        since = provider.fetch_information(since=deliveries[0].delivery_id)
        assert [d.delivery_id for d in since] == [d.delivery_id for d in deliveries[1:]]


class TestUnavailable:
    def test_an_unreachable_exchange(self) -> None:
        settings = Settings(secret_key=TEST_SECRET, base_url=f"http://127.0.0.1:{free_port()}")
        provider = BetalingsserviceProvider(settings)
        with pytest.raises(ProviderUnavailable, match="unreachable"):
            provider.get_mandate("12345678/00001/000000000000001")
