"""An API key sees only its organisation: another organisation's id answers 404 on every route.

The routes are read from the app's route table, so a new route with an id in its path is covered
without touching this file; a route whose id kind has no factory below fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from betal.api.app import route_table
from betal.bootstrap import Container
from betal.domain.calendar import business_date
from betal.domain.job import NewJob
from betal.domain.notification import Channel
from betal.domain.payment_method import Method
from betal.domain.reminder import ReminderRule
from betal.domain.tenancy import Principal, Role
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from betal.services.recurring import NewRecurringCollection, create_recurring_collection
from betal.services.reminder_policy import PolicyInput, create_policy

PARAM = re.compile(r"\{(\w+)\}")


def _make_job(container: Container, org: CreatedOrganisation) -> str:
    with container.uow() as uow:
        uow.enqueue(NewJob("system.probe", {}, organisation_id=org.organisation.id, run_at=None))
        uow.commit()
    with container.engine.connect() as conn:
        from sqlalchemy import text

        return str(
            conn.execute(
                text("SELECT id FROM jobs WHERE organisation_id = :o AND kind = 'system.probe'"),
                {"o": org.organisation.id},
            )
            .scalars()
            .first()
        )


def _principal(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")


def _make_customer(container: Container, org: CreatedOrganisation) -> str:
    with container.uow() as uow:
        return create_customer(uow, container.cipher, _principal(org), NewCustomer("Jens", email="j@x.dk")).id


def _make_request(container: Container, org: CreatedOrganisation) -> str:
    customer_id = _make_customer(container, org)
    due = business_date(container.clock.now()) + timedelta(days=10)
    data = NewPaymentRequest(customer_id, 10_000, "DKK", due, "Rent", ("card",))
    with container.uow() as uow:
        return create_payment_request(uow, _principal(org), data).id


def _make_payment(container: Container, org: CreatedOrganisation) -> str:
    request_id = _make_request(container, org)
    with container.uow() as uow:
        request = uow.payment_requests.get_any(request_id)
        assert request is not None
        return begin_payment(uow, request, Method.CARD, provider="card").id


def _make_attachment(container: Container, org: CreatedOrganisation) -> str:
    """A PDF on the organisation's newest request: the one the ``request_id`` factory just made."""
    from sqlalchemy import text

    from betal.services.attachment import add_attachment

    with container.engine.connect() as conn:
        request_id = conn.execute(
            text(
                "SELECT id FROM payment_requests WHERE organisation_id = :o "
                "ORDER BY created_at DESC, id DESC LIMIT 1"
            ),
            {"o": org.organisation.id},
        ).scalar()
    request_id = request_id or _make_request(container, org)
    with container.uow() as uow:
        pdf = b"%PDF-1.4\n%%EOF\n"
        return add_attachment(uow, _principal(org), str(request_id), "f.pdf", "application/pdf", pdf).id


def _make_recurring_collection(container: Container, org: CreatedOrganisation) -> str:
    customer_id = _make_customer(container, org)
    start = business_date(container.clock.now()) + timedelta(days=10)
    data = NewRecurringCollection(customer_id, 10_000, "DKK", "monthly", start.day, start, ("card",))
    with container.uow() as uow:
        return create_recurring_collection(uow, _principal(org), data).id


def _make_reminder_policy(container: Container, org: CreatedOrganisation) -> str:
    data = PolicyInput(
        "Strict", (ReminderRule(-3, (Channel.EMAIL,)), ReminderRule(10, (Channel.SMS,), 10_000))
    )
    with container.uow() as uow:
        return create_policy(uow, _principal(org), data).id


def _make_webhook_endpoint(container: Container, org: CreatedOrganisation) -> str:
    from tests.services.webhook_support import add_endpoint

    return add_endpoint(container, org).endpoint.id


def _make_webhook_delivery(container: Container, org: CreatedOrganisation) -> str:
    """A delivery of one event to a new endpoint (no worker runs, so it stays pending)."""
    from tests.services.webhook_support import add_endpoint, deliveries, publish

    endpoint_id = add_endpoint(container, org).endpoint.id
    publish(container, org, "payment.succeeded")
    return deliveries(container, org, endpoint_id)[0].id


