"""Reply extraction on mail shapes the corpora lack (issue 15): attributions and Outlook header
blocks in many languages, forwards, answers that must never be lost, sign-offs and device
footers. Every message here is our own, written for the class of mail it stands for."""

from __future__ import annotations

import pytest

from channels.email import parse_message

QUOTE = "> Merhaba, siparişiniz kargoya verildi.\n> Destek Ekibi"
ADDR = "Support Team <support@example.test>"


def parse(body: str, subject: str = "Re: Sipariş 1042") -> tuple[str, str]:
    """(visible text, full text) of a plain-text message with this body."""
    raw = (
        "From: Ayşe Yılmaz <ayse@example.test>\nTo: support@example.test\n"
        f"Subject: {subject}\nMessage-ID: <r@example.test>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body
    )
    msg = parse_message(raw.encode("utf-8"))
    return msg.text, msg.full_text


ATTRIBUTIONS = {
    "en_gmail": f"On Mon, 13 May 2024 at 17:02, {ADDR} wrote:",
    "en_apple": f"On 13 May 2024, at 17:02, {ADDR} wrote:",
    "en_iso_date": "On 2024-05-13 17:02, Support Team wrote:",
    "en_offset": f"On Mon, 13 May 2024 17:02:11 +0300, {ADDR} wrote:",
    "en_numeric": "On 13/05/2024 17:02, support@example.test wrote:",
    "en_name_first": f"{ADDR} wrote on 13/05/2024 17:02:",
    "en_name_first_long": "Support Team wrote on Monday, 13 May 2024 at 17:02 +0300:",
    "en_wrapped": "On Mon, 13 May 2024 at 17:02, Support Team of Example Company <\n"
    "support@example.test> wrote:",
    "en_wrapped_name": "On Mon, 13 May 2024 at 17:02, Support Team of Example Company\n"
    "<support@example.test> wrote:",
    "tr_gmail": f"13 May 2024 Pzt, 17:02 tarihinde {ADDR} şunu yazdı:",
    "tr_apple": f"13 May 2024 tarihinde 17:02 saatinde, {ADDR} şunları yazdı:",
    "tr_outlook_web": "13.05.2024 17:02 tarihinde Support Team yazdı:",
    "de_gmail": f"Am Mo., 13. Mai 2024 um 17:02 Uhr schrieb {ADDR}:",
    "de_thunderbird": "Am 13.05.2024 um 17:02 schrieb Support Team:",
    "de_name_first": f"{ADDR} schrieb am 13.05.2024 um 17:02:",
    "fr_gmail": f"Le lun. 13 mai 2024 à 17:02, {ADDR} a écrit :",
    "fr_thunderbird": "Le 13/05/2024 à 17:02, Support Team a écrit :",
    "fr_name_first": "Support Team a écrit le 13/05/2024 à 17:02 :",
    "es_gmail": "El lun, 13 may 2024 a las 17:02, Support Team (<support@example.test>) escribió:",
    "es_thunderbird": "El 13/5/24 a las 17:02, Support Team escribió:",
    "it_gmail": f"Il giorno lun 13 mag 2024 alle ore 17:02 {ADDR} ha scritto:",
    "it_thunderbird": "Il 13/05/2024 17:02, Support Team ha scritto:",
    "nl_gmail": f"Op ma 13 mei 2024 om 17:02 schreef {ADDR}:",
    "nl_thunderbird": "Op 13-05-2024 om 17:02 schreef Support Team:",
    "pt_gmail": f"Em seg., 13 de mai. de 2024 às 17:02, {ADDR} escreveu:",
    "pt_apple": f"Às 17:02 de 13/05/2024, {ADDR} escreveu:",
    "ru_gmail": f"пн, 13 мая 2024 г. в 17:02, {ADDR}:",
    "ru_thunderbird": "13.05.2024 17:02, Support Team пишет:",
    "ru_apple": f"13 мая 2024 г., в 17:02, {ADDR} написал(а):",
    "uk_gmail": f"пн, 13 трав. 2024 р. о 17:02 {ADDR} пише:",
    "uk_apple": f"13 трав. 2024 р. о 17:02 {ADDR} написав(ла):",
    "pl_gmail": f"pon., 13 maj 2024 o 17:02 {ADDR} napisał(a):",
    "pl_thunderbird": "W dniu 13.05.2024 o 17:02, Support Team pisze:",
    "sv_gmail": f"Den mån 13 maj 2024 kl 17:02 skrev {ADDR}:",
    "sv_apple": f"13 maj 2024 kl. 17:02 skrev {ADDR}:",
    "ja_gmail": f"2024年5月13日(月) 17:02 {ADDR}:",
    "ja_apple": f"2024/05/13 17:02、{ADDR}のメール:",
    "ja_thunderbird": "On 2024/05/13 17:02, Support Team wrote:",
    "zh_gmail": f"{ADDR} 于2024年5月13日周一 17:02写道：",
    "zh_apple": f"在 2024年5月13日，17:02，{ADDR} 写道：",
    "zh_tw_gmail": f"{ADDR} 於 2024年5月13日 週一 下午5:02 寫道：",
    "en_us_gmail": f"On Mon, May 13, 2024 at 5:02 PM {ADDR} wrote:",
    "en_us_wrapped": "On Mon, May 13, 2024 at 5:02 PM Support Team <\nsupport@example.test> wrote:",
    "en_yahoo": f"On Monday, May 13, 2024 at 05:02:11 PM GMT+3, {ADDR} wrote:",
    "en_iso_t": f"On 2024-05-13T17:02:11+03:00, {ADDR} wrote:",
    "en_name_only": "Support Team wrote:",
    "de_kmail": "Am Montag, 13. Mai 2024, 17:02:11 CEST schrieb Support Team:",
    "fr_long": f"Le lundi 13 mai 2024, {ADDR} a écrit :",
    "ru_yandex": '13.05.2024, 17:02, "Support Team" <support@example.test>:',
    "ru_mailru": f"Понедельник, 13 мая 2024, 17:02 +03:00 от {ADDR}:",
    "zh_netease": '在 2024-05-13 17:02:11，"Support Team" <support@example.test> 写道：',
    "pl_onet": f"Dnia 13 maja 2024 17:02 {ADDR} napisał(a):",
    "nl_outlook": f"Op 13 mei 2024 om 17:02 heeft {ADDR} het volgende geschreven:",
    "tr_outlook": "13.05.2024 17:02 tarihinde Support Team şunu yazdı:",
}


