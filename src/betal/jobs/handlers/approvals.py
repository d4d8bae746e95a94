"""Approval reminders: ``approvals.remind``, every 15 minutes.

Spec: the payables issue, item 5 (approvers are reminded before the execution date); docs/payables.md
"Approvals". The rules (who, when, once per order and approver) are ``services.approval_notice``'s; this
handler runs them across every organisation in the job's transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from betal.jobs.registry import JobContext, handler, schedule
from betal.services.approval_notice import Messaging, remind_approvers
from betal.services.approval_policy import policy_of
from betal.services.notify import Links

REMIND_KIND = "approvals.remind"


def messaging(ctx: JobContext) -> Messaging:
    container = ctx.container
    return Messaging(container.renderer(), Links(container.signer, container.settings.base_url))


@handler(REMIND_KIND)
def remind(ctx: JobContext) -> dict[str, Any]:
    queued = remind_approvers(ctx.uow, messaging(ctx), lambda org: policy_of(ctx.uow, org))
    ctx.uow.commit()
    return {"queued": queued}


schedule(REMIND_KIND, REMIND_KIND, timedelta(minutes=15))