def _import_line(container: Container, org: CreatedOrganisation, amount: str, **texts: str) -> str:
    """A statement with one credit for the organisation's account; returns the entry's id."""
    import secrets

    from tests.services.banking_support import Line, camt053, import_file, own_account

    line = Line(amount, bank_reference=secrets.token_hex(8), **texts)
    return import_file(container, org, camt053(own_account(container, org), [line])).entries[0].id


def _make_statement_entry(container: Container, org: CreatedOrganisation) -> str:
    return _import_line(container, org, "12.34", name="Ukendt Indbetaler")


def _make_statement(container: Container, org: CreatedOrganisation) -> str:
    entry_id = _make_statement_entry(container, org)
    with container.uow() as uow:
        entry = uow.statement_entries.get(org.organisation.id, entry_id)
        assert entry is not None
        return entry.statement_id


def _make_match(container: Container, org: CreatedOrganisation) -> str:
    """A match the engine made: a credit naming a new request's id."""
    entry_id = _import_line(container, org, "100.00", remittance=_make_request(container, org))
    with container.uow() as uow:
        [match] = uow.matches.list_page(org.organisation.id, entry_ids=[entry_id], after_id=None, limit=5)
        return match.id


def _make_ledger_account(container: Container, org: CreatedOrganisation) -> str:
    from betal.services.ledger import list_accounts

    with container.uow() as uow:
        return list_accounts(uow, _principal(org))[0].id


def _make_journal_entry(container: Container, org: CreatedOrganisation) -> str:
    """The entry that booked a new request."""
    from betal.ports import JournalFilter
    from betal.services.ledger import list_entries

    request_id = _make_request(container, org)
    where = JournalFilter(source_type="payment_request", source_id=request_id)
    with container.uow() as uow:
        return list_entries(uow, _principal(org), where, after_number=None, limit=1)[0].id


def _make_payment_order(container: Container, org: CreatedOrganisation) -> str:
    """A draft order for a new supplier's new invoice, paid to the supplier's Danish account."""
    import secrets

    from betal.services.payment_order import NewPaymentOrder, create_payment_order
    from betal.services.supplier import SupplierInput, create_supplier
    from betal.services.supplier_invoice import InvoiceInput, create_invoice

    due = business_date(container.clock.now()) + timedelta(days=10)
    with container.uow() as uow:
        bank = SupplierInput("Kontorartikler A/S", dk_reg_no="0040", dk_account_no="0440116243")
        supplier_id = create_supplier(uow, _principal(org), bank).id
    issued = due - timedelta(days=20)
    data = InvoiceInput(supplier_id, secrets.token_hex(6), issued, due, "DKK", 25_000, 125_000)
    with container.uow() as uow:
        invoice_id = create_invoice(uow, _principal(org), data).id
    with container.uow() as uow:
        return create_payment_order(uow, _principal(org), NewPaymentOrder(invoice_id)).id


def _make_approval_request(container: Container, org: CreatedOrganisation) -> str:
    """A new order sent to the built-in policy's approvers (one new approver joins each time)."""
    import secrets

    from betal.services.approval import request_approval
    from betal.services.approval_notice import Messaging
    from betal.services.notify import Links
    from tests.web.portal import make_user

    order_id = _make_payment_order(container, org)
    email = f"{secrets.token_hex(4)}@approver.example"
    make_user(container, email, "Anna", {org.organisation.id: Role.APPROVER})
    messaging = Messaging(container.renderer(), Links(container.signer, container.settings.base_url))
    with container.uow() as uow:
        return request_approval(uow, _principal(org), messaging, [order_id]).id


def _make_supplier(container: Container, org: CreatedOrganisation) -> str:
    from tests.services.payables_support import make_supplier

    return make_supplier(container, org, cvr=None).id


def _make_supplier_invoice(container: Container, org: CreatedOrganisation) -> str:
    import secrets

    from tests.services.payables_support import book, typed

    return book(container, org, typed(_make_supplier(container, org), invoice_number=secrets.token_hex(6))).id


def _make_supplier_document(container: Container, org: CreatedOrganisation) -> str:
    """A PDF on the organisation's newest supplier invoice: the one the ``invoice_id`` factory just made."""
    from sqlalchemy import text

    from betal.services.supplier_invoice import add_document

    with container.engine.connect() as conn:
        invoice_id = conn.execute(
            text("SELECT id FROM supplier_invoices WHERE organisation_id = :o ORDER BY id DESC LIMIT 1"),
            {"o": org.organisation.id},
        ).scalar()
    invoice_id = invoice_id or _make_supplier_invoice(container, org)
    pdf = b"%PDF-1.4\n"
    with container.uow() as uow:
        return add_document(uow, _principal(org), str(invoice_id), "f.pdf", "application/pdf", pdf).id


