"""Text for bank files: the EPC Latin set, Danish letters where banks take them, lengths, identifiers."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from betal.formats.iso20022.charset import DANISH, LATIN, clean, is_latin_id


class TestClean:
    def test_plain_latin_text_is_kept(self) -> None:
        assert clean("Faktura 1001/2026 (rest)", 140) == "Faktura 1001/2026 (rest)"

    @pytest.mark.parametrize(
        ("text", "latin", "danish"),
        [
            ("Ærø Købmandshandel", "AEroe Koebmandshandel", "Ærø Købmandshandel"),
            ("Blåbærgården", "Blaabaergaarden", "Blåbærgården"),
            ("Müller & Söhne", "Muller + Sohne", "Muller + Sohne"),
            ("Café Noël", "Cafe Noel", "Cafe Noel"),
            ("Straße 5", "Strasse 5", "Strasse 5"),
        ],
    )
    def test_letters_outside_the_set_are_spelled_or_stripped(
        self, text: str, latin: str, danish: str
    ) -> None:
        assert clean(text, 140) == latin
        assert clean(text, 140, danish=True) == danish

    def test_a_decomposed_danish_letter_stays_one_letter(self) -> None:
        decomposed = unicodedata.normalize("NFD", "Århus Å")
        assert len(decomposed) == 9
        assert clean(decomposed, 140, danish=True) == "Århus Å"
        assert clean(decomposed, 140) == "AArhus AA"

    def test_other_characters_become_single_spaces(self) -> None:
        assert clean("info@firma.dk\t\n  tlf.  12 34 56 78", 140) == "info firma.dk tlf. 12 34 56 78"
        assert clean("  leading and trailing  ", 140) == "leading and trailing"

    def test_text_is_cut_to_the_limit_after_spelling(self) -> None:
        assert clean("Øster", 3) == "OEs"
        assert clean("abc defgh", 4) == "abc"  # no trailing space after the cut

    def test_nothing_left_is_none(self) -> None:
        assert clean("", 35) is None
        assert clean("@@@ ###", 35) is None
        assert clean(None, 35) is None

    @given(st.text(), st.integers(min_value=1, max_value=140), st.booleans())
    def test_any_text_comes_out_within_the_set_and_the_limit(
        self, text: str, limit: int, danish: bool
    ) -> None:
        result = clean(text, limit, danish=danish)
        if result is not None:
            assert len(result) <= limit
            assert set(result) <= (DANISH if danish else LATIN)
            assert result == result.strip()
            assert "  " not in result


class TestIsLatinId:
    @pytest.mark.parametrize("value", ["E2E-pord-01", "bfile 1", "A", "x" * 35, "71/000123"])
    def test_good_ids(self, value: str) -> None:
        assert is_latin_id(value)

    @pytest.mark.parametrize(
        "value", ["", "x" * 36, " lead", "trail ", "/start", "end/", "a//b", "pord_01", "æ1"]
    )
    def test_bad_ids(self, value: str) -> None:
        assert not is_latin_id(value)
