"""Portal languages: Danish (the default) and English, from gettext catalogues compiled at start-up.

The catalogues are the ``.po`` files in ``web/i18n/<locale>/LC_MESSAGES/messages.po`` (source strings in
English); they are read with Babel and compiled to ``.mo`` in memory, so no compiled file is committed.
Extract new strings from the templates with ``pybabel extract -F`` or see ``tests/web/test_translation.py``.
"""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("da", "en")
DEFAULT_LANGUAGE = "da"
CATALOGUE_DIR = Path(__file__).parent / "i18n"


def catalogue_path(language: str) -> Path:
    return CATALOGUE_DIR / language / "LC_MESSAGES" / "messages.po"


def load(language: str) -> NullTranslations:
    """The compiled translations for ``language`` (English falls back to the source strings)."""
    path = catalogue_path(language)
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


@cache
def translations(language: str) -> NullTranslations:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    return load(language)


def pick(value: str | None) -> str:
    """A supported language from a cookie value, else the default."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE
