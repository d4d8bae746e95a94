"""The pieces reconciliation compares: payer names, bank accounts, references and amounts.

Bank statements write a payer's name, account and the reference they typed the way their bank chose:
"JENS HANSEN", "Hansen, Jens", "J. Hansen"; an IBAN or reg.nr. + account; "71/000000067097535",
"+71<000000067097535+85799665<" or just "67097535". These functions reduce each to a key that compares
equal when the bank meant the same thing, and score how alike two names are.

FI payment ids: shared/standards/danish-payments.md §1 (a Luhn check digit; zero-padding does not change
it, so an id is known by its digits without leading zeros). Ids of betal's own objects (``pay_``,
``preq_``) are 26 Crockford base32 characters after the prefix (``domain.ids``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher

from stdnum import luhn

_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"})
_LEGAL_FORM = re.compile(r"\b(?:a/s|i/s|k/s|p/s|aps|ivs|amba|a\.m\.b\.a\.?|smba)(?=\W|$)")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_ID_BODY = "[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}"
_PAYMENT_ID = re.compile(rf"(?<![0-9A-Za-z])pay_({_ID_BODY})(?![0-9A-Za-z])", re.IGNORECASE)
_REQUEST_ID = re.compile(rf"(?<![0-9A-Za-z])preq_({_ID_BODY})(?![0-9A-Za-z])", re.IGNORECASE)
_FI_PREFIXED = re.compile(r"(?<!\d)[+>]?(?:71|75|04)[</](\d{1,16})")  # 71/000000067097535, +71<0000...
_LONG_DIGITS = re.compile(r"(?<!\d)\d{15,16}(?!\d)")  # a full FI id in free text
_DK_IBAN = re.compile(r"DK\d{16}")
_TOKEN_EDGES = ".,;:()[]{}\"'«»"
MIN_TEXT_TOKEN = 4  # a reference found inside free text must be at least this long


def normalise_name(name: str | None) -> str:
    """Lower case, no accents (æ ø å spelled out), no legal form (ApS, A/S), single spaces."""
    if not name:
        return ""
    text = name.casefold().translate(_DANISH)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _LEGAL_FORM.sub(" ", text)
    return " ".join(_NOT_ALNUM.sub(" ", text).split())


def name_tokens(name: str | None) -> tuple[str, ...]:
    return tuple(normalise_name(name).split())


def name_key(name: str | None) -> str:
    """A name as looked up: normalised words in sorted order ("HANSEN, JENS" finds "Jens Hansen")."""
    return " ".join(sorted(name_tokens(name)))


def _token_score(left: Sequence[str], right: Sequence[str]) -> float:
    """Share of tokens that pair up, where an initial ("j") pairs with a name it starts ("jens")."""
    unused = list(right)
    paired = 0
    for token in left:
        found = next((t for t in unused if t == token), None)
        if found is None and (len(token) == 1 or any(len(t) == 1 for t in unused)):
            found = next((t for t in unused if min(len(t), len(token)) == 1 and t[0] == token[0]), None)
        if found is not None:
            unused.remove(found)
            paired += 1
    return 2 * paired / (len(left) + len(right))


def name_similarity(left: str | None, right: str | None) -> float:
    """0.0 (nothing alike) to 1.0: the better of token pairing (order-free) and character similarity."""
    a, b = name_tokens(left), name_tokens(right)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    by_tokens = _token_score(a, b)
    by_letters = SequenceMatcher(None, " ".join(sorted(a)), " ".join(sorted(b)), autojunk=False).ratio()
    return max(by_tokens, by_letters)


def account_key(account: str | None) -> str | None:
    """An account as compared: upper case without spaces; a Danish IBAN by its reg.nr. + account (BBAN)."""
    if not account:
        return None
    compact = "".join(account.split()).upper().replace("-", "")
    if _DK_IBAN.fullmatch(compact):
        return compact[4:]
    return compact or None


def reference_key(text: str | None) -> str:
    """A reference as compared: case and spaces do not count ("F 1001" equals "f1001")."""
    return "".join((text or "").split()).casefold()


def text_tokens(text: str | None) -> list[str]:
    """The words of free text as reference keys, with surrounding punctuation taken off."""
    out = []
    for word in (text or "").split():
        key = reference_key(word.strip(_TOKEN_EDGES))
        if key:
            out.append(key)
    return out


def fi_key(digits: str) -> str | None:
    """The key of an FI payment id: its digits without leading zeros, if the Luhn check digit holds."""
    if not digits.isdigit() or len(digits) > 16:
        return None
    bare = digits.lstrip("0")
    if len(bare) < 2 or not luhn.is_valid(bare):
        return None
    return bare


def fi_ids_in(reference: str | None, remittance: str | None) -> list[str]:
    """FI payment id keys a statement line carries, in order: from the structured reference (prefixed,
    or the bare id with or without zeros) and from free text (prefixed, or a full 15/16-digit id)."""
    found: list[str] = []
    compact_ref = "".join((reference or "").split())
    candidates = [m.group(1) for m in _FI_PREFIXED.finditer(compact_ref)]
    if not candidates and compact_ref.isdigit():
        candidates.append(compact_ref)
    compact_text = re.sub(r"(?<=[+><])\s+|\s+(?=[<+])", "", remittance or "")
    candidates += [m.group(1) for m in _FI_PREFIXED.finditer(compact_text)]
    candidates += _LONG_DIGITS.findall(remittance or "")
    for digits in candidates:
        key = fi_key(digits)
        if key is not None and key not in found:
            found.append(key)
    return found


def _ids(pattern: re.Pattern[str], prefix: str, texts: Sequence[str | None]) -> list[str]:
    found: list[str] = []
    for text in texts:
        for match in pattern.finditer(text or ""):
            value = f"{prefix}_{match.group(1).upper()}"
            if value not in found:
                found.append(value)
    return found


def payment_ids_in(*texts: str | None) -> list[str]:
    """betal payment ids (``pay_...``) named anywhere in the texts, in order of appearance."""
    return _ids(_PAYMENT_ID, "pay", texts)


def request_ids_in(*texts: str | None) -> list[str]:
    """betal payment request ids (``preq_...``) named anywhere in the texts."""
    return _ids(_REQUEST_ID, "preq", texts)


def digit_tokens(*texts: str | None) -> set[str]:
    """Every run of digits in the texts (to find a Betalingsservice PBS number, say)."""
    return {run for text in texts for run in re.findall(r"\d+", text or "")}


def smallest_exact_subset(
    amounts: Sequence[int], target: int, *, min_size: int = 2, max_size: int = 5
) -> tuple[int, ...] | None:
    """Positions in ``amounts`` of the fewest items (``min_size``..``max_size``) summing to ``target``.

    ``amounts`` are positive and listed oldest first; among sets of the same size the first in
    lexicographic order of positions wins, which is the set whose oldest item is oldest (then the next).
    A depth-first search in position order, pruned by what the remaining positions can still add up to.
    """
    if target <= 0 or not amounts:
        return None
    n = len(amounts)
    low = [0] * (n + 1)
    high = [0] * (n + 1)
    low[n], high[n] = 10**30, 0
    for i in range(n - 1, -1, -1):
        low[i], high[i] = min(amounts[i], low[i + 1]), max(amounts[i], high[i + 1])
    for size in range(min_size, min(max_size, n) + 1):
        found = _first_of_size(amounts, target, size, low, high)
        if found is not None:
            return found
    return None


def _first_of_size(
    amounts: Sequence[int], target: int, size: int, low: Sequence[int], high: Sequence[int]
) -> tuple[int, ...] | None:
    n = len(amounts)
    chosen: list[int] = []

    def search(start: int, left: int, k: int) -> bool:
        if k == 0:
            return left == 0
        if left < k * low[start] or left > k * high[start]:
            return False
        for i in range(start, n - k + 1):
            if amounts[i] > left:
                continue
            chosen.append(i)
            if search(i + 1, left - amounts[i], k - 1):
                return True
            chosen.pop()
        return False

    return tuple(chosen) if search(0, target, size) else None


def spread(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to positive ``weights``, rounded down, the remainder on the last."""
    whole = sum(weights)
    shares = [total * w // whole for w in weights]
    shares[-1] += total - sum(shares)
    return shares
