"""Approval of payment orders: the policy, how many approvals an order needs, who may decide, and what a
signed approve/reject link carries.

Spec: the payables issue, items 4 and 5; DESIGN.md "Core entities" (ApprovalPolicy: required approvals
1-2, rules; ApprovalRequest and Decision). The rules as a table are in docs/payables.md "Approvals".

- ``approvals_needed``: the policy's number (1 or 2), raised to 2 when the order's DKK value is above the
  policy's threshold or the supplier's bank details changed since its last executed payment (a redirected
  payment is the fraud this defends against).
- ``check_decision``: only an approver on the policy decides; the user who created an order never
  approves it; one decision per approver per round (a rejected order sent again starts a new round).
- ``outcome``: any rejection rejects; enough approvals from different approvers approve.
- ``LinkClaims``: the payload of a signed, single-use, expiring e-mail link (the signature and the
  single use are the adapters' and the service's business; this module says what is inside and when it
  expires).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from betal.domain.calendar import COPENHAGEN, following_banking_day
from betal.domain.errors import Conflict, FieldProblem, Forbidden, InvalidInput
from betal.domain.money import MAX_AMOUNT_MINOR
from betal.domain.payables import OrderStatus

MAX_APPROVALS = 2
MAX_APPROVERS = 50
MAX_REMIND_DAYS = 30
MAX_COMMENT = 500
LINK_LIFETIME = timedelta(days=7)


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Via(StrEnum):
    """Where a decision was made: the JSON API, the logged-in approver pages, or an e-mail link."""

    API = "api"
    PORTAL = "portal"
    LINK = "link"


@dataclass(frozen=True)
class ApprovalPolicy:
    """Who approves an organisation's payment orders and how many approvals an order needs.

    ``id`` None: the built-in policy of an organisation that saved none (one approval from any member
    whose role may approve).
    """

    organisation_id: str
    required_approvals: int  # 1 or 2
    approver_user_ids: tuple[str, ...]
    dual_threshold_minor: int | None = None  # above this DKK amount (øre) two approvals are needed
    remind_days_before: int = 1  # approvers who have not decided are reminded this many days before
    id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class ApprovalRequest:
    """Orders sent to approvers together; each approver was told once, with their own links."""

    id: str
    organisation_id: str
    payment_order_ids: tuple[str, ...]
    approver_user_ids: tuple[str, ...]
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class ApprovalDecision:
    id: str
    organisation_id: str
    approval_request_id: str
    payment_order_id: str
    approver_user_id: str
    round: int  # 1 for the first request of an order; each rejection ends a round
    decision: Decision
    comment: str | None
    via: Via
    created_at: datetime


def policy_problems(
    required: int, approvers: Sequence[str], threshold: int | None, remind_days: int
) -> list[FieldProblem]:
    """Everything wrong with a policy, all at once (empty when it is valid)."""
    problems: list[FieldProblem] = []
    if required not in (1, MAX_APPROVALS):
        problems.append(FieldProblem("required_approvals", "must be 1 or 2"))
    if len(set(approvers)) != len(approvers):
        problems.append(FieldProblem("approver_user_ids", "names an approver more than once"))
    if not 1 <= len(approvers) <= MAX_APPROVERS:
        problems.append(FieldProblem("approver_user_ids", f"must list 1 to {MAX_APPROVERS} approvers"))
    elif len(set(approvers)) < max(required, 1 if threshold is None else MAX_APPROVALS):
        problems.append(
            FieldProblem("approver_user_ids", "must list at least as many approvers as an order can need")
        )
    if threshold is not None and not 0 <= threshold <= MAX_AMOUNT_MINOR:
        problems.append(FieldProblem("dual_threshold_amount", f"must be between 0 and {MAX_AMOUNT_MINOR}"))
    if not 0 <= remind_days <= MAX_REMIND_DAYS:
        problems.append(FieldProblem("remind_days_before", f"must be between 0 and {MAX_REMIND_DAYS}"))
    return problems


def approvals_needed(policy: ApprovalPolicy, order_dkk_amount: int, supplier_needs_dual: bool) -> int:
    """1 or 2: the policy's number, or 2 above its threshold or after a change of the supplier's bank."""
    above = policy.dual_threshold_minor is not None and order_dkk_amount > policy.dual_threshold_minor
    return MAX_APPROVALS if supplier_needs_dual or above else policy.required_approvals


def eligible_approvers(approvers: Sequence[str], order_creator: str | None) -> tuple[str, ...]:
    """The approvers who may approve an order: everyone but the user who created it."""
    return tuple(a for a in approvers if a != order_creator)


def check_decision(
    policy: ApprovalPolicy,
    order_creator: str | None,
    decider: str,
    decision: Decision,
    this_round: Sequence[ApprovalDecision],
) -> None:
    """``Forbidden`` or ``Conflict`` unless ``decider`` may make ``decision`` on the order now."""
    if decider not in policy.approver_user_ids:
        raise Forbidden("only an approver on the approval policy may decide", code="approval.not_an_approver")
    if decision is Decision.APPROVE and decider == order_creator:
        raise Forbidden("the user who created a payment order cannot approve it", code="approval.own_order")
    if any(d.approver_user_id == decider for d in this_round):
        raise Conflict("you have already decided on this payment order", code="approval.already_decided")


def outcome(required: int, this_round: Sequence[ApprovalDecision]) -> OrderStatus | None:
    """``REJECTED`` after any rejection, ``APPROVED`` with enough approvers, else None (still waiting)."""
    if any(d.decision is Decision.REJECT for d in this_round):
        return OrderStatus.REJECTED
    approvers = {d.approver_user_id for d in this_round if d.decision is Decision.APPROVE}
    return OrderStatus.APPROVED if len(approvers) >= required else None


def execution_after_approval(execution_date: date, today: date) -> date:
    """The execution date of an order approved ``today``: unchanged, or the next banking day when late."""
    return following_banking_day(today) if today > execution_date else execution_date


def clean_comment(comment: str | None) -> str | None:
    """The comment as stored: trimmed, None when blank; ``InvalidInput`` when too long or not text."""
    if comment is None or not comment.strip():
        return None
    text = comment.strip()
    if len(text) > MAX_COMMENT or any(ord(c) < 0x20 and c not in "\n\r\t" for c in text):
        raise InvalidInput(f"must be at most {MAX_COMMENT} characters of text", field="comment")
    return text


@dataclass(frozen=True)
class LinkClaims:
    """What a signed approve/reject link carries: one approver, some orders, one decision, an expiry."""

    link_id: str
    organisation_id: str
    approval_request_id: str
    approver_user_id: str
    payment_order_ids: tuple[str, ...]
    decision: Decision
    expires_at: int  # Unix seconds

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"payment_order_ids": list(self.payment_order_ids)}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LinkClaims:
        """The claims of a verified token; ``InvalidInput`` (``token.invalid``) for any other shape."""
        try:
            data: Any = json.loads(text)
            claims = cls(
                link_id=_text(data["link_id"]),
                organisation_id=_text(data["organisation_id"]),
                approval_request_id=_text(data["approval_request_id"]),
                approver_user_id=_text(data["approver_user_id"]),
                payment_order_ids=tuple(_text(i) for i in data["payment_order_ids"]),
                decision=Decision(data["decision"]),
                expires_at=_number(data["expires_at"]),
            )
        except (ValueError, TypeError, KeyError):
            raise InvalidInput("the link is not valid", field="token", code="token.invalid") from None
        return claims

    def expired(self, now: datetime) -> bool:
        return now.timestamp() >= self.expires_at


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected text")
    return value


def _number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected an integer")
    return value


def link_expiry(now: datetime, execution_dates: Sequence[date]) -> int:
    """When a link sent ``now`` stops working: 7 days on, or later if an order it covers runs later
    (the end of its execution date in Copenhagen), so a link works at least until the orders are due."""
    ends = [datetime.combine(d + timedelta(days=1), time(), COPENHAGEN) for d in execution_dates]
    return int(max([now + LINK_LIFETIME, *ends]).timestamp())