@pytest.mark.parametrize("attribution", ATTRIBUTIONS.values(), ids=ATTRIBUTIONS.keys())
def test_attribution_and_quote_below_the_reply_are_hidden(attribution: str) -> None:
    text, full = parse(f"Kargo hâlâ gelmedi.\nNe zaman gelir?\n\n{attribution}\n{QUOTE}\n")
    assert text == "Kargo hâlâ gelmedi.\nNe zaman gelir?"
    assert "siparişiniz kargoya verildi" in full


@pytest.mark.parametrize(
    "attribution",
    [ATTRIBUTIONS[k] for k in ("en_gmail", "de_thunderbird", "fr_gmail", "zh_gmail", "ru_gmail")],
)
def test_attribution_over_unquoted_history_cuts_it(attribution: str) -> None:
    # Some clients (Outlook web, mobile apps) paste the history without ">".
    text, _ = parse(f"Tamam, teşekkürler.\n\n{attribution}\nSiparişiniz kargoya verildi.\n")
    assert text == "Tamam, teşekkürler."


OUTLOOK_BLOCKS = {
    "en": "From: Support Team <support@example.test>\nSent: Monday, May 13, 2024 5:02 PM\n"
    "To: Ayşe Yılmaz <ayse@example.test>\nSubject: Order 1042",
    "en_any_order_extra_fields": "Sent: Monday, May 13, 2024 5:02 PM\nFrom: Support Team\n"
    "Importance: High\nTo: Ayşe Yılmaz\nCc: Sales\nAttachments: invoice.pdf\nSubject: Order 1042",
    "en_bold": "*From:* Support Team <support@example.test>\n*Sent:* Monday, May 13, 2024\n"
    "*To:* ayse@example.test\n*Subject:* Order 1042",
    "tr": "Kimden: Destek Ekibi <destek@example.test>\nGönderildi: 13 Mayıs 2024 Pazartesi 17:02\n"
    "Kime: Ayşe Yılmaz\nKonu: Sipariş 1042",
    "de": "Von: Support Team <support@example.test>\nGesendet: Montag, 13. Mai 2024 17:02\n"
    "An: Ayşe Yılmaz\nCc: Vertrieb\nBetreff: Bestellung 1042",
    "fr": "De : Support Team <support@example.test>\nEnvoyé : lundi 13 mai 2024 17:02\n"
    "À : Ayşe Yılmaz\nObjet : Commande 1042",
    "es": "De: Support Team <support@example.test>\nEnviado el: lunes, 13 de mayo de 2024 17:02\n"
    "Para: Ayşe Yılmaz\nAsunto: Pedido 1042",
    "it": "Da: Support Team <support@example.test>\nInviato: lunedì 13 maggio 2024 17:02\n"
    "A: Ayşe Yılmaz\nOggetto: Ordine 1042",
    "nl": "Van: Support Team <support@example.test>\nVerzonden: maandag 13 mei 2024 17:02\n"
    "Aan: Ayşe Yılmaz\nOnderwerp: Bestelling 1042",
    "pt": "De: Support Team <support@example.test>\nEnviada em: segunda-feira, 13 de maio de 2024\n"
    "Para: Ayşe Yılmaz\nAssunto: Pedido 1042",
    "ru": "От: Support Team <support@example.test>\nОтправлено: 13 мая 2024 г. 17:02\n"
    "Кому: Ayşe Yılmaz\nТема: Заказ 1042",
    "uk": "Від: Support Team <support@example.test>\nНадіслано: 13 травня 2024 р. 17:02\n"
    "Кому: Ayşe Yılmaz\nТема: Замовлення 1042",
    "pl": "Od: Support Team <support@example.test>\nWysłano: poniedziałek, 13 maja 2024 17:02\n"
    "Do: Ayşe Yılmaz\nDW: Sprzedaż\nTemat: Zamówienie 1042",
    "sv": "Från: Support Team <support@example.test>\nSkickat: den 13 maj 2024 17:02\n"
    "Till: Ayşe Yılmaz\nÄmne: Order 1042",
    "ja": "差出人: Support Team <support@example.test>\n送信日時: 2024年5月13日 17:02\n"
    "宛先: Ayşe Yılmaz\n件名: 注文 1042",
    "zh": "发件人: Support Team <support@example.test>\n发送时间: 2024年5月13日 17:02\n"
    "收件人: Ayşe Yılmaz\n抄送: Sales\n主题: 订单 1042",
    "zh_tw": "寄件者: Support Team <support@example.test>\n寄件日期: 2024年5月13日 下午 05:02\n"
    "收件者: Ayşe Yılmaz\n主旨: 訂單 1042",
    "en_outlook_mac": "From: Support Team <support@example.test>\n"
    "Date: Monday, 13 May 2024 at 17:02\nTo: Ayşe Yılmaz\nSubject: Order 1042",
    "en_mailto": "From: Support Team [mailto:support@example.test]\nSent: Monday, May 13, 2024\n"
    "To: Ayşe Yılmaz\nSubject: Order 1042",
    "tr_new_outlook": "Kimden: Destek <destek@example.test>\nGönderme tarihi: 13 Mayıs 2024 17:02\n"
    "Alıcı: Ayşe Yılmaz\nKonu: Sipariş 1042",
    "fr_date": "De : Support Team <support@example.test>\nDate : lundi 13 mai 2024 17:02\n"
    "À : Ayşe Yılmaz\nCc : Ventes\nObjet : Commande 1042",
    "zh_fullwidth": "发件人：Support\n发送时间：2024-05-13 17:02\n收件人：Ayşe\n主题：订单",
    "zh_qq": "------------------ 原始邮件 ------------------\n"
    '发件人: "Support"<support@example.test>;\n发送时间: 2024年5月13日(星期一) 下午5:02\n'
    '收件人: "Ayşe"<ayse@example.test>;\n主题: 订单',
    "ru_date": "От: Support Team <support@example.test>\nДата: понедельник, 13 мая 2024 г.\n"
    "Кому: Ayşe Yılmaz\nТема: Заказ",
}


