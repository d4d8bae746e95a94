"""``BetalingsserviceProvider``: mandates and collections over Betalingsservice's file exchange.

Implements ``ports.MandateProvider`` (``create_mandate``, ``get_mandate``, ``collect``) and
``ports.PaymentProvider`` (key ``betalingsservice``; capabilities MANDATE and POLL): ``create_payment``
is a collection on the mandate named by ``CreatePayment.mandate_reference``; refunds and cancellations
are not part of the protocol (``NotSupported``). Betalingsservice is file based (danish-payments.md §3.1):
betal uploads a 0601 collection delivery and reads 0602 payment and 0603 mandate information deliveries;
the payer signs up on Betalingsservice's own page. docs/providers/betalingsservice.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import httpx

from betal.adapters.providers.betalingsservice import mapping
from betal.adapters.providers.betalingsservice.client import BetalingsserviceClient
from betal.adapters.providers.betalingsservice.config import KEY, BetalingsserviceConfig
from betal.config import Settings
from betal.domain.mandate import MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.provider import (
    Capability,
    CreateMandate,
    CreatePayment,
    CreateRefund,
    NotSupported,
    ProviderMandate,
    ProviderPayment,
    ProviderRefund,
    ProviderUnavailable,
)
from betal.formats import dk_betalingsservice as bs

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _today() -> date:
    return datetime.now(UTC).astimezone(COPENHAGEN).date()


class BetalingsserviceProvider:
    key = KEY
    capabilities = frozenset({Capability.MANDATE, Capability.POLL})

    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.config = BetalingsserviceConfig.from_settings(settings)
        self.client = BetalingsserviceClient(self.config, transport=transport)

    # --- mandates ------------------------------------------------------------------------------

    def create_mandate(self, request: CreateMandate) -> ProviderMandate:
        """Where to send the payer to sign up; the mandate stays pending until a 0603 delivery says so.

        ``request.creditor`` is the agreement's config (``pbs_number``, ``debtor_group``) plus the
        ``customer_number`` betal chose for this mandate (15 digits)."""
        creditor = request.creditor
        pbs_number, group = str(creditor.get("pbs_number", "")), str(creditor.get("debtor_group", ""))
        customer_no = str(creditor.get("customer_number", "")).zfill(15)
        reference = mapping.mandate_reference(pbs_number, group, customer_no)
        mapping.split_mandate_reference(reference)  # refuse what could never come back in a 0603 record
        url = self.client.signup_url(
            request.mandate_id, pbs_number=pbs_number, debtor_group=group, customer_number=customer_no,
            creditor_name=request.customer_name, return_url=request.return_url,
        )  # fmt: skip
        return ProviderMandate(request.mandate_id, reference, MandateStatus.PENDING, redirect_url=url)

    def get_mandate(self, reference: str) -> ProviderMandate:
        """The mandate as the latest 0603 delivery for its PBS number tells it (pending if none does)."""
        pbs_number, _, _ = mapping.split_mandate_reference(reference)
        found = mapping.latest(
            (m for d in self._information(pbs_number, bs.MANDATE_INFORMATION) for m in d.mandates), reference
        )
        return found if found is not None else ProviderMandate("", reference, MandateStatus.PENDING)

    def collect(self, request: CreatePayment) -> ProviderPayment:
        """Upload a 0601 delivery collecting ``request`` on its due date (``creditor["due_date"]``).

        The delivery id comes from the payment id, so a retry uploads the same file under the same
        idempotency key and the exchange answers the first receipt: nothing is collected twice."""
        delivery = mapping.collection_delivery(
            request, data_supplier=self.config.data_supplier_number,
            delivery_id=mapping.delivery_id_for(request.payment_id), today=_today(),
        )  # fmt: skip
        content = bs.render(delivery)
        receipt = self.client.upload(content, key=f"betal-{request.payment_id}")
        pbs_number = delivery.sections[0].start.pbs_number
        return ProviderPayment(
            request.payment_id, mapping.payment_reference(pbs_number, request.payment_id),
            PaymentStatus.PENDING, request.amount_minor, request.currency,
            raw={"receipt": receipt, "delivery": content.decode(bs.ENCODING)},
        )  # fmt: skip

    # --- payments ------------------------------------------------------------------------------

    def create_payment(self, request: CreatePayment) -> ProviderPayment:
        if request.mandate_reference is None:
            raise NotSupported("Betalingsservice only collects on a mandate; the payer must sign up first")
        return self.collect(request)

    def get_payment(self, reference: str) -> ProviderPayment:
        """A collection as the 0602 deliveries for its PBS number tell it (pending until one does)."""
        pbs_number, payment_id = mapping.split_payment_reference(reference)
        found = mapping.latest(
            (p for d in self._information(pbs_number, bs.PAYMENT_INFORMATION) for p in d.payments), reference
        )
        if found is not None:
            return found
        return ProviderPayment(payment_id, reference, PaymentStatus.PENDING, 0, "DKK")

    def refund(self, request: CreateRefund) -> ProviderRefund:
        raise NotSupported(
            f"Betalingsservice has no refunds ({request.payment_id}): pay the debtor back by transfer"
        )

    def cancel(self, reference: str) -> ProviderPayment:
        raise NotSupported(f"Betalingsservice collections are not cancelled through betal ({reference})")

    # --- information deliveries --------------------------------------------------------------------

    def fetch_information(self, since: str | None = None) -> list[mapping.InformationDelivery]:
        """Every mandate and payment information delivery after ``since``, mapped, oldest first."""
        return self._information(None, None, since=since)

    def _information(
        self, pbs_number: str | None, delivery_type: str | None, *, since: str | None = None
    ) -> list[mapping.InformationDelivery]:
        out = []
        for raw in self.client.deliveries(since=since, pbs_number=pbs_number, delivery_type=delivery_type):
            try:
                delivery = bs.parse(str(raw["content"]).encode(bs.ENCODING), strict=False)
            except (bs.RecordError, KeyError, UnicodeEncodeError) as exc:
                raise ProviderUnavailable(
                    f"Betalingsservice delivery {raw.get('id')} is unreadable: {exc}"
                ) from exc
            out.append(mapping.information(str(raw["id"]), delivery))
        return out
