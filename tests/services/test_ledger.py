"""The ledger in use: every flow posts with its state change; reversal, the chart, reports, the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.calendar import business_date
from betal.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from betal.domain.ledger import AccountRole, JournalDraft, Unbalanced, credit, debit
from betal.domain.payment_method import Method
from betal.domain.payment_request import RequestStatus
from betal.domain.tenancy import Principal, Role
from betal.ports import JournalFilter
from betal.services import ledger
from betal.services.organisation import CreatedOrganisation
from betal.services.payment import record_refund
from betal.services.payment_request import (
    cancel_payment_request,
    mark_overdue_requests,
    open_payment_request,
)
from tests.services.dunning_support import overdue_request
from tests.services.ledger_support import (
    add_rate,
    balances,
    base_balances,
    entries,
    lines,
    new_customer,
    new_request,
    pay_by_bank,
    pay_by_provider,
    roles_of,
)
from tests.services.receivables_support import owner
from tests.services.reminder_support import clocked

R = AccountRole


def viewer(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.VIEWER, "user", "usr_viewer")


class TestRequestIssued:
    def test_receivables_against_sales_and_output_vat(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request = new_request(container, org, amount=12_500, vat=2_500, reference="F-1042")
        [entry] = entries(container, org)
        assert (entry.number, entry.source_type, entry.source_id) == (1, "payment_request", request.id)
        assert entry.description == "Betalingsanmodning F-1042"
        assert lines(entry, roles_of(container, org)) == {
            (R.RECEIVABLES, "DKK"): (12_500, 12_500),
            (R.SALES, "DKK"): (-10_000, -10_000),
            (R.OUTPUT_VAT, "DKK"): (-2_500, -2_500),
        }

    def test_a_draft_posts_nothing_until_it_is_opened(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        draft = new_request(container, org, status=RequestStatus.DRAFT)
        assert entries(container, org) == []
        with container.uow() as uow:
            opened = open_payment_request(uow, owner(org), draft.id)
        assert opened.status is RequestStatus.OPEN
        assert balances(container, org) == {(R.RECEIVABLES, "DKK"): 12_500, (R.SALES, "DKK"): -10_000,
                                            (R.OUTPUT_VAT, "DKK"): -2_500}  # fmt: skip
        with container.uow() as uow, pytest.raises(Conflict):
            open_payment_request(uow, owner(org), draft.id)

    def test_cancelling_a_draft_posts_nothing(self, container: Container, org: CreatedOrganisation) -> None:
        draft = new_request(container, org, status=RequestStatus.DRAFT)
        with container.uow() as uow:
            cancel_payment_request(uow, owner(org), draft.id)
        assert entries(container, org) == []

    @pytest.mark.parametrize("vat", [-1, 12_500, 20_000])
    def test_vat_must_be_less_than_the_amount(
        self, container: Container, org: CreatedOrganisation, vat: int
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            new_request(container, org, amount=12_500, vat=vat)
        assert caught.value.errors[0].field == "vat_amount"
        assert entries(container, org) == []

    def test_a_currency_without_a_rate_is_refused_and_nothing_is_written(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            new_request(container, org, currency="SEK", vat=0)
        assert caught.value.code == "ledger.no_rate"
        with container.uow() as uow:
            assert (
                uow.payment_requests.list_page(
                    org.organisation.id, status=None, customer_id=None, after_id=None, limit=10
                )
                == []
            )
        assert entries(container, org) == []


class TestPaymentReceived:
    def test_paid_in_full_moves_receivables_to_the_method_clearing_account(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request = new_request(container, org)
        payment = pay_by_provider(container, org, request.id, Method.MOBILEPAY)
        [entry] = entries(container, org, source_type="payment")
        assert entry.source_id == payment.id
        assert balances(container, org) == {
            (R.CLEARING_MOBILEPAY, "DKK"): 12_500, (R.SALES, "DKK"): -10_000, (R.OUTPUT_VAT, "DKK"): -2_500,
        }  # fmt: skip

    def test_an_overpayment_is_owed_back_to_the_customer(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request = new_request(container, org, amount=10_000, vat=0)
        pay_by_bank(container, org, request.id, 4_000)
        pay_by_bank(container, org, request.id, 9_000)
        assert balances(container, org) == {
            (R.CLEARING_ACCOUNT_TO_ACCOUNT, "DKK"): 13_000, (R.CUSTOMER_CREDIT, "DKK"): -3_000,
            (R.SALES, "DKK"): -10_000,
        }  # fmt: skip

    def test_settle_request_returns_what_the_payment_did(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request = new_request(container, org, amount=10_000, vat=0)
        pay_by_bank(container, org, request.id, 2_500)
        with container.uow() as uow:
            found = uow.payment_requests.get(org.organisation.id, request.id)
        assert found is not None
        assert (found.status, found.paid_minor) == (RequestStatus.PARTIALLY_PAID, 2_500)
        assert balances(container, org)[(R.RECEIVABLES, "DKK")] == 7_500


class TestRefund:
    def test_the_overpayment_is_paid_back_first_then_sales_and_vat(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request = new_request(container, org, amount=12_500, vat=2_500)
        pay_by_bank(container, org, request.id, 12_500)
        second = pay_by_bank(container, org, request.id, 1_000)  # all overpayment
        with container.uow() as uow:
            record_refund(uow, org.organisation.id, second.id, 1_000)
        first = entries(container, org, source_type="payment")[0].source_id
        with container.uow() as uow:
            record_refund(uow, org.organisation.id, first, 5_000)
        roles = roles_of(container, org)
        refunds = [
            e for e in entries(container, org, source_type="payment") if e.description.startswith("Refusion")
        ]
        assert lines(refunds[0], roles) == {
            (R.CUSTOMER_CREDIT, "DKK"): (1_000, 1_000),
            (R.CLEARING_ACCOUNT_TO_ACCOUNT, "DKK"): (-1_000, -1_000),
        }  # fmt: skip
        assert lines(refunds[1], roles) == {
            (R.SALES, "DKK"): (4_000, 4_000), (R.OUTPUT_VAT, "DKK"): (1_000, 1_000),
            (R.CLEARING_ACCOUNT_TO_ACCOUNT, "DKK"): (-5_000, -5_000),
        }  # fmt: skip
        assert balances(container, org) == {
            (R.CLEARING_ACCOUNT_TO_ACCOUNT, "DKK"): 7_500, (R.SALES, "DKK"): -6_000,
            (R.OUTPUT_VAT, "DKK"): -1_500,
        }  # fmt: skip

    def test_refunding_everything_leaves_no_vat_behind(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        request = new_request(container, org, amount=10_001, vat=2_000)
        payment = pay_by_bank(container, org, request.id, 10_001)
        for part in (3_333, 3_333, 3_335):
            with container.uow() as uow:
                record_refund(uow, org.organisation.id, payment.id, part)
        assert balances(container, org) == {}


class TestCancel:
    def test_what_is_still_owed_is_written_back(self, container: Container, org: CreatedOrganisation) -> None:
        request = new_request(container, org, amount=12_500, vat=2_500)
        with container.uow() as uow:
            cancel_payment_request(uow, owner(org), request.id)
        assert balances(container, org) == {}
        assert [e.source_type for e in entries(container, org)] == ["payment_request", "payment_request"]

    def test_charges_go_back_off_their_own_income_accounts(
        self, settings: Settings, org: CreatedOrganisation
    ) -> None:
        with clocked(settings, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) as (container, clock):
            request_id = overdue_request(container, clock, org)
            roles = roles_of(container, org)
            added = [
                lines(e, roles)[(R.RECEIVABLES, "DKK")][0]
                for e in entries(container, org, source_type="charge")
            ]
            assert sorted(added) == [190, 298, 10_000, 31_000]
            pay_by_bank(container, org, request_id, 20_000)  # covers the oldest charges first
            with container.uow() as uow:
                cancel_payment_request(uow, owner(org), request_id)
            assert balances(container, org) == {
                (R.CLEARING_ACCOUNT_TO_ACCOUNT, "DKK"): 20_000, (R.FEE_INCOME, "DKK"): -20_000,
            }  # fmt: skip


class TestForeignCurrency:
    def test_a_euro_request_without_rates_is_valued_at_the_central_rate(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        new_request(container, org, amount=10_000, vat=2_000, currency="EUR")
        assert base_balances(container, org) == {
            R.RECEIVABLES: 74_604,
            R.SALES: -59_683,
            R.OUTPUT_VAT: -14_921,
        }

    def test_the_exchange_difference_is_realised_when_the_request_is_paid(
        self, settings: Settings, org: CreatedOrganisation
    ) -> None:
        with clocked(settings, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) as (container, clock):
            add_rate(container, date(2026, 3, 2), DKK="7.4500")
            add_rate(container, date(2026, 3, 4), DKK="7.4700")
            request = new_request(container, org, amount=10_000, vat=0, currency="EUR")
            clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
            pay_by_bank(container, org, request.id, 4_000)  # still the 2 March rate
            clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
            pay_by_bank(container, org, request.id, 6_000)  # closes the receivable at 7.47
            assert balances(container, org) == {
                (R.CLEARING_ACCOUNT_TO_ACCOUNT, "EUR"): 10_000, (R.SALES, "EUR"): -10_000,
            }  # fmt: skip
            assert base_balances(container, org) == {
                R.CLEARING_ACCOUNT_TO_ACCOUNT: 29_800 + 44_820, R.SALES: -74_500, R.FX_GAINS: -120,
            }  # fmt: skip

    def test_a_loss_when_the_rate_falls_and_the_cancelled_rest_leaves_at_its_booked_value(
        self, settings: Settings, org: CreatedOrganisation
    ) -> None:
        with clocked(settings, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) as (container, clock):
            add_rate(container, date(2026, 3, 2), DKK="7.4600", SEK="11.0000")
            add_rate(container, date(2026, 3, 3), DKK="7.4600", SEK="11.1000")
            request = new_request(container, org, amount=100_000, vat=20_000, currency="SEK", due_in=0)
            clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
            with container.uow() as uow:
                mark_overdue_requests(uow, org.organisation.id, [request])  # overdue may be cancelled
            pay_by_bank(container, org, request.id, 50_000)
            with container.uow() as uow:
                cancel_payment_request(uow, owner(org), request.id)
            # Issued at 7.46/11.00 DKK per SEK: receivables 678,18, sales 542,55, VAT 135,64 and 0,01 of
            # rounding. Half paid and the rest cancelled at 7.46/11.10: each half leaves receivables at
            # 339,09 and brings 336,04 (paid) or 268,83 + 67,21 (written back): a loss of 3,05 twice.
            assert base_balances(container, org) == {
                R.CLEARING_ACCOUNT_TO_ACCOUNT: 33_604, R.SALES: -54_255 + 26_883,
                R.OUTPUT_VAT: -13_564 + 6_721,
                R.ROUNDING: 1, R.FX_LOSSES: 610,
            }  # fmt: skip


class TestReverse:
    def test_a_reversal_turns_every_posting_and_is_final(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        new_request(container, org)
        [original] = entries(container, org)
        with container.uow() as uow:
            reversal = ledger.reverse_entry(uow, owner(org), original.id, "  typed in twice ")
        assert reversal.reverses_id == original.id
        assert reversal.number == 2
        assert reversal.description == "Tilbageførsel af bilag 1: typed in twice"
        assert sorted((p.account_id, -p.amount_minor, -p.base_minor) for p in reversal.postings) == sorted(
            (p.account_id, p.amount_minor, p.base_minor) for p in original.postings
        )
        assert balances(container, org) == {}
        with container.uow() as uow:
            assert ledger.reversals(uow, viewer(org), [original, reversal]) == {original.id: reversal.id}
        with container.uow() as uow, pytest.raises(Conflict) as twice:
            ledger.reverse_entry(uow, owner(org), original.id, None)
        assert twice.value.code == "journal_entry.reversed"
        with container.uow() as uow, pytest.raises(Conflict) as again:
            ledger.reverse_entry(uow, owner(org), reversal.id, None)
        assert again.value.code == "journal_entry.is_reversal"
        assert len(entries(container, org)) == 2

    def test_who_may_reverse(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        new_request(container, org)
        [entry] = entries(container, org)
        with container.uow() as uow, pytest.raises(Forbidden):
            ledger.reverse_entry(uow, viewer(org), entry.id, None)
        with container.uow() as uow, pytest.raises(NotFound):
            ledger.reverse_entry(uow, owner(other_org), entry.id, None)
        bookkeeper = Principal(org.organisation.id, Role.BOOKKEEPER, "user", "usr_b")
        with container.uow() as uow:
            ledger.reverse_entry(uow, bookkeeper, entry.id, None)

    def test_post_reversals_skips_what_is_reversed_already(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        new_request(container, org)
        [entry] = entries(container, org)
        with container.uow() as uow:
            assert ledger.post_reversals(uow, [entry], "match taken back") == 1
            uow.commit()
        every = entries(container, org)
        with container.uow() as uow:
            assert ledger.post_reversals(uow, every, "again") == 0
            uow.commit()
        assert len(entries(container, org)) == 2

    def test_an_unbalanced_draft_is_refused_and_nothing_is_written(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        draft = JournalDraft(
            org.organisation.id, date(2026, 3, 2), "Hand", "manual", "x",
            (debit(R.BANK, 100, "DKK"), credit(R.SALES, 99, "DKK")),
        )  # fmt: skip
        with container.uow() as uow:
            new_request(container, org)
            with pytest.raises(Unbalanced, match=r"DKK \+1"):
                uow.post(draft)
            uow.commit()
        assert [e.source_type for e in entries(container, org)] == ["payment_request"]


class TestAccounts:
    def test_the_default_chart_and_a_rename(self, container: Container, org: CreatedOrganisation) -> None:
        with container.uow() as uow:
            accounts = ledger.list_accounts(uow, viewer(org))
        assert [a.code for a in accounts][:3] == ["1010", "1050", "2210"]
        bank = next(a for a in accounts if a.role is R.BANK)
        assert (bank.code, bank.name) == ("5810", "Bank")
        with container.uow() as uow:
            renamed = ledger.rename_account(uow, owner(org), bank.id, "  Danske  Bank 4180 ")
        assert (renamed.code, renamed.name, renamed.role) == ("5810", "Danske Bank 4180", R.BANK)
        with container.uow() as uow:
            assert (
                next(a for a in ledger.list_accounts(uow, owner(org)) if a.id == bank.id).name
                == "Danske Bank 4180"
            )

    def test_rename_checks(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            bank = next(a for a in ledger.list_accounts(uow, owner(org)) if a.role is R.BANK)
        with container.uow() as uow, pytest.raises(InvalidInput):
            ledger.rename_account(uow, owner(org), bank.id, "   ")
        with container.uow() as uow, pytest.raises(Forbidden):
            ledger.rename_account(uow, viewer(org), bank.id, "Bank")
        with container.uow() as uow, pytest.raises(NotFound):
            ledger.rename_account(uow, owner(other_org), bank.id, "Bank")


class TestTrialBalance:
    def test_as_of_a_date_counts_postings_dated_up_to_it(
        self, settings: Settings, org: CreatedOrganisation
    ) -> None:
        with clocked(settings, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) as (container, clock):
            request = new_request(container, org, amount=10_000, vat=0)
            clock.set(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))
            pay_by_provider(container, org, request.id, Method.CARD)
            assert balances(container, org, date(2026, 3, 1)) == {}
            assert balances(container, org, date(2026, 3, 4)) == {
                (R.RECEIVABLES, "DKK"): 10_000,
                (R.SALES, "DKK"): -10_000,
            }
            with container.uow() as uow:
                report = ledger.trial_balance_report(uow, owner(org), date(2026, 3, 5))
            assert report.balanced
            [dkk] = report.totals
            assert (dkk.currency, dkk.debit_minor, dkk.credit_minor) == ("DKK", 20_000, 20_000)


class TestReceivablesAging:
    def test_buckets_per_customer_and_currency(self, settings: Settings, org: CreatedOrganisation) -> None:
        with clocked(settings, datetime(2026, 1, 5, 9, 0, tzinfo=UTC)) as (container, clock):
            jens = new_customer(container, org, "Jens Hansen")
            anna = new_customer(container, org, "Anna Berg")
            new_request(container, org, amount=1_000, vat=0, customer_id=jens, due_in=0)
            new_request(container, org, amount=2_000, vat=0, customer_id=jens, due_in=40)
            new_request(container, org, amount=3_000, vat=0, customer_id=anna, due_in=10, currency="EUR")
            partly = new_request(container, org, amount=4_000, vat=0, customer_id=anna, due_in=1)
            pay_by_bank(container, org, partly.id, 1_500)
            clock.set(datetime(2026, 4, 20, 9, 0, tzinfo=UTC))
            new_request(container, org, amount=9_000, vat=0, customer_id=anna)  # after the report's date
            with container.uow() as uow:
                report = ledger.receivables_aging(uow, viewer(org), date(2026, 2, 20))
        rows = {(r.party_name, r.currency): (r.amounts, r.total_minor, r.items) for r in report.rows}
        assert list(rows) == [("Anna Berg", "DKK"), ("Jens Hansen", "DKK"), ("Anna Berg", "EUR")]
        anna_dkk = rows[("Anna Berg", "DKK")]
        assert anna_dkk[1:] == (2_500, 1)
        assert anna_dkk[0]["days_31_60"] == 2_500  # due 6 January: 45 days late
        jens_dkk = rows[("Jens Hansen", "DKK")][0]
        assert (jens_dkk["days_31_60"], jens_dkk["not_due"]) == (1_000, 0)
        assert jens_dkk["days_1_30"] == 2_000  # due 14 February
        assert [(t.currency, t.total_minor) for t in report.totals] == [("DKK", 5_500), ("EUR", 3_000)]


class TestBalanceHistory:
    def test_daily_balances_of_bank_and_receivables(
        self, settings: Settings, org: CreatedOrganisation
    ) -> None:
        with clocked(settings, datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) as (container, clock):
            new_request(container, org, amount=10_000, vat=0)
            clock.set(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))
            new_request(container, org, amount=5_000, vat=0)
            with container.uow() as uow:
                series = ledger.balance_history(uow, viewer(org), date(2026, 3, 5), days=5)
        bank, receivables = series
        assert (bank.role, bank.balances) == (R.BANK, (0, 0, 0, 0, 0))
        assert receivables.days[0] == date(2026, 3, 1)
        assert receivables.balances == (0, 10_000, 10_000, 15_000, 15_000)
        with container.uow() as uow:
            [later] = ledger.balance_history(
                uow, viewer(org), date(2026, 3, 20), days=2, roles=(R.RECEIVABLES,)
            )
        assert later.balances == (15_000, 15_000)


class TestJournalCsv:
    def _csv(
        self, container: Container, principal: Principal, query: JournalFilter | None = None
    ) -> list[dict[str, str]]:
        chunks = ledger.journal_csv(container.uow, principal, query or JournalFilter())
        return list(csv.DictReader(io.StringIO("".join(chunks))))

    def test_one_row_per_posting_with_decimals(self, container: Container, org: CreatedOrganisation) -> None:
        request = new_request(container, org, amount=12_550, vat=2_510, reference="F-7")
        new_request(container, org, amount=1_000, vat=0, currency="EUR")
        with container.uow() as uow:
            receivables = next(a for a in ledger.list_accounts(uow, owner(org)) if a.role is R.RECEIVABLES)
            ledger.rename_account(uow, owner(org), receivables.id, "=HYPERLINK(1)")
        rows = self._csv(container, viewer(org))
        assert len(rows) == 3 + 2
        first = rows[0]
        assert first == {
            "entry_number": "1", "date": first["date"], "account_code": "5600",
            "account_name": "'=HYPERLINK(1)", "description": "Betalingsanmodning F-7", "currency": "DKK",
            "debit": "125.50", "credit": "", "amount_dkk": "125.50", "source_type": "payment_request",
            "source_id": request.id,
        }  # fmt: skip
        assert [(r["account_code"], r["debit"], r["credit"]) for r in rows[1:3]] == [
            ("1010", "", "100.40"),
            ("7110", "", "25.10"),
        ]
        assert (rows[3]["currency"], rows[3]["debit"], rows[3]["amount_dkk"]) == ("EUR", "10.00", "74.60")

    def test_batches_and_filters(
        self, container: Container, org: CreatedOrganisation, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(ledger, "EXPORT_BATCH", 2)
        made = [new_request(container, org, amount=1_000 + n, vat=0) for n in range(5)]
        rows = self._csv(container, viewer(org))
        assert [r["entry_number"] for r in rows] == [str(n) for n in range(1, 6) for _ in range(2)]
        only = self._csv(
            container, viewer(org), JournalFilter(source_type="payment_request", source_id=made[3].id)
        )
        assert {r["entry_number"] for r in only} == {"4"}
        today = business_date(container.clock.now())
        assert self._csv(container, viewer(org), JournalFilter(date_to=today - timedelta(days=1))) == []

    def test_checks_run_before_the_first_row(self, container: Container, org: CreatedOrganisation) -> None:
        with pytest.raises(InvalidInput):
            ledger.journal_csv(container.uow, owner(org), JournalFilter(date(2026, 3, 2), date(2026, 3, 1)))
