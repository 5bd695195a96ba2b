"""Header decoding on mail shapes the corpora lack (issue 15): raw 8-bit headers in non-Latin
charsets, malformed RFC 2047 words, unusual From headers, headers below a banner. Our own
messages, written here."""

from __future__ import annotations

import pytest

from channels.email import ParseError, parse_message


def message(headers: str, body: bytes = b"Merhaba\r\n", *, charset: str = "") -> bytes:
    head = headers.replace("\n", "\r\n") + "\r\nMessage-ID: <h@example.test>\r\n"
    if charset:
        head += f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset={charset}\r\n"
    return head.encode("utf-8", "surrogateescape") + b"\r\n" + body


def raw(text: str, codec: str) -> str:
    """Header text as the undeclared bytes a client in that codec puts on the wire."""
    return text.encode(codec).decode("utf-8", "surrogateescape")


@pytest.mark.parametrize(
    ("subject", "codec", "body_charset", "body"),
    [
        # The body declares the charset the client also used for the raw header bytes.
        ("关于发票的问题", "gbk", "gbk", "请帮忙".encode("gbk")),
        ("注文がまだ届きません", "shift_jis", "shift_jis", "よろしく".encode("shift_jis")),
        ("訂單何時出貨", "big5", "big5", "謝謝".encode("big5")),
        ("Sipariş iptali ığüşöç", "cp1254", "windows-1254", "Teşekkürler".encode("cp1254")),
        ("Zamówienie nie dotarło", "cp1250", "windows-1250", "Dziękuję".encode("cp1250")),
        # An ASCII body says nothing: the detector reads the header bytes themselves.
        ("Заказ не пришёл, помогите пожалуйста", "cp1251", "", b"Order 1042\r\n"),
        ("Замовлення не прийшло, допоможіть", "cp1251", "", b"Order 1042\r\n"),
        ("Η παραγγελία μου δεν έφτασε ακόμα", "cp1253", "", b"Order 1042\r\n"),
    ],
)
def test_undeclared_8bit_subject_uses_body_charset_then_detection(
    subject: str, codec: str, body_charset: str, body: bytes
) -> None:
    headers = f"From: c@example.test\nTo: s@example.test\nSubject: {raw(subject, codec)}"
    assert parse_message(message(headers, body, charset=body_charset)).subject == subject


def test_undeclared_8bit_header_detected_with_an_undeclared_body() -> None:
    # No charset anywhere: header and body bytes together are enough text to detect cp1251.
    name, subject = "Иван Петров", "Вопрос по счёту"
    body = "Здравствуйте, я не могу оплатить счёт, помогите пожалуйста.\r\n".encode("cp1251")
    headers = f"From: {raw(name, 'cp1251')} <ivan@example.test>\nSubject: {raw(subject, 'cp1251')}"
    msg = parse_message(message(headers, body))
    assert (msg.subject, msg.sender.display_name) == (subject, name)