@pytest.mark.parametrize("block", OUTLOOK_BLOCKS.values(), ids=OUTLOOK_BLOCKS.keys())
@pytest.mark.parametrize("rule", ["", "________________________________\n"])
def test_outlook_header_block_cuts_the_history(block: str, rule: str) -> None:
    body = f"Kargo hâlâ gelmedi.\n\n{rule}{block}\n\nSiparişiniz kargoya verildi.\n"
    text, full = parse(body)
    assert text == "Kargo hâlâ gelmedi."
    assert "Siparişiniz kargoya verildi." in full


def test_a_lone_from_line_in_the_answer_is_not_a_header_block() -> None:
    body = "From: my side everything is ready.\nTo: do list is done as well.\n\nThanks"
    assert parse(body)[0] == body


FORWARD_MARKERS = {
    "gmail_en": "---------- Forwarded message ---------",
    "apple_en": "Begin forwarded message:",
    "original_en": "-------- Original Message --------",
    "outlook_en": "-----Original Message-----",
    "gmail_de": "---------- Weitergeleitete Nachricht ---------",
    "apple_de": "Anfang der weitergeleiteten Nachricht:",
    "gmail_fr": "---------- Message transféré ---------",
    "apple_fr": "Début du message réexpédié :",
    "gmail_es": "---------- Mensaje reenviado ---------",
    "apple_es": "Inicio del mensaje reenviado:",
    "gmail_it": "---------- Messaggio inoltrato ---------",
    "apple_it": "Inizio messaggio inoltrato:",
    "gmail_tr": "---------- İletilen ileti ----------",
    "apple_tr": "İletilen ileti başlangıcı:",
    "gmail_nl": "---------- Doorgestuurd bericht ---------",
    "gmail_pt": "---------- Mensagem encaminhada ---------",
    "apple_pt": "Início da mensagem reencaminhada:",
    "gmail_ru": "---------- Пересылаемое сообщение ---------",
    "apple_ru": "Начало переадресованного сообщения:",
    "gmail_uk": "---------- Переслане повідомлення ---------",
    "gmail_pl": "---------- Wiadomość przekazana dalej ---------",
    "gmail_sv": "---------- Vidarebefordrat meddelande ---------",
    "gmail_ja": "---------- 転送されたメッセージ ---------",
    "gmail_zh": "---------- 转发的邮件 ---------",
    "apple_zh": "以下是转发的邮件：",
}
FORWARDED = (
    "From: Kargo Firması <info@cargo.example.test>\nDate: Mon, 13 May 2024 at 17:02\n"
    "Subject: Teslimat başarısız\nTo: ayse@example.test\n\nAdresinizde kimse bulunamadı.\n"
)


