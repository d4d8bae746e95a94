"""Mandates: a customer's standing agreement to be collected from (Betalingsservice, MobilePay).

DESIGN.md: ``pending → active → cancelled``; ``pending → rejected``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from betal.domain.errors import IllegalTransition
from betal.domain.payment_method import Method


class MandateStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


PAST = {  # the event of each move: mandate.activated (API.md), mandate.cancelled, mandate.rejected
    MandateStatus.ACTIVE: "activated",
    MandateStatus.CANCELLED: "cancelled",
    MandateStatus.REJECTED: "rejected",
}
M = MandateStatus
TRANSITIONS: dict[MandateStatus, frozenset[MandateStatus]] = {
    M.PENDING: frozenset({M.ACTIVE, M.REJECTED}),
    M.ACTIVE: frozenset({M.CANCELLED}),
    M.CANCELLED: frozenset(),
    M.REJECTED: frozenset(),
}


@dataclass(frozen=True)
class Mandate:
    id: str
    organisation_id: str
    customer_id: str
    method: Method
    status: MandateStatus
    provider_reference: str | None
    debtor_account: str | None
    created_at: datetime
    updated_at: datetime


def move(mandate: Mandate, target: MandateStatus, now: datetime) -> Mandate:
    if target not in TRANSITIONS[mandate.status]:
        raise IllegalTransition("mandate", mandate.status.value, target.value)
    return replace(mandate, status=target, updated_at=now)
