"""Sign-offs stay in the visible text (issue 15): the closing and the name under it are the
customer's words; the title, company and contacts a template adds below them, a "-- " block and
a device footer are not. Every message here is our own."""

from __future__ import annotations

import pytest

from channels.email import parse_message, split_signoff


def parse(body: str, sender: str = "Ayşe Yılmaz") -> str:
    raw = (
        f"From: {sender} <ayse@example.test>\nTo: support@example.test\n"
        "Subject: Re: Sipariş 1042\nMessage-ID: <s@example.test>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body
    )
    return parse_message(raw.encode("utf-8")).text


# language: (message, closing, name the sender signs with, title / company / phone under it)
SIGNOFFS = {
    "en": (
        "The invoice is still missing.\nCould you send it again?",
        "Best regards,",
        "John Smith",
        "Purchasing Manager\nAcme Ltd.\nPhone: +44 20 7946 0958",
    ),
    "tr": (
        "Fatura hâlâ gelmedi.\nTekrar gönderebilir misiniz?",
        "Saygılarımla,",
        "Ayşe Yılmaz",
        "Satın Alma Müdürü\nÖrnek A.Ş.\nTel: +90 212 555 12 34",
    ),
    "de": (
        "Die Rechnung fehlt noch.\nKönnen Sie sie erneut senden?",
        "Mit freundlichen Grüßen",
        "Jürgen Weiß",
        "Leiter Einkauf\nMuster GmbH\nTel. +49 30 1234567",
    ),
    "fr": (
        "La facture manque toujours.\nPouvez-vous la renvoyer ?",
        "Cordialement,",
        "Élodie Martin",
        "Responsable achats\nExemple SARL\nTél. : 01 23 45 67 89",
    ),
    "es": (
        "Todavía falta la factura.\n¿Pueden enviarla de nuevo?",
        "Un saludo,",
        "Lucía García",
        "Jefa de compras\nEjemplo S.L.\nTel. 912 345 678",
    ),
    "it": (
        "Manca ancora la fattura.\nPotete rinviarla?",
        "Cordiali saluti,",
        "Giulia Rossi",
        "Responsabile acquisti\nEsempio S.r.l.\nTel. 02 1234 5678",
    ),
    "nl": (
        "De factuur ontbreekt nog.\nKunt u hem opnieuw sturen?",
        "Met vriendelijke groet,",
        "Sanne de Vries",
        "Inkoper\nVoorbeeld B.V.\nT: 020 123 4567",
    ),
    "pt": (
        "A fatura ainda não chegou.\nPodem reenviá-la?",
        "Atenciosamente,",
        "João Silva",
        "Gerente de compras\nExemplo Lda.\nTel.: +351 21 123 4567",
    ),
    "ru": (
        "Счёт так и не пришёл.\nМожете отправить его ещё раз?",
        "С уважением,",
        "Ирина Петрова",
        "Менеджер по закупкам\nООО «Пример»\nТел.: +7 495 123-45-67",
    ),
    "pl": (
        "Nadal brakuje faktury.\nCzy mogą Państwo wysłać ją ponownie?",
        "Pozdrawiam,",
        "Zofia Nowak",
        "Kierownik zakupów\nPrzykład Sp. z o.o.\ntel. 22 123 45 67",
    ),
    "sv": (
        "Fakturan saknas fortfarande.\nKan ni skicka den igen?",
        "Med vänliga hälsningar,",
        "Sven Lindqvist",
        "Inköpschef\nExempel AB\nTel: 08-123 456 78",
    ),
}
LANGS = list(SIGNOFFS)


@pytest.mark.parametrize("lang", LANGS)
def test_closing_and_name_stay(lang: str) -> None:
    # The sign-off is part of what the customer wrote: its tone and the name they go by.
    message, closing, name, _ = SIGNOFFS[lang]
    body = f"{message}\n\n{closing}\n{name}"
    text = parse(body + "\n")
    assert text == body
    assert split_signoff(text) == (message, f"{closing}\n{name}")


@pytest.mark.parametrize(
    "closing",
    [
        "Best,",
        "Take care,",
        "Sevgiler,",
        "Viele Grüße",
        "Amicalement,",
        "Un cordial saludo,",
        "Saluti,",
        "Groetjes,",
        "Abraços,",
        "Всего доброго,",
        "Z wyrazami szacunku,",
        "Hälsningar,",
    ],
)
def test_other_common_closings_stay_and_the_company_under_them_goes(closing: str) -> None:
    text = parse(f"Tamam, teşekkürler.\n\n{closing}\nDeniz\nÖrnek A.Ş.\n")
    assert text == f"Tamam, teşekkürler.\n\n{closing}\nDeniz"
    assert split_signoff(text) == ("Tamam, teşekkürler.", f"{closing}\nDeniz")


@pytest.mark.parametrize("lang", LANGS)
def test_title_company_and_phone_under_the_name_go(lang: str) -> None:
    # What a template adds under the name is a signature block: the agent has it in the full
    # text, and it buries the message in a list of replies.
    message, closing, name, contacts = SIGNOFFS[lang]
    text = parse(f"{message}\n\n{closing}\n{name}\n{contacts}\n")
    assert text == f"{message}\n\n{closing}\n{name}"


