"""The ledger in the database: append-only entries, gapless numbers, the reads the services use, rates."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from betal.adapters.db.repositories_ledger import write_entries
from betal.bootstrap import Container
from betal.domain.ledger import AccountRole, JournalDraft, Unbalanced, credit, debit
from betal.domain.posting import Held
from betal.ports import JournalFilter
from betal.services.organisation import CreatedOrganisation
from tests.services.ledger_support import add_rate, new_request, pay_by_bank

R = AccountRole
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def draft(org: CreatedOrganisation, amount: int = 100, *, day: date = DAY, source: str = "x") -> JournalDraft:
    lines = (debit(R.BANK, amount, "DKK"), credit(R.SALES, amount, "DKK"))
    return JournalDraft(org.organisation.id, day, f"Kontant {amount}", "manual", source, lines)


def post(container: Container, *drafts: JournalDraft) -> None:
    with container.uow() as uow:
        for d in drafts:
            uow.post(d)
        uow.commit()


def numbers(container: Container, org: CreatedOrganisation) -> list[int]:
    with container.uow() as uow:
        found = uow.ledger.list_entries(org.organisation.id, JournalFilter(), after_number=None, limit=1000)
    return sorted(e.number for e in found)


class TestAppendOnly:
    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE journal_entries SET description = 'changed'",
            "DELETE FROM journal_entries",
            "UPDATE postings SET amount_minor = 0",
            "DELETE FROM postings",
        ],
    )
    def test_update_and_delete_are_refused(
        self, container: Container, org: CreatedOrganisation, statement: str
    ) -> None:
        post(container, draft(org))
        with container.engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
            assert conn.execute(text("SELECT count(*) FROM postings")).scalar_one() == 2

    def test_an_unbalanced_draft_writes_nothing(self, container: Container, org: CreatedOrganisation) -> None:
        bad = JournalDraft(
            org.organisation.id,
            DAY,
            "Skæv",
            "manual",
            "x",
            (debit(R.BANK, 100, "DKK"), credit(R.SALES, 90, "DKK")),
        )
        with container.uow() as uow, pytest.raises(Unbalanced):
            write_entries(uow.session, [draft(org), bad], NOW)  # type: ignore[attr-defined]
        assert numbers(container, org) == []


class TestNumbers:
    def test_gapless_per_organisation_in_posting_order(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        post(container, draft(org, 1), draft(other_org, 2), draft(org, 3))
        post(container, draft(other_org, 4))
        post(container, draft(org, 5))
        assert numbers(container, org) == [1, 2, 3]
        assert numbers(container, other_org) == [1, 2]
        with container.uow() as uow:
            found = uow.ledger.list_entries(org.organisation.id, JournalFilter(), after_number=None, limit=10)
            assert [e.description for e in found] == ["Kontant 5", "Kontant 3", "Kontant 1"]
            assert uow.ledger.last_number(org.organisation.id) == 3

    def test_a_rolled_back_unit_leaves_no_gap(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            uow.post(draft(org))
            uow.flush()  # type: ignore[attr-defined]
            uow.rollback()
        post(container, draft(org))
        assert numbers(container, org) == [1]

    @pytest.mark.postgres
    def test_concurrent_writers_get_gapless_numbers(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        errors: list[BaseException] = []
        barrier = threading.Barrier(8)

        def write(n: int) -> None:
            try:
                barrier.wait()
                for k in range(5):
                    post(container, draft(org, 100 * n + k + 1))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert numbers(container, org) == list(range(1, 41))


class TestReads:
    def test_chart_is_created_once_and_renamed(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            first = uow.ledger.chart(org.organisation.id, NOW)
            again = uow.ledger.chart(org.organisation.id, NOW)
            bank = next(a for a in first if a.role is R.BANK)
            uow.ledger.rename_account(org.organisation.id, bank.id, "Nordea")
            uow.commit()
        assert [a.id for a in first] == [a.id for a in again]
        assert [a.code for a in first] == sorted(a.code for a in first)
        with container.uow() as uow:
            assert (
                next(a.name for a in uow.ledger.chart(org.organisation.id, NOW) if a.id == bank.id)
                == "Nordea"
            )

    def test_entries_with_postings_filters_and_pages(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        post(
            container,
            draft(org, 1, day=date(2026, 3, 1)),
            draft(org, 2, source="y"),
            draft(org, 3, day=date(2026, 3, 9)),
        )
        with container.uow() as uow:
            ledger = uow.ledger
            org_id = org.organisation.id
            page = ledger.list_entries(org_id, JournalFilter(), after_number=3, limit=1)
            assert [e.number for e in page] == [2]
            oldest = ledger.list_entries(org_id, JournalFilter(), after_number=1, limit=5, newest_first=False)
            assert [e.number for e in oldest] == [2, 3]
            in_march = JournalFilter(date_from=date(2026, 3, 2), date_to=date(2026, 3, 8))
            assert [e.number for e in ledger.list_entries(org_id, in_march, after_number=None, limit=5)] == [
                2
            ]
            [by_source] = ledger.for_source(org_id, "manual", "y")
            assert by_source.number == 2
            assert [(p.account_code, p.amount_minor) for p in by_source.postings] == [
                ("5810", 2),
                ("1010", -2),
            ]
            assert ledger.get_entry(org_id, by_source.id) == by_source
            assert ledger.get_entry("org_other", by_source.id) is None
            assert ledger.reversed_by(org_id, by_source.id) is None
            assert ledger.reversals(org_id, [by_source.id]) == {}
            assert ledger.reversals(org_id, []) == {}

    def test_totals_and_daily_movements(self, container: Container, org: CreatedOrganisation) -> None:
        post(container, draft(org, 10, day=date(2026, 2, 1)), draft(org, 20, day=date(2026, 3, 2)),
             draft(org, 40, day=date(2026, 3, 2)), draft(org, 80, day=date(2026, 4, 1)))  # fmt: skip
        with container.uow() as uow:
            chart = {a.id: a.role for a in uow.ledger.chart(org.organisation.id, NOW)}
            totals = {
                (chart[t.account_id], t.currency): t for t in uow.ledger.totals(org.organisation.id, DAY)
            }
            moves = uow.ledger.base_movements(
                org.organisation.id, [R.BANK], date(2026, 3, 1), date(2026, 3, 31)
            )
        bank = totals[(R.BANK, "DKK")]
        assert (bank.debit_minor, bank.credit_minor, bank.base_minor) == (70, 0, 70)
        sales = totals[(R.SALES, "DKK")]
        assert (sales.debit_minor, sales.credit_minor, sales.base_minor) == (0, 70, -70)
        assert sorted(moves, key=str) == sorted([(R.BANK, None, 10), (R.BANK, DAY, 60)], key=str)

    def test_held_sums_what_sources_left_on_an_account(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request = new_request(container, org, amount=10_000, vat=0, currency="EUR")
        payment = pay_by_bank(container, org, request.id, 4_000)
        org_id = org.organisation.id
        sources = [("payment_request", request.id), ("payment", payment.id)]
        with container.uow() as uow:
            assert uow.ledger.held(org_id, R.RECEIVABLES, "EUR", sources) == Held(6_000, 44_762)
            assert uow.ledger.held(org_id, R.RECEIVABLES, "EUR", sources[:1]) == Held(10_000, 74_604)
            assert uow.ledger.held(org_id, R.RECEIVABLES, "DKK", sources) == Held(0, 0)
            assert uow.ledger.held(org_id, R.RECEIVABLES, "EUR", []) == Held(0, 0)

    def test_open_requests_with_customer_names(self, container: Container, org: CreatedOrganisation) -> None:
        kept = new_request(container, org, amount=1_000, vat=0)
        paid = new_request(container, org, amount=1_000, vat=0)
        pay_by_bank(container, org, paid.id, 1_000)
        with container.uow() as uow:
            found = uow.ledger.open_requests(org.organisation.id, datetime(2100, 1, 1, tzinfo=UTC))
            assert [(r.id, name) for r, name in found] == [(kept.id, "Jens Hansen")]
            assert uow.ledger.open_requests(org.organisation.id, kept.created_at) == []


class TestRates:
    def test_the_latest_rate_on_or_before_the_day_and_cross_rates(self, container: Container) -> None:
        add_rate(container, date(2026, 2, 27), DKK="7.4600", SEK="11.2000")
        add_rate(container, date(2026, 3, 2), DKK="7.4620")  # no SEK that day
        with container.uow() as uow:
            rates = uow.ledger
            assert rates.rate("DKK", DAY) == Decimal(1)
            assert rates.rate("EUR", DAY) == Decimal("7.4620")
            assert rates.rate("EUR", date(2026, 3, 1)) == Decimal("7.4600")
            assert rates.rate("SEK", DAY) == Decimal("7.4600") / Decimal("11.2000")
            assert rates.rate("EUR", date(2026, 2, 1)) is None
            assert rates.rate("NOK", DAY) is None

    def test_posting_values_foreign_lines_at_the_entry_date(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        add_rate(container, DAY, DKK="7.5000")
        lines = (debit(R.BANK, 3, "EUR"), credit(R.SALES, 1, "EUR"), credit(R.FEE_INCOME, 2, "EUR"))
        post(container, JournalDraft(org.organisation.id, DAY, "Euro", "manual", "x", lines))
        with container.uow() as uow:
            [entry] = uow.ledger.for_source(org.organisation.id, "manual", "x")
            chart = {a.id: a.role for a in uow.ledger.chart(org.organisation.id, NOW)}
        assert {chart[p.account_id]: p.base_minor for p in entry.postings} == {
            R.BANK: 22,
            R.SALES: -8,
            R.FEE_INCOME: -15,
            R.ROUNDING: 1,
        }
