"""Reconciliation against the real database: requests paid from bank statements, booked, announced, undone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from betal.bootstrap import Container
from betal.domain.banking import MatchState, MatchStatus, TargetType
from betal.domain.calendar import business_date
from betal.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from betal.domain.payment import Payment, PaymentStatus
from betal.domain.payment_method import Method
from betal.domain.payment_request import PaymentRequest, RequestStatus
from betal.domain.provider import ProviderPayment
from betal.domain.tenancy import Principal, Role
from betal.services import reconciliation
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import begin_payment, record_provider_payment
from betal.services.payment_request import NewPaymentRequest, create_payment_request
from tests.services.banking_support import (
    Line,
    balance,
    camt053,
    customer,
    event_types,
    import_file,
    own_account,
    owner,
    request,
    written,
)
from tests.services.test_bank_statement import rows

PAYER_IBAN = "DK5000400440116243"


def reread(container: Container, org: CreatedOrganisation, request_id: str) -> PaymentRequest:
    with container.uow() as uow:
        found = uow.payment_requests.get(org.organisation.id, request_id)
        assert found is not None
        return found


def payments_of(container: Container, org: CreatedOrganisation, request_id: str) -> list[Payment]:
    with container.uow() as uow:
        return uow.payments.list_for_request(org.organisation.id, request_id)


def provider_payment(
    container: Container,
    org: CreatedOrganisation,
    of: PaymentRequest,
    method: Method = Method.ACCOUNT_TO_ACCOUNT,
) -> Payment:
    """A payment the provider reports succeeded: its money sits on the method's clearing account."""
    with container.uow() as uow:
        started = begin_payment(uow, of, method, provider="openbanking")
    result = ProviderPayment(
        started.id, f"ob-{started.id}", PaymentStatus.SUCCEEDED, started.amount_minor, "DKK"
    )
    with container.uow() as uow:
        return record_provider_payment(uow, started.id, org.organisation.id, result)


