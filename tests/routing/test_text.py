"""Turkish-aware folding: the same word in any case and with or without its letters."""

from __future__ import annotations

from routing.text import casefold, normalise


def test_turkish_case_folding_keeps_dotted_and_dotless_i_apart() -> None:
    assert casefold("İSTANBUL", "tr") == "istanbul"
    assert casefold("ISPARTA", "tr") == "ısparta"
    assert casefold("ISPARTA", "en") == "isparta"
    # Plain lower() would leave a combining dot after "i" here.
    assert casefold("İADE") == "iade"


def test_normalise_makes_one_form_of_turkish_spellings() -> None:
    forms = ["ŞİKAYET", "Şikayet", "şikâyet", "sikayet", "SIKAYET"]
    assert {normalise(f) for f in forms} == {"sikayet"}
    assert normalise("  Kargom\n hâlâ   GELMEDİ ") == "kargom hala gelmedi"
