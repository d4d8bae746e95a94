"""The accountant's portal pages over HTTP: ``/app/clients`` across the user's organisations, and the bulk
actions within one organisation (payment orders from the supplier invoices list, cancelling many orders),
each all or nothing."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from betal.domain.payables import OrderStatus, PaymentOrder
from betal.domain.tenancy import Role
from betal.services.organisation import add_member, create_organisation
from betal.services.payment_order import NewPaymentOrder, cancel_payment_order, create_payment_order
from betal.services.supplier import SupplierInput, create_supplier
from tests.services.approval_support import World, invoice, supplier
from tests.web.portal import as_bookkeeper, web

__all__ = ["web"]  # the portal client fixture (tests.web.portal)

CLIENTS = "/app/clients"
ORDERS = "/app/payables/orders"
INVOICES = "/app/payables/invoices"


def second_org(world: World, member: bool = True) -> World:
    with world.container.uow() as uow:
        created = create_organisation(uow, name="Nordlys Café I/S" if member else "Fremmed A/S",
                                      cvr="10150817" if member else "13748136")  # fmt: skip
    if member:
        with world.container.uow() as uow:
            add_member(uow, organisation_id=created.organisation.id, user_id=world.bookkeeper.id,
                       role=Role.BOOKKEEPER)  # fmt: skip
    return World(world.container, world.clock, created, world.bookkeeper, world.anna, world.bent, world.carl)


def make_order(world: World, invoice_id: str) -> PaymentOrder:
    with world.container.uow() as uow:
        return create_payment_order(uow, world.principal(world.bookkeeper), NewPaymentOrder(invoice_id))


def statuses(world: World) -> list[OrderStatus]:
    with world.container.uow() as uow:
        found = uow.payment_orders.list_page(world.org_id, status=None, after_id=None, limit=50)
    return [o.status for o in found]


def card(html: str, name: str) -> str:
    """The client card of the organisation named ``name``."""
    cards = html.split('data-testid="client"')[1:]
    found = [c for c in cards if f">{name}</h2>" in c.replace("&amp;", "&")]
    assert len(found) == 1, f"no single card for {name}"
    return found[0]


class TestClients:
    def test_one_card_per_organisation_of_the_user_with_counts(self, world: World, web: TestClient) -> None:
        kontor = supplier(world)
        invoice(world, kontor)
        make_order(world, invoice(world, kontor).id)
        cafe, stranger = second_org(world), second_org(world, member=False)
        invoice(cafe, supplier(cafe))
        invoice(stranger, supplier(stranger))
        as_bookkeeper(world, web)
        page = web.get(CLIENTS)
        assert page.status_code == 200
        assert "Klienter" in page.text
        assert page.text.count('data-testid="client"') == 2
        assert "Fremmed A/S" not in page.text
        hansen = card(page.text, "Hansen & Co ApS")
        assert re.search(r'data-testid="to-book">2<', hansen)
        assert "1 faktura klar til betaling" in hansen
        assert "1 ordrekladde" in hansen
        assert re.search(r'data-testid="to-book">1<', card(page.text, "Nordlys Café I/S"))
        assert f'href="{CLIENTS}"' in web.get("/app/").text  # in the menu for a user of two organisations

    def test_a_link_switches_to_the_organisation_and_opens_the_list(
        self, world: World, web: TestClient
    ) -> None:
        cafe = second_org(world)
        invoice(cafe, supplier(cafe))
        csrf = as_bookkeeper(world, web)
        cafe_card = card(web.get(CLIENTS).text, "Nordlys Café I/S")
        assert f'name="organisation_id" value="{cafe.org_id}"' in cafe_card
        assert f'name="next" value="{ORDERS}"' in cafe_card
        data = {"csrf_token": csrf, "organisation_id": cafe.org_id, "next": ORDERS}
        switched = web.post("/app/switch-organisation", data=data, follow_redirects=False)
        assert switched.headers["location"] == ORDERS
        assert "Fakturaer klar til betaling" in web.get(ORDERS).text  # the café's invoice, now current

    def test_the_page_needs_a_login(self, web: TestClient) -> None:
        assert web.get(CLIENTS, follow_redirects=False).status_code == 303


class TestMakeOrdersFromTheInvoiceList:
    def test_tick_invoices_and_make_orders(self, world: World, web: TestClient) -> None:
        kontor = supplier(world)
        first, second, ordered = invoice(world, kontor), invoice(world, kontor), invoice(world, kontor)
        make_order(world, ordered.id)
        with world.container.uow() as uow:
            bare = create_supplier(uow, world.principal(world.bookkeeper), SupplierInput("Uden Konto ApS"))
        nowhere = invoice(world, bare)
        csrf = as_bookkeeper(world, web)
        listed = web.get(INVOICES).text
        boxes = set(re.findall(r'name="invoice_ids" value="([^"]+)"', listed))
        assert boxes == {first.id, second.id}  # not the one with an order, not the one without means
        assert nowhere.id in listed
        made = web.post(f"{ORDERS}/new", data={"csrf_token": csrf, "invoice_ids": [first.id, second.id]},
                        follow_redirects=False)  # fmt: skip
        assert made.status_code == 303
        assert len(statuses(world)) == 3

    def test_all_or_nothing_when_one_cannot_be_paid(self, world: World, web: TestClient) -> None:
        kontor = supplier(world)
        good, ordered = invoice(world, kontor), invoice(world, kontor)
        csrf = as_bookkeeper(world, web)
        make_order(world, ordered.id)  # someone made an order meanwhile
        refused = web.post(f"{ORDERS}/new", data={"csrf_token": csrf, "invoice_ids": [good.id, ordered.id]})
        assert refused.status_code == 422
        assert "Intet blev ændret" in refused.text
        assert len(statuses(world)) == 1


class TestCancelOrders:
    def test_cancel_the_selected_orders(self, world: World, web: TestClient) -> None:
        kontor = supplier(world)
        made = [make_order(world, invoice(world, kontor).id) for _ in range(2)]
        csrf = as_bookkeeper(world, web)
        page = web.get(ORDERS).text
        assert 'formaction="/app/payables/orders/cancel"' in page
        data = {"csrf_token": csrf, "order_ids": [o.id for o in made]}
        done = web.post(f"{ORDERS}/cancel", data=data, follow_redirects=False)
        assert done.headers["location"] == f"{ORDERS}?status=cancelled&notice=cancelled_many"
        assert "Betalingsordrerne er annulleret." in web.get(done.headers["location"]).text
        assert statuses(world) == [OrderStatus.CANCELLED, OrderStatus.CANCELLED]

    def test_all_or_nothing_when_one_cannot_be_cancelled(self, world: World, web: TestClient) -> None:
        kontor = supplier(world)
        good, gone = (
            make_order(world, invoice(world, kontor).id),
            make_order(world, invoice(world, kontor).id),
        )
        with world.container.uow() as uow:
            cancel_payment_order(uow, world.principal(world.bookkeeper), gone.id)
        csrf = as_bookkeeper(world, web)
        refused = web.post(f"{ORDERS}/cancel", data={"csrf_token": csrf, "order_ids": [good.id, gone.id]})
        assert refused.status_code == 422
        assert "Intet blev ændret" in refused.text
        assert sorted(statuses(world)) == sorted([OrderStatus.DRAFT, OrderStatus.CANCELLED])

    def test_a_form_without_the_token_is_refused(self, world: World, web: TestClient) -> None:
        order = make_order(world, invoice(world, supplier(world)).id)
        as_bookkeeper(world, web)
        assert web.post(f"{ORDERS}/cancel", data={"order_ids": order.id}).status_code == 403
        assert statuses(world) == [OrderStatus.DRAFT]
