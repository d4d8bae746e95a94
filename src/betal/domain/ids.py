"""Prefixed, time-ordered identifiers (API.md "Ids are prefixed strings").

An id is ``<prefix>_`` followed by 26 Crockford base32 characters: 48 bits of milliseconds since the
epoch then 80 random bits (the ULID layout), so ids sort by creation time and serve as list cursors.
"""

from __future__ import annotations

import re
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIXES = frozenset(
    {
        "org", "usr", "mem", "key", "cus", "preq", "pay", "man", "rcol", "sup", "sinv", "pord", "appr",
        "bfile", "stmt", "ent", "evt", "whe", "job", "aud", "agr", "msg", "ses", "del", "att", "otc", "out",
        "psub",
        "rpol", "rem", "chg",
        "watt",
        "acc", "je", "pst", "mat",
        "sbc", "sdoc", "apol", "adec", "plan", "use",
        "pacc",
    }
)  # fmt: skip
_PAIRS = [first + second for first in _ALPHABET for second in _ALPHABET]  # 10 bits -> two characters
_SHIFTS = range(120, -1, -10)  # 13 pairs of 10 bits = the 26 characters, most significant first
_PATTERN = re.compile(r"^([a-z]+)_([0-9A-HJKMNP-TV-Z]{26})$")


def new_id(prefix: str, *, now_ms: int | None = None) -> str:
    """A fresh id such as ``org_01JD5...``; ``prefix`` must be one of ``PREFIXES``."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    ms = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    value = (ms << 80) | secrets.randbits(80)
    return prefix + "_" + "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


def has_prefix(value: str, prefix: str) -> bool:
    """Whether ``value`` is a well-formed id with ``prefix``; used to answer 404 early for junk ids."""
    match = _PATTERN.match(value)
    return match is not None and match.group(1) == prefix
