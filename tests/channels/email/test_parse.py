"""parse_message on small inline messages: identity, ids, dates, errors, hostile structure."""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.base import Machine
from channels.email import Limits, ParseError, parse_message

BASE = (
    b"From: =?utf-8?q?Ay=C5=9Fe?= <AYSE@Example.TEST>\r\nTo: support@example.test\r\n"
    b"Subject: Hello\r\nDate: Tue, 14 May 2024 09:30:00 +0300\r\n"
)


def test_missing_message_id_gets_a_stable_synthetic_id() -> None:
    raw = BASE + b"\r\nhello\r\n"
    first, second = parse_message(raw), parse_message(raw)
    assert first.external_id == second.external_id
    assert first.external_id == f"<{hashlib.sha256(raw).hexdigest()}@helpdesk.invalid>"
    assert ("synthetic_message_id", "missing or broken Message-ID") in first.extra


def test_message_id_whitespace_and_sender_case() -> None:
    msg = parse_message(BASE + b"Message-ID:\r\n  <abc@x.test>  \r\n\r\nhi\r\n")
    assert msg.external_id == "<abc@x.test>"
    assert msg.channel == "email"
    assert msg.sender.address == "ayse@example.test"
    assert msg.sender.display_name == "Ayşe"


def test_date_falls_back_to_received() -> None:
    raw = (
        b"Received: from a by b; Wed, 15 May 2024 10:00:00 +0000\r\n"
        b"Received: from c by d; Tue, 14 May 2024 10:00:00 +0000\r\n"
        b"From: a@example.test\r\nDate: not a date\r\n\r\nx\r\n"
    )
    assert parse_message(raw).received_at == datetime(2024, 5, 15, 10, tzinfo=UTC)


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x89PNG\r\n\x1a\n\x00\x00", b"just text\n"])
def test_hopeless_input_raises_parse_error(raw: bytes) -> None:
    with pytest.raises(ParseError):
        parse_message(raw)


def test_html_only_mail_gets_text_and_quotes_stripped() -> None:
    raw = BASE + (
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<div>Merhaba,<br>yaz\xc4\xb1c\xc4\xb1 "
        b'bozuk.</div><div class="gmail_quote"><div class="gmail_attr">On Mon, May 13, 2024 '
        b'Support &lt;s@example.test&gt; wrote:</div><blockquote class="gmail_quote">old'
        b"</blockquote></div>"
    )
    msg = parse_message(raw)
    assert msg.text == "Merhaba,\nyazıcı bozuk."
    assert "old" in msg.full_text


def test_attached_message_is_an_attachment_and_inline_forward_is_text() -> None:
    inner = b"From: x@example.test\r\nSubject: Inner\r\n\r\nforwarded body\r\n"

    def wrap(disposition: bytes) -> bytes:
        return BASE + (
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
            b"Content-Type: text/plain\r\n\r\nsee below\r\n--b\r\nContent-Type: message/rfc822\r\n"
            + disposition
            + b"\r\n"
            + inner
            + b"--b--\r\n"
        )

    attached = parse_message(wrap(b"Content-Disposition: attachment\r\n"))
    assert [(a.filename, a.content_type) for a in attached.attachments] == [
        ("Inner.eml", "message/rfc822")
    ]
    assert "forwarded body" not in attached.full_text
    forwarded = parse_message(wrap(b""))
    assert "forwarded body" in forwarded.text
    assert forwarded.attachments == ()


def test_delivery_status_report_is_a_bounce() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.test\r\nTo: support@example.test\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn@mx>\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        b"--r\r\nContent-Type: text/plain\r\n\r\nI could not deliver it.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; Gone@Example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n"
        b"Final-Recipient: rfc822; slow@example.test\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <sent-7@helpdesk.test>\r\n"
        b"--r--\r\n"
    )
    msg = parse_message(raw)
    assert msg.machine is Machine.BOUNCE
    assert msg.bounce is not None
    assert msg.bounce.original_message_id == "<sent-7@helpdesk.test>"
    gone, slow = msg.bounce.recipients
    assert (gone.address, gone.status, gone.permanent) == ("gone@example.test", "5.1.1", True)
    assert "no such user" in gone.diagnostic
    assert (slow.address, slow.permanent) == ("slow@example.test", False)


