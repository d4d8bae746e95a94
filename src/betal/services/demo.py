"""Demo data for ``betal serve --demo``: two client companies, an owner, an accountant, an approver,
a payer with bills from both, and suppliers to pay.

Idempotent: running it again finds what it made before and prints the same logins.
"""

from __future__ import annotations

from datetime import timedelta

from betal.domain.calendar import business_date
from betal.domain.tenancy import Principal, Role
from betal.ports import Cipher, PasswordHasher, UnitOfWork
from betal.services.customer import NewCustomer, create_customer
from betal.services.fees import PlanInput, put_price_plan
from betal.services.organisation import add_member, create_organisation
from betal.services.payment_account import PaymentAccountInput, create_payment_account
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from betal.services.supplier import SupplierInput, add_supplier
from betal.services.user import register_user

DEMO_PASSWORD = "betal-demo-2026"
ORGANISATIONS = (("Hansen & Co ApS", "25313763"), ("Nordlys Café I/S", "10150817"))
USERS = (
    ("owner", "ejer@hansen.example", "Mette Hansen", {0: Role.OWNER}),
    ("accountant", "revisor@tal.example", "Jonas Bogholder", {0: Role.BOOKKEEPER, 1: Role.BOOKKEEPER}),
    ("approver", "godkender@hansen.example", "Lars Hansen", {0: Role.APPROVER}),
)


def seed_demo(uow: UnitOfWork, hasher: PasswordHasher) -> list[tuple[str, str, str]]:
    """Create the demo organisations and users if missing; return (role, e-mail, password) to print."""
    org_ids = []
    for name, cvr in ORGANISATIONS:
        existing = uow.organisations.get_by_cvr(cvr)
        org_ids.append(
            existing.id if existing else create_organisation(uow, name=name, cvr=cvr).organisation.id
        )
    logins = []
    for label, email, full_name, roles in USERS:
        user = uow.users.get_by_email(email) or register_user(
            uow, hasher, email=email, name=full_name, password=DEMO_PASSWORD
        )
        for index, role in roles.items():
            if uow.memberships.get(user.id, org_ids[index]) is None:
                add_member(uow, organisation_id=org_ids[index], user_id=user.id, role=role)
        logins.append((label, email, DEMO_PASSWORD))
    return logins


DEMO_PAYER = "anna@kunde.example"
_DEMO_BILLS = (
    # organisation index, customer fields, bills (description, øre, allowed methods)
    (0, {"email": DEMO_PAYER, "phone": "+4520304050", "cpr": "150385-1234"},
     (("Husleje december", 850_000, ("account_to_account", "fi_card", "mobilepay", "card")),
      ("Vinduespolering, abonnement", 34_900, ("betalingsservice",)))),
    (1, {"email": "anna.jensen@firma.example", "cpr": "150385-1234"},
     (("Kaffeabonnement november", 29_900, ("mobilepay", "card", "fi_card")),)),
)  # fmt: skip


def seed_demo_customers(uow: UnitOfWork, cipher: Cipher) -> str:
    """One payer, Anna, billed by both demo organisations (by e-mail in one, by CPR in the other), so
    her single inbox shows bills from both; returns the e-mail she logs in with."""
    for index, fields, bills in _DEMO_BILLS:
        organisation = uow.organisations.get_by_cvr(ORGANISATIONS[index][1])
        if organisation is None or uow.customers.get_by_external_id(organisation.id, "demo-anna") is not None:
            continue
        principal = Principal(organisation.id, Role.OWNER, "system", "demo")
        customer = create_customer(
            uow, cipher, principal, NewCustomer("Anna Jensen", external_id="demo-anna", **fields)
        )
        due = business_date(uow.clock.now()) + timedelta(days=14)
        for description, amount, methods in bills:
            data = NewPaymentRequest(customer.id, amount, "DKK", due, description, methods)
            create_payment_request(uow, principal, data)
    return DEMO_PAYER


_DEMO_SUPPLIERS = (
    SupplierInput("Kontorland A/S", cvr="13585628", dk_reg_no="1551", dk_account_no="3629219"),
    SupplierInput("Elforsyningen A/S", cvr="10403782", fi_creditor_number="85799665"),
    SupplierInput("Papierwerk GmbH", iban="DE89370400440532013000", bic="COBADEFFXXX"),
)

DEMO_PLAN = PlanInput("Standard", per_payment_fee_minor=250, monthly_fee_minor=19_900)


def seed_demo_suppliers(uow: UnitOfWork) -> None:
    """Three suppliers of the first demo company: paid by Danish account, FI-kort and SEPA; and its price
    plan (199 kr. a month, 2,50 kr. per executed payment)."""
    organisation = uow.organisations.get_by_cvr(ORGANISATIONS[0][1])
    if organisation is None:
        return
    principal = Principal(organisation.id, Role.OWNER, "system", "demo")
    if uow.price_plans.get(organisation.id) is None:
        put_price_plan(uow, principal, DEMO_PLAN)
    if uow.suppliers.list_page(organisation.id, None, 1):
        return
    for data in _DEMO_SUPPLIERS:
        add_supplier(uow, principal, data)
    account = PaymentAccountInput("Driftskonto", reg_no="5301", account_no="0244041")
    create_payment_account(uow, principal, account)  # the account they are paid from; commits