def test_utf8_header_bytes_win_over_a_legacy_body_charset() -> None:
    headers = "From: c@example.test\nSubject: " + raw("Ödeme sorunu", "utf-8")
    msg = parse_message(message(headers, "Merhaba".encode("cp1254"), charset="windows-1254"))
    assert msg.subject == "Ödeme sorunu"


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        # Spaces inside a Q word (written by hand-rolled mailers).
        ("=?utf-8?Q?Fatura hakk=C4=B1nda?=", "Fatura hakkında"),
        # No separator between words, and text glued to a word.
        ("Re:=?utf-8?Q?Bestellung?==?utf-8?Q?_M=C3=BCller?=", "Re:Bestellung Müller"),
        # A multi-byte character split across two words, "=C3" | "=BC".
        ("=?utf-8?Q?Gr=C3?= =?utf-8?Q?=BC=C3=9Fe?=", "Grüße"),
        # An escape split across words ("=2" | "0").
        ("=?iso-8859-1?Q?caf=E9=2?= =?iso-8859-1?Q?0cr=E8me?=", "café crème"),
        # A folded line breaking a base64 word in the middle.
        ("=?utf-8?B?0JfQsNC60LDQtyDQvdC1?=\n =?utf-8?B?INC/0YDQuNGI0ZHQuw==?=", "Заказ не пришёл"),
        ("=?utf-8?B?0JfQsNC60LDQtyDQvdC1\n INC/0YDQuNGI0ZHQuw==?=", "Заказ не пришёл"),
        ("=?utf-8?Q?Pedido_n=C3=A3o\n _chegou?=", "Pedido não chegou"),
        # A base64 quantum split across words.
        ("=?utf-8?B?xLBh?= =?utf-8?B?ZGU=?=", "İade"),
        ("=?utf-8?B?5rOo5paH?==?utf-8?B?44Gr44Gk44GE44Gm?=", "注文について"),
        # A missing "?=" at the very end.
        ("=?utf-8?Q?Zam=C3=B3wienie", "Zamówienie"),
        # A Q value without its wrapper: "=20" for spaces, no whitespace at all.
        ("Re:=20Rechnung=20M=C3=A4rz", "Re: Rechnung März"),
    ],
)
def test_malformed_encoded_words_are_decoded_leniently(encoded: str, expected: str) -> None:
    msg = parse_message(message(f"From: c@example.test\nSubject: {encoded}"))
    assert msg.subject == expected


def test_plain_equals_signs_are_not_taken_for_encoded_text() -> None:
    msg = parse_message(message("From: c@example.test\nSubject: 2+2=4 and x=20 cm"))
    assert msg.subject == "2+2=4 and x=20 cm"


@pytest.mark.parametrize(
    ("from_header", "name", "address"),
    [
        ("Jane Doe jane@example.test", "Jane Doe", "jane@example.test"),
        ("Smith, John <john@example.test>", "Smith, John", "john@example.test"),
        ("Yılmaz, Ayşe <ayse@example.test>", "Yılmaz, Ayşe", "ayse@example.test"),
        ('"jane.doe"@example.test', "", "jane.doe@example.test"),
        ('Jane <"jane doe"@example.test>', "Jane", '"jane doe"@example.test'),
        ("Dr. Jane Q. Doe <jane@example.test>", "Dr. Jane Q. Doe", "jane@example.test"),
        ("=?utf-8?Q?M=C3=BCller=2C_Hans?= <h@example.test>", "Müller, Hans", "h@example.test"),
    ],
)
def test_unusual_from_headers_keep_name_and_address(
    from_header: str, name: str, address: str
) -> None:
    sender = parse_message(message(f"From: {from_header}\nSubject: x")).sender
    assert (sender.display_name, sender.address) == (name, address)


def test_a_list_of_recipients_is_still_split_on_commas() -> None:
    msg = parse_message(message("From: c@example.test\nTo: a@example.test, B <b@example.test>"))
    assert [(r.display_name, r.address) for r in msg.recipients] == [
        ("", "a@example.test"),
        ("B", "b@example.test"),
    ]


@pytest.mark.parametrize(
    "banner",
    [
        b"Exported by Mail Archiver 2.1\r\n==============================\r\n",
        b"-------- Message 3 of 12 --------\r\n\r\n",
        b"Subject Re: order (a header line that lost its colon)\r\n",
    ],
)
def test_headers_below_a_banner_are_salvaged(banner: bytes) -> None:
    raw_message = banner + (
        b"From: Ana Silva <ana@example.test>\r\nTo: support@example.test\r\n"
        b"Subject: Pedido 1042\r\nDate: Tue, 14 May 2024 09:30:00 +0300\r\n\r\n"
        b"O pedido chegou quebrado.\r\n"
    )
    msg = parse_message(raw_message)
    assert (msg.sender.address, msg.subject) == ("ana@example.test", "Pedido 1042")
    assert msg.text == "O pedido chegou quebrado."
    assert any(key == "salvaged" for key, _ in msg.extra)


def test_one_header_like_line_in_prose_is_not_salvaged() -> None:
    with pytest.raises(ParseError):
        parse_message(b"Dear team,\r\nFrom: my side all is fine.\r\nThanks\r\n")