def _make_bank_file(container: Container, org: CreatedOrganisation) -> str:
    from betal.domain.bank_file import BankFile, BankFileStatus
    from betal.domain.ids import new_id

    now = container.clock.now()
    bank_file = BankFile(
        new_id("bfile"), org.organisation.id, new_id("bfile").replace("_", "-"), "pain.001.001.09",
        "DK4400400440116254", business_date(now), 1, "1.00", BankFileStatus.CREATED, None, None, now,
    )  # fmt: skip
    with container.uow() as uow:
        uow.bank_files.add(bank_file, b"<Document/>")
        uow.commit()
    return bank_file.id


# One factory per path parameter: it makes a resource in the given organisation and returns its id.
FACTORIES: dict[str, Callable[[Container, CreatedOrganisation], str]] = {
    "job_id": _make_job,
    "customer_id": _make_customer,
    "request_id": _make_request,
    "payment_id": _make_payment,
    "collection_id": _make_recurring_collection,
    "attachment_id": _make_attachment,
    "policy_id": _make_reminder_policy,
    "endpoint_id": _make_webhook_endpoint,
    "delivery_id": _make_webhook_delivery,
    "account_id": _make_ledger_account,
    "journal_entry_id": _make_journal_entry,
    "statement_id": _make_statement,
    "entry_id": _make_statement_entry,
    "match_id": _make_match,
    "payment_order_id": _make_payment_order,
    "approval_request_id": _make_approval_request,
    "supplier_id": _make_supplier,
    "invoice_id": _make_supplier_invoice,
    "document_id": _make_supplier_document,
    "bank_file_id": _make_bank_file,
}


# Path parameters that name no resource: a fee statement's period (``2026-Q4``) is always the key's own
# organisation's statement (tests/api/routers/test_fees.py).
NOT_IDS = frozenset({"period"})


def api_routes() -> list[tuple[str, str]]:
    return [
        (method, path)
        for method, path in route_table()
        if PARAM.search(path) and not set(PARAM.findall(path)) <= NOT_IDS
    ]


class TestTenancy:
    def test_every_route_with_an_id_hides_other_organisations(
        self,
        container: Container,
        client: TestClient,
        org: CreatedOrganisation,
        other_org: CreatedOrganisation,
    ) -> None:
        routes = api_routes()
        assert routes, "expected routes with ids"
        for method, path in routes:
            params = PARAM.findall(path)
            missing = [p for p in params if p not in FACTORIES]
            assert not missing, f"{method} {path}: add a factory for {missing} to FACTORIES"
            theirs = path
            mine = path
            for p in params:
                theirs = theirs.replace("{" + p + "}", FACTORIES[p](container, other_org))
                mine = mine.replace("{" + p + "}", FACTORIES[p](container, org))
            auth = {"Authorization": f"Bearer {org.api_key}"}
            response = client.request(method, theirs, headers=auth, json={} if method != "GET" else None)
            assert response.status_code == 404, f"{method} {theirs} answered {response.status_code}"
            assert response.headers["content-type"].startswith("application/problem+json")
            assert other_org.organisation.id not in response.text
            if method == "GET":
                own = client.request(method, mine, headers=auth)
                assert own.status_code == 200, f"{method} {mine} answered {own.status_code} for the owner"

    def test_lists_only_show_own_organisation(
        self, client: TestClient, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        mine = {"Authorization": f"Bearer {org.api_key}"}
        for path in ("/v1/api-keys", "/v1/audit-log", "/v1/events"):
            text = client.get(path, headers=mine).text
            assert other_org.organisation.id not in text, path
        assert client.get("/v1/organisation", headers=mine).json()["id"] == org.organisation.id

    def test_junk_ids_are_404(self, client: TestClient, auth: dict[str, str]) -> None:
        for junk in ("job_nope", "x" * 300, "org_01"):
            assert client.get(f"/v1/jobs/{junk}", headers=auth).status_code == 404