def _notice(body: bytes, sender: bytes = b"MAILER-DAEMON@mx1.mail.example.com") -> bytes:
    return (
        b"From: " + sender + b"\r\nTo: list-bounces@example.test\r\n"
        b"Subject: Mail Delivery Problem\r\nMessage-ID: <n@mx>\r\n\r\n" + body
    )


def test_bounce_recipients_are_the_announced_list_not_the_intro_line() -> None:
    listed = parse_message(
        _notice(
            b"Your mail to the following recipients could not be delivered because they are\r\n"
            b"not accepting mail from list@lists.example.test:\r\n\tsomeone\r\n"
        )
    )
    assert listed.bounce is not None
    # A bare name in the list belongs to the organisation that bounced it.
    assert [r.address for r in listed.bounce.recipients] == ["someone@example.com"]
    spread = parse_message(
        _notice(
            b"Unable to deliver message to the following address(es).\r\n\r\n"
            b"<a@example.test>:\r\nSorry, this account is disabled.\r\n\r\n"
            b"<b@example.test>:\r\nSorry, this account is disabled.\r\n"
        )
    )
    assert spread.bounce is not None
    assert [r.address for r in spread.bounce.recipients] == ["a@example.test", "b@example.test"]


def test_bounce_notice_naming_contacts_keeps_whom_the_original_went_to() -> None:
    msg = parse_message(
        _notice(
            b"The standard address form here is name@example.com. The address to which your\r\n"
            b"message was addressed, gone@example.test, did not match. Try reaching them at\r\n"
            b"  Jane Doe   other@example.test\r\n\r\n"
            b"The original message follows:\r\n"
            b">Received: from mx by example.com for <gone@example.test>; Sun, 27 May 2001\r\n",
            sender=b"postmaster@example.com",
        )
    )
    assert msg.bounce is not None
    assert [r.address for r in msg.bounce.recipients] == ["gone@example.test"]


def test_delivery_report_wrapped_in_an_attached_message_is_read() -> None:
    raw = (
        b"From: postmaster@gw.example.test\r\nTo: support@example.test\r\n"
        b"Subject: Delivery Status Notification (Failure)\r\nMessage-ID: <w@gw>\r\n"
        b"Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
        b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
        b"From: postmaster@gw.example.test\r\nSubject: Delivery Status Notification\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        b"--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n--r\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; gw\r\n\r\n"
        b"Final-Recipient: rfc822;gone@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--r--\r\n--o--\r\n"
    )
    msg = parse_message(raw)
    assert msg.machine is Machine.BOUNCE and msg.bounce is not None
    assert [(r.address, r.status) for r in msg.bounce.recipients] == [
        ("gone@example.test", "5.1.1")
    ]


def test_html_message_carrying_a_plain_forward_shows_its_own_words() -> None:
    raw = BASE + (
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/html\r\n\r\n<p>Please see the message below.</p>\r\n--b\r\n"
        b"Content-Type: message/rfc822\r\n\r\nFrom: x@example.test\r\nSubject: Inner\r\n\r\n"
        b"forwarded body\r\n--b--\r\n"
    )
    msg = parse_message(raw)
    assert "Please see the message below." in msg.text
    assert "forwarded body" in msg.text
    assert msg.html is not None and "forwarded body" in msg.html


