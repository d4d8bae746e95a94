"""Safe XML reading: DTDs refused wherever they hide in the prolog, entities never resolved, lines given."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from betal.formats.iso20022 import xml

INVALID = Path(__file__).parent / "data" / "invalid"


class Trickle(io.RawIOBase):
    """A stream that hands out ``size`` bytes per read, so every chunk boundary gets exercised."""

    def __init__(self, data: bytes, size: int) -> None:
        self._data, self._size, self._position = data, size, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        chunk = self._data[self._position : self._position + min(self._size, n if n >= 0 else self._size)]
        self._position += len(chunk)
        return chunk


class EndlessComment(io.RawIOBase):
    """A document that opens a comment and never ends it (produced lazily: nothing is held in memory)."""

    def __init__(self) -> None:
        self._first = True

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        start, self._first = (b"<?xml version='1.0'?>\n<!--" if self._first else b""), False
        return start + b"comment line\n" * 5000


class TestXmlError:
    def test_message_names_the_line_when_known(self) -> None:
        assert str(xml.XmlError("bad", 7)) == "line 7: bad"
        assert str(xml.XmlError("bad")) == "bad"

    def test_is_a_value_error(self) -> None:
        error = xml.XmlError("bad", 3)
        assert isinstance(error, ValueError)
        assert (error.reason, error.line) == ("bad", 3)


class TestParseBytes:
    def test_parses_plain_xml(self) -> None:
        root = xml.parse_bytes(b"<?xml version='1.0'?>\n<!-- note -->\n<a xmlns='urn:x'><b>1</b></a>")
        assert root.tag == "{urn:x}a"
        assert root.findtext("{urn:x}b") == "1"

    def test_syntax_error_has_line_and_a_clean_reason(self) -> None:
        with pytest.raises(xml.XmlError) as caught:
            xml.parse_bytes(b"<a>\n<b>\n</c>\n</a>")
        assert caught.value.line == 3
        assert "mismatch" in caught.value.reason
        assert "column" not in caught.value.reason

    def test_empty_input_is_line_1(self) -> None:
        with pytest.raises(xml.XmlError) as caught:
            xml.parse_bytes(b"")
        assert caught.value.line == 1

    @pytest.mark.parametrize(
        ("name", "line"),
        [("billion-laughs.xml", 2), ("xxe-passwd.xml", 2), ("doctype-after-long-comment.xml", 84)],
    )
    def test_refuses_a_dtd_with_its_line(self, name: str, line: int) -> None:
        with pytest.raises(xml.XmlError) as caught:
            xml.parse_bytes((INVALID / name).read_bytes())
        assert (caught.value.line, caught.value.reason) == (
            line,
            "a DTD or entity declaration is not allowed",
        )

    def test_the_long_comment_really_pushes_the_dtd_past_4_kib(self) -> None:
        data = (INVALID / "doctype-after-long-comment.xml").read_bytes()
        assert data.index(b"<!DOCTYPE") > 4096

    def test_refuses_a_dtd_the_byte_scan_cannot_read(self) -> None:
        data = (INVALID / "utf16-doctype.xml").read_bytes()
        xml.reject_doctype(data)  # UTF-16: the byte scan sees no "<!DOCTYPE" ...
        with pytest.raises(xml.XmlError, match="a DTD or entity declaration is not allowed"):
            xml.parse_bytes(data)  # ... the parsed document's DOCTYPE gives it away

    def test_an_undeclared_entity_is_an_error_not_a_lookup(self) -> None:
        with pytest.raises(xml.XmlError, match="xxe"):
            xml.parse_bytes(b"<a>&xxe;</a>")


class TestRejectDoctype:
    @pytest.mark.parametrize(
        "head",
        [
            b"<!DOCTYPE a><a/>",
            b"\xef\xbb\xbf<?xml version='1.0'?><!DOCTYPE a><a/>",
            b"<?xml version='1.0'?>\n<?pi x?>\n<!-- <a> -->\n  <!DOCTYPE a><a/>",
            b"<!ENTITY x 'y'>",
        ],
    )
    def test_finds_a_declaration_behind_any_prolog(self, head: bytes) -> None:
        with pytest.raises(xml.XmlError):
            xml.reject_doctype(head)

    @pytest.mark.parametrize(
        "head",
        [b"<a/>", b"<?xml version='1.0'?><a><!DOCTYPE-ish text/></a>", b"<a><!-- <!DOCTYPE a> --></a>"],
    )
    def test_only_the_prolog_counts(self, head: bytes) -> None:
        xml.reject_doctype(head)

    def test_line_of_the_declaration(self) -> None:
        with pytest.raises(xml.XmlError) as caught:
            xml.reject_doctype(b"<?xml version='1.0'?>\n<!--\n\n-->\n<!DOCTYPE a>")
        assert caught.value.line == 5


class TestReadProlog:
    def test_returns_the_bytes_read_through_the_root(self) -> None:
        data = b"<?xml version='1.0'?>\n<!-- c -->\n<Document/>"
        assert xml.read_prolog(io.BytesIO(data)) == data

    @pytest.mark.parametrize("size", [1, 2, 5, 9, 64])
    def test_chunk_boundaries_anywhere_in_the_declaration(self, size: int) -> None:
        data = (INVALID / "doctype-after-long-comment.xml").read_bytes()
        with pytest.raises(xml.XmlError) as caught:
            xml.read_prolog(Trickle(data, size))
        assert caught.value.line == 84

    @pytest.mark.parametrize("size", [1, 3, 4096])
    def test_reads_no_further_than_needed(self, size: int) -> None:
        data = b"<?xml version='1.0'?>\n<Document>" + b"x" * 100_000 + b"</Document>"
        head = xml.read_prolog(Trickle(data, size))
        assert data.startswith(head)
        assert len(head) <= max(size, len(b"<?xml version='1.0'?>\n<Document>")) + size

    def test_empty_stream(self) -> None:
        assert xml.read_prolog(io.BytesIO(b"")) == b""

    def test_an_endless_prolog_is_refused(self) -> None:
        with pytest.raises(xml.XmlError, match="no root element in the first 1 MiB") as caught:
            xml.read_prolog(EndlessComment())
        assert (caught.value.line or 0) > 1000


class TestRejectDeclaredDtd:
    def test_document_without_doctype_passes(self) -> None:
        xml.reject_declared_dtd(etree.fromstring(b"<a/>"))

    def test_system_doctype_is_refused_without_loading_it(self) -> None:
        root = etree.fromstring(
            b'<!DOCTYPE a SYSTEM "http://example.invalid/a.dtd">\n<a/>', xml.safe_parser()
        )
        with pytest.raises(xml.XmlError) as caught:
            xml.reject_declared_dtd(root)
        assert caught.value.line == 2


class TestSafeIterparse:
    def test_entities_stay_unresolved(self) -> None:
        data = (INVALID / "xxe-passwd.xml").read_bytes()
        texts: Iterator[str] = (
            element.text or ""
            for _, element in etree.iterparse(io.BytesIO(data), **xml.safe_iterparse_options())
        )
        assert not any("root:" in text for text in texts)


class TestLineOf:
    def test_source_line(self) -> None:
        root = etree.fromstring(b"<a>\n\n<b/></a>")
        assert xml.line_of(root[0]) == 3

    def test_built_elements_have_none(self) -> None:
        assert xml.line_of(etree.Element("a")) is None
