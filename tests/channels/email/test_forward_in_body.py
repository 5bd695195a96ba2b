"""Forwards the body marks without "Fwd:" in the subject (issue 15): a customer who forwards a
mail to the helpdesk often writes a subject of their own, and some clients add no prefix. The
note above the forward is the visible text; the forwarded message stays in the full text.
Every message here is our own."""

from __future__ import annotations

import pytest

from channels.email import parse_message
from tests.channels.email.test_reply_unseen import FORWARD_MARKERS, FORWARDED

NOTE = "Kargo firmasından bu geldi, bakar mısınız?\nAyşe"


def parse(body: str, subject: str) -> tuple[str, str]:
    raw = (
        "From: Ayşe Yılmaz <ayse@example.test>\nTo: support@example.test\n"
        f"Subject: {subject}\nMessage-ID: <f@example.test>\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body
    )
    msg = parse_message(raw.encode("utf-8"))
    return msg.text, msg.full_text


@pytest.mark.parametrize("marker", FORWARD_MARKERS.values(), ids=FORWARD_MARKERS.keys())
@pytest.mark.parametrize("subject", ["Teslimat sorunu", "Lieferung", ""])
def test_a_forward_under_a_subject_of_the_senders_own_shows_the_note(
    marker: str, subject: str
) -> None:
    # The marker and the client's header block under it say "forward" as plainly as "Fwd:".
    text, full = parse(f"{NOTE}\n\n{marker}\n{FORWARDED}", subject)
    assert text == NOTE
    assert "Adresinizde kimse bulunamadı." in full


def test_apple_puts_a_blank_line_between_marker_and_header_block() -> None:
    body = f"{NOTE}\n\nBegin forwarded message:\n\n{FORWARDED}"
    assert parse(body, "Teslimat sorunu")[0] == NOTE


@pytest.mark.parametrize(
    "subject", ["Re: Sipariş 1042", "YNT: Sipariş 1042", "AW: Bestellung", "[Destek] RE: 1042"]
)
def test_a_forward_pasted_into_a_reply_stays_visible(subject: str) -> None:
    # A replying client puts its own history under an attribution or a header block (cut above
    # any forward inside it); an unquoted forward in a reply is one the sender pasted for the
    # agent to read where it is.
    text, _ = parse(f"{NOTE}\n\n{FORWARD_MARKERS['gmail_en']}\n{FORWARDED}", subject)
    assert "Adresinizde kimse bulunamadı." in text


@pytest.mark.parametrize("subject", ["Teslimat sorunu", "Fwd: Teslimat"])
def test_a_forward_without_a_note_shows_the_forwarded_message(subject: str) -> None:
    text, _ = parse(f"{FORWARD_MARKERS['gmail_tr']}\n{FORWARDED}", subject)
    assert "Adresinizde kimse bulunamadı." in text


def test_a_marker_line_the_sender_typed_is_not_a_forward() -> None:
    # No header block under it and no "Fwd:": nothing says a client wrote the line.
    body = "Here is what they told me.\n\nBegin forwarded message:\nthe address was wrong, sorry."
    assert parse(body, "Delivery")[0] == body


def test_an_original_message_block_is_history_whatever_the_subject() -> None:
    # Outlook's "-----Original Message-----" heads the history of a reply or a forward alike.
    body = f"{NOTE}\n\n-----Original Message-----\n{FORWARDED}"
    assert parse(body, "Teslimat sorunu")[0] == NOTE


def test_an_html_forward_under_a_subject_of_the_senders_own_shows_the_note() -> None:
    markup = (
        '<div dir="ltr">Bakar mısınız?</div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
        "From: Kargo &lt;info@cargo.example.test&gt;<br>Date: Mon, 13 May 2024<br>"
        "Subject: Teslimat<br></div><br><div>Adresinizde kimse bulunamadı.</div></div>"
    )
    raw = (
        "From: Ayşe Yılmaz <ayse@example.test>\nTo: support@example.test\n"
        "Subject: Teslimat sorunu\nMessage-ID: <fh@example.test>\nMIME-Version: 1.0\n"
        "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + markup
    )
    msg = parse_message(raw.encode("utf-8"))
    assert msg.text == "Bakar mısınız?"
    assert "Adresinizde kimse bulunamadı." in msg.full_text
