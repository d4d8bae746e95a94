"""Reading bulk files: records with their lines, or the line where the file cannot be read."""

from __future__ import annotations

import pytest

from betal.formats.payment_request_file import FileError, FileFormat, parse

HEADER = "customer_id,amount,currency,due_date,description,allowed_methods"


class TestCsv:
    def test_lines_and_semicolons(self) -> None:
        header = HEADER.replace(",", ";")
        first = 'cus_1;100;DKK;2030-01-01;"Leje\r\njanuar";card'
        text = f"{header}\r\n{first}\r\n\r\ncus_2;5;DKK;2030-01-01;x;card\r\n"
        rows = parse(FileFormat.CSV, text)
        assert [r.line for r in rows] == [2, 5]
        assert rows[0].values["description"] == "Leje\r\njanuar"
        assert rows[0].textual

    def test_field_count_is_a_row_problem_not_a_file_error(self) -> None:
        [row] = parse(FileFormat.CSV, f"{HEADER}\ncus_1,100\n")
        assert row.problem == "has 2 fields; the header has 6"

    @pytest.mark.parametrize(
        ("text", "line", "message"),
        [("   ", 1, "empty"), (f"{HEADER},colour\n", 1, "unknown column 'colour'"),
         ("amount,currency\n1,DKK\n", 1, "missing column"), (f"{HEADER}\n", 2, "no rows"),
         (f'{HEADER}\ncus_1,1,DKK,2030-01-01,"x\n', 2, "cannot be read")],
    )  # fmt: skip
    def test_unreadable_files(self, text: str, line: int, message: str) -> None:
        with pytest.raises(FileError) as info:
            parse(FileFormat.CSV, text)
        assert info.value.line == line
        assert message in info.value.message


class TestJson:
    def test_positions_and_non_objects(self) -> None:
        rows = parse(FileFormat.JSON, '[{"amount": 1}, 7]')
        assert [(r.line, r.problem, r.textual) for r in rows] == [
            (1, None, False),
            (2, "must be a JSON object", False),
        ]

    @pytest.mark.parametrize(
        ("text", "message"), [("{}", "JSON array"), ("[]", "empty"), ("[1,", "invalid JSON")]
    )
    def test_unreadable(self, text: str, message: str) -> None:
        with pytest.raises(FileError, match=message):
            parse(FileFormat.JSON, text)

    def test_deep_nesting_is_refused_not_a_crash(self) -> None:
        with pytest.raises(FileError, match="nested too deeply"):
            parse(FileFormat.JSON, "[" * 100_000 + "]" * 100_000)