class TestAutoMatch:
    def test_requests_are_paid_booked_and_announced(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        jens, anna = customer(container, org, "Jens Hansen"), customer(container, org, "Anna Jensen")
        by_fi = request(container, org, jens, 125_000)
        by_name = request(container, org, anna, 45_000, methods=("account_to_account",))
        left = request(container, org, anna, 10_000, methods=("account_to_account",))
        data = written(own_account(container, org), [
            Line("1250.00", reference=f"71/{by_fi.fi_payment_id}", name="JENS HANSEN", account=PAYER_IBAN),
            Line("450.00", name="Jensen, Anna"),
            Line("12.00", name="Ukendt"),
        ])  # fmt: skip
        result = import_file(container, org, data)

        assert [(m.target_id, m.rule, m.confidence, m.amount_minor) for m in result.matches] == [
            (by_fi.id, "reference", 100, 125_000), (by_name.id, "amount_name", 80, 45_000),
        ]  # fmt: skip
        assert [e.match_status for e in result.entries] == [
            MatchStatus.MATCHED,
            MatchStatus.MATCHED,
            MatchStatus.UNMATCHED,
        ]
        assert reread(container, org, by_fi.id).status is RequestStatus.PAID
        assert reread(container, org, by_name.id).status is RequestStatus.PAID
        assert reread(container, org, left.id).status is RequestStatus.OPEN
        [paid] = payments_of(container, org, by_fi.id)
        assert (paid.provider, paid.method, paid.status, paid.amount_minor, paid.payer_account) == (
            "bank", Method.FI_CARD, PaymentStatus.SUCCEEDED, 125_000, PAYER_IBAN,
        )  # fmt: skip
        assert payments_of(container, org, by_name.id)[0].method is Method.ACCOUNT_TO_ACCOUNT
        assert balance(container, org, "bank") == 170_000
        assert balance(container, org, "receivables") == 10_000  # only what is still owed
        assert (
            balance(container, org, "clearing_fi_card")
            == balance(container, org, "clearing_account_to_account")
            == 0
        )
        types = event_types(container, org)
        assert types.count("payment.succeeded") == types.count("payment_request.paid") == 2
        assert types.count("reconciliation.matched") == 2
        assert types[-1] == "bank_statement.imported"
        with container.uow() as uow:
            assert uow.customers.last_payer_account(jens) == PAYER_IBAN

    def test_the_event_says_which_rule_matched(self, container: Container, org: CreatedOrganisation) -> None:
        wanted = request(container, org, customer(container, org), 5_000, reference="F-1001")
        result = import_file(
            container, org, camt053(own_account(container, org), [Line("50.00", reference="F-1001")])
        )
        with container.uow() as uow:
            [matched] = [
                e
                for e in uow.events.list_after(org.organisation.id, 0, 100)
                if e.type == "reconciliation.matched"
            ]
        assert matched.data["id"] == result.entries[0].id
        assert matched.data["match_status"] == "matched"
        assert [(m["target_id"], m["rule"], m["confidence"]) for m in matched.data["matches"]] == [
            (wanted.id, "reference", 100)
        ]

    def test_someone_else_paying_is_not_taken_for_the_customer(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        jens = customer(container, org)
        first = request(container, org, jens, 10_000, reference="F-8001")
        request(container, org, jens, 20_000, reference="F-8002")
        account = own_account(container, org)
        import_file(
            container, org, camt053(account, [Line("100.00", reference="F-8001", account=PAYER_IBAN)])
        )
        mother = Line("200.00", reference="F-8002", name="Mette Frederiksen", account="DK2930000001234567")
        result = import_file(container, org, camt053(account, [mother], statement_id="S2"))
        assert [(m.rule, m.confidence) for m in result.matches] == [("reference_other_payer", 95)]
        with container.uow() as uow:
            assert uow.customers.last_payer_account(jens) == PAYER_IBAN
        assert payments_of(container, org, first.id)[0].payer_account == PAYER_IBAN

    def test_part_payment_then_overpayment(self, container: Container, org: CreatedOrganisation) -> None:
        wanted = request(container, org, customer(container, org), 100_000, reference="F-2002")
        account = own_account(container, org)
        import_file(container, org, camt053(account, [Line("400.00", reference="F-2002")]))
        assert reread(container, org, wanted.id).status is RequestStatus.PARTIALLY_PAID
        second = import_file(
            container, org, camt053(account, [Line("800.00", reference="F-2002")], statement_id="S2")
        )
        assert [m.rule for m in second.matches] == ["reference_overpaid"]
        after = reread(container, org, wanted.id)
        assert (after.status, after.paid_minor, after.overpaid_minor) == (RequestStatus.PAID, 100_000, 20_000)
        assert balance(container, org, "customer_credit") == -20_000
        assert balance(container, org, "bank") == 120_000
        assert balance(container, org, "receivables") == 0

    def test_one_transfer_for_several_requests(self, container: Container, org: CreatedOrganisation) -> None:
        jens = customer(container, org)
        small, large, other = (request(container, org, jens, a) for a in (30_000, 20_000, 45_000))
        result = import_file(
            container, org, camt053(own_account(container, org), [Line("500.00", name="Jens Hansen")])
        )
        assert {(m.target_id, m.rule) for m in result.matches} == {
            (small.id, "several_requests"), (large.id, "several_requests")
        }  # fmt: skip
        assert reread(container, org, other.id).status is RequestStatus.OPEN

    def test_a_provider_payment_arriving_on_the_bank(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        paid = provider_payment(container, org, request(container, org, customer(container, org), 7_500))
        assert balance(container, org, "clearing_account_to_account") == 7_500
        result = import_file(
            container, org, camt053(own_account(container, org), [Line("75.00", end_to_end_id=paid.id)])
        )
        [match] = result.matches
        assert (match.target_type, match.target_id, match.rule, match.payment_id) == (
            TargetType.PAYMENT, paid.id, "end_to_end", None,
        )  # fmt: skip
        assert balance(container, org, "clearing_account_to_account") == 0
        assert balance(container, org, "bank") == 7_500
        again = import_file(
            container,
            org,
            camt053(own_account(container, org), [Line("75.00", end_to_end_id=paid.id)], statement_id="S2"),
        )
        assert again.matches == []  # a payment reaches the bank once

    def test_a_payout_net_of_fees(self, container: Container, org: CreatedOrganisation) -> None:
        jens = customer(container, org)
        one = provider_payment(container, org, request(container, org, jens, 10_000))
        two = provider_payment(container, org, request(container, org, jens, 20_000))
        line = Line("291.00", remittance=f"Udbetaling {one.id} {two.id}")
        result = import_file(container, org, camt053(own_account(container, org), [line]))
        assert sorted(m.target_id for m in result.matches) == sorted([one.id, two.id])
        assert balance(container, org, "bank") == 29_100
        assert balance(container, org, "provider_fees") == 900
        assert balance(container, org, "clearing_account_to_account") == 0

    def test_queries_do_not_grow_with_the_statement(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        account = own_account(container, org)
        jens = customer(container, org)
        for n in range(3):
            request(container, org, jens, 1_000 + n, reference=f"R-{n:04d}")

        def lines(count: int, tag: str) -> list[Line]:
            return [
                Line(f"{10 + n % 3}.00", reference=f"R-{n % 3:04d}", bank_reference=f"{tag}{n}")
                for n in range(count)
            ]

        small = _statements(
            container, lambda: import_file(container, org, camt053(account, lines(30, "a"), statement_id="A"))
        )
        large = _statements(
            container,
            lambda: import_file(container, org, camt053(account, lines(1_500, "b"), statement_id="B")),
        )
        assert large <= small + 25, (small, large)


@contextmanager
def _counting(container: Container) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", count)


def _statements(container: Container, action: object) -> int:
    with _counting(container) as seen:
        action()  # type: ignore[operator]
    return len(seen)


class TestManualMatch:
    def test_oldest_first_and_booked(self, container: Container, org: CreatedOrganisation) -> None:
        jens = customer(container, org)
        older, newer = request(container, org, jens, 30_000), request(container, org, jens, 50_000)
        [entry] = import_file(container, org, camt053(own_account(container, org), [Line("600.00")])).entries
        with container.uow() as uow:
            outcome = reconciliation.create_match(uow, owner(org), entry.id, [newer.id, older.id])
        assert [(m.target_id, m.amount_minor, m.rule, m.created_by) for m in outcome.matches] == [
            (older.id, 30_000, "manual", "key_test"), (newer.id, 30_000, "manual", "key_test"),
        ]  # fmt: skip
        assert outcome.entries[0].match_status is MatchStatus.MATCHED
        assert reread(container, org, older.id).status is RequestStatus.PAID
        assert reread(container, org, newer.id).status is RequestStatus.PARTIALLY_PAID
        assert balance(container, org, "bank") == 60_000
        assert balance(container, org, "receivables") == 20_000
        assert "reconciliation.matched" in event_types(container, org)

    def test_overpaying_is_refused_and_nothing_written(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        wanted = request(container, org, customer(container, org), 30_000)
        [entry] = import_file(container, org, camt053(own_account(container, org), [Line("600.00")])).entries
        before = rows(container)
        with container.uow() as uow, pytest.raises(InvalidInput, match="would overpay") as caught:
            reconciliation.create_match(uow, owner(org), entry.id, [wanted.id])
        assert caught.value.code == "match.overpay"
        assert rows(container) == before
        assert reread(container, org, wanted.id).status is RequestStatus.OPEN

    def test_another_currency_is_refused(self, container: Container, org: CreatedOrganisation) -> None:
        due = business_date(container.clock.now()) + timedelta(days=5)
        data = NewPaymentRequest(customer(container, org), 1_000, "EUR", due, "Leje", ("account_to_account",))
        with container.uow() as uow:
            euros = create_payment_request(uow, owner(org), data)
        [entry] = import_file(container, org, camt053(own_account(container, org), [Line("10.00")])).entries
        with container.uow() as uow, pytest.raises(InvalidInput) as caught:
            reconciliation.create_match(uow, owner(org), entry.id, [euros.id])
        assert caught.value.code == "match.currency"

    def test_a_matched_entry_and_unknown_ids(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        wanted = request(container, org, customer(container, org), 1_000, reference="F-3003")
        theirs = request(container, other_org, customer(container, other_org), 1_000)
        [entry] = import_file(
            container, org, camt053(own_account(container, org), [Line("10.00", reference="F-3003")])
        ).entries
        spare = request(container, org, customer(container, org, "Anna Jensen"), 1_000)
        with container.uow() as uow, pytest.raises(Conflict) as conflict:
            reconciliation.create_match(uow, owner(org), entry.id, [spare.id])
        assert conflict.value.code == "match.entry_matched"
        [other] = import_file(
            container, org, camt053(own_account(container, org), [Line("10.00")], statement_id="S2")
        ).entries
        with container.uow() as uow, pytest.raises(InvalidInput, match="no payment request"):
            reconciliation.create_match(uow, owner(org), other.id, [theirs.id])
        with container.uow() as uow, pytest.raises(NotFound):
            reconciliation.create_match(uow, owner(other_org), other.id, [theirs.id])
        with container.uow() as uow, pytest.raises(InvalidInput, match="not a succeeded payment"):
            reconciliation.create_match(uow, owner(org), other.id, [], [wanted.id])

    def test_settling_provider_payments_by_hand(self, container: Container, org: CreatedOrganisation) -> None:
        card_request = request(container, org, customer(container, org), 10_000, methods=("card",))
        paid = provider_payment(container, org, card_request, Method.CARD)
        [entry] = import_file(
            container, org, camt053(own_account(container, org), [Line("97.50", name="Nets")])
        ).entries
        with container.uow() as uow:
            outcome = reconciliation.create_match(uow, owner(org), entry.id, [], [paid.id])
        assert [(m.target_type, m.amount_minor) for m in outcome.matches] == [(TargetType.PAYMENT, 9_750)]
        assert (balance(container, org, "clearing_card"), balance(container, org, "provider_fees")) == (
            0,
            250,
        )

    def test_needs_the_book_permission(self, container: Container, org: CreatedOrganisation) -> None:
        [entry] = import_file(container, org, camt053(own_account(container, org), [Line("10.00")])).entries
        viewer = Principal(org.organisation.id, Role.VIEWER, "api_key", "key_v")
        with container.uow() as uow, pytest.raises(Forbidden):
            reconciliation.create_match(uow, viewer, entry.id, ["preq_x"])


class TestReverseMatch:
    def test_everything_goes_back(self, container: Container, org: CreatedOrganisation) -> None:
        wanted = request(container, org, customer(container, org), 40_000, reference="F-4004")
        result = import_file(
            container, org, camt053(own_account(container, org), [Line("400.00", reference="F-4004")])
        )
        [match] = result.matches
        with container.uow() as uow:
            undone = reconciliation.reverse_match(uow, owner(org), match.id)
        assert (undone.status, undone.reversed_at is not None) == (MatchState.REVERSED, True)
        assert reread(container, org, wanted.id).status is RequestStatus.OPEN
        assert reread(container, org, wanted.id).paid_minor == 0
        [bank_payment] = payments_of(container, org, wanted.id)
        assert bank_payment.status is PaymentStatus.REVERSED
        assert balance(container, org, "bank") == 0
        assert balance(container, org, "receivables") == 40_000
        with container.uow() as uow:
            detail = reconciliation.get_entry(uow, owner(org), result.entries[0].id)
        assert (detail.entry.match_status, detail.entry.matched_minor) == (MatchStatus.UNMATCHED, 0)
        assert [m.status for m in detail.matches] == [MatchState.REVERSED]
        assert event_types(container, org)[-3:] == [
            "payment.reversed",
            "payment_request.reopened",
            "reconciliation.unmatched",
        ]
        with container.uow() as uow, pytest.raises(Conflict):
            reconciliation.reverse_match(uow, owner(org), match.id)

    def test_then_matched_again_by_hand(self, container: Container, org: CreatedOrganisation) -> None:
        jens = customer(container, org)
        wrong = request(container, org, jens, 40_000, reference="F-5005")
        right = request(container, org, customer(container, org, "Anna Jensen"), 40_000)
        result = import_file(
            container, org, camt053(own_account(container, org), [Line("400.00", reference="F-5005")])
        )
        with container.uow() as uow:
            reconciliation.reverse_match(uow, owner(org), result.matches[0].id)
        with container.uow() as uow:
            reconciliation.create_match(uow, owner(org), result.entries[0].id, [right.id])
        assert reread(container, org, wrong.id).status is RequestStatus.OPEN
        assert reread(container, org, right.id).status is RequestStatus.PAID
        assert balance(container, org, "bank") == 40_000
        assert balance(container, org, "receivables") == 40_000

    def test_a_settlement_reversed_leaves_the_provider_payment_waiting(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        paid = provider_payment(container, org, request(container, org, customer(container, org), 7_500))
        result = import_file(
            container, org, camt053(own_account(container, org), [Line("75.00", end_to_end_id=paid.id)])
        )
        with container.uow() as uow:
            reconciliation.reverse_match(uow, owner(org), result.matches[0].id)
        assert balance(container, org, "clearing_account_to_account") == 7_500
        with container.uow() as uow:
            assert [p.id for p in uow.matches.unsettled_payments(org.organisation.id, [paid.id])] == [paid.id]
            assert uow.payments.get(org.organisation.id, paid.id).status is PaymentStatus.SUCCEEDED  # type: ignore[union-attr]

    def test_unknown_match(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow, pytest.raises(NotFound):
            reconciliation.reverse_match(uow, owner(org), "mat_nope")


class TestIgnore:
    def test_set_aside_and_back(self, container: Container, org: CreatedOrganisation) -> None:
        [entry] = import_file(
            container, org, camt053(own_account(container, org), [Line("10.00", name="Renter")])
        ).entries
        with container.uow() as uow:
            assert (
                reconciliation.set_ignored(uow, owner(org), entry.id, True).match_status
                is MatchStatus.IGNORED
            )
        with container.uow() as uow:
            assert reconciliation.list_unmatched(uow, owner(org), after_id=None, limit=10) == []
            with pytest.raises(Conflict, match="include it again"):
                reconciliation.create_match(uow, owner(org), entry.id, ["preq_x"])
        with container.uow() as uow:
            assert (
                reconciliation.set_ignored(uow, owner(org), entry.id, True).match_status
                is MatchStatus.IGNORED
            )
            assert (
                reconciliation.set_ignored(uow, owner(org), entry.id, False).match_status
                is MatchStatus.UNMATCHED
            )
        with container.uow() as uow:
            assert [
                u.entry.id for u in reconciliation.list_unmatched(uow, owner(org), after_id=None, limit=10)
            ] == [entry.id]

    def test_a_matched_entry_cannot_be_ignored(self, container: Container, org: CreatedOrganisation) -> None:
        request(container, org, customer(container, org), 1_000, reference="F-6006")
        [entry] = import_file(
            container, org, camt053(own_account(container, org), [Line("10.00", reference="F-6006")])
        ).entries
        with container.uow() as uow, pytest.raises(Conflict):
            reconciliation.set_ignored(uow, owner(org), entry.id, True)


class TestUnmatchedQueue:
    def test_suggestions_then_accept(self, container: Container, org: CreatedOrganisation) -> None:
        jens = customer(container, org, "Jens Hansen")
        wanted = request(container, org, jens, 125_000)
        request(container, org, customer(container, org, "Anna Jensen"), 99_000)
        import_file(container, org, camt053(own_account(container, org), [
            Line("1250.00", name="J. Hansen"), Line("300.00", direction="DBIT", name="Elselskabet"),
        ]))  # fmt: skip
        with container.uow() as uow:
            credit, debit = reconciliation.list_unmatched(uow, owner(org), after_id=None, limit=10)
        assert debit.suggestions == []
        [best] = credit.suggestions
        assert best.payment_request_ids == (wanted.id,)
        assert (
            best.explanation == "Same amount 1.250,00 DKK; payer 'J. Hansen' resembles customer 'Jens Hansen'"
        )
        with container.uow() as uow:
            reconciliation.create_match(uow, owner(org), credit.entry.id, list(best.payment_request_ids))
        assert reread(container, org, wanted.id).status is RequestStatus.PAID
        with container.uow() as uow:
            assert [
                u.entry.id for u in reconciliation.list_unmatched(uow, owner(org), after_id=None, limit=10)
            ] == [debit.entry.id]

    def test_pages(self, container: Container, org: CreatedOrganisation) -> None:
        import_file(
            container, org, camt053(own_account(container, org), [Line(f"{n}.00") for n in range(1, 4)])
        )
        with container.uow() as uow:
            first = reconciliation.list_unmatched(uow, owner(org), after_id=None, limit=2)
            rest = reconciliation.list_unmatched(uow, owner(org), after_id=first[-1].entry.id, limit=2)
        assert [u.entry.amount_minor for u in first + rest] == [100, 200, 300]

    def test_matches_listed_by_entry(self, container: Container, org: CreatedOrganisation) -> None:
        request(container, org, customer(container, org), 1_000, reference="F-7007")
        result = import_file(
            container,
            org,
            camt053(own_account(container, org), [Line("10.00", reference="F-7007"), Line("1.00")]),
        )
        with container.uow() as uow:
            listed = reconciliation.list_matches(
                uow, owner(org), entry_id=result.entries[0].id, after_id=None, limit=10
            )
            assert (
                reconciliation.list_matches(
                    uow, owner(org), entry_id=result.entries[1].id, after_id=None, limit=10
                )
                == []
            )
            assert reconciliation.get_match(uow, owner(org), listed[0].id) == listed[0]
            with pytest.raises(NotFound):
                reconciliation.get_match(uow, owner(org), "mat_nope")
        assert listed == result.matches


def test_settled_collections_by_pbs_number(container: Container, org: CreatedOrganisation) -> None:
    """A Betalingsservice settlement naming the PBS number clears the collections reported paid."""
    jens = customer(container, org)
    wanted = request(container, org, jens, 20_000, methods=("betalingsservice",))
    with container.uow() as uow:
        collected = Payment(
            id="pay_01JD5Q8Z3N4V6W7X8Y9Z0A1B2C",
            organisation_id=org.organisation.id,
            payment_request_id=wanted.id,
            customer_id=jens,
            method=Method.BETALINGSSERVICE,
            amount_minor=20_000,
            currency="DKK",
            status=PaymentStatus.SUCCEEDED,
            provider="betalingsservice",
            provider_reference="bs-1",
            refunded_minor=0,
            failure_reason=None,
            payer_account=None,
            created_at=container.clock.now(),
            updated_at=container.clock.now(),
        )
        uow.payments.add(collected)
        uow.commit()
    with container.uow() as uow:
        pbs = next(iter(reconciliation.pbs_numbers(uow, org.organisation.id)))
    today = business_date(container.clock.now())
    line = Line("200.00", remittance=f"BS {pbs}", booked=today)
    result = import_file(container, org, camt053(own_account(container, org), [line]))
    assert [(m.target_id, m.rule) for m in result.matches] == [(collected.id, "betalingsservice")]
    with container.engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM reconciliation_matches")).scalar_one() == 1
