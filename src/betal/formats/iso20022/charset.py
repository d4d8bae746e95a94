"""Text for outgoing ISO 20022 payment files: the character sets banks accept, and the schema's lengths.

The ISO XSDs accept any Unicode text in ``Max140Text`` and its kin, but banks do not:

- ``LATIN`` is the EPC "basic Latin" set every SEPA and SWIFT-routed payment must stay within
  (EPC217-08 "SEPA Requirements for an Extended Character Set", section 1.4):
  ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and space.
- ``DANISH`` adds Æ Ø Å æ ø å, which Danish banks carry on domestic transfers and FI-kort payments
  (shared/standards/danish-payments.md §4.1, the Danish CGI MIG).

:func:`clean` keeps what the set allows, spells Danish letters the conventional way where the set lacks
them (``ø`` → ``oe``), drops accents (``é`` → ``e``), turns anything else into a space, collapses spaces and
cuts the result to the element's maximum length. Text is first put in NFC form, so an ``å`` typed as
``a`` + combining ring stays one letter instead of losing its ring. Identifiers (message, batch and
end-to-end ids) are not cleaned but checked with :func:`is_latin_id`: changing them would break matching
with the bank's status reports and statements. ``_`` is not in the set, so an id such as ``pord_01J...``
is written with ``-`` by whoever builds the file.
"""

from __future__ import annotations

import re
import string
import unicodedata
from functools import lru_cache

LATIN = frozenset(string.ascii_letters + string.digits + "/-?:().,'+ ")
DANISH = LATIN | frozenset("ÆØÅæøå")

_SPELLED = {"Æ": "AE", "Ø": "OE", "Å": "AA", "æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "&": "+"}
_PLAIN_LATIN = re.compile(r"[A-Za-z0-9/\-?:().,'+]+( [A-Za-z0-9/\-?:().,'+]+)*")
_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")


def _replace(char: str, allowed: frozenset[str]) -> str:
    """One character made acceptable: kept, spelled out, stripped of its accent, or a space."""
    if char in allowed:
        return char
    if char in _SPELLED:
        return _SPELLED[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if c in allowed)
    return base or " "


@lru_cache(maxsize=8192)
def _clean(text: str, limit: int, danish: bool) -> str | None:
    allowed = DANISH if danish else LATIN
    normal = unicodedata.normalize("NFC", text)
    words = "".join(_replace(c, allowed) for c in normal).split()
    result = " ".join(words)[:limit].rstrip()
    return result or None


def clean(text: str | None, limit: int, *, danish: bool = False) -> str | None:
    """``text`` within the character set and ``limit`` characters; ``None`` when nothing is left.

    Names repeat across thousands of payments in one file, so results are cached; text that is already
    plain Latin (the common case) takes a fast path without looking at each character.
    """
    if text is None:
        return None
    if len(text) <= limit and _PLAIN_LATIN.fullmatch(text):
        return text
    return _clean(text, limit, danish)


def is_latin_id(value: str) -> bool:
    """True for an identifier banks accept: 1–35 basic Latin characters, no space or ``/`` at either end
    and no ``//`` (the EPC rule for references, which Danish banks apply to every payment)."""
    return bool(_ID.fullmatch(value)) and value == value.strip(" /") and "//" not in value
