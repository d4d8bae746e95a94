"""Bulk payment requests: reading CSV and JSON files, checking every row, creating the good ones."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from betal import bootstrap
from betal.adapters.clock import FrozenClock
from betal.bootstrap import Container
from betal.config import Settings
from betal.domain.calendar import business_date
from betal.domain.errors import Forbidden, InvalidInput, NotFound
from betal.domain.job import Job, JobStatus
from betal.domain.ledger import AccountRole
from betal.domain.tenancy import Principal, Role
from betal.ports import UnitOfWork
from betal.services import bulk
from betal.services.customer import NewCustomer, create_customer
from betal.services.organisation import CreatedOrganisation
from betal.services.payment_request import list_payment_requests
from tests.services.ledger_support import balances

DATA = Path(__file__).parent / "data" / "bulk"
TODAY = date(2026, 11, 23)


def _owner(org: CreatedOrganisation) -> Principal:
    return Principal(org.organisation.id, Role.OWNER, "api_key", "key_test")


def _customers(container: Container, org: CreatedOrganisation) -> dict[str, str]:
    """The customers the sample files name by external id: C-1001 and C-1002."""
    ids = {}
    for external_id, name in (("C-1001", "Jens Hansen"), ("C-1002", "Café Ørsted ApS")):
        with container.uow() as uow:
            data = NewCustomer(name, email=f"{external_id.lower()}@example.dk", external_id=external_id)
            ids[external_id] = create_customer(uow, container.cipher, _owner(org), data).id
    return ids


def _requests(container: Container, org: CreatedOrganisation) -> list[tuple[str, int, str]]:
    with container.uow() as uow:
        found = list_payment_requests(
            uow, _owner(org), status=None, customer_id=None, after_id=None, limit=500
        )
    return [(r.customer_id, r.amount_minor, r.description) for r in found]


def _read(name: str) -> tuple[bulk.FileFormat, bytes]:
    path = DATA / name
    return bulk.FileFormat(path.suffix.lstrip(".")), path.read_bytes()


def _errors(result: bulk.BulkResult | bulk.Plan) -> list[tuple[int, str]]:
    return [(e.line, e.field) for e in result.errors]


class TestParseFile:
    def test_csv_records_with_the_line_they_start_on(self) -> None:
        rows = bulk.parse_file(*_read("mixed.csv"))
        assert [r.line for r in rows] == [2, 3, 4, 5, 6, 8, 10, 11]  # line 7 is blank, 8 spans two lines
        assert rows[5].values["description"] == "Vinduespudsning,\nfebruar"
        assert rows[7].problem == "has 3 fields; the header has 7"

    def test_semicolons_crlf_and_a_byte_order_mark(self) -> None:
        rows = bulk.parse_file(*_read("semicolon.csv"))
        assert [r.values["description"] for r in rows] == ["Abonnement marts", "Abonnement; marts"]
        assert rows[0].values["customer_external_id"] == "C-1001"

    def test_json_lines_are_positions_in_the_array(self) -> None:
        rows = bulk.parse_file(*_read("mixed.json"))
        assert [r.line for r in rows] == [1, 2, 3, 4, 5, 6]
        assert rows[3].problem == "must be a JSON object"
        assert not rows[0].textual

    @pytest.mark.parametrize(
        ("name", "line", "message"),
        [
            ("unclosed_quote.csv", 2, "the record cannot be read"),
            ("latin1.csv", 2, "is not UTF-8 text"),
            ("bad_header.csv", 1, "unknown column 'kunde'; missing column 'allowed_methods'"),
            ("header_only.csv", 2, "the file has a header but no rows"),
            ("broken.json", 3, "invalid JSON"),
        ],
    )
    def test_malformed_files_name_the_line(self, name: str, line: int, message: str) -> None:
        with pytest.raises(bulk.MalformedFile) as caught:
            bulk.parse_file(*_read(name))
        assert caught.value.line == line
        assert caught.value.detail.startswith(f"line {line}: ")
        assert message in caught.value.detail
        assert caught.value.code == "bulk.malformed"

    @pytest.mark.parametrize(
        ("fmt", "data", "message"),
        [
            (bulk.FileFormat.CSV, b"", "line 1: the file is empty"),
            (bulk.FileFormat.JSON, b"  \n", "line 1: the file is empty"),
            (bulk.FileFormat.JSON, b"[]", "line 1: the array is empty"),
            (bulk.FileFormat.JSON, b'{"amount": 1}', "line 1: must be a JSON array"),
            (bulk.FileFormat.CSV, b"customer_id,customer_id,amount\n", "column 'customer_id' appears twice"),
        ],
    )
    def test_empty_and_wrong_shapes(self, fmt: bulk.FileFormat, data: bytes, message: str) -> None:
        with pytest.raises(bulk.MalformedFile, match=message):
            bulk.parse_file(fmt, data)

    def test_size_and_row_caps(self, monkeypatch: pytest.MonkeyPatch) -> None:
        with pytest.raises(InvalidInput, match="larger than"):
            bulk.parse_file(bulk.FileFormat.CSV, b"x" * (bulk.MAX_BYTES + 1))
        from betal.formats import payment_request_file

        monkeypatch.setattr(payment_request_file, "MAX_ROWS", 2)
        data = b"[" + b",".join([b"{}"] * 3) + b"]"
        with pytest.raises(bulk.MalformedFile, match="line 3: the file has more than 2 rows"):
            bulk.parse_file(bulk.FileFormat.JSON, data)


class TestValidateRow:
    def test_collects_every_problem_of_a_row(self) -> None:
        rows = bulk.parse_file(*_read("mixed.json"))
        checked = [bulk.validate_row(r, TODAY) for r in rows]
        assert isinstance(checked[0], bulk.ValidRow)
        assert checked[0].customer == ("customer_external_id", "C-1001")
        assert checked[0].data.allowed_methods == ("fi_card", "mobilepay")
        assert [(e.field, e.message) for e in checked[2]] == [  # type: ignore[union-attr]
            (
                "amount",
                "amount must be an integer number of minor units",
            ),  # a string is not an amount in JSON
            ("currency", "currency must be three uppercase letters (ISO 4217)"),
            ("allowed_methods", "must be a list of payment method names"),
        ]
        assert [(e.field, e.message) for e in checked[4]] == [  # type: ignore[union-attr]
            ("colour", "is not a known field"),
            ("customer_id", "give only one of them"),
        ]

    def test_csv_amounts_are_whole_øre(self) -> None:
        header = "customer_id,amount,currency,due_date,description,allowed_methods\n"
        for amount, problem in (("123450", None), ("1234.50", "whole number of øre"), ("1.234,50", "øre"),
                                ("-5", "whole number"), ("0", "between 1 and"), (" 700 ", None)):  # fmt: skip
            data = f"{header}cus_1,{amount.replace(',', '')},DKK,2030-01-02,Leje,card\n".encode()
            [row] = bulk.parse_file(bulk.FileFormat.CSV, data)
            if "," in amount:  # a decimal comma inside a quoted field
                row = bulk.RawRow(row.line, {**row.values, "amount": amount}, True)
            checked = bulk.validate_row(row, TODAY)
            if problem is None:
                assert isinstance(checked, bulk.ValidRow), amount
            else:
                assert isinstance(checked, list), amount
                assert problem in checked[0].message

    def test_dates_must_be_iso_and_not_past(self) -> None:
        for value, ok in (
            ("2026-11-23", True),
            ("2026-11-22", False),
            ("20301201", False),
            ("2030-02-30", False),
        ):
            row = bulk.RawRow(2, {"customer_id": "cus_1", "amount": 100, "currency": "DKK", "due_date": value,
                                  "description": "x", "allowed_methods": ["card"]}, False)  # fmt: skip
            checked = bulk.validate_row(row, TODAY)
            assert isinstance(checked, bulk.ValidRow) is ok, value
            if not ok:
                assert [e.field for e in checked] == ["due_date"]  # type: ignore[union-attr]


class TestRunRows:
    def test_mixed_csv_creates_the_good_rows_and_reports_every_bad_one(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        customers = _customers(container, org)
        _fmt, data = _read("mixed.csv")
        rows = bulk.parse_file(bulk.FileFormat.CSV, data)
        seen: list[tuple[int, int]] = []
        result = bulk.run_rows(container.uow, _owner(org), rows, on_progress=lambda d, t: seen.append((d, t)))
        assert (result.total, result.created, result.failed) == (8, 2, 6)
        assert _errors(result) == [
            (3, "amount"), (4, "customer_external_id"), (5, "currency"), (6, "due_date"),
            (6, "allowed_methods"), (10, "amount"), (10, "description"), (10, "allowed_methods"), (11, "row"),
        ]  # fmt: skip
        assert sorted(_requests(container, org)) == sorted([
            (customers["C-1001"], 125000, "Husleje januar"),
            (customers["C-1002"], 42000, "Vinduespudsning, februar"),
        ])  # fmt: skip
        assert seen[0] == (6, 8)
        assert seen[-1] == (8, 8)

    def test_mixed_json(self, container: Container, org: CreatedOrganisation) -> None:
        _customers(container, org)
        rows = bulk.parse_file(*_read("mixed.json"))
        result = bulk.run_rows(container.uow, _owner(org), rows)
        assert (result.created, result.failed) == (2, 4)
        assert result.as_dict()["errors"][0] == {
            "line": 2,
            "field": "amount",
            "message": "amount must be an integer number of minor units",
        }
        assert len(_requests(container, org)) == 2

    def test_a_row_failing_inside_a_batch_does_not_undo_the_others(
        self, settings: Settings, org: CreatedOrganisation
    ) -> None:
        clock = FrozenClock(datetime(2026, 11, 23, 22, 59, 30, tzinfo=UTC))  # 23:59:30 in Copenhagen
        container = bootstrap.build(settings, clock=clock)
        customers = _customers(container, org)
        calls = []

        def new_uow() -> UnitOfWork:
            calls.append(1)
            if len(calls) == 2:  # after the check, before the first batch: midnight passes
                clock.advance(timedelta(minutes=1))
            return container.uow()

        today = date(2026, 11, 23)
        rows = [
            bulk.RawRow(n, {"customer_id": customers["C-1001"], "amount": n, "currency": "DKK",
                            "due_date": (today + timedelta(days=0 if n == 3 else 9)).isoformat(),
                            "description": f"Række {n}", "allowed_methods": ["card"]}, False)
            for n in range(1, 6)
        ]  # fmt: skip
        result = bulk.run_rows(new_uow, _owner(org), rows)
        container.close()
        assert (result.created, result.failed) == (4, 1)
        assert [(e.line, e.field, e.message) for e in result.errors] == [
            (3, "due_date", "must not be in the past")
        ]
        assert sorted(amount for _c, amount, _d in _requests(container, org)) == [1, 2, 4, 5]
        assert len(calls) == 1 + 1 + 5  # check, the failed batch, then one transaction per row

    def test_a_job_key_prefix_makes_a_rerun_skip_created_rows(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        _customers(container, org)
        rows = bulk.parse_file(*_read("semicolon.csv"))
        first = bulk.run_rows(container.uow, _owner(org), rows, key_prefix="payment_requests.bulk:job_1")
        again = bulk.run_rows(container.uow, _owner(org), rows, key_prefix="payment_requests.bulk:job_1")
        assert (first.created, again.created) == (2, 2)
        assert len(_requests(container, org)) == 2
        bulk.run_rows(container.uow, _owner(org), rows, key_prefix="payment_requests.bulk:job_2")
        assert len(_requests(container, org)) == 4

    def test_a_viewer_may_not(self, container: Container, org: CreatedOrganisation) -> None:
        viewer = Principal(org.organisation.id, Role.VIEWER, "api_key", "key_viewer")
        with pytest.raises(Forbidden):
            bulk.run_rows(container.uow, viewer, bulk.parse_file(*_read("semicolon.csv")))

    def test_five_thousand_rows_are_checked_within_a_few_seconds(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        customers = _customers(container, org)
        due = business_date(container.clock.now()) + timedelta(days=30)
        lines = ["customer_id,customer_external_id,amount,currency,due_date,description,allowed_methods"]
        for n in range(5000):
            who = f"{customers['C-1001']}," if n % 2 else ",C-1002"
            lines.append(f"{who},{100 + n},DKK,{due.isoformat()},Faktura {n},fi_card|mobilepay")
        lines[1234] = lines[1234].replace("DKK", "EUR")
        started = time.perf_counter()
        rows = bulk.parse_file(bulk.FileFormat.CSV, "\n".join(lines).encode())
        with container.uow() as uow:
            plan = bulk.check_rows(uow, _owner(org), rows)
        assert time.perf_counter() - started < 3
        assert len(plan.ready) == 4999
        assert _errors(plan) == [(1235, "currency")]


@pytest.mark.slow
class TestLargeImport:
    def test_a_thousand_rows_are_created(self, container: Container, org: CreatedOrganisation) -> None:
        customers = _customers(container, org)
        due = business_date(container.clock.now()) + timedelta(days=30)
        items = [
            {"customer_id": customers["C-1001"], "amount": 100 + n, "currency": "DKK",
             "due_date": due.isoformat(), "description": f"Faktura {n}", "allowed_methods": ["card"]}
            for n in range(1000)
        ]  # fmt: skip
        rows = bulk.parse_file(bulk.FileFormat.JSON, json.dumps(items).encode())
        result = bulk.run_rows(container.uow, _owner(org), rows)
        assert (result.created, result.failed) == (1000, 0)  # its speed is for bench/ (issue 8), not here


class TestJob:
    def _job(self, payload: dict[str, object], organisation_id: str | None = "org_1") -> Job:
        now = TODAY
        return Job("job_1", bulk.JOB_KIND, payload, organisation_id, JobStatus.RUNNING, now, 1, 5, None,
                   None, None, None, 0, None, None, now, now)  # type: ignore[arg-type]  # fmt: skip

    def test_enqueue_checks_the_file_and_queues_it(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        _fmt, data = _read("semicolon.csv")
        with container.uow() as uow:
            job_id = bulk.enqueue_bulk(uow, _owner(org), bulk.FileFormat.CSV, data)
        assert job_id.startswith("job_")
        with container.uow() as uow:
            job = uow.jobs.get(job_id, org.organisation.id)
        assert job is not None
        assert job.kind == "payment_requests.bulk"
        assert job.dedupe_key is not None
        assert job.dedupe_key.startswith("payment_requests.bulk:")
        with container.uow() as uow, pytest.raises(bulk.MalformedFile):
            bulk.enqueue_bulk(uow, _owner(org), bulk.FileFormat.JSON, data)
        with container.uow() as uow:
            [entry] = [e for e in uow.audit_log.latest(org.organisation.id, 5) if "bulk" in e.action]
        assert entry.details == {"rows": 2, "format": "csv"}

    def test_job_input_round_trips_the_principal(self) -> None:
        payload = {"format": "json", "content": '[{"amount": 1}]',
                   "principal": {"role": "bookkeeper", "type": "user", "id": "usr_1"}}  # fmt: skip
        principal, rows = bulk.job_input(self._job(payload))
        assert principal == Principal("org_1", Role.BOOKKEEPER, "user", "usr_1")
        assert rows[0].values == {"amount": 1}

    @pytest.mark.parametrize(
        "payload",
        [{}, {"format": "xml", "content": "x", "principal": {"role": "owner", "type": "t", "id": "i"}},
         {"format": "csv", "content": 7, "principal": {"role": "owner", "type": "t", "id": "i"}},
         {"format": "csv", "content": "x", "principal": {"role": "pope", "type": "t", "id": "i"}}],
    )  # fmt: skip
    def test_a_bad_payload_fails_the_job(self, payload: dict[str, object]) -> None:
        with pytest.raises(InvalidInput, match="not a bulk import"):
            bulk.job_input(self._job(payload))

    def test_operator_needs_an_existing_organisation(
        self, container: Container, org: CreatedOrganisation
    ) -> None:
        with container.uow() as uow:
            assert bulk.operator(uow, org.organisation.id).role is Role.OWNER
            with pytest.raises(NotFound):
                bulk.operator(uow, "org_missing")


class TestVatAmount:
    HEADER = "customer_id,amount,vat_amount,currency,due_date,description,allowed_methods\n"

    @pytest.mark.parametrize(
        ("vat", "expected"),
        [("2500", 2_500), ("", 0), (" 0 ", 0), ("12500", "less than the amount"), ("25,00", "whole number"),
         ("-1", "whole number")],
    )  # fmt: skip
    def test_csv_column(self, vat: str, expected: int | str) -> None:
        data = f'{self.HEADER}cus_1,12500,"{vat}",DKK,2030-01-02,Leje,card\n'.encode()
        [row] = bulk.parse_file(bulk.FileFormat.CSV, data)
        checked = bulk.validate_row(row, TODAY)
        if isinstance(expected, int):
            assert isinstance(checked, bulk.ValidRow)
            assert checked.data.vat_minor == expected
        else:
            assert isinstance(checked, list)
            assert [(e.field, expected in e.message) for e in checked] == [("vat_amount", True)]

    @pytest.mark.parametrize(("vat", "ok"), [(2_500, True), (None, True), ("2500", False), (2.5, False)])
    def test_json_values(self, vat: object, ok: bool) -> None:
        values = {"customer_id": "cus_1", "amount": 12_500, "currency": "DKK", "due_date": "2030-01-02",
                  "description": "x", "allowed_methods": ["card"], "vat_amount": vat}  # fmt: skip
        checked = bulk.validate_row(bulk.RawRow(1, values, False), TODAY)
        assert isinstance(checked, bulk.ValidRow) is ok

    def test_created_requests_book_their_vat(self, container: Container, org: CreatedOrganisation) -> None:
        customers = _customers(container, org)
        due = business_date(container.clock.now()) + timedelta(days=10)
        data = f"{self.HEADER}{customers['C-1001']},12500,2500,DKK,{due.isoformat()},Leje,card\n".encode()
        result = bulk.run_rows(container.uow, _owner(org), bulk.parse_file(bulk.FileFormat.CSV, data))
        assert (result.created, result.failed) == (1, 0)
        assert balances(container, org) == {
            (AccountRole.RECEIVABLES, "DKK"): 12_500, (AccountRole.SALES, "DKK"): -10_000,
            (AccountRole.OUTPUT_VAT, "DKK"): -2_500,
        }  # fmt: skip
