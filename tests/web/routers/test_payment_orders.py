"""Portal pages for payment orders and the approval policy over HTTP: make orders from invoices ready to
pay, send them for approval, see a rejection's comment, cancel; the owner sets the approval policy."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from betal.domain.approval import Decision, Via
from betal.domain.notification import Template
from betal.domain.payables import OrderStatus, PaymentOrder
from betal.domain.tenancy import Role
from betal.services.approval import DecisionInput, decide
from tests.services.approval_support import World, invoice, outbox, supplier
from tests.web.portal import as_bookkeeper, csrf_token, log_in, make_user, web

__all__ = ["web"]  # the portal client fixture (tests.web.portal)

ORDERS = "/app/payables/orders"
POLICY = "/app/payables/approval-policy"


def orders_of(world: World) -> list[PaymentOrder]:
    with world.container.uow() as uow:
        return uow.payment_orders.list_page(world.org_id, status=None, after_id=None, limit=50)


class TestOrders:
    def test_make_orders_from_invoices_ready_to_pay_and_send_them(
        self, world: World, web: TestClient
    ) -> None:
        kontor = supplier(world)
        first, second = invoice(world, kontor, 125_000), invoice(world, kontor, 50_000)
        csrf = as_bookkeeper(world, web)
        page = web.get(ORDERS)
        assert page.status_code == 200
        assert "Fakturaer klar til betaling" in page.text
        assert f'value="{first.id}"' in page.text
        made = web.post(
            f"{ORDERS}/new",
            data={"csrf_token": csrf, "invoice_ids": [first.id, second.id]},
            follow_redirects=False,
        )
        assert made.headers["location"] == f"{ORDERS}?status=draft&notice=created"
        listed = web.get(made.headers["location"])
        assert "Betalingsordren er oprettet." in listed.text
        assert f'value="{first.id}"' not in listed.text  # no longer ready to pay
        assert len(re.findall(r'data-testid="order-row"', listed.text)) == 2
        ids = [o.id for o in orders_of(world)]
        sent = web.post(f"{ORDERS}/send", data={"csrf_token": csrf, "order_ids": ids}, follow_redirects=False)
        assert sent.headers["location"] == f"{ORDERS}?status=awaiting_approval&notice=sent"
        assert {o.status for o in orders_of(world)} == {OrderStatus.AWAITING_APPROVAL}
        assert len(outbox(world.container, world.org_id, Template.APPROVAL_REQUESTED)) == 2

    def test_one_order_on_a_chosen_date_and_its_page(self, world: World, web: TestClient) -> None:
        inv = invoice(world, supplier(world), due=date(2026, 12, 15))
        csrf = as_bookkeeper(world, web)
        data = {"csrf_token": csrf, "invoice_ids": inv.id, "execution_date": "2026-11-28"}  # a Saturday
        made = web.post(f"{ORDERS}/new", data=data, follow_redirects=False)
        [order] = orders_of(world)
        assert made.headers["location"] == f"{ORDERS}/{order.id}?notice=created"
        page = web.get(made.headers["location"])
        assert "Kontorartikler A/S" in page.text
        assert "Flyttet til næste bankdag." in page.text
        assert "30. nov. 2026" in page.text
        assert "Ingen beslutninger endnu." in page.text

    def test_a_past_execution_date_is_refused_and_nothing_is_made(
        self, world: World, web: TestClient
    ) -> None:
        inv = invoice(world, supplier(world))
        csrf = as_bookkeeper(world, web)
        data = {"csrf_token": csrf, "invoice_ids": inv.id, "execution_date": "2026-11-02"}
        refused = web.post(f"{ORDERS}/new", data=data)
        assert refused.status_code == 422
        assert "Intet blev ændret:" in refused.text
        assert orders_of(world) == []

    def test_a_rejection_shows_the_comment_and_the_order_can_be_cancelled(
        self, world: World, web: TestClient
    ) -> None:
        inv = invoice(world, supplier(world))
        csrf = as_bookkeeper(world, web)
        web.post(f"{ORDERS}/new", data={"csrf_token": csrf, "invoice_ids": inv.id})
        [order] = orders_of(world)
        web.post(f"{ORDERS}/send", data={"csrf_token": csrf, "order_ids": order.id})
        with world.container.uow() as uow:
            [approval] = uow.approval_requests.list_recent(world.org_id, 1)
            data = DecisionInput(Decision.REJECT, "Forkert konto")
            decide(uow, world.principal(world.anna), world.messaging, approval.id, data, Via.PORTAL)
        page = web.get(f"{ORDERS}/{order.id}")
        assert "Afvist af godkenderen." in page.text
        assert "Forkert konto" in page.text
        assert "Anna Andersen" in page.text
        assert "Send til godkendelse" in page.text
        cancelled = web.post(f"{ORDERS}/{order.id}/cancel", data={"csrf_token": csrf}, follow_redirects=False)
        assert cancelled.headers["location"] == f"{ORDERS}/{order.id}?notice=cancelled"
        assert orders_of(world)[0].status is OrderStatus.CANCELLED

    def test_forms_need_the_sessions_token(self, world: World, web: TestClient) -> None:
        inv = invoice(world, supplier(world))
        as_bookkeeper(world, web)
        assert web.post(f"{ORDERS}/new", data={"csrf_token": "x", "invoice_ids": inv.id}).status_code == 403
        assert orders_of(world) == []


class TestApprovalPolicy:
    def test_the_owner_saves_the_policy(self, world: World, web: TestClient) -> None:
        owner = make_user(world.container, "ejer@hansen.example", "Mette Hansen", {world.org_id: Role.OWNER})
        log_in(web, owner)
        page = web.get(POLICY)
        assert "Godkendelsespolitik" in page.text
        assert "Carl Clausen" in page.text
        data = {
            "csrf_token": csrf_token(page.text),
            "required_approvals": "1",
            "approver_user_ids": [world.anna.id, world.carl.id],
            "dual_threshold": "50.000",
            "remind_days_before": "2",
        }
        saved = web.post(POLICY, data=data, follow_redirects=False)
        assert saved.headers["location"] == f"{POLICY}?notice=saved"
        with world.container.uow() as uow:
            policy = uow.approval_policies.get(world.org_id)
        assert policy is not None
        assert (policy.approver_user_ids, policy.dual_threshold_minor, policy.remind_days_before) == (
            (world.anna.id, world.carl.id),
            5_000_000,
            2,
        )
        assert 'value="50.000"' in web.get(POLICY).text

    def test_problems_are_shown_and_nothing_is_saved(self, world: World, web: TestClient) -> None:
        owner = make_user(world.container, "ejer@hansen.example", "Mette Hansen", {world.org_id: Role.OWNER})
        log_in(web, owner)
        csrf = csrf_token(web.get(POLICY).text)
        data = {
            "csrf_token": csrf,
            "required_approvals": "2",
            "approver_user_ids": world.anna.id,
            "dual_threshold": "lots",
            "remind_days_before": "1",
        }
        refused = web.post(POLICY, data=data)
        assert refused.status_code == 422
        assert "Skriv beløbsgrænsen i kroner" in refused.text
        data["dual_threshold"] = ""
        refused = web.post(POLICY, data=data)
        assert "Vælg mindst så mange godkendere" in refused.text
        with world.container.uow() as uow:
            assert uow.approval_policies.get(world.org_id).required_approvals == 1  # type: ignore[union-attr]

    def test_a_bookkeeper_reads_it_but_cannot_change_it(self, world: World, web: TestClient) -> None:
        csrf = as_bookkeeper(world, web)
        page = web.get(POLICY)
        assert "Kun ejeren kan ændre godkendelsespolitikken." in page.text
        data = {
            "csrf_token": csrf,
            "required_approvals": "2",
            "approver_user_ids": [world.anna.id, world.bent.id],
            "remind_days_before": "1",
        }
        assert web.post(POLICY, data=data).status_code == 403
