"""The FAQ bot's matcher on our own small knowledge base: it answers the questions its
articles answer, in English and Turkish, and stays quiet on the ones they do not."""

from __future__ import annotations

import pytest

from helpdesk.bots.match import best_article, terms

ENGLISH = [
    (1, "Reset your password\nClick 'Forgot password' on the sign-in page and follow the link."),
    (2, "Track your order\nOpen My orders and choose the order to see where the parcel is."),
    (3, "Refunds\nReturned items are refunded to the original payment method in 5 days."),
]
TURKISH = [
    (11, "Şifrenizi sıfırlayın\nGiriş sayfasında 'Şifremi unuttum' bağlantısına tıklayın."),
    (12, "Siparişinizi takip edin\nSiparişlerim sayfasından kargonuzun nerede olduğunu görün."),
    (13, "İade\nİade edilen ürünlerin ücreti 5 iş günü içinde ödeme yönteminize iade edilir."),
]


@pytest.mark.parametrize(
    ("question", "articles", "expected"),
    [
        ("How do I reset my password?", ENGLISH, 1),
        ("I FORGOT MY PASSWORD", ENGLISH, 1),
        ("where is my parcel", ENGLISH, 2),
        ("Şifremi unuttum, nasıl sıfırlarım?", TURKISH, 11),
        ("ŞİFREMİ UNUTTUM", TURKISH, 11),
        ("Siparişim nerede?", TURKISH, 12),
        ("param ne zaman iade edilir", TURKISH, 13),
    ],
)
def test_answers_what_an_article_answers(
    question: str, articles: list[tuple[int, str]], expected: int
) -> None:
    found = best_article(question, articles)
    assert found.article_id == expected, found


@pytest.mark.parametrize(
    ("question", "articles"),
    [
        ("My invoice shows the wrong VAT number", ENGLISH),
        ("The app crashes when I open the camera", ENGLISH),  # one shared word is not enough
        ("Faturamda KDV numarası yanlış", TURKISH),
        ("Uygulama kamerayı açınca çöküyor", TURKISH),
        ("?!", ENGLISH),
        ("How do I reset my password?", []),
    ],
)
def test_stays_quiet_when_no_article_answers(
    question: str, articles: list[tuple[int, str]]
) -> None:
    assert best_article(question, articles).article_id is None


def test_turkish_words_meet_in_their_stem_and_function_words_are_dropped() -> None:
    assert terms("Şifremi şifrenizi ŞİFRE nasıl nerede") == ["şifre", "şifre", "şifre"]
