"""``/app/dev/mailbox``: the portal's dev mailbox, the outbox read as an inbox.

Spec: DESIGN.md "Components and how they start" (``BETAL_SMTP_URL`` unset = e-mails written to the outbox
table and shown in the portal's dev mailbox). The page exists only in sandbox mode or without an SMTP
URL; otherwise it answers 404 before asking for a login, so a live installation does not reveal it.
What a user sees is decided by ``services.dev_mailbox.recent_messages``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from betal.domain.errors import NotFound
from betal.services import dev_mailbox
from betal.web.deps import ContainerDep, PortalDep, actor
from betal.web.templating import render


def _require_available(container: ContainerDep) -> None:
    settings = container.settings
    if not dev_mailbox.is_available(is_sandbox=settings.is_sandbox, smtp_url=settings.smtp_url):
        raise NotFound("the dev mailbox is off while e-mail is delivered", code="dev_mailbox.not_found")


router = APIRouter(prefix="/app/dev", include_in_schema=False, dependencies=[Depends(_require_available)])


@router.get("/mailbox")
def mailbox(request: Request, portal: PortalDep) -> Response:
    organisation_id = portal.session.organisation_id
    if organisation_id is None:
        messages = []
    else:
        with portal.container.uow(actor(request, portal.user.id)) as uow:
            messages = dev_mailbox.recent_messages(uow, organisation_id)
    return render(request, "dev/mailbox.html", {"portal": portal, "messages": messages})
