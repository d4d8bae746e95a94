"""Time travel: a frozen clock stepped day by day over 60 days through the real worker and SMS gateway.

Four requests with different policies and customers; every day at 10:00 Copenhagen the worker runs its
schedules (``reminders.run``) and delivers what was queued (e-mail to the dev mailbox, SMS through the
sandbox gateway over HTTP). The test states, by hand from the policies, exactly which reminder goes out on
which day and channel, and the fees and interest that result.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from betal.adapters.clock import FrozenClock
from betal.domain.dunning import ChargeKind
from betal.domain.notification import Channel, DeliveryStatus
from betal.domain.payment_request import RequestStatus
from betal.services.organisation import create_organisation
from betal.services.payment_request import cancel_payment_request
from tests.conftest import LiveServer
from tests.services.receivables_support import owner
from tests.services.reminder_support import R, customer, policy, request, state

pytestmark = pytest.mark.slow

E, S = Channel.EMAIL, Channel.SMS
START = date(2026, 11, 2)  # Monday
DUE_A = date(2026, 11, 20)  # Friday
DUE_B = date(2026, 12, 2)  # Wednesday

# The built-in policy: -3 (e-mail), 0 (e-mail, SMS), +3 (e-mail), +10, +20, +30 (e-mail, SMS; 100 kr. each)
EXPECTED_A = [
    (date(2026, 11, 17), "d-3", E),
    (date(2026, 11, 20), "d0", E), (date(2026, 11, 20), "d0", S),
    (date(2026, 11, 23), "d+3", E),
    (date(2026, 11, 30), "d+10", E), (date(2026, 11, 30), "d+10", S),
    (date(2026, 12, 10), "d+20", E), (date(2026, 12, 10), "d+20", S),
    (date(2026, 12, 21), "d+30", E), (date(2026, 12, 21), "d+30", S),  # 20 Dec is a Sunday
]  # fmt: skip
# 1,000 kr. at 1.75 % + 8 = 9.75 % a year, 30/360, from the due date to each overdue reminder:
# 20->23 Nov 3 days 81.25; 23->30 Nov 7 days 189.58; 30 Nov->10 Dec 10 days 270.83; 10->21 Dec 11 days 297.92
INTEREST_A = [81, 190, 271, 298]
# Policy P: -1 (e-mail), +5 and +15 (e-mail, 50 kr. each), 10:00; no interest; compensation for businesses
EXPECTED_B = [(date(2026, 12, 1), "d-1", E), (date(2026, 12, 7), "d+5", E), (date(2026, 12, 17), "d+15", E)]


def test_sixty_days_of_reminders(live_server: LiveServer) -> None:
    container = live_server.container
    clock = FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    container.clock = clock
    with container.uow() as uow:
        org = create_organisation(uow, name="Hansen & Co ApS", cvr="25313763")
    p = policy(container, org, [R(-1, (E,)), R(5, (E,), 5_000), R(15, (E,), 5_000)], hour=10, interest=False)
    consumer = customer(container, org, email="anna@example.dk", phone="+4520123456", name="Anna")
    business = customer(container, org, email="bogholderi@kunde.dk", cvr="10150817", name="Kunde A/S")
    paying = customer(container, org, email="bo@example.dk", name="Bo")
    sms_only = customer(container, org, email="carl@example.dk", phone="+4521234567", channels=["sms"])
    a = request(container, org, consumer, DUE_A)
    b = request(container, org, business, DUE_B, policy_id=p.id)
    c = request(container, org, paying, DUE_A)
    d = request(container, org, sms_only, DUE_B, policy_id=p.id)

    sends: list[tuple[str, date, str, Channel]] = []
    seen: set[str] = set()
    for offset in range(61):
        today = START + timedelta(days=offset)
        clock.set(datetime(today.year, today.month, today.day, 9, 0, tzinfo=UTC))  # 10:00 in Copenhagen
        if today == date(2026, 11, 25):
            with container.uow() as uow:  # Bo pays everything he owes
                from betal.domain import payment_request as pr

                found = uow.payment_requests.get(org.organisation.id, c.id, for_update=True)
                assert found is not None
                uow.payment_requests.save(
                    pr.apply_payment(found, found.outstanding_minor, clock.now()).request
                )
                uow.commit()
        if today == date(2026, 12, 8):
            with container.uow() as uow:
                cancel_payment_request(uow, owner(org), d.id)
        while live_server.run_jobs():
            pass
        for req in (a, b, c, d):
            for m in state(container, org, req.id)[3]:
                if m.reminder_id and m.dedupe_key and m.id not in seen:
                    seen.add(m.id)
                    sends.append((req.id, today, m.dedupe_key.split(":")[1], m.channel))

    def of(req_id: str) -> list[tuple[date, str, Channel]]:
        return sorted((day, key, ch) for rid, day, key, ch in sends if rid == req_id)

    assert of(a.id) == sorted(EXPECTED_A)
    assert of(b.id) == EXPECTED_B
    assert of(c.id) == [
        (date(2026, 11, 17), "d-3", E),
        (date(2026, 11, 20), "d0", E),
        (date(2026, 11, 23), "d+3", E),
    ]
    # Carl takes SMS only: the e-mail rules reach him by SMS; cancelled on 8 Dec, so no +15
    assert of(d.id) == [(date(2026, 12, 1), "d-1", S), (date(2026, 12, 7), "d+5", S)]

    stored_a, _, charges_a, messages_a = state(container, org, a.id)
    assert [x.amount_minor for x in charges_a if x.kind is ChargeKind.INTEREST] == INTEREST_A
    assert [x.amount_minor for x in charges_a if x.kind is ChargeKind.REMINDER_FEE] == [10_000] * 3
    assert stored_a.outstanding_minor == 100_000 + 30_000 + sum(INTEREST_A)
    assert stored_a.status is RequestStatus.OVERDUE
    assert {m.status for m in messages_a if m.reminder_id} == {
        DeliveryStatus.SENT
    }  # e-mail and SMS delivered

    stored_b, _, charges_b, _ = state(container, org, b.id)
    assert Counter(x.kind for x in charges_b) == Counter(
        {ChargeKind.REMINDER_FEE: 2, ChargeKind.COMPENSATION: 1}
    )
    assert stored_b.outstanding_minor == 100_000 + 10_000 + 31_000

    stored_c, _, charges_c, _ = state(container, org, c.id)
    assert stored_c.status is RequestStatus.PAID
    assert [(x.kind, x.amount_minor) for x in charges_c] == [(ChargeKind.INTEREST, 81)]

    assert state(container, org, d.id)[0].status is RequestStatus.CANCELLED
    assert sum(1 for x in state(container, org, d.id)[2] if x.kind is ChargeKind.COMPENSATION) == 0
