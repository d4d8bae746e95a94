"""Enrollment in Betalingsservice: the payer's offer, the sign-up at Betalingsservice, and what its
mandate and payment information deliveries tell betal afterwards.

Spec: DESIGN.md "Receivables" (a payer may enroll in Betalingsservice after paying, so later bills are
collected automatically) and "State machines" (mandate ``pending → active → cancelled``; ``pending →
rejected``); danish-payments.md §3.1 and §3.3 (0603 mandate information: 0230/0231 active or
registered, 0232-0234 cancelled; 0602 payment information). Enrollment is offered after a successful
payment, and as enrollment-only when a request allows nothing but Betalingsservice. The mandate is
created ``pending`` with a customer number betal chose (the debtor's identity at Betalingsservice, with
the PBS number and debtor group), and becomes ``active`` only when Betalingsservice reports it.
Provider calls happen between transactions, never inside one (``new_uow`` gives a fresh unit each).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from betal.domain import mandate as mandates
from betal.domain.errors import Conflict, NotFound
from betal.domain.events import NewEvent
from betal.domain.ids import new_id
from betal.domain.mandate import PAST, Mandate, MandateStatus
from betal.domain.payment import PaymentStatus
from betal.domain.payment_method import AgreementStatus, Method
from betal.domain.payment_request import PaymentRequest
from betal.domain.provider import CreateMandate, ProviderMandate, ProviderPayment
from betal.domain.tenancy import Organisation
from betal.ports import Providers, UnitOfWork
from betal.services.payment import settle_from_provider
from betal.services.recurring import collect_request

NewUow = Callable[[], UnitOfWork]
PROVIDER = "betalingsservice"
BS = Method.BETALINGSSERVICE
CUSTOMER_NUMBERS = "betalingsservice.customer_no"  # the per-organisation counter of customer numbers


class InformationDelivery(Protocol):
    """One mandate or payment information delivery as the provider maps it."""

    @property
    def delivery_id(self) -> str: ...
    @property
    def mandates(self) -> Sequence[ProviderMandate]: ...
    @property
    def payments(self) -> Sequence[ProviderPayment]: ...


class InformationSource(Protocol):
    """A provider that can list the information deliveries produced for betal (Betalingsservice)."""

    def fetch_information(self, since: str | None = None) -> Sequence[InformationDelivery]: ...


@dataclass(frozen=True)
class Offer:
    """What the payer's "Tilmeld Betalingsservice" page shows for one request."""

    request: PaymentRequest
    organisation: Organisation
    state: str  # "offer" | "enrolled" (an active mandate exists) | "unavailable"


@dataclass(frozen=True)
class Enrollment:
    mandate: Mandate
    redirect_url: str | None


def mandate_snapshot(mandate: Mandate) -> dict[str, object]:
    """The mandate as events and webhooks carry it."""
    return {
        "id": mandate.id,
        "customer_id": mandate.customer_id,
        "method": mandate.method.value,
        "status": mandate.status.value,
    }


def enrollment_offer(uow: UnitOfWork, request: PaymentRequest) -> Offer:
    """Whether the request's payer may enroll now: the organisation has an active Betalingsservice
    agreement, and the request has been paid (a succeeded payment) or allows only Betalingsservice."""
    org = request.organisation_id
    organisation = uow.organisations.get(org)
    assert organisation is not None  # a request always belongs to an organisation
    agreement = uow.agreements.get(org, BS)
    payments = uow.payments.list_for_request(org, request.id)
    paid = any(p.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED) for p in payments)
    if uow.mandates.active_for(org, request.customer_id, BS) is not None:
        return Offer(request, organisation, "enrolled")
    offered = agreement is not None and agreement.status is AgreementStatus.ACTIVE
    if offered and (paid or request.allowed_methods == (BS,)):
        return Offer(request, organisation, "offer")
    return Offer(request, organisation, "unavailable")


def start_enrollment(
    new_uow: NewUow, providers: Providers, *, request_id: str, return_url: str
) -> Enrollment:
    """Create a pending mandate for the request's payer and ask Betalingsservice where they sign up.

    ``return_url`` is where Betalingsservice sends the payer back; ``{mandate_id}`` in it is replaced."""
    with new_uow() as uow:
        request = uow.payment_requests.get_any(request_id)
        if request is None:
            raise NotFound("no such payment request", code="payment_request.not_found")
        offer = enrollment_offer(uow, request)
        if offer.state != "offer":
            raise Conflict("Betalingsservice is not offered for this request", code="enrollment.not_offered")
        org = request.organisation_id
        agreement = uow.agreements.get(org, BS)
        customer = uow.customers.get(org, request.customer_id)
        assert agreement is not None  # checked by the offer
        assert customer is not None  # customers are never deleted
        now = uow.clock.now()
        mandate = Mandate(new_id("man"), org, customer.id, BS, MandateStatus.PENDING, None, None, now, now)
        number = uow.counters.next(org, CUSTOMER_NUMBERS)
        uow.mandates.add(mandate)
        uow.audit(
            org, "mandate.created", "mandate", mandate.id, method=BS.value, payment_request_id=request.id
        )
        uow.publish(NewEvent(org, "mandate.created", mandate_snapshot(mandate)))
        uow.commit()
    creditor = {
        **agreement.config,
        "customer_number": f"{number:015d}",
        "creditor_name": offer.organisation.name,
    }
    command = CreateMandate(
        mandate.id, org, customer.name, creditor, return_url.replace("{mandate_id}", mandate.id)
    )
    result = providers.mandates().create_mandate(command)
    with new_uow() as uow:
        saved = replace(mandate, provider_reference=result.reference, updated_at=uow.clock.now())
        uow.mandates.save(saved)
        uow.commit()
    return Enrollment(saved, result.redirect_url)


