"""Suppliers: who the organisation pays, and where (IBAN + BIC, Danish reg.no. + account, FI creditor number).

Spec: the payables issue, item 1; API.md "Payables" (``POST /v1/suppliers``); docs/payables.md "Suppliers".

- Bank details are validated with ``domain.identifiers``; every problem is reported at once. A supplier
  may have any of the payment routes or none (an invoice can carry its own payment details).
- Payment-redirection fraud defence: once a supplier exists, any change of its bank details (``iban``,
  ``bic``, the Danish account, ``fi_creditor_number``), including giving details to a supplier that had
  none, is recorded with what they were, what they became and who changed them. The supplier is then
  marked ``needs_dual_approval``: the next payment to it needs two approvals whatever the approval policy
  says (the payment-order side clears the mark when such a payment has been executed).
- A CVR number is unique among an organisation's suppliers, so an e-invoice finds its supplier by CVR.
- Reading needs ``READ``; creating and changing need ``BOOK``. Each call is one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace

from betal.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound
from betal.domain.events import NewEvent
from betal.domain.identifiers import (
    validate_bic,
    validate_cvr,
    validate_dk_account,
    validate_fi_creditor_number,
    validate_iban,
)
from betal.domain.ids import new_id
from betal.domain.payables import Supplier, SupplierBankChange
from betal.domain.tenancy import Permission, Principal
from betal.domain.text import validate_name
from betal.ports import UnitOfWork

BANK_FIELDS = ("iban", "bic", "dk_reg_no", "dk_account_no", "fi_creditor_number")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class SupplierInput:
    """A supplier's whole state as given: creating sets it, changing replaces it."""

    name: str | None  # required: None is refused like an empty name
    cvr: str | None = None
    iban: str | None = None
    bic: str | None = None
    dk_reg_no: str | None = None
    dk_account_no: str | None = None
    fi_creditor_number: str | None = None
    country: str | None = None  # ISO 3166 alpha-2; derived from the bank details when not given


def input_of(supplier: Supplier) -> SupplierInput:
    """The supplier's current state, to merge a partial change onto (the country is derived again)."""
    values = {name: getattr(supplier, name) for name in SupplierInput.__dataclass_fields__}
    return SupplierInput(**(values | {"country": None}))


def merged(supplier: Supplier, changes: Mapping[str, str | None]) -> SupplierInput:
    """The supplier's state with ``changes`` applied (a field name to its new value; None removes it)."""
    return replace(input_of(supplier), **changes)


def _checked(problems: list[FieldProblem], check: Callable[[], str | None]) -> str | None:
    try:
        return check()
    except InvalidInput as exc:
        problems.extend(exc.errors)
        return None


def _optional(check: Callable[[str], str], value: str | None) -> Callable[[], str | None]:
    return lambda: None if value is None else check(value)


def _dk_account(data: SupplierInput, problems: list[FieldProblem]) -> tuple[str | None, str | None]:
    if data.dk_reg_no is None and data.dk_account_no is None:
        return None, None
    if data.dk_reg_no is None or data.dk_account_no is None:
        problems.append(FieldProblem("dk_account", "give both the reg.no. and the account number"))
        return None, None
    try:
        account = validate_dk_account(data.dk_reg_no, data.dk_account_no)
    except InvalidInput as exc:
        problems.extend(exc.errors)
        return None, None
    return account.reg_no, account.account_no


def _country(data: SupplierInput, iban: str | None, problems: list[FieldProblem]) -> str | None:
    if data.country is not None:
        if not _COUNTRY.fullmatch(data.country):
            problems.append(FieldProblem("country", "must be two capital letters (ISO 3166)"))
        return data.country
    if iban is not None:
        return iban[:2]
    danish = data.dk_reg_no or data.fi_creditor_number or data.cvr
    return "DK" if danish else None


def validated(data: SupplierInput) -> SupplierInput:
    """The clean supplier, or ``InvalidInput`` listing every problem."""
    problems: list[FieldProblem] = []
    name = _checked(problems, lambda: validate_name(data.name or ""))
    cvr = _checked(problems, _optional(validate_cvr, data.cvr))
    iban = _checked(problems, _optional(validate_iban, data.iban))
    bic = _checked(problems, _optional(validate_bic, data.bic))
    if data.bic is not None and data.iban is None:
        problems.append(FieldProblem("bic", "a BIC goes with an IBAN: give the IBAN too"))
    reg_no, account_no = _dk_account(data, problems)
    creditor = _checked(problems, _optional(validate_fi_creditor_number, data.fi_creditor_number))
    country = _country(data, iban, problems)
    if problems:
        raise InvalidInput("; ".join(p.message for p in problems), errors=problems, code="supplier.invalid")
    return SupplierInput(name or "", cvr, iban, bic, reg_no, account_no, creditor, country)