@pytest.mark.parametrize("marker", FORWARD_MARKERS.values(), ids=FORWARD_MARKERS.keys())
def test_forward_shows_the_note_and_keeps_the_forward_in_full_text(marker: str) -> None:
    text, full = parse(f"Bakar mısınız?\nAyşe\n\n{marker}\n{FORWARDED}", subject="Fwd: Teslimat")
    assert text == "Bakar mısınız?\nAyşe"
    assert "Adresinizde kimse bulunamadı." in full


@pytest.mark.parametrize("marker", [FORWARD_MARKERS[k] for k in ("gmail_en", "apple_de")])
def test_forward_without_a_note_shows_the_forwarded_message(marker: str) -> None:
    text, _ = parse(f"{marker}\n{FORWARDED}", subject="Fwd: Teslimat")
    assert "Adresinizde kimse bulunamadı." in text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (  # interleaved answers, English
            f"{ATTRIBUTIONS['en_gmail']}\n> Which printer is it?\n\nThe HP one.\n\n"
            "> And the error message?\n\nPaper jam.\n",
            None,
        ),
        (  # interleaved answers, German, without attribution
            "> Welcher Drucker ist es?\nDer HP.\n> Und die Fehlermeldung?\nPapierstau.\n",
            None,
        ),
        # A message that is only a quote: the sender sent it on purpose, keep it.
        ("> Siparişiniz kargoya verildi.\n> Destek Ekibi\n", None),
        (f"{ATTRIBUTIONS['fr_gmail']}\n> Votre commande est partie.\n", None),
        # A quote the sender chose, then the answer to it.
        ("> Können Sie die Rechnung schicken?\n\nJa, im Anhang.\n", None),
        # Nothing but a history marker with history below: keep it all rather than nothing.
        ("-----Original Message-----\nFrom: a@example.test\nSent: Monday\n\nHallo\n", None),
        # Header-like lines the sender typed: no mailbox named, so no reply header.
        (
            "Sipariş bilgileri:\nDate: 13 May\nTo: Istanbul\nSubject: kırık ürün\n\nYardım edin.",
            None,
        ),
        ("Bestelldaten:\nDatum: 13. Mai\nAn: Berlin\nBetreff: defekt\n\nBitte helfen.", None),
        # Prose that says "wrote on <date>:" without a client's address.
        ("As I wrote on 13/05 at 10:30:\nthe printer is broken.\nPlease help.", None),
        ("Comme je l'ai écrit le 13/05 à 10:30 :\nl'imprimante est en panne.", None),
        # A short answer in a language we have no rule for, above a German quote.
        (f"Да, спасибо.\n\n{ATTRIBUTIONS['de_gmail']}\n> Ist alles angekommen?\n", "Да, спасибо."),
    ],
)
def test_answers_are_never_lost(body: str, expected: str | None) -> None:
    text, _ = parse(body)
    assert text == (expected if expected is not None else body.strip())


