"""SQLAlchemy repositories for receivables. All receivables queries live here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from betal.adapters.db.mapping import to_columns, to_domain
from betal.adapters.db.orm_receivables import (
    AgreementRow,
    CounterRow,
    CustomerRow,
    MandateRow,
    MessageRow,
    PaymentRequestRow,
    PaymentRow,
    ProviderEventRow,
    RecurringCollectionRow,
)
from betal.adapters.db.upsert import insert_for
from betal.domain.customer import Customer
from betal.domain.inbox import Message
from betal.domain.mandate import Mandate, MandateStatus
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Agreement, Method
from betal.domain.payment_request import PaymentRequest
from betal.domain.recurring import CollectionStatus, RecurringCollection


def _methods(values: Sequence[str]) -> tuple[Method, ...]:
    return tuple(Method(v) for v in values)


def _with_methods(cls: Any, row: Any) -> Any:
    entity = to_domain(cls, _Proxy(row, allowed_methods=()))
    return replace(entity, allowed_methods=_methods(row.allowed_methods))


class _Proxy:
    """A row seen through with some attributes overridden (for fields the generic mapper can't type)."""

    def __init__(self, row: Any, **overrides: Any) -> None:
        self._row = row
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        return self._overrides[name] if name in self._overrides else getattr(self._row, name)


def _columns_with_methods(entity: Any) -> dict[str, Any]:
    columns = to_columns(entity)
    columns["allowed_methods"] = [m.value for m in entity.allowed_methods]
    return columns


class SqlAlchemyAgreementRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, agreement: Agreement) -> None:
        self.session.add(AgreementRow(**to_columns(agreement)))
        self.session.flush()

    def list_for_organisation(self, organisation_id: str) -> list[Agreement]:
        rows = self.session.scalars(
            select(AgreementRow)
            .where(AgreementRow.organisation_id == organisation_id)
            .order_by(AgreementRow.method)
        )
        return [to_domain(Agreement, r) for r in rows]

    def get(self, organisation_id: str, method: Method) -> Agreement | None:
        row = self.session.scalars(
            select(AgreementRow).where(
                AgreementRow.organisation_id == organisation_id, AgreementRow.method == method
            )
        ).first()
        return None if row is None else to_domain(Agreement, row)


class SqlAlchemyCustomerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, customer: Customer, *, cpr_ciphertext: str | None, cpr_index: str | None) -> None:
        self.session.add(
            CustomerRow(**to_columns(customer), cpr_ciphertext=cpr_ciphertext, cpr_index=cpr_index)
        )
        self.session.flush()

    def get(self, organisation_id: str, customer_id: str) -> Customer | None:
        row = self.session.get(CustomerRow, customer_id)
        if row is None or row.organisation_id != organisation_id:
            return None
        return to_domain(Customer, row)

    def get_by_external_id(self, organisation_id: str, external_id: str) -> Customer | None:
        row = self.session.scalars(
            select(CustomerRow).where(
                CustomerRow.organisation_id == organisation_id, CustomerRow.external_id == external_id
            )
        ).first()
        return None if row is None else to_domain(Customer, row)

    def list_page(self, organisation_id: str, after_id: str | None, limit: int) -> list[Customer]:
        query = select(CustomerRow).where(CustomerRow.organisation_id == organisation_id)
        if after_id is not None:
            query = query.where(CustomerRow.id > after_id)
        return [
            to_domain(Customer, r) for r in self.session.scalars(query.order_by(CustomerRow.id).limit(limit))
        ]

    def find_matching(
        self, emails: Sequence[str], phones: Sequence[str], cpr_indexes: Sequence[str]
    ) -> list[Customer]:
        conditions = []
        if emails:
            conditions.append(CustomerRow.email.in_(list(emails)))
        if phones:
            conditions.append(CustomerRow.phone.in_(list(phones)))
        if cpr_indexes:
            conditions.append(CustomerRow.cpr_index.in_(list(cpr_indexes)))
        if not conditions:
            return []
        rows = self.session.scalars(select(CustomerRow).where(or_(*conditions)).order_by(CustomerRow.id))
        return [to_domain(Customer, r) for r in rows]

    def cpr_indexes(self, customer_ids: Sequence[str]) -> list[str]:
        rows = self.session.scalars(
            select(CustomerRow.cpr_index).where(
                CustomerRow.id.in_(list(customer_ids)), CustomerRow.cpr_index.is_not(None)
            )
        )
        return sorted({r for r in rows if r is not None})

    def last_payer_account(self, customer_id: str) -> str | None:
        return self.session.scalar(
            select(CustomerRow.last_payer_account).where(CustomerRow.id == customer_id)
        )

    def set_last_payer_account(self, customer_id: str, account: str) -> None:
        self.session.execute(
            update(CustomerRow).where(CustomerRow.id == customer_id).values(last_payer_account=account)
        )


class SqlAlchemyPaymentRequestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: PaymentRequest) -> None:
        self.session.add(PaymentRequestRow(**_columns_with_methods(request)))
        self.session.flush()

    def get(
        self, organisation_id: str, request_id: str, *, for_update: bool = False
    ) -> PaymentRequest | None:
        query = select(PaymentRequestRow).where(
            PaymentRequestRow.id == request_id, PaymentRequestRow.organisation_id == organisation_id
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query.execution_options(populate_existing=True)).scalars().first()
        return None if row is None else _with_methods(PaymentRequest, row)

    def get_any(self, request_id: str) -> PaymentRequest | None:
        row = self.session.get(PaymentRequestRow, request_id)
        return None if row is None else _with_methods(PaymentRequest, row)

    def save(self, request: PaymentRequest) -> None:
        values = _columns_with_methods(request)
        self.session.execute(
            update(PaymentRequestRow).where(PaymentRequestRow.id == request.id).values(**values)
        )

    def list_page(
        self,
        organisation_id: str,
        *,
        status: str | None,
        customer_id: str | None,
        after_id: str | None,
        limit: int,
        due_from: date | None = None,
        due_to: date | None = None,
    ) -> list[PaymentRequest]:
        query = select(PaymentRequestRow).where(PaymentRequestRow.organisation_id == organisation_id)
        if status is not None:
            query = query.where(PaymentRequestRow.status == status)
        if customer_id is not None:
            query = query.where(PaymentRequestRow.customer_id == customer_id)
        if after_id is not None:
            query = query.where(PaymentRequestRow.id > after_id)
        if due_from is not None:
            query = query.where(PaymentRequestRow.due_date >= due_from)
        if due_to is not None:
            query = query.where(PaymentRequestRow.due_date <= due_to)
        rows = self.session.scalars(query.order_by(PaymentRequestRow.id).limit(limit))
        return [_with_methods(PaymentRequest, r) for r in rows]

    def list_for_customers(self, customer_ids: Sequence[str], limit: int) -> list[PaymentRequest]:
        rows = self.session.scalars(
            select(PaymentRequestRow)
            .where(PaymentRequestRow.customer_id.in_(list(customer_ids)))
            .order_by(PaymentRequestRow.id.desc())
            .limit(limit)
        )
        return [_with_methods(PaymentRequest, r) for r in rows]


class SqlAlchemyPaymentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, payment: Payment) -> None:
        self.session.add(PaymentRow(**to_columns(payment)))
        self.session.flush()

    def get(self, organisation_id: str, payment_id: str, *, for_update: bool = False) -> Payment | None:
        query = select(PaymentRow).where(
            PaymentRow.id == payment_id, PaymentRow.organisation_id == organisation_id
        )
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query.execution_options(populate_existing=True)).scalars().first()
        return None if row is None else to_domain(Payment, row)

    def get_by_reference(self, provider: str, reference: str) -> Payment | None:
        row = self.session.scalars(
            select(PaymentRow).where(
                PaymentRow.provider == provider, PaymentRow.provider_reference == reference
            )
        ).first()
        return None if row is None else to_domain(Payment, row)

    def save(self, payment: Payment) -> None:
        self.session.execute(
            update(PaymentRow).where(PaymentRow.id == payment.id).values(**to_columns(payment))
        )

    def list_for_request(self, organisation_id: str, request_id: str) -> list[Payment]:
        rows = self.session.scalars(
            select(PaymentRow)
            .where(PaymentRow.organisation_id == organisation_id, PaymentRow.payment_request_id == request_id)
            .order_by(PaymentRow.id)
        )
        return [to_domain(Payment, r) for r in rows]

    def list_page(
        self, organisation_id: str, *, request_id: str | None, after_id: str | None, limit: int
    ) -> list[Payment]:
        query = select(PaymentRow).where(PaymentRow.organisation_id == organisation_id)
        if request_id is not None:
            query = query.where(PaymentRow.payment_request_id == request_id)
        if after_id is not None:
            query = query.where(PaymentRow.id > after_id)
        return [
            to_domain(Payment, r) for r in self.session.scalars(query.order_by(PaymentRow.id).limit(limit))
        ]

    def list_open(self, limit: int) -> list[Payment]:
        rows = self.session.scalars(
            select(PaymentRow)
            .where(PaymentRow.status.in_([PaymentStatus.INITIATED.value, PaymentStatus.PENDING.value]))
            .order_by(PaymentRow.updated_at)
            .limit(limit)
        )
        return [to_domain(Payment, r) for r in rows]


class SqlAlchemyMandateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, mandate: Mandate) -> None:
        self.session.add(MandateRow(**to_columns(mandate)))
        self.session.flush()

    def get(self, organisation_id: str, mandate_id: str) -> Mandate | None:
        row = self.session.get(MandateRow, mandate_id)
        return None if row is None or row.organisation_id != organisation_id else to_domain(Mandate, row)

    def get_by_reference(self, reference: str) -> Mandate | None:
        row = self.session.scalars(
            select(MandateRow).where(MandateRow.provider_reference == reference)
        ).first()
        return None if row is None else to_domain(Mandate, row)

    def save(self, mandate: Mandate) -> None:
        self.session.execute(
            update(MandateRow).where(MandateRow.id == mandate.id).values(**to_columns(mandate))
        )

    def list_page(
        self, organisation_id: str, *, customer_id: str | None, after_id: str | None, limit: int
    ) -> list[Mandate]:
        query = select(MandateRow).where(MandateRow.organisation_id == organisation_id)
        if customer_id is not None:
            query = query.where(MandateRow.customer_id == customer_id)
        if after_id is not None:
            query = query.where(MandateRow.id > after_id)
        return [
            to_domain(Mandate, r) for r in self.session.scalars(query.order_by(MandateRow.id).limit(limit))
        ]

    def active_for(self, organisation_id: str, customer_id: str, method: Method) -> Mandate | None:
        row = self.session.scalars(
            select(MandateRow).where(
                MandateRow.organisation_id == organisation_id,
                MandateRow.customer_id == customer_id,
                MandateRow.method == method.value,
                MandateRow.status == MandateStatus.ACTIVE.value,
            )
        ).first()
        return None if row is None else to_domain(Mandate, row)


class SqlAlchemyRecurringCollectionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, collection: RecurringCollection) -> None:
        self.session.add(RecurringCollectionRow(**_columns_with_methods(collection)))
        self.session.flush()

    def get(self, organisation_id: str, collection_id: str) -> RecurringCollection | None:
        row = self.session.get(RecurringCollectionRow, collection_id)
        if row is None or row.organisation_id != organisation_id:
            return None
        return _with_methods(RecurringCollection, row)  # type: ignore[no-any-return]

    def save(self, collection: RecurringCollection) -> None:
        self.session.execute(
            update(RecurringCollectionRow)
            .where(RecurringCollectionRow.id == collection.id)
            .values(**_columns_with_methods(collection))
        )

    def due_before(self, day: date, limit: int) -> list[RecurringCollection]:
        rows = self.session.scalars(
            select(RecurringCollectionRow)
            .where(
                RecurringCollectionRow.status == CollectionStatus.ACTIVE.value,
                RecurringCollectionRow.next_due_date <= day,
            )
            .order_by(RecurringCollectionRow.next_due_date, RecurringCollectionRow.id)
            .limit(limit)
        )
        return [_with_methods(RecurringCollection, r) for r in rows]


class SqlAlchemyMessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: Message) -> None:
        self.session.add(MessageRow(**to_columns(message)))
        self.session.flush()

    def list_for_customers(self, customer_ids: Sequence[str], limit: int) -> list[Message]:
        rows = self.session.scalars(
            select(MessageRow)
            .where(MessageRow.customer_id.in_(list(customer_ids)))
            .order_by(MessageRow.created_at.desc(), MessageRow.id.desc())
            .limit(limit)
        )
        return [to_domain(Message, r) for r in rows]

    def get(self, message_id: str) -> Message | None:
        row = self.session.get(MessageRow, message_id)
        return None if row is None else to_domain(Message, row)

    def mark_read(self, message_id: str, at: datetime) -> None:
        self.session.execute(
            update(MessageRow)
            .where(MessageRow.id == message_id, MessageRow.read_at.is_(None))
            .values(read_at=at)
        )


class SqlAlchemyCounterRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next(self, organisation_id: str, name: str) -> int:
        self.session.execute(
            insert_for(self.session)(CounterRow)
            .values(organisation_id=organisation_id, name=name, value=0)
            .on_conflict_do_nothing(index_elements=["organisation_id", "name"])
        )
        value = self.session.execute(
            update(CounterRow)
            .where(CounterRow.organisation_id == organisation_id, CounterRow.name == name)
            .values(value=CounterRow.value + 1)
            .returning(CounterRow.value)
        ).scalar_one()
        return int(value)


class SqlAlchemyProviderEventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def first_time(self, provider: str, event_id: str, organisation_id: str | None, at: datetime) -> bool:
        stmt = (
            insert_for(self.session)(ProviderEventRow)
            .values(provider=provider, event_id=event_id, organisation_id=organisation_id, received_at=at)
            .on_conflict_do_nothing(index_elements=["provider", "event_id"])
            .returning(ProviderEventRow.event_id)
        )
        return self.session.execute(stmt).first() is not None