def bank_details(value: Supplier | SupplierInput) -> dict[str, str | None]:
    return {name: getattr(value, name) for name in BANK_FIELDS}


def _refuse_duplicate_cvr(uow: UnitOfWork, org: str, cvr: str | None, supplier_id: str | None) -> None:
    found = None if cvr is None else uow.suppliers.find_by_cvr(org, cvr)
    if found is not None and found.id != supplier_id:
        raise Conflict(f"the supplier {found.id} already has CVR {cvr}", code="supplier.duplicate_cvr")


def add_supplier(uow: UnitOfWork, principal: Principal, data: SupplierInput) -> Supplier:
    """Validate and add a supplier in the caller's transaction (no commit): also used by e-invoice imports."""
    principal.require(Permission.BOOK)
    org, now, clean = principal.organisation_id, uow.clock.now(), validated(data)
    _refuse_duplicate_cvr(uow, org, clean.cvr, None)
    supplier = Supplier(
        id=new_id("sup"), organisation_id=org, **asdict(clean), bank_details_changed_at=None,
        needs_dual_approval=False, created_at=now, updated_at=now,
    )  # fmt: skip
    uow.suppliers.add(supplier)
    uow.publish(NewEvent(org, "supplier.created", {"id": supplier.id, "name": supplier.name}))
    uow.audit(org, "supplier.created", "supplier", supplier.id, name=supplier.name, cvr=supplier.cvr)
    return supplier


def create_supplier(uow: UnitOfWork, principal: Principal, data: SupplierInput) -> Supplier:
    supplier = add_supplier(uow, principal, data)
    uow.commit()
    return supplier


def get_supplier(uow: UnitOfWork, principal: Principal, supplier_id: str) -> Supplier:
    principal.require(Permission.READ)
    supplier = uow.suppliers.get(principal.organisation_id, supplier_id)
    if supplier is None:
        raise NotFound(f"no supplier {supplier_id}", code="supplier.not_found")
    return supplier


def list_suppliers(
    uow: UnitOfWork, principal: Principal, *, after_id: str | None, limit: int
) -> list[Supplier]:
    principal.require(Permission.READ)
    return uow.suppliers.list_page(principal.organisation_id, after_id, limit)


def bank_changes(uow: UnitOfWork, principal: Principal, supplier_id: str) -> list[SupplierBankChange]:
    """The supplier's bank-detail changes, newest first."""
    supplier = get_supplier(uow, principal, supplier_id)
    return uow.suppliers.bank_changes(supplier.organisation_id, supplier.id)


def _record_bank_change(uow: UnitOfWork, principal: Principal, before: Supplier, after: Supplier) -> Supplier:
    """The change recorded, the supplier marked for two approvals, the event and the audit entry."""
    org, now = principal.organisation_id, after.updated_at
    old, new = bank_details(before), bank_details(after)
    changed = [name for name in BANK_FIELDS if old[name] != new[name]]
    change = SupplierBankChange(new_id("sbc"), org, before.id, old, new, principal.actor_id, now)
    uow.suppliers.add_bank_change(change)
    data = {"id": before.id, "change_id": change.id, "fields": changed}
    uow.publish(NewEvent(org, "supplier.bank_details_changed", data))
    uow.audit(
        org, "supplier.bank_details_changed", "supplier", before.id, change_id=change.id, fields=changed
    )
    return replace(after, needs_dual_approval=True, bank_details_changed_at=now)


def update_supplier(uow: UnitOfWork, principal: Principal, supplier_id: str, data: SupplierInput) -> Supplier:
    """Replace the supplier's details; a change of bank details is recorded (see the module docstring)."""
    principal.require(Permission.BOOK)
    org = principal.organisation_id
    before = uow.suppliers.get(org, supplier_id, for_update=True)
    if before is None:
        raise NotFound(f"no supplier {supplier_id}", code="supplier.not_found")
    clean = validated(data)
    after = replace(before, **asdict(clean))
    if after == before:
        return before
    _refuse_duplicate_cvr(uow, org, clean.cvr, before.id)
    after = replace(after, updated_at=uow.clock.now())
    if bank_details(after) != bank_details(before):
        after = _record_bank_change(uow, principal, before, after)
    uow.suppliers.save(after)
    changed = sorted(name for name in asdict(clean) if getattr(before, name) != getattr(after, name))
    uow.publish(NewEvent(org, "supplier.updated", {"id": after.id, "fields": changed}))
    uow.audit(org, "supplier.updated", "supplier", after.id, fields=changed)
    uow.commit()
    return after