def test_interleaved_reply_keeps_its_leading_quote() -> None:
    body = (
        b"On Tue, Apr 29, 2014 at 4:22 PM, Agent <agent@example.test> wrote:\r\n\r\n"
        b"> Which printer is it?\r\n\r\nThe HP one.\r\n\r\n> And the error?\r\n\r\nPaper jam.\r\n"
    )
    text = parse_message(BASE + b"\r\n" + body).text
    assert text.startswith("On Tue, Apr 29") and text.endswith("Paper jam.")
    bottom = b"On Tue, Apr 29, 2014 Agent <agent@example.test> wrote:\r\n> Which?\r\n\r\nHP.\r\n"
    assert parse_message(BASE + b"\r\n" + bottom).text == "HP."


def test_last_unmarked_html_blockquote_is_history_unless_it_is_everything() -> None:
    def html(markup: bytes) -> bytes:
        return BASE + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + markup

    msg = parse_message(html(b"<div>Reply</div><blockquote>Old</blockquote><div>Disclaimer</div>"))
    assert msg.text == "Reply\n\nDisclaimer"
    assert "Old" in msg.full_text
    only = parse_message(html(b"<blockquote>All of it</blockquote>"))
    assert only.text == "All of it"
    pasted = parse_message(html(b'<p>Look:</p><blockquote class="gmail_quote">Pasted</blockquote>'))
    # Gmail wraps a real quote in div.gmail_quote; a lone blockquote.gmail_quote is pasted text.
    assert pasted.text == "Look:\n\nPasted"


def test_signature_under_a_rule_with_the_senders_name_is_removed() -> None:
    contacts = b"".join(f"line {i}\r\n\r\n".encode() for i in range(8))
    body = b"The toner is empty again.\r\n\r\n----------\r\n\r\nAyse Example\r\n\r\n" + contacts
    raw = BASE.replace(b"=?utf-8?q?Ay=C5=9Fe?=", b"Ayse Example") + b"\r\n" + body
    assert parse_message(raw).text == "The toner is empty again."


def test_deep_nesting_and_many_parts_are_capped() -> None:
    depth = 200
    raw = (
        BASE
        + b"".join(
            b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
            for i in range(depth)
        )
        + b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    )
    msg = parse_message(raw)
    assert ("mime_depth_cap", "20") in msg.extra
    many = (
        BASE
        + b"Content-Type: multipart/mixed; boundary=m\r\n\r\n"
        + b"".join(
            b"--m\r\nContent-Type: application/octet-stream\r\n\r\nx\r\n" for _ in range(2000)
        )
        + b"--m--\r\n"
    )
    capped = parse_message(many, limits=Limits(max_parts=100))
    assert len(capped.attachments) < 100
    assert ("mime_part_cap", "100") in capped.extra


def test_huge_header_is_bounded() -> None:
    raw = BASE.replace(b"Subject: Hello", b"Subject: " + b"=?utf-8?q?a?= " * 50_000) + b"\r\nx"
    msg = parse_message(raw)
    assert len(msg.subject) <= 20_000


@settings(max_examples=300, deadline=2000)
@given(st.binary(max_size=2000))
def test_random_bytes_only_ever_raise_parse_error(raw: bytes) -> None:
    with contextlib.suppress(ParseError):
        parse_message(raw)


@settings(max_examples=300, deadline=2000)
@given(
    st.binary(max_size=600),
    st.sampled_from(
        [
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
            b"Content-Type: text/html; charset=bogus\r\nContent-Transfer-Encoding: base64\r\n\r\n",
            b"Content-Type: message/rfc822\r\n\r\n",
            b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n"
            b"\r\n--x\r\n"
            b"Content-Type: message/delivery-status\r\n\r\n",
            b"Subject: =?utf-8?b?",
        ]
    ),
)
def test_mangled_mime_never_raises_anything_but_parse_error(tail: bytes, head: bytes) -> None:
    try:
        msg = parse_message(BASE + head + tail)
    except ParseError:
        return
    # When the mangled headers leave a date, it is aware; else the core stamps one at ingest.
    assert msg.received_at is None or msg.received_at.tzinfo is not None