DEVICE_FOOTERS = [
    "Sent from my iPhone",
    "Sent from my Galaxy",
    "Sent from my Samsung Galaxy smartphone.",
    "Get Outlook for Android",
    "Sent from Outlook for iOS",
    "Sent from Yahoo Mail on Android",
    "Sent from Mail for Windows",
    "Sent with Proton Mail secure email.",
    "iPhone'umdan gönderildi",
    "Android için Outlook'u edinin",
    "Von meinem iPhone gesendet",
    "Gesendet von Outlook für Android",
    "Envoyé de mon iPhone",
    "Enviado desde mi iPhone",
    "Inviato da iPhone",
    "Verzonden vanaf mijn iPhone",
    "Enviado do meu iPhone",
    "Отправлено с iPhone",
    "Надіслано з iPhone",
    "Wysłane z iPhone'a",
    "Skickat från min iPhone",
    "iPhoneから送信",
    "发自我的iPhone",
    "從我的 iPhone 傳送",
]


@pytest.mark.parametrize("footer", DEVICE_FOOTERS)
def test_device_footer_goes_and_stays_in_full_text(footer: str) -> None:
    text, full = parse(f"Fatura ekte, kontrol eder misiniz?\n\n{footer}\n")
    assert text == "Fatura ekte, kontrol eder misiniz?"
    assert footer in full


@pytest.mark.parametrize(
    "closing",
    ["Teşekkürler,\nAyşe", "Mit freundlichen Grüßen\nAyşe Yılmaz", "Pozdrawiam,\nAyşe", "谢谢"],
)
def test_a_sign_off_that_is_all_the_sender_wrote_stays(closing: str) -> None:
    # A sign-off stays below other text too (test_signoff.py); alone, it is the whole message,
    # and the device footer under it still goes.
    text, _ = parse(f"{closing}\n\nSent from my iPhone\n")
    assert text == closing


def test_a_forward_block_inside_a_reply_stays_visible() -> None:
    # A reply ("Re:"), not a forward: the block is what the sender wants the agent to read
    # where it is (test_forward_in_body.py has the subjects that fold it).
    text, _ = parse(f"Bakar mısınız?\n\n{FORWARD_MARKERS['gmail_en']}\n{FORWARDED}")
    assert "Adresinizde kimse bulunamadı." in text


