"""Delivering outbox messages: what a channel answers, and what the outbox records for that answer.

Spec: DESIGN.md "Components and how they start" (SMTP ``BETAL_SMTP_URL``; unset = the dev mailbox) and
"Scale-out" (durable jobs, retried with backoff); STYLE.md "Habits" 9 (retry only what is declared
retryable). A channel (e-mail over SMTP, SMS through an HTTP gateway) answers each send with a
``DeliveryResult``: ``sent``, ``retry`` (a 4xx SMTP reply, a 5xx or timeout from the gateway, no
connection) or ``permanent_failure`` (5xx SMTP reply such as 550 mailbox unknown, an invalid number).
``route`` decides the fallback to the dev mailbox for a channel nothing delivers; ``settle`` turns a
result into the outbox status, a retry on the job's last attempt becoming a failure.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from betal.domain.notification import Channel, DeliveryStatus

Outcome = Literal["sent", "retry", "permanent_failure"]
DEV_MAILBOX = "kept in the dev mailbox"


@dataclass(frozen=True)
class DeliveryResult:
    """One channel's answer to one send; ``detail`` is for logs and job errors, never for payers."""

    outcome: Outcome
    detail: str

    @classmethod
    def sent(cls, detail: str = "") -> DeliveryResult:
        return cls("sent", detail)

    @classmethod
    def retry(cls, detail: str) -> DeliveryResult:
        return cls("retry", detail)

    @classmethod
    def permanent_failure(cls, detail: str) -> DeliveryResult:
        return cls("permanent_failure", detail)


def route(channel: Channel, configured: Collection[Channel]) -> Channel | None:
    """The channel that delivers a message meant for ``channel``; None: it stays in the dev mailbox.

    There is no cross-channel fallback: a login code asked for by e-mail must never go out by SMS.
    """
    return channel if channel in configured else None


def settle(result: DeliveryResult, *, final_attempt: bool) -> DeliveryStatus | None:
    """The outbox status to record for ``result``; None means try again later (the job retries)."""
    if result.outcome == "sent":
        return DeliveryStatus.SENT
    if result.outcome == "permanent_failure" or final_attempt:
        return DeliveryStatus.FAILED
    return None
