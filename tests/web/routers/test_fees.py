"""The fees page over HTTP: the owner sets the price plan in kroner, everyone sees the quarter's statement
and downloads its PDF; a bookkeeper cannot change the plan; a wrong amount is shown and nothing saved."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from betal.domain.fees import PricePlan
from betal.domain.tenancy import Role
from betal.services.fees import PlanInput, meter_executed_payment, put_price_plan
from betal.services.payment_order import NewPaymentOrder, create_payment_order
from tests.services.approval_support import World, invoice, supplier
from tests.services.test_receipt import pdf_text
from tests.web.portal import as_bookkeeper, log_in, make_user, web

__all__ = ["web"]  # the portal client fixture (tests.web.portal)

PAGE = "/app/fees"


def as_owner(world: World, web: TestClient) -> str:
    owner = make_user(world.container, "ejer@hansen.example", "Mette Hansen", {world.org_id: Role.OWNER})
    return log_in(web, owner)


def plan_of(world: World) -> PricePlan | None:
    with world.container.uow() as uow:
        return uow.price_plans.get(world.org_id)


def text_of(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}"[^>]*>([^<]*)<', html)
    assert match is not None, testid
    return match.group(1).replace("\xa0", " ")


class TestFeesPage:
    def test_the_owner_sets_the_plan_in_kroner(self, world: World, web: TestClient) -> None:
        csrf = as_owner(world, web)
        page = web.get(PAGE)
        assert page.status_code == 200
        assert 'href="/app/fees"' in page.text  # in the menu
        assert "Gebyroversigt" in page.text
        assert 'data-testid="no-plan"' in page.text
        form = {"csrf_token": csrf, "name": "Standard", "per_payment_fee": "2,50", "monthly_fee": "199"}
        saved = web.post(f"{PAGE}/plan", data=form, follow_redirects=False)
        assert saved.status_code == 303
        assert saved.headers["location"] == f"{PAGE}?notice=saved"
        plan = plan_of(world)
        assert plan is not None
        assert (plan.name, plan.per_payment_fee_minor, plan.monthly_fee_minor) == ("Standard", 250, 19_900)
        shown = web.get(saved.headers["location"]).text
        assert "Prisplanen er gemt." in shown
        assert 'value="2,50"' in shown
        assert 'value="199,00"' in shown

    def test_a_wrong_amount_is_shown_and_nothing_saved(self, world: World, web: TestClient) -> None:
        csrf = as_owner(world, web)
        form = {"csrf_token": csrf, "name": "", "per_payment_fee": "2.5.0", "monthly_fee": "-1"}
        refused = web.post(f"{PAGE}/plan", data=form)
        assert refused.status_code == 422
        assert refused.text.count("Skriv et beløb i kroner") == 2
        assert 'value="2.5.0"' in refused.text  # what was typed stays in the form
        assert plan_of(world) is None

    def test_a_missing_name_is_shown_and_nothing_saved(self, world: World, web: TestClient) -> None:
        csrf = as_owner(world, web)
        form = {"csrf_token": csrf, "name": " ", "per_payment_fee": "2,50", "monthly_fee": "0"}
        refused = web.post(f"{PAGE}/plan", data=form)
        assert refused.status_code == 422
        assert "Skriv et navn på 1 til 100 tegn." in refused.text
        assert plan_of(world) is None

    def test_the_statement_of_a_quarter_and_its_pdf(self, world: World, web: TestClient) -> None:
        world.clock.set(datetime(2026, 9, 15, tzinfo=UTC))
        with world.container.uow() as uow:
            put_price_plan(uow, world.principal(), PlanInput("Standard", 250, 19_900))
        world.clock.set(datetime(2026, 11, 23, 9, tzinfo=UTC))
        inv = invoice(world, supplier(world, "Blå Æble ApS"))
        with world.container.uow() as uow:
            made = create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(inv.id, None))
        with world.container.uow() as uow:
            meter_executed_payment(
                uow, organisation_id=world.org_id, payment_order_id=made.id, day=date(2026, 11, 30)
            )
            uow.commit()
        world.clock.set(datetime(2027, 1, 10, tzinfo=UTC))
        as_bookkeeper(world, web)
        current = web.get(PAGE)
        assert '<option value="2027-Q1" selected>' in current.text
        page = web.get(PAGE, params={"period": "2026-Q4"})
        assert page.status_code == 200
        assert "3 måneder" in page.text
        assert (text_of(page.text, "subtotal"), text_of(page.text, "vat"), text_of(page.text, "total")) == (
            "599,50 DKK", "149,88 DKK", "749,38 DKK",
        )  # fmt: skip
        assert len(re.findall(r'data-testid="fee-payment"', page.text)) == 1
        assert "Blå Æble ApS" in page.text
        assert 'href="/app/fees/2026-Q4.pdf"' in page.text
        assert "Hent PDF" in page.text
        assert 'action="/app/fees/plan"' not in page.text  # a bookkeeper reads the plan only
        assert "Kun ejeren kan ændre prisplanen." in page.text
        pdf = web.get("/app/fees/2026-Q4.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert "749,38 DKK" in pdf_text(pdf.content)

    def test_a_bookkeeper_cannot_change_the_plan(self, world: World, web: TestClient) -> None:
        csrf = as_bookkeeper(world, web)
        form = {"csrf_token": csrf, "name": "Gratis", "per_payment_fee": "0", "monthly_fee": "0"}
        assert web.post(f"{PAGE}/plan", data=form).status_code == 403
        assert plan_of(world) is None

    def test_without_the_csrf_token_nothing_is_saved(self, world: World, web: TestClient) -> None:
        as_owner(world, web)
        form = {"csrf_token": "wrong", "name": "Gratis", "per_payment_fee": "0", "monthly_fee": "0"}
        assert web.post(f"{PAGE}/plan", data=form).status_code == 403
        assert plan_of(world) is None

    def test_a_period_that_is_no_quarter_is_422(self, world: World, web: TestClient) -> None:
        as_owner(world, web)
        assert web.get(PAGE, params={"period": "2026-Q9"}).status_code == 422
        assert web.get("/app/fees/2026-Q9.pdf").status_code == 422

    def test_needs_a_login(self, web: TestClient) -> None:
        response = web.get(PAGE, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/app/login")
