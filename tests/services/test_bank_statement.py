"""Bank statement import: each transaction stored once, malformed files refused whole, then reconciled."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from sqlalchemy import text

from betal.bootstrap import Container
from betal.domain.banking import Direction, EntryStatus, MatchStatus
from betal.domain.errors import Forbidden, InvalidInput, NotFound
from betal.domain.tenancy import Principal, Role
from betal.services import bank_statement
from betal.services.organisation import CreatedOrganisation
from tests.services.banking_support import (
    Line,
    camt053,
    customer,
    event_types,
    import_file,
    own_account,
    owner,
    request,
    written,
)

TABLES = (
    "bank_statements",
    "statement_entries",
    "reconciliation_matches",
    "payments",
    "journal_entries",
    "events",
)


def rows(container: Container) -> dict[str, int]:
    with container.engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in TABLES}


class TestImportStatement:
    def test_entries_are_stored_in_minor_units(self, container: Container, org: CreatedOrganisation) -> None:
        account = own_account(container, org)
        data = written(account, [
            Line("1250.50", name="Jens Hansen", account="DK5000400440116243", remittance="Husleje marts",
                 end_to_end_id="E2E-1", bank_reference="REF-1"),
            Line("99.00", direction="DBIT", name="Elselskabet"),
        ])  # fmt: skip
        result = import_file(container, org, data)
        assert result.created
        statement = result.statement
        assert (statement.kind, statement.version, statement.account) == (
            "camt.053",
            "camt.053.001.08",
            account,
        )
        assert (statement.entry_count, statement.duplicate_count, statement.opening_balance_minor) == (
            2,
            0,
            0,
        )
        first, second = result.entries
        assert (first.direction, first.amount_minor, first.currency, first.status) == (
            Direction.CREDIT, 125_050, "DKK", EntryStatus.BOOKED,
        )  # fmt: skip
        payer = (first.counterparty_name, first.counterparty_account, first.remittance, first.end_to_end_id)
        assert payer == ("Jens Hansen", "DK5000400440116243", "Husleje marts", "E2E-1")
        assert (first.booking_date, first.bank_reference, first.sequence) == (date(2026, 3, 2), "REF-1", 1)
        assert (second.direction, second.amount_minor, second.match_status) == (
            Direction.DEBIT,
            9_900,
            MatchStatus.UNMATCHED,
        )
        assert event_types(container, org)[-1] == "bank_statement.imported"

    def test_the_same_file_twice_adds_nothing(self, container: Container, org: CreatedOrganisation) -> None:
        request(container, org, customer(container, org), 50_000, reference="F-1001")
        data = camt053(own_account(container, org), [Line("500.00", reference="F-1001"), Line("1.00")])
        first = import_file(container, org, data)
        before = rows(container)
        again = import_file(container, org, data)
        assert not again.created
        assert again.statement.id == first.statement.id
        assert (again.entries, again.matches) == ([], [])
        assert rows(container) == before

    def test_a_notification_then_the_statement_gives_one_entry(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        account = own_account(container, org)
        lines = [Line("10.00", bank_reference="A-1"), Line("20.00", bank_reference="A-2")]
        notified = import_file(
            container, org, written(account, lines[:1], kind="camt.054", version="camt.054.001.08")
        )
        stated = import_file(container, org, written(account, lines))
        assert notified.statement.kind == "camt.054"
        assert (stated.statement.entry_count, stated.statement.duplicate_count) == (1, 1)
        assert [e.amount_minor for e in stated.entries] == [2_000]

    def test_equal_transfers_without_a_bank_reference_stay_apart(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        account = own_account(container, org)
        same = Line("100.00", name="Jens Hansen", remittance="Kontant")
        result = import_file(container, org, camt053(account, [same, same]))
        assert result.statement.entry_count == 2
        again = import_file(container, org, camt053(account, [same, same, same], statement_id="STMT-2"))
        assert (again.statement.entry_count, again.statement.duplicate_count) == (1, 2)

    def test_a_malformed_file_is_refused_whole_with_its_line(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        data = camt053(own_account(container, org), [Line("1.00"), Line("2.00")])
        broken = data.replace(b"<CdtDbtInd>CRDT</CdtDbtInd><Sts>", b"<CdtDbtInd>CRDT<Sts>", 1)
        before = rows(container)
        with pytest.raises(InvalidInput) as caught:
            import_file(container, org, broken)
        assert caught.value.code == "bank_statement.malformed"
        assert caught.value.detail.startswith("line ")
        assert caught.value.errors[0].field == "body"
        assert rows(container) == before

    def test_more_decimals_than_the_currency_has(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        data = camt053(own_account(container, org), [Line("1.00"), Line("12.345")])
        before = rows(container)
        with pytest.raises(InvalidInput, match=r"^line 2: DKK amounts have at most 2 decimals") as caught:
            import_file(container, org, data)
        assert caught.value.code == "amount.precision"
        assert rows(container) == before

    def test_a_balance_with_too_many_decimals(self, container: Container, org: CreatedOrganisation) -> None:
        data = camt053(own_account(container, org), [Line("1.00")]).replace(b">1000.00<", b">1000.005<")
        with pytest.raises(
            InvalidInput, match="the statement's balance: DKK amounts have at most 2 decimals"
        ):
            import_file(container, org, data)

    @pytest.mark.parametrize(
        "attack",
        [
            b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document>&x;</Document>',
            b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            b"<Document>&b;</Document>",
            b"not xml at all",
            b"",
        ],
    )
    def test_entities_and_junk_are_refused(
        self, container: Container, org: CreatedOrganisation, attack: bytes
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            import_file(container, org, attack)
        assert caught.value.code == "bank_statement.malformed"
        assert rows(container)["bank_statements"] == 0

    def test_another_account_is_refused(self, container: Container, org: CreatedOrganisation) -> None:
        with pytest.raises(InvalidInput, match="not the organisation's account") as caught:
            import_file(container, org, camt053("DK5000400440116243", [Line("1.00")]))
        assert caught.value.code == "bank_statement.unknown_account"

    def test_the_account_may_be_given_as_reg_and_account_number(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        bban = own_account(container, org)[4:]
        data = camt053(bban, [Line("1.00")]).replace(
            f"<IBAN>{bban}</IBAN>".encode(), f"<Othr><Id>{bban}</Id></Othr>".encode()
        )
        assert import_file(container, org, data).statement.account == bban

    def test_needs_the_book_permission(self, container: Container, org: CreatedOrganisation) -> None:
        viewer = Principal(org.organisation.id, Role.VIEWER, "api_key", "key_v")
        data = camt053(own_account(container, org), [Line("1.00")])
        with container.uow() as uow, pytest.raises(Forbidden):
            bank_statement.import_statement(uow, viewer, BytesIO(data), "0" * 64)

    def test_progress_is_reported(self, container: Container, org: CreatedOrganisation) -> None:
        data = camt053(own_account(container, org), [Line(f"{n}.00") for n in range(1, 4)])
        seen: list[tuple[str, int]] = []
        with container.uow() as uow:
            bank_statement.import_statement(
                uow, owner(org), BytesIO(data), bank_statement.sha256_of(BytesIO(data)),
                progress=lambda stage, done: seen.append((stage, done)),
            )  # fmt: skip
        assert seen == [("reconcile", 3)]


class TestReading:
    def test_list_get_and_entries(self, container: Container, org: CreatedOrganisation) -> None:
        account = own_account(container, org)
        one = import_file(container, org, camt053(account, [Line("1.00"), Line("2.00")]))
        two = import_file(container, org, camt053(account, [Line("3.00")], statement_id="S-2"))
        with container.uow() as uow:
            listed = bank_statement.list_statements(uow, owner(org), after_id=None, limit=10)
            assert [s.id for s in listed] == [two.statement.id, one.statement.id]  # newest first
            assert bank_statement.list_statements(uow, owner(org), after_id=two.statement.id, limit=10) == [
                one.statement
            ]
            detail = bank_statement.get_statement(uow, owner(org), one.statement.id)
            assert detail.counts == {"unmatched": 2, "partial": 0, "matched": 0, "ignored": 0}
            entries = bank_statement.list_entries(uow, owner(org), one.statement.id, after_id=None, limit=1)
            assert [e.amount_minor for e in entries] == [100]

    def test_another_organisations_statement_is_not_found(
        self, container: Container, org: CreatedOrganisation, other_org: CreatedOrganisation
    ) -> None:
        theirs = import_file(container, other_org, camt053(own_account(container, other_org), [Line("1.00")]))
        with container.uow() as uow, pytest.raises(NotFound):
            bank_statement.get_statement(uow, owner(org), theirs.statement.id)
        with container.uow() as uow, pytest.raises(NotFound):
            bank_statement.list_entries(uow, owner(org), theirs.statement.id, after_id=None, limit=5)
