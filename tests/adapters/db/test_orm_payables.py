"""Payables tables: an invoice number once per supplier, a use metered once, a link used once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import BigInteger, insert
from sqlalchemy.exc import IntegrityError

from betal import bootstrap
from betal.adapters.db.orm_payables import (
    ApprovalLinkUseRow,
    PaymentOrderRow,
    SupplierInvoiceRow,
    SupplierRow,
    UsageRecordRow,
)
from betal.domain.ids import new_id
from betal.services.organisation import CreatedOrganisation

AT = datetime(2026, 11, 22, tzinfo=UTC)


def test_money_columns() -> None:
    for column in (SupplierInvoiceRow.__table__.c.gross_minor, PaymentOrderRow.__table__.c.amount_minor,
                   UsageRecordRow.__table__.c.fee_minor):  # fmt: skip
        assert isinstance(column.type, BigInteger)


def _supplier(org_id: str) -> dict[str, object]:
    return {"id": new_id("sup"), "organisation_id": org_id, "name": "Leverandør A/S",
            "needs_dual_approval": False, "created_at": AT, "updated_at": AT}  # fmt: skip


def _invoice(org_id: str, supplier_id: str) -> dict[str, object]:
    return {"id": new_id("sinv"), "organisation_id": org_id, "supplier_id": supplier_id,
            "invoice_number": "F-1", "issue_date": date(2026, 11, 1), "due_date": date(2026, 12, 1),
            "currency": "DKK", "net_minor": 800, "vat_minor": 200, "gross_minor": 1000, "source": "typed",
            "status": "booked", "lines": [], "base_gross_minor": 1000, "created_at": AT,
            "updated_at": AT}  # fmt: skip


def test_an_invoice_number_once_per_supplier(
    container: bootstrap.Container, org: CreatedOrganisation
) -> None:
    org_id = org.organisation.id
    supplier = _supplier(org_id)
    with container.uow() as uow:
        uow.session.execute(insert(SupplierRow), [supplier])
        uow.session.execute(insert(SupplierInvoiceRow), [_invoice(org_id, str(supplier["id"]))])
        uow.session.commit()
    with container.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(insert(SupplierInvoiceRow), [_invoice(org_id, str(supplier["id"]))])


def test_usage_and_links_count_once(container: bootstrap.Container, org: CreatedOrganisation) -> None:
    org_id = org.organisation.id
    use = {"organisation_id": org_id, "kind": "executed_payment", "subject_id": "pord_X",
           "day": date(2026, 11, 22), "fee_minor": 200, "currency": "DKK", "created_at": AT}  # fmt: skip
    link = {"link_id": "l1", "organisation_id": org_id, "used_at": AT}
    with container.uow() as uow:
        uow.session.execute(insert(UsageRecordRow), [use | {"id": new_id("use")}])
        uow.session.execute(insert(ApprovalLinkUseRow), [link])
        uow.session.commit()
    with container.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(insert(UsageRecordRow), [use | {"id": new_id("use")}])
    with container.uow() as uow, pytest.raises(IntegrityError):
        uow.session.execute(insert(ApprovalLinkUseRow), [link])
