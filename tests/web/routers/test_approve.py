"""``/approve`` over HTTP: the e-mail link's page, deciding with it once (all or one order at a time), the
readable 400/409/410 pages, CSRF, the invoice PDF through the link, and the signed-in approver's pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient
from httpx import Response

from betal.domain.ids import new_id
from betal.domain.notification import Template
from betal.domain.payables import DocumentKind, OrderStatus, PaymentOrder, SupplierDocument
from betal.services.approval import request_approval
from betal.services.payment_order import NewPaymentOrder, create_payment_order
from tests.services.approval_support import World, invoice, outbox, supplier
from tests.web.portal import Login, csrf_token, log_in, web

__all__ = ["web"]  # the portal client fixture (tests.web.portal)

LINK = re.compile(r"https://betal\.example(/approve/\S+)")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def orders(world: World, count: int = 1) -> list[PaymentOrder]:
    kontor = supplier(world)
    made = []
    for n in range(count):
        inv = invoice(world, kontor, 125_000 + n, due=date(2026, 11, 30))
        with world.container.uow() as uow:
            made.append(create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(inv.id)))
    with world.container.uow() as uow:
        request_approval(uow, world.principal(world.bookkeeper), world.messaging, [o.id for o in made])
    return made


def links(world: World, email: str = "anna@hansen.example") -> tuple[str, str]:
    mails = [
        m for m in outbox(world.container, world.org_id, Template.APPROVAL_REQUESTED) if m.recipient == email
    ]
    approve, reject = LINK.findall(mails[-1].body_text)[:2]
    return approve, reject


def status(world: World, order_id: str) -> OrderStatus:
    with world.container.uow() as uow:
        found = uow.payment_orders.get(world.org_id, order_id)
    assert found is not None
    return found.status


def post(web: TestClient, path: str, **data: str) -> Response:
    token = csrf_token(web.get(path).text)
    return web.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


class TestLinkPage:
    def test_the_page_shows_the_order_and_its_invoice(self, world: World, web: TestClient) -> None:
        [pending] = orders(world)
        approve, _ = links(world)
        page = web.get(approve)
        assert page.status_code == 200
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert "Kontorartikler A/S" in page.text
        assert "1.250,00 DKK" in page.text
        assert "30. nov. 2026" in page.text or "30. november 2026" in page.text
        assert "Papir" in page.text  # the invoice's line
        assert page.text.count('name="decision" value="approve"') == 1
        assert f'name="order_id" value="{pending.id}"' in page.text

    def test_approve_from_the_link_then_it_is_used(self, world: World, web: TestClient) -> None:
        [pending] = orders(world)
        approve, _ = links(world)
        token = csrf_token(web.get(approve).text)
        done = web.post(approve, data={"csrf_token": token, "decision": "approve"}, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"] == "/approve/done?decision=approve&count=1"
        assert "1 betaling godkendt" in web.get(done.headers["location"]).text
        assert status(world, pending.id) is OrderStatus.APPROVED
        for again in (web.get(approve), web.post(approve, data={"csrf_token": token, "decision": "approve"})):
            assert again.status_code == 409
            assert "virker én gang" in again.text

    def test_reject_with_a_comment_tells_the_bookkeeper(self, world: World, web: TestClient) -> None:
        [pending] = orders(world)
        _, reject = links(world, "bent@hansen.example")
        page = web.get(reject)
        assert "afvise i e-mailen" in page.text
        response = post(web, reject, decision="reject", comment="Vi har ikke bestilt det")
        assert response.headers["location"] == "/approve/done?decision=reject&count=1"
        assert status(world, pending.id) is OrderStatus.REJECTED
        [mail] = outbox(world.container, world.org_id, Template.APPROVAL_REJECTED)
        assert "Vi har ikke bestilt det" in mail.body_text

    def test_one_order_at_a_time_continues_on_a_fresh_link(self, world: World, web: TestClient) -> None:
        first, second = orders(world, 2)
        approve, _ = links(world)
        assert "Godkend alle" in web.get(approve).text
        moved = post(web, approve, decision="approve", order_id=first.id)
        location = moved.headers["location"]
        assert location.startswith("/approve/")
        assert location.endswith("?notice=approved")
        assert location.split("?")[0] != approve
        page = web.get(location)
        assert "Godkendt. Tak." in page.text
        assert f'name="order_id" value="{second.id}"' in page.text
        assert f'name="order_id" value="{first.id}"' not in page.text
        last = post(web, location.split("?")[0], decision="reject", comment="Dublet")
        assert last.headers["location"] == "/approve/done?decision=reject&count=1"
        assert (status(world, first.id), status(world, second.id)) == (
            OrderStatus.APPROVED,
            OrderStatus.REJECTED,
        )

    def test_a_tampered_link_is_a_readable_400(self, world: World, web: TestClient) -> None:
        orders(world)
        approve, _ = links(world)
        response = web.get(approve[:-4] + "AAAA")
        assert response.status_code == 400
        assert "Linket er ikke gyldigt" in response.text

    def test_an_expired_link_is_a_readable_410(self, world: World, web: TestClient) -> None:
        [pending] = orders(world)
        approve, _ = links(world)
        world.clock.set(datetime(2026, 12, 10, 9, 0, tzinfo=UTC))
        for response in (web.get(approve), web.post(approve, data={"decision": "approve"})):
            assert response.status_code == 410
            assert "Linket er udløbet" in response.text
        assert status(world, pending.id) is OrderStatus.AWAITING_APPROVAL

    def test_a_post_without_the_forms_token_changes_nothing(self, world: World, web: TestClient) -> None:
        [pending] = orders(world)
        approve, _ = links(world)
        web.get(approve)
        refused = web.post(approve, data={"csrf_token": "forged", "decision": "approve"})
        assert refused.status_code == 403
        assert status(world, pending.id) is OrderStatus.AWAITING_APPROVAL
        assert post(web, approve, decision="approve").status_code == 303

    def test_a_decision_that_is_neither_approve_nor_reject_is_refused(
        self, world: World, web: TestClient
    ) -> None:
        orders(world)
        approve, _ = links(world)
        assert post(web, approve, decision="maybe").status_code == 422

    def test_the_invoice_pdf_opens_through_the_link(self, world: World, web: TestClient) -> None:
        [pending] = orders(world)
        document = SupplierDocument(
            new_id("sdoc"),
            world.org_id,
            pending.supplier_invoice_id,
            DocumentKind.PDF,
            "faktura.pdf",
            "application/pdf",
            len(PDF),
            world.clock.now(),
        )
        with world.container.uow() as uow:
            uow.supplier_documents.add(document, PDF)
            uow.commit()
        approve, _ = links(world)
        path = f"{approve}/documents/{pending.supplier_invoice_id}/{document.id}"
        assert path in web.get(approve).text
        response = web.get(path)
        assert (response.status_code, response.content) == (200, PDF)
        assert response.headers["content-type"] == "application/pdf"
        other = invoice(world, supplier(world, "Andet ApS"))
        assert web.get(f"{approve}/documents/{other.id}/{document.id}").status_code == 404
        assert (
            web.get(f"/approve/forged/documents/{pending.supplier_invoice_id}/{document.id}").status_code
            == 400
        )


class TestSignedIn:
    def test_the_approver_lists_and_decides_in_the_portal(self, world: World, web: TestClient) -> None:
        [pending] = orders(world)
        log_in(web, Login(world.bent.email, world.bent.id))
        listed = web.get("/approve")
        assert listed.status_code == 200
        [href] = re.findall(r'href="(/approve/appr_\w+)"', listed.text)
        page = web.get(href)
        assert "Kontorartikler A/S" in page.text
        response = web.post(
            href, data={"csrf_token": csrf_token(page.text), "decision": "approve"}, follow_redirects=False
        )
        assert response.headers["location"] == f"{href}?notice=approved"
        assert status(world, pending.id) is OrderStatus.APPROVED
        assert "Der venter ikke noget på din godkendelse." in web.get("/approve").text

    def test_the_session_token_is_required(self, world: World, web: TestClient) -> None:
        [pending] = orders(world)
        log_in(web, Login(world.bent.email, world.bent.id))
        href = re.findall(r'href="(/approve/appr_\w+)"', web.get("/approve").text)[0]
        assert web.post(href, data={"csrf_token": "forged", "decision": "approve"}).status_code == 403
        assert status(world, pending.id) is OrderStatus.AWAITING_APPROVAL

    def test_the_request_page_without_a_token_asks_for_a_login(self, world: World, web: TestClient) -> None:
        orders(world)
        with world.container.uow() as uow:
            [approval] = uow.approval_requests.list_recent(world.org_id, 1)
        response = web.get(f"/approve/{approval.id}?decision=approve", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/app/login?next=/approve/")