@pytest.mark.parametrize("lang", LANGS)
def test_a_dash_dash_signature_under_the_sign_off_goes(lang: str) -> None:
    # "-- " is the sender's own mark for "what follows is my signature" (RFC 3676 4.3).
    message, closing, name, contacts = SIGNOFFS[lang]
    text = parse(f"{message}\n\n{closing}\n{name}\n\n-- \n{name}\n{contacts}\n")
    assert text == f"{message}\n\n{closing}\n{name}"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "footer", ["Sent from my iPhone", "iPhone'umdan gönderildi", "Von meinem iPhone gesendet"]
)
def test_a_device_footer_under_the_sign_off_goes(lang: str, footer: str) -> None:
    # The phone wrote it, not the customer.
    message, closing, name, _ = SIGNOFFS[lang]
    text = parse(f"{message}\n\n{closing}\n{name}\n\n{footer}\n")
    assert text == f"{message}\n\n{closing}\n{name}"


def test_a_closing_with_the_name_on_its_line_stays_and_contacts_under_it_go() -> None:
    text = parse("Invoice attached.\n\nBest regards, John\nAcme Ltd.\n+44 20 7946 0958\n")
    assert text == "Invoice attached.\n\nBest regards, John"
    assert split_signoff(text) == ("Invoice attached.", "Best regards, John")


def test_a_second_name_line_stays_only_when_it_names_the_sender() -> None:
    # "Ayşe" then "Ayşe Yılmaz" is how some sign; a title under the name is the template's.
    assert (
        parse("Tamam.\n\nSevgiler,\nAyşe\nAyşe Yılmaz\n")
        == "Tamam.\n\nSevgiler,\nAyşe\nAyşe Yılmaz"
    )
    assert parse("Tamam.\n\nSaygılarımla,\nAyşe Yılmaz\nSatın Alma Müdürü\n") == (
        "Tamam.\n\nSaygılarımla,\nAyşe Yılmaz"
    )


def test_thanks_is_a_closing_only_above_the_senders_name() -> None:
    # "Thanks!" is as often the last sentence as the closing; the sender's name under it
    # settles it, and then the contacts under the name go.
    signed = parse("Works now.\n\nThanks,\nAyşe\nÖrnek A.Ş.\n+90 212 555 12 34\n")
    assert signed == "Works now.\n\nThanks,\nAyşe"
    assert split_signoff(signed, "Ayşe Yılmaz") == ("Works now.", "Thanks,\nAyşe")
    assert split_signoff("Works now.\n\nThanks!") == ("Works now.\n\nThanks!", "")


def test_a_postscript_under_the_sign_off_stays() -> None:
    # The sender wrote on below the closing: nothing there is a template's.
    body = "Tamam.\n\nSaygılarımla,\nAyşe\n\nP.S. Kargo kodu 1234 mü?"
    assert parse(body + "\n") == body


def test_sentences_under_a_closing_are_not_a_signature() -> None:
    # A closing in the middle of the message, with more of the message below it.
    body = (
        "Regards,\nJohn\n\nI also noticed that the second invoice from last week has the wrong "
        "address on it, can you check that too? The order number is 1043."
    )
    assert parse(body) == body


def test_split_signoff_leaves_a_text_that_is_only_a_sign_off_whole() -> None:
    # With nothing above it, the closing is the whole message, not a part to set aside.
    assert split_signoff("Saygılarımla,\nAyşe") == ("Saygılarımla,\nAyşe", "")
    assert split_signoff("No closing here.\nJust text.") == ("No closing here.\nJust text.", "")


def test_a_long_template_block_with_contacts_under_the_name_goes() -> None:
    # Longer than a few lines, a block under the name is a template only if it carries
    # contacts and no sentence; then it goes like a short one.
    body = "Ekteki faturayı kontrol eder misiniz?\n\nSaygılarımla,\nAyşe Yılmaz"
    template = (
        "Satın Alma Müdürü\nÖrnek Tekstil A.Ş.\nTel: +90 212 555 12 34\nGSM: +90 532 555 12 34\n"
        "www.ornek.example\nAtatürk Cad. No: 12, 34000 İstanbul\n"
    )
    assert parse(f"{body}\n{template}") == body


@pytest.mark.parametrize(
    "body",
    [
        # A closing phrase at the top is a greeting: the message below it stays.
        "İyi çalışmalar,\nSiparişim hâlâ gelmedi.\nNe zaman gelir?",
        "Saludos,\nel pedido no llegó",
        # Turkish opens with "Merhaba, iyi çalışmalar"; a question or a sentence under a
        # closing is more of the message, not a signature.
        "Merhaba,\n\nİyi çalışmalar,\nSiparişim gelmedi.\nNe zaman gelir?",
        "Hallo,\nViele Grüße\nDie Lieferung fehlt noch.",
        # Greetings in Turkish that also close a message are not taken for closings.
        "Kargom nerede?\n\nSelamlar,\nKargo kodu ABC",
    ],
)
def test_a_closing_phrase_above_more_of_the_message_keeps_it(body: str) -> None:
    assert parse(body + "\n") == body
