"""Shared set-up for reminder tests: a request taken through the reminder engine on a frozen clock.

The request is made on Monday 2 March 2026 and falls due on Thursday 5 March. The engine then runs on the
due date (the on-due reminder), on 16 March (overdue: the first overdue reminder, late, with interest and a
business customer's compensation) and on 23 March (the first reminder with a fee), so the request ends
with three reminders sent and five lines of amount due.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from betal.adapters.clock import FrozenClock
from betal.bootstrap import Container
from betal.services.customer import NewCustomer, create_customer
from betal.services.notify import Links
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from betal.services.reminder import Engine, process_request
from tests.services.receivables_support import owner

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = date(2026, 3, 5)
RUNS = (
    datetime(2026, 3, 5, 10, 0, tzinfo=UTC),
    datetime(2026, 3, 16, 10, 0, tzinfo=UTC),
    datetime(2026, 3, 16, 10, 5, tzinfo=UTC),
    datetime(2026, 3, 23, 10, 0, tzinfo=UTC),
)
TOTAL_DUE = 100_000 + 31_000 + 298 + 190 + 10_000  # amount, compensation, interest twice, one fee


def engine(container: Container) -> Engine:
    return Engine(container.renderer(), Links(container.signer, container.settings.base_url))


def new_request(container: Container, org: CreatedOrganisation, due: date = DUE) -> str:
    """1.000 kr. from a business customer (CVR, e-mail only), due on ``due``, on the default policy."""
    customer = NewCustomer("Tømrer Hansen ApS", email="bogholderi@toemrer.example", cvr="10150817")
    with container.uow() as uow:
        customer_id = create_customer(uow, container.cipher, owner(org), customer).id
    data = NewPaymentRequest(customer_id, 100_000, "DKK", due, "Faktura 1042", ("card", "fi_card"))
    with container.uow() as uow:
        return create_payment_request(uow, owner(org), data).id


def run_at(
    container: Container, clock: FrozenClock, org: CreatedOrganisation, request_id: str, *when: datetime
) -> None:
    for moment in when:
        clock.set(moment)
        with container.uow() as uow:
            process_request(uow, engine(container), org.organisation.id, request_id)


def overdue_request(container: Container, clock: FrozenClock, org: CreatedOrganisation) -> str:
    """A request with three reminders sent and a fee, interest and compensation added (clock at 23 March)."""
    request_id = new_request(container, org)
    run_at(container, clock, org, request_id, *RUNS)
    return request_id
