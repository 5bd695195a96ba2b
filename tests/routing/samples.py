"""Small synthetic labelled tickets in English and Turkish (our own, written for these tests):
enough for a classifier to learn four categories in well under a second."""

from __future__ import annotations

import itertools
import random

_PHRASES: dict[str, list[str]] = {
    "refunds": [
        "I want a refund for my order",
        "please refund the money you charged me",
        "when will my refund arrive",
        "refund request for a cancelled purchase",
        "İADE talebim var, param ne zaman yatar",
        "siparişimi iptal ettim, para iadesi istiyorum",
        "iade işlemi hâlâ tamamlanmadı",
        "ücret iadesi yapılmadı",
    ],
    "login": [
        "I forgot my password and cannot log in",
        "the login page says my password is wrong",
        "reset password email never arrives",
        "my account is locked after too many attempts",
        "ŞİFREMİ unuttum, giriş yapamıyorum",
        "hesabıma giriş yapamıyorum, şifre hatalı diyor",
        "şifre sıfırlama e-postası gelmedi",
        "hesabım kilitlendi",
    ],
    "delivery": [
        "my parcel has not been delivered yet",
        "where is my package, tracking shows nothing",
        "the courier never came with my delivery",
        "delivery is late by a week",
        "KARGOM hâlâ gelmedi",
        "paketim nerede, takip numarası çalışmıyor",
        "kurye teslimat yapmadı",
        "siparişim bir haftadır yolda",
    ],
    "hardware": [
        "the printer is broken and prints blank pages",
        "my laptop screen flickers",
        "keyboard keys stick after the update",
        "the device will not turn on",
        "yazıcı bozuldu, boş sayfa basıyor",
        "dizüstü bilgisayarın ekranı titriyor",
        "klavye tuşları takılıyor",
        "cihaz açılmıyor",
    ],
}
_OPENERS = ["", "Hello, ", "Hi team, ", "Merhaba, ", "Good morning. ", "İyi günler, "]
_CLOSERS = ["", " Thanks.", " Please help.", " Teşekkürler.", " Acil lütfen!", " Regards"]


def labelled(per_category: int = 30, seed: int = 7) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for category, phrases in _PHRASES.items():
        combos = list(itertools.product(phrases, _OPENERS, _CLOSERS))
        for phrase, opener, closer in rng.sample(combos, per_category):
            texts.append(f"{opener}{phrase}.{closer}")
            labels.append(category)
    return texts, labels


CATEGORIES = tuple(_PHRASES)
