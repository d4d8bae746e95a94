"""Reading untrusted XML safely with lxml.

Bank files come from outside, so entity resolution, DTD loading and network access are off, huge trees
are refused, and a document that declares a DTD at all (the carrier of "billion laughs" and external
entities) is rejected rather than parsed with its entities left alone.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

MAX_DEPTH = 64


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


def reject_doctype(head: bytes) -> None:
    """Refuse a document whose prolog declares a DTD (entity bombs and external entities need one)."""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        line = head[: head.find(b"<!")].count(b"\n") + 1
        raise XmlError("a DTD or entity declaration is not allowed", line)


def parse_bytes(data: bytes) -> etree._Element:
    """The root element of ``data``, parsed safely; ``XmlError`` with the line for anything malformed."""
    reject_doctype(data[:4096])
    try:
        return etree.fromstring(data, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise XmlError(exc.msg or "malformed XML", exc.lineno) from None
