"""Payment methods and the agreements an organisation holds for them (DESIGN.md "Core entities").

A payment request may only allow methods the organisation has an active agreement for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from betal.domain.errors import InvalidInput


class Method(StrEnum):
    ACCOUNT_TO_ACCOUNT = "account_to_account"
    FI_CARD = "fi_card"
    MOBILEPAY = "mobilepay"
    CARD = "card"
    BETALINGSSERVICE = "betalingsservice"


class AgreementStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"


@dataclass(frozen=True)
class Agreement:
    """One organisation's agreement for one method; ``config`` holds the method's identifiers.

    account_to_account: ``{"creditor_iban", "creditor_name"}``; fi_card: ``{"creditor_number", "card_type"}``;
    mobilepay: ``{"merchant_serial_number"}``; card: ``{"merchant_id"}``;
    betalingsservice: ``{"pbs_number", "debtor_group"}``.
    """

    id: str
    organisation_id: str
    method: Method
    status: AgreementStatus
    config: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


def parse_methods(values: Iterable[str], *, field_name: str = "allowed_methods") -> tuple[Method, ...]:
    """Known, distinct methods in the given order; an empty list or an unknown name is ``InvalidInput``."""
    out: list[Method] = []
    for value in values:
        try:
            method = Method(value)
        except ValueError:
            known = ", ".join(m.value for m in Method)
            raise InvalidInput(f"unknown method {value!r}; known: {known}", field=field_name) from None
        if method not in out:
            out.append(method)
    if not out:
        raise InvalidInput("allow at least one payment method", field=field_name)
    return tuple(out)


def require_agreements(methods: Iterable[Method], agreements: Iterable[Agreement]) -> None:
    """Every method must have an active agreement in the organisation (API.md: else 422)."""
    active = {a.method for a in agreements if a.status is AgreementStatus.ACTIVE}
    missing = [m.value for m in methods if m not in active]
    if missing:
        raise InvalidInput(
            f"the organisation has no agreement for {', '.join(missing)}",
            field="allowed_methods",
            code="payment_method.no_agreement",
        )
