"""Reading untrusted XML safely with lxml.

Bank files come from outside, so entity resolution, DTD loading and network access are off, huge trees
are refused, and a document that declares a DTD at all (the carrier of "billion laughs" and external
entities) is rejected rather than parsed with its entities left alone. The DTD check runs twice: on the
raw bytes of the whole prolog, before the parser sees the declaration (so a bomb is never expanded,
however long the comments in front of it), and on the parsed document's DOCTYPE, which also catches
encodings the byte scan cannot read (UTF-16).
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO

from lxml import etree

MAX_DEPTH = 64
MAX_PROLOG = 1 << 20  # bytes before the root element; real files have a line or two
CHUNK = 1 << 16
_DTD_REASON = "a DTD or entity declaration is not allowed"
_BOM = b"\xef\xbb\xbf"
# One item of the prolog that may come before a DOCTYPE: white space, the XML declaration or another
# processing instruction, a comment (XML 1.0 §2.8).
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_POSITION = re.compile(r",? line \d+, column \d+$")


class XmlError(ValueError):
    """Input that is not acceptable XML; ``line`` is 1-based, or ``None`` when it is not known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


def safe_parser(**options: Any) -> etree.XMLParser:
    """An ``XMLParser`` for untrusted input: no entities, no DTDs, no network, no huge trees."""
    return etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, dtd_validation=False, huge_tree=False,
        remove_pis=True, **options,
    )  # fmt: skip


def safe_iterparse_options() -> dict[str, Any]:
    """Keyword arguments that make ``etree.iterparse`` as safe as ``safe_parser``."""
    return {"resolve_entities": False, "load_dtd": False, "no_network": True, "huge_tree": False}


def _prolog_end(head: bytes) -> int:
    """Offset of the first byte after the leading prolog items (declaration, PIs, comments, space)."""
    position = len(_BOM) if head.startswith(_BOM) else 0
    while match := _PROLOG_ITEM.match(head, position):
        position = match.end()
    return position


def reject_doctype(head: bytes) -> None:
    """Refuse a document whose prolog declares a DTD (entity bombs and external entities need one).

    ``head`` is the start of the document, at least up to its root element; the whole prolog is scanned,
    so a declaration behind a long comment is found too.
    """
    position = _prolog_end(head)
    if head.startswith((b"<!DOCTYPE", b"<!ENTITY"), position):
        raise XmlError(_DTD_REASON, head.count(b"\n", 0, position) + 1)


def line_of(element: etree._Element) -> int | None:
    """The element's source line (``sourceline``, which lxml-stubs leaves untyped)."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def reject_declared_dtd(root: etree._Element) -> None:
    """Refuse a parsed document that has a DOCTYPE (whatever its encoding), naming the root's line."""
    if root.getroottree().docinfo.internalDTD is not None:
        raise XmlError(_DTD_REASON, line_of(root))


def _prolog_complete(head: bytes) -> bool:
    """Whether ``head`` reaches past the prolog far enough to tell whether a DOCTYPE follows."""
    position = _prolog_end(head)
    unfinished = head.startswith((b"<?", b"<!--"), position)
    return not unfinished and len(head) - position >= len(b"<!DOCTYPE")


def read_prolog(source: BinaryIO) -> bytes:
    """Read ``source`` until past its prolog and check it declares no DTD; the bytes read are returned
    so the caller can parse them first. A prolog longer than ``MAX_PROLOG`` is refused.
    """
    head = b""
    while not _prolog_complete(head):
        if len(head) > MAX_PROLOG:
            raise XmlError("no root element in the first 1 MiB", head.count(b"\n") + 1)
        chunk = source.read(CHUNK)
        if not chunk:
            break
        head += chunk
    reject_doctype(head)
    return head


def syntax_error(exc: etree.XMLSyntaxError) -> XmlError:
    """The parser's complaint as an ``XmlError``: its message without the trailing position, its line."""
    reason = _POSITION.sub("", exc.msg or "") or "malformed XML"
    return XmlError(reason, exc.lineno or 1)


def parse_bytes(data: bytes) -> etree._Element:
    """The root element of ``data``, parsed safely; ``XmlError`` with the line for anything malformed."""
    reject_doctype(data)
    try:
        root = etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise syntax_error(exc) from None
    reject_declared_dtd(root)
    return root
