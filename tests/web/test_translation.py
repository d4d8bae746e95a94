"""The gettext catalogues: every string the templates use has a Danish translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from betal.web import translation
from betal.web.templating import TEMPLATE_DIR


def _template_messages() -> dict[str | tuple[str, ...], list[str]]:
    found: dict[str | tuple[str, ...], list[str]] = {}
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        with path.open("rb") as template:
            for lineno, message, _comments, _context in extract(
                "jinja2.ext:babel_extract", template, options={"extensions": "jinja2.ext.i18n"}
            ):
                found.setdefault(message, []).append(f"{path.relative_to(TEMPLATE_DIR)}:{lineno}")
    return found


def _catalogue(language: str) -> dict[str, object]:
    with translation.catalogue_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}


class TestCatalogues:
    def test_templates_use_some_strings(self) -> None:
        assert len(_template_messages()) > 30

    def test_every_template_string_has_a_danish_translation(self) -> None:
        danish = _catalogue("da")
        problems = []
        for message, where in _template_messages().items():
            key = message if isinstance(message, str) else message[0]
            string = danish.get(key)
            strings = string if isinstance(string, tuple) else (string,)
            if not all(strings):
                problems.append(f"{key!r} ({', '.join(where)})")
        assert not problems, "missing Danish translations:\n" + "\n".join(problems)

    def test_every_template_string_is_in_the_english_catalogue(self) -> None:
        english = _catalogue("en")
        keys = {m if isinstance(m, str) else m[0] for m in _template_messages()}
        assert keys <= set(english)

    def test_danish_catalogue_has_no_stale_strings(self) -> None:
        keys = {m if isinstance(m, str) else m[0] for m in _template_messages()}
        assert set(_catalogue("da")) <= keys


class TestTranslations:
    def test_danish_is_compiled_in_memory(self) -> None:
        assert translation.translations("da").gettext("Log in") == "Log ind"
        assert not list(Path(translation.CATALOGUE_DIR).rglob("*.mo"))

    def test_danish_plurals(self) -> None:
        singular = "Too many failed attempts. Try again in %(num)d minute."
        plural = "Too many failed attempts. Try again in %(num)d minutes."
        danish = translation.translations("da")
        assert (
            danish.ngettext(singular, plural, 1) % {"num": 1}
            == "For mange mislykkede forsøg. Prøv igen om 1 minut."
        )
        assert "5 minutter" in danish.ngettext(singular, plural, 5) % {"num": 5}

    def test_english_uses_the_source_strings(self) -> None:
        assert translation.translations("en").gettext("Log in") == "Log in"

    def test_unknown_language(self) -> None:
        with pytest.raises(ValueError, match="unknown language"):
            translation.translations("sv")

    def test_a_missing_catalogue_falls_back_to_the_source(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setattr(translation, "CATALOGUE_DIR", tmp_path)
        assert translation.load("da").gettext("Log in") == "Log in"

    @pytest.mark.parametrize(("value", "language"), [("da", "da"), ("en", "en"), (None, "da"), ("EN", "da")])
    def test_pick(self, value: str | None, language: str) -> None:
        assert translation.pick(value) == language
