"""Language detection on short support texts, English and Turkish first (our own samples)."""

from __future__ import annotations

import pytest

from routing.language import detect, supported

EN_TR = ("en", "tr")
SHORT = [
    ("tr", "Kartım hâlâ gelmedi"),
    ("tr", "şifremi unuttum"),
    ("tr", "İade ne zaman yapılır?"),
    ("tr", "Merhaba, faturamda hata var"),
    ("tr", "hesabim kilitlendi yardim edin"),  # typed without Turkish letters
    ("tr", "ISLAK IMZA GEREKIYOR MU"),
    ("tr", "Kargo gecikti, iptal etmek istiyorum"),
    ("en", "forgot my password"),
    ("en", "my card is blocked"),
    ("en", "The app will not open after the update"),
    ("en", "When will I get my refund?"),
]


@pytest.mark.parametrize(("expected", "text"), SHORT)
def test_short_english_and_turkish_texts(expected: str, text: str) -> None:
    assert detect(text, EN_TR) == expected


def test_other_languages_when_the_desk_serves_them() -> None:
    served = ("en", "tr", "de", "fr", "es")
    assert detect("Meine Karte ist noch nicht angekommen", served) == "de"
    assert detect("No he recibido mi tarjeta todavía", served) == "es"
    assert detect("Je n'ai toujours pas reçu ma nouvelle carte bancaire", served) == "fr"


def test_too_little_text_or_an_unsure_guess_is_no_guess() -> None:
    assert detect("ok", EN_TR) is None
    assert detect("👍 !!", EN_TR) is None
    # Three common words: the detector leans Turkish at 0.62, which is no basis to answer in it.
    assert detect("where is my order", EN_TR) is None


def test_language_codes_are_checked() -> None:
    assert supported("tr") and supported("en")
    assert not supported("xx")