def complete_enrollment(
    new_uow: NewUow, providers: Providers, *, request_id: str, mandate_id: str
) -> Mandate:
    """Back from Betalingsservice: where the payer's mandate stands now. Once it is active, an
    enrollment-only request (Betalingsservice is its only method) is collected on it."""
    with new_uow() as uow:
        request = uow.payment_requests.get_any(request_id)
        mandate = None if request is None else uow.mandates.get(request.organisation_id, mandate_id)
    if request is None or mandate is None or mandate.customer_id != request.customer_id:
        raise NotFound("no such enrollment", code="mandate.not_found")
    org = request.organisation_id
    mandate = refresh_mandate(new_uow, providers, organisation_id=org, mandate_id=mandate_id)
    if mandate.status is MandateStatus.ACTIVE and request.allowed_methods == (BS,):
        collect_request(new_uow, providers, organisation_id=org, request_id=request.id)
    return mandate


def refresh_mandate(
    new_uow: NewUow, providers: Providers, *, organisation_id: str, mandate_id: str
) -> Mandate:
    """Ask Betalingsservice where a mandate stands now (the return page) and apply it."""
    with new_uow() as uow:
        mandate = uow.mandates.get(organisation_id, mandate_id)
    if mandate is None:
        raise NotFound(f"no mandate {mandate_id}", code="mandate.not_found")
    if mandate.provider_reference is None or mandate.status not in (
        MandateStatus.PENDING,
        MandateStatus.ACTIVE,
    ):
        return mandate
    result = providers.mandates().get_mandate(mandate.provider_reference)
    with new_uow() as uow:
        return apply_mandate_status(uow, result) or mandate


def apply_mandate_status(uow: UnitOfWork, result: ProviderMandate) -> Mandate | None:
    """Move the mandate with ``result.reference`` as Betalingsservice says; each news is applied once.

    Active news activates a pending mandate (``mandate.activated``); cancelled news cancels an active one
    and rejects a pending one. Anything else (a repeat, news about a closed mandate) changes nothing."""
    mandate = uow.mandates.get_by_reference(result.reference)
    target = _target(mandate, result.status)
    if mandate is None or target is None:
        uow.commit()
        return mandate
    news = f"mandate:{result.reference}:{target.value}"
    if not uow.provider_events.first_time(PROVIDER, news, mandate.organisation_id, uow.clock.now()):
        uow.commit()  # a concurrent twin applied the same news
        return uow.mandates.get(mandate.organisation_id, mandate.id)
    moved = mandates.move(mandate, target, uow.clock.now())
    uow.mandates.save(moved)
    action = f"mandate.{PAST[target]}"  # mandate.activated (API.md), mandate.cancelled, mandate.rejected
    uow.audit(moved.organisation_id, action, "mandate", moved.id, reference=result.reference)
    uow.publish(NewEvent(moved.organisation_id, action, mandate_snapshot(moved)))
    uow.commit()
    return moved


def _target(mandate: Mandate | None, reported: MandateStatus) -> MandateStatus | None:
    if mandate is None:
        return None
    if reported is MandateStatus.ACTIVE and mandate.status is MandateStatus.PENDING:
        return MandateStatus.ACTIVE
    if reported in (MandateStatus.CANCELLED, MandateStatus.REJECTED):
        return {
            MandateStatus.PENDING: MandateStatus.REJECTED,
            MandateStatus.ACTIVE: MandateStatus.CANCELLED,
        }.get(mandate.status)
    return None


@dataclass(frozen=True)
class InformationReport:
    deliveries: int = 0
    skipped: int = 0  # read and applied before
    mandates: int = 0
    payments: int = 0
    unknown: int = 0  # payments betal has no record of


def apply_information(
    new_uow: NewUow, source: InformationSource, since: str | None = None
) -> InformationReport:
    """Read the information deliveries and apply each once (per delivery id): mandates move, and
    collections settle (``succeeded`` on the due date when paid, ``failed`` when rejected)."""
    report = InformationReport()
    for delivery in source.fetch_information(since):
        event_id = f"delivery:{delivery.delivery_id}"
        with new_uow() as uow:
            seen = not uow.provider_events.first_time(PROVIDER, event_id, None, uow.clock.now())
            uow.rollback()  # only looked: the delivery is marked read once it has been applied
        if seen:
            report = replace(report, skipped=report.skipped + 1)
            continue
        for news in delivery.mandates:
            with new_uow() as uow:
                apply_mandate_status(uow, news)
        unknown = sum(_settle(new_uow, news) for news in delivery.payments)
        with new_uow() as uow:
            uow.provider_events.first_time(PROVIDER, event_id, None, uow.clock.now())
            uow.commit()
        report = replace(
            report, deliveries=report.deliveries + 1, mandates=report.mandates + len(delivery.mandates),
            payments=report.payments + len(delivery.payments), unknown=report.unknown + unknown,
        )  # fmt: skip
    return report


def _settle(new_uow: NewUow, news: ProviderPayment) -> int:
    """Settle one collection; 1 when betal does not know it (it is skipped), else 0."""
    with new_uow() as uow:
        try:
            settle_from_provider(uow, PROVIDER, news)
        except NotFound:
            return 1
    return 0
