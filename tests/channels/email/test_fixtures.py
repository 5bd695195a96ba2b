"""Hand-built messages for what the third-party corpora do not cover (see fixtures/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.base import InboundMessage, Machine
from channels.email import Limits, parse_message

FIXTURES = Path(__file__).parent / "fixtures"
TURKISH = set("ığşİĞŞ")


def parse(name: str, limits: Limits | None = None) -> InboundMessage:
    return parse_message((FIXTURES / name).read_bytes(), limits=limits)


def test_turkish_rfc2047_headers_in_q_and_b_and_three_charsets() -> None:
    msg = parse("turkish_headers.eml")
    # Whitespace between adjacent encoded words is dropped (RFC 2047 6.2).
    assert msg.subject == "Sipariş iptali: ığüşöçİĞŞ"
    assert msg.sender.display_name == "Şükrü Işık"  # windows-1254, B
    assert msg.sender.address == "sukru@example.test"
    assert msg.recipients[0].display_name == "Destek Ekibi Ğ"  # iso-8859-9, Q
    assert msg.cc[0].display_name == "İpek Doğan"  # utf-8, B


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "turkish_body_iso88599.eml",
            "Iğdır şubesinden aldığım ürün kırık çıktı. İade işlemi için ŞİMDİ ne yapmalıyım? Ğ",
        ),
        (
            "turkish_body_cp1254.eml",
            "Ürünün fiyatı 120 € ama “indirimli” görünüyor; ışık, ğ, ş, İ, Ğ, Ş.",
        ),
        ("turkish_body_undeclared.eml", "Şifremi sıfırlayamıyorum, bağlantı açılmıyor. Işıl Doğan"),
        ("undeclared_utf8.eml", "Kargo ne zaman gelir? Teşekkürler, Ayşe"),
    ],
)
def test_eight_bit_bodies_decode_without_garbling_turkish(name: str, expected: str) -> None:
    msg = parse(name)
    assert msg.full_text.strip() == expected
    assert not set("ýþðÝÞÐ\ufffd") & set(msg.full_text)


def test_undeclared_8bit_subject_is_guessed_as_windows_1254() -> None:
    msg = parse("turkish_body_undeclared.eml")
    assert msg.subject == "Şifre sıfırlama çalışmıyor"
    assert TURKISH & set(msg.subject)


def test_undeclared_western_8bit_stays_latin() -> None:
    msg = parse("latin1_undeclared.eml")
    assert msg.subject == "Café"
    assert msg.full_text.strip() == "J'ai commandé un café crème à Zürich."


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_submitted.eml", "Auto-Submitted: auto-replied"),
        ("x_autoreply.eml", "X-Autoreply"),
        ("x_autorespond.eml", "X-Autorespond"),
        ("precedence_bulk.eml", "Precedence: bulk"),
        ("list_id.eml", "List-Id"),
        ("exchange_rules.eml", "Exchange Mailbox Rules Agent"),
        ("subject_automatic_reply.eml", "subject"),
        ("subject_otomatik_yanit.eml", "subject"),
    ],
)
def test_auto_replies_are_flagged(name: str, reason: str) -> None:
    msg = parse(name)
    assert msg.machine is Machine.AUTO_REPLY
    assert ("auto_reply", reason) in msg.extra
    assert msg.bounce is None


def test_x_auto_response_suppress_and_auto_submitted_no_are_a_person() -> None:
    msg = parse("suppress_only_is_human.eml")
    assert msg.machine is None


def test_otomatik_yanit_subject_is_decoded() -> None:
    assert parse("subject_otomatik_yanit.eml").subject == "Otomatik yanıt: Talebiniz"


def test_hostile_html_is_sanitised() -> None:
    msg = parse("hostile_html.eml")
    assert msg.html is not None
    html = msg.html.lower()
    for bad in (
        "<script",
        "onload",
        "onerror",
        "javascript:",
        "expression(",
        "<iframe",
        "<form",
        "<input",
        "<svg",
        "<style",
        "tracker.example.test",
    ):
        assert bad not in html, bad
    assert 'href="https://example.test/ok"' in html
    assert "Please help" in msg.text
    assert "steal()" not in msg.full_text
    assert "alert" not in msg.full_text


def test_cid_inline_image_kept_as_reference_and_inline_attachment() -> None:
    msg = parse("cid_inline.eml")
    assert msg.html is not None
    assert 'src="cid:shot.png@example.test"' in msg.html
    (image,) = msg.attachments
    assert image.content_id == "shot.png@example.test"
    assert image.inline
    assert image.content_type == "image/png"
    assert image.filename == "shot.png"
    assert image.content is not None
    assert image.content.startswith(b"\x89PNG")
    assert image.size == len(image.content)
    assert msg.text.startswith("See the error:")


def test_oversized_attachment_is_dropped_visibly() -> None:
    msg = parse("oversized_attachment.eml", Limits(max_attachment_bytes=1024))
    assert [a.filename for a in msg.attachments] == ["small.txt"]
    assert ("dropped_attachment", "günlük.log (4096 bytes)") in msg.extra
    assert msg.text == "Logs attached."


def test_attachment_within_limits_is_kept_with_rfc2231_name() -> None:
    msg = parse("oversized_attachment.eml")
    big = next(a for a in msg.attachments if a.filename == "günlük.log")
    assert big.size == 4096
    assert big.content == bytes(range(256)) * 16
    assert not big.inline


def test_total_attachment_limit_drops_what_does_not_fit() -> None:
    msg = parse("oversized_attachment.eml", Limits(max_total_attachment_bytes=4096))
    assert [a.filename for a in msg.attachments] == ["günlük.log"]
    assert ("dropped_attachment", "small.txt (5 bytes)") in msg.extra


def test_outlook_reply_without_in_reply_to_keeps_ticket_tag() -> None:
    msg = parse("outlook_ticket_tag.eml")
    assert msg.ticket_number == 1042
    assert msg.references == ()
    assert msg.text == "Yazıcı hâlâ çalışmıyor."
    assert "Kimden:" in msg.full_text
    assert msg.language == "tr"


def test_plus_token_in_to_and_references_order() -> None:
    msg = parse("plus_token.eml")
    assert msg.ticket_token == "t1042.abcDEF_-9"
    assert msg.references == (
        "<reply-2@helpdesk.example.test>",
        "<reply-1@helpdesk.example.test>",
        "<orig-0@helpdesk.example.test>",
    )
    assert msg.text == "Thanks, that fixed it."
    assert msg.external_id == "<token@example.test>"
    assert msg.received_at is not None
    assert msg.received_at.isoformat() == "2024-05-14T06:30:00+00:00"


def test_arf_feedback_report_is_a_complaint() -> None:
    msg = parse("complaint_arf.eml")
    assert msg.machine is Machine.COMPLAINT
