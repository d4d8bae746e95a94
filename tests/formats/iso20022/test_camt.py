"""camt.053/054 reader: golden files decoded field by field, every version's forms, bad files rejected with
the line and reason, and a stream read in any chunking with flat memory."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from betal.formats.iso20022 import camt
from betal.formats.iso20022.camt import CamtEntry, CamtError, CamtStatement
from tests.formats.iso20022.iso_model import problems
from tests.formats.iso20022.test_xml import Trickle

DATA = Path(__file__).parent / "data"
VALID = sorted(DATA.glob("camt.05?.001.*/*.xml"))
INVALID = sorted((DATA / "invalid").glob("*.xml"))
DAILY_08 = DATA / "camt.053.001.08" / "dk-bank-daily.xml"
NOTIFICATION = DATA / "camt.054.001.08" / "dk-bank-notification.xml"


def plain(item: CamtStatement | CamtEntry) -> dict[str, Any]:
    """The item as its ``*.expected.json`` sidecar writes it: decimals, dates and times as text."""

    def text(value: Any) -> Any:
        if isinstance(value, date | datetime):
            return value.isoformat()
        return str(value) if isinstance(value, Decimal) else value

    return {name: text(value) for name, value in dataclasses.asdict(item).items()}


def expected(path: Path) -> Any:
    return json.loads(path.with_suffix(".expected.json").read_text())


def without_lines(entries: list[CamtEntry]) -> list[CamtEntry]:
    return [dataclasses.replace(entry, line=0) for entry in entries]


class TestGoldenFiles:
    @pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
    def test_every_field_is_decoded(self, path: Path) -> None:
        statements, entries = camt.parse_bytes(path.read_bytes())
        assert [plain(s) for s in statements] == expected(path)["statements"]
        assert [plain(e) for e in entries] == expected(path)["entries"]

    @pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
    def test_the_sample_conforms_to_its_schema(self, path: Path) -> None:
        assert problems(path.parent.name, path.read_bytes()) == []

    def test_each_statement_comes_before_its_entries(self) -> None:
        items = list(camt.read(io.BytesIO(NOTIFICATION.read_bytes())))
        shape = [(type(i).__name__, i.statement_ref) for i in items]
        first, second = "NTF-20240304-0091-1", "NTF-20240304-0091-2"
        assert shape == [
            ("CamtStatement", first),
            ("CamtEntry", first),
            ("CamtEntry", first),
            ("CamtStatement", second),
            ("CamtEntry", second),
        ]
        assert [i.sequence for i in items if isinstance(i, CamtEntry)] == [1, 2, 3]

    def test_the_batch_and_its_parts_add_up(self) -> None:
        """The golden batches are internally consistent: the split entries sum to the booked Ntry."""
        for path, total in [
            (DATA / "camt.053.001.02" / "dk-bank-daily.xml", "7417.05"),
            (DAILY_08, "3417.05"),
        ]:
            _, entries = camt.parse_bytes(path.read_bytes())
            batch = [e for e in entries if e.bank_transaction_code == "PMNT-ICDT-DMCT"]
            assert len(batch) == 3
            assert sum(e.amount for e in batch) == Decimal(total)
            assert len({e.line for e in batch}) == 1


class TestVersions:
    def test_plain_status_and_name_read_like_their_choice_forms(self) -> None:
        """Up to .06 ``Sts`` is text and a name is ``Dbtr/Nm``; both forms are read in any version."""
        data = DAILY_08.read_bytes()
        older = re.sub(rb"<Sts>\s*<Cd>(\w+)</Cd>\s*</Sts>", rb"<Sts>\1</Sts>", data)
        older = re.sub(rb"<Pty>\s*(<Nm>[^<]*</Nm>)\s*</Pty>", rb"\1", older)
        assert older.count(b"<Pty>") == 0
        assert older.count(b"<Sts>BOOK</Sts>") == 3
        assert without_lines(camt.parse_bytes(older)[1]) == without_lines(camt.parse_bytes(data)[1])

    @pytest.mark.parametrize("number", [f"{n:02d}" for n in camt.SUPPORTED_VERSIONS])
    def test_every_supported_version(self, number: str) -> None:
        data = DAILY_08.read_bytes().replace(b"camt.053.001.08", f"camt.053.001.{number}".encode())
        statements, entries = camt.parse_bytes(data)
        assert statements[0].version == f"camt.053.001.{number}"
        assert [plain(e) for e in entries] == expected(DAILY_08)["entries"]

    @pytest.mark.parametrize("number", ["01", "13", "99"])
    def test_other_versions_are_refused(self, number: str) -> None:
        data = DAILY_08.read_bytes().replace(b"camt.053.001.08", f"camt.053.001.{number}".encode())
        with pytest.raises(CamtError, match=f"unsupported version camt.053.001.{number}") as caught:
            camt.parse_bytes(data)
        assert caught.value.line == 2


class TestRejected:
    @pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
    def test_with_line_and_reason(self, path: Path) -> None:
        want = expected(path)
        with pytest.raises(CamtError) as caught:
            camt.parse_bytes(path.read_bytes())
        assert caught.value.line == want["line"]
        assert want.get("reason", "") in caught.value.reason
        assert str(caught.value) == f"line {want['line']}: {caught.value.reason}"
        assert isinstance(caught.value, ValueError)

    @pytest.mark.parametrize(
        "name", ["xxe-passwd.xml", "doctype-after-long-comment.xml", "utf16-doctype.xml"]
    )
    def test_an_external_entity_is_never_read(self, name: str) -> None:
        with pytest.raises(CamtError) as caught:
            camt.parse_bytes((DATA / "invalid" / name).read_bytes())
        assert "root:" not in str(caught.value)

    def test_entries_before_a_fault_come_out_then_the_error(self) -> None:
        """A stream yields what it has read; the caller must drop the whole file on ``CamtError``."""
        data = DAILY_08.read_bytes()
        cut = data[: data.index(b"<NtryRef>3</NtryRef>")]
        items: list[CamtStatement | CamtEntry] = []
        with pytest.raises(CamtError, match="Premature end of data") as caught:
            items.extend(camt.read(io.BytesIO(cut)))
        assert [type(i).__name__ for i in items] == ["CamtStatement", "CamtEntry", "CamtEntry"]
        assert caught.value.line == cut.count(b"\n") + 1


class TestStreaming:
    @pytest.mark.parametrize("size", [1, 7, 100, 65536])
    @pytest.mark.parametrize("path", VALID, ids=lambda p: f"{p.parent.name}/{p.name}")
    def test_any_chunking_reads_the_same(self, path: Path, size: int) -> None:
        data = path.read_bytes()
        statements, entries = camt.parse_bytes(data)
        assert list(camt.read(Trickle(data, size))) == _in_file_order(statements, entries)

    def test_memory_stays_flat(self, tmp_path: Path) -> None:
        """Twenty times the entries need no more memory; in one batch Ntry each TxDtls is kept as a small
        value (not as elements) until the Ntry ends, so that grows by well under 1 KiB a transaction.
        """
        peak = {}
        for shape in ("entries", "batch"):
            for count in (1_000, 20_000):
                path = tmp_path / f"{shape}-{count}.xml"
                path.write_bytes(_large_file(shape, count))
                peak[shape, count] = _peak_kib_reading(path, count)
        assert peak["entries", 20_000] - peak["entries", 1_000] < 8 * 1024, peak
        assert peak["batch", 20_000] - peak["batch", 1_000] < 19_000, peak


def _in_file_order(statements: list[CamtStatement], entries: list[CamtEntry]) -> list[Any]:
    ordered: list[Any] = []
    for statement in statements:
        ordered += [statement, *(e for e in entries if e.statement_ref == statement.statement_ref)]
    return ordered


_ENTRY = b"""<Ntry><Amt Ccy="DKK">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2024-03-04</Dt></BookgDt><BkTxCd/><NtryDtls>%s</NtryDtls></Ntry>
"""
_DETAILS = b"""<TxDtls><Refs><EndToEndId>E2E-%d</EndToEndId></Refs><Amt Ccy="DKK">12.50</Amt>
<RltdPties><Dbtr><Pty><Nm>Kunde %d ApS</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>Faktura %d</Ustrd></RmtInf>
</TxDtls>
"""


def _large_file(shape: str, count: int) -> bytes:
    """A camt.053.001.08 with ``count`` entries: one Ntry each, or one batch Ntry of ``count`` TxDtls."""
    head = DAILY_08.read_bytes().split(b"<Ntry>")[0]
    details = [_DETAILS % (n, n, n) for n in range(count)]
    body = [_ENTRY % d for d in details] if shape == "entries" else [_ENTRY % b"".join(details)]
    return head + b"".join(body) + b"</Stmt></BkToCstmrStmt></Document>\n"


def _peak_kib_reading(path: Path, count: int) -> int:
    """The peak resident memory (VmHWM, KiB) of a fresh process that reads ``path``."""
    script = (
        "import re, sys\n"
        "from betal.formats.iso20022 import camt\n"
        "with open(sys.argv[1], 'rb') as f:\n"
        "    n = sum(1 for item in camt.read(f) if isinstance(item, camt.CamtEntry))\n"
        "status = open('/proc/self/status').read()\n"
        "print(n, re.search(r'VmHWM:\\s*(\\d+)', status)[1])\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, check=True, text=True
    )
    entries, peak = output.stdout.split()
    assert int(entries) == count
    return int(peak)
