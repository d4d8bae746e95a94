"""``/v1/customers``, ``/v1/payment-requests``, ``/v1/payments``, ``/v1/mandates``."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from betal.api.deps import ContainerDep, PrincipalDep, UowDep
from betal.api.idempotency import respond, run_idempotent
from betal.api.pagination import CursorQuery, LimitQuery, ListOf, page
from betal.api.schemas.receivables import (
    CustomerCreate,
    CustomerRead,
    MandateRead,
    PaymentRead,
    PaymentRequestCreate,
    PaymentRequestDetail,
    PaymentRequestRead,
    RefundCreate,
)
from betal.api.schemas.reminder_policy import ChargeRead, ReminderRead
from betal.bootstrap import Container
from betal.domain.errors import InvalidInput
from betal.domain.payment_request import PaymentRequest
from betal.services import attachment as attachments
from betal.services import customer as customers
from betal.services import dunning
from betal.services import mandate as mandates
from betal.services import payment as payments
from betal.services import payment_request as requests

router = APIRouter(prefix="/v1", tags=["receivables"])


def _decode_pdf(encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("is not base64", field="attachment.content_base64") from None


def _read(container: Container, request: PaymentRequest) -> PaymentRequestRead:
    url = requests.pay_url(container.signer, container.settings.base_url, request.id)
    return PaymentRequestRead.model_validate(request).model_copy(update={"pay_url": url})


@router.post("/customers", status_code=201, response_model=CustomerRead)
def create_customer(
    body: CustomerCreate, request: Request, uow: UowDep, principal: PrincipalDep, container: ContainerDep
) -> Response:
    data = customers.NewCustomer(**body.model_dump(exclude={"language", "notification_channels"}))
    preferences = customers.Preferences(body.language, body.notification_channels)

    def action() -> tuple[int, object]:
        created = customers.create_customer(uow, container.cipher, principal, data, preferences)
        return respond(201, CustomerRead.model_validate(created))

    return run_idempotent(request, uow, principal, body, action)


@router.get("/customers", response_model=ListOf[CustomerRead])
def list_customers(
    uow: UowDep, principal: PrincipalDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> ListOf[CustomerRead]:
    data, next_cursor = page(
        lambda after, n: customers.list_customers(uow, principal, after_id=after, limit=n),
        cursor, limit, CustomerRead.model_validate, lambda c: c.id,
    )  # fmt: skip
    return ListOf[CustomerRead](data=data, next_cursor=next_cursor)


@router.get("/customers/{customer_id}", response_model=CustomerRead)
def get_customer(customer_id: str, uow: UowDep, principal: PrincipalDep) -> CustomerRead:
    return CustomerRead.model_validate(customers.get_customer(uow, principal, customer_id))


@router.post("/payment-requests", status_code=201, response_model=PaymentRequestRead)
def create_payment_request(
    body: PaymentRequestCreate,
    request: Request,
    uow: UowDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    data = requests.NewPaymentRequest(
        customer_id=body.customer_id, amount_minor=body.amount, currency=body.currency,
        due_date=body.due_date, description=body.description, reference=body.reference,
        allowed_methods=tuple(m.value for m in body.allowed_methods),
        reminder_policy_id=body.reminder_policy_id, vat_minor=body.vat_amount,
    )  # fmt: skip
    pdf = None if body.attachment is None else _decode_pdf(body.attachment.content_base64)

    def action() -> tuple[int, object]:
        created = requests.create_payment_request(uow, principal, data)
        if body.attachment is not None and pdf is not None:
            attachments.add_attachment(
                uow, principal, created.id, body.attachment.filename, "application/pdf", pdf
            )
        return respond(201, _read(container, created))

    return run_idempotent(request, uow, principal, body, action)


@router.get("/payment-requests", response_model=ListOf[PaymentRequestRead])
def list_payment_requests(
    uow: UowDep,
    principal: PrincipalDep,
    container: ContainerDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    customer_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ListOf[PaymentRequestRead]:
    data, next_cursor = page(
        lambda after, n: requests.list_payment_requests(
            uow, principal, status=status, customer_id=customer_id, after_id=after, limit=n
        ),
        cursor, limit, lambda r: _read(container, r), lambda r: r.id,
    )  # fmt: skip
    return ListOf[PaymentRequestRead](data=data, next_cursor=next_cursor)


@router.get("/payment-requests/{request_id}", response_model=PaymentRequestDetail)
def get_payment_request(
    request_id: str, uow: UowDep, principal: PrincipalDep, container: ContainerDep
) -> PaymentRequestDetail:
    detail = requests.get_payment_request(uow, principal, request_id)
    overview = dunning.reminder_overview(uow, principal, request_id)
    return PaymentRequestDetail(
        **_read(container, detail.request).model_dump(), reminder_policy_id=detail.request.reminder_policy_id,
        total_due=overview.amount_due.total_minor, outstanding=overview.amount_due.outstanding_minor,
        charges=[ChargeRead.of(line) for line in overview.amount_due.lines],
        payments=[PaymentRead.model_validate(p) for p in detail.payments],
        reminders=[ReminderRead.of(r.record) for r in overview.handled],
    )  # fmt: skip


@router.post("/payment-requests/{request_id}/cancel", response_model=PaymentRequestRead)
def cancel_payment_request(
    request_id: str, request: Request, uow: UowDep, principal: PrincipalDep, container: ContainerDep
) -> Response:
    return run_idempotent(
        request, uow, principal, None,
        lambda: respond(200, _read(container, requests.cancel_payment_request(uow, principal, request_id))),
    )  # fmt: skip


@router.get("/payments", response_model=ListOf[PaymentRead])
def list_payments(
    uow: UowDep,
    principal: PrincipalDep,
    payment_request_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ListOf[PaymentRead]:
    data, next_cursor = page(
        lambda after, n: payments.list_payments(
            uow, principal, request_id=payment_request_id, after_id=after, limit=n
        ),
        cursor, limit, PaymentRead.model_validate, lambda p: p.id,
    )  # fmt: skip
    return ListOf[PaymentRead](data=data, next_cursor=next_cursor)


@router.post("/payments/{payment_id}/refund", response_model=PaymentRead)
def refund_payment(
    payment_id: str, body: RefundCreate, request: Request, uow: UowDep, principal: PrincipalDep,
    container: ContainerDep,
) -> Response:  # fmt: skip
    return run_idempotent(
        request, uow, principal, body,
        lambda: respond(200, PaymentRead.model_validate(
            payments.refund_payment(uow, container.providers, principal, payment_id, body.amount)
        )),
    )  # fmt: skip


@router.get("/mandates", response_model=ListOf[MandateRead])
def list_mandates(
    uow: UowDep,
    principal: PrincipalDep,
    customer_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> ListOf[MandateRead]:
    data, next_cursor = page(
        lambda after, n: mandates.list_mandates(
            uow, principal, customer_id=customer_id, after_id=after, limit=n
        ),
        cursor, limit, MandateRead.model_validate, lambda m: m.id,
    )  # fmt: skip
    return ListOf[MandateRead](data=data, next_cursor=next_cursor)
