"""Small UBL fragments for unit tests of the reader's parts: the namespaces bound, nothing else."""

from __future__ import annotations

from betal.formats.iso20022.xml import parse_bytes
from betal.formats.ubl.tree import CAC, CBC, INVOICE, Element


def element(inner: str) -> Element:
    """An ``Invoice`` root holding ``inner`` (written with ``cac:`` and ``cbc:`` prefixes)."""
    return parse_bytes(
        f'<Invoice xmlns="{INVOICE}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">{inner}</Invoice>'.encode()
    )