@pytest.mark.parametrize(
    "footer",
    ["Sent from my iPhone", "Von meinem iPhone gesendet", "发自我的iPhone", "Get Outlook for iOS"],
)
def test_device_footer_above_the_quote_goes(footer: str) -> None:
    body = f"Olur.\n\n{footer}\n\n{ATTRIBUTIONS['en_apple']}\n{QUOTE}\n"
    assert parse(body)[0] == "Olur."


def test_invisible_tracking_and_formatting_characters_are_removed() -> None:
    body = (
        "\ufeffKargo\u200b hâlâ gelmedi.\u2060\n\u034f\u200c\u034f\u200c\u034f\u200c\n"
        "Ne zaman?\u00ad\n\u200b\u200b\n"
    )
    assert parse(body)[0] == "Kargo hâlâ gelmedi.\n\nNe zaman?"


def test_joiners_inside_words_and_emoji_are_kept() -> None:
    # ZWNJ is part of Persian spelling; ZWJ builds emoji sequences.
    body = "می\u200cخواهم سفارش بدهم 👩\u200d💻\n"
    assert parse(body)[0] == body.strip()


def parse_html(markup: str, subject: str = "Re: Sipariş 1042") -> tuple[str, str]:
    raw = (
        "From: Ayşe Yılmaz <ayse@example.test>\nTo: support@example.test\n"
        f"Subject: {subject}\nMessage-ID: <h@example.test>\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + markup
    )
    msg = parse_message(raw.encode("utf-8"))
    return msg.text, msg.full_text


@pytest.mark.parametrize(
    ("markup", "subject", "expected"),
    [
        (  # Gmail, German
            '<div dir="ltr">Danke, angekommen!</div><br><div class="gmail_quote">'
            '<div dir="ltr" class="gmail_attr">Am Mo., 13. Mai 2024 um 17:02 Uhr schrieb Support '
            '&lt;support@example.test&gt;:<br></div><blockquote class="gmail_quote">'
            "Ihr Paket ist unterwegs.</blockquote></div>",
            "Re: Paket",
            "Danke, angekommen!",
        ),
        (  # Outlook, Turkish header block after a rule
            '<div>Teşekkürler, ulaştı.</div><hr style="display:inline-block;width:98%">'
            '<div id="divRplyFwdMsg"><b>Kimden:</b> Destek &lt;destek@example.test&gt;<br>'
            "<b>Gönderildi:</b> 13 Mayıs 2024 Pazartesi 17:02<br><b>Kime:</b> Ayşe<br>"
            "<b>Konu:</b> Sipariş</div><div>Siparişiniz kargoda.</div>",
            "YNT: Sipariş",
            "Teşekkürler, ulaştı.",
        ),
        (  # Apple Mail, Chinese
            '<div>好的，谢谢。</div><div><br><blockquote type="cite"><div>在 2024年5月13日，17:02，'
            "Support &lt;support@example.test&gt; 写道：</div><div>您的订单已发货。</div>"
            "</blockquote></div>",
            "Re: 订单",
            "好的，谢谢。",
        ),
        (  # Gmail forward sent as a forward: the note is the text
            '<div dir="ltr">Bakar mısınız?</div><br><div class="gmail_quote">'
            '<div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
            "From: Kargo &lt;info@cargo.example.test&gt;<br>Subject: Teslimat<br></div><br>"
            "<div>Adresinizde kimse bulunamadı.</div></div>",
            "Fwd: Teslimat",
            "Bakar mısınız?",
        ),
        (  # Only a forward, no note: the forwarded message is the text
            '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            "---------- Forwarded message ---------<br>From: Kargo &lt;info@cargo.example.test&gt;"
            "<br></div><br><div>Adresinizde kimse bulunamadı.</div></div>",
            "Fwd: Teslimat",
            None,
        ),
    ],
)
def test_html_replies_and_forwards(markup: str, subject: str, expected: str | None) -> None:
    text, full = parse_html(markup, subject)
    if expected is None:
        assert "Adresinizde kimse bulunamadı." in text
    else:
        assert text == expected
        assert len(full) > len(text)
