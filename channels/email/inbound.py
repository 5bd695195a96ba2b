"""`parse_message`: raw RFC 5322 bytes in, a normalised `InboundMessage` out. Pure, no I/O.

Caps (see `Limits`): 64 MiB of input, MIME depth 20, 500 parts, 2 M characters per text body,
16 KiB per decoded header value, 500 addresses per header, 100 references, 25 MiB per
attachment and 50 MiB for all attachments together. A reached cap or a dropped attachment
shows up in `extra` as ("mime_part_cap", ...), ("dropped_attachment", "name (N bytes)"), ...;
problems while decoding show up as ("charset", ...), ("decode_error", ...), ("defect", ...).
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import re
from datetime import datetime
from email.message import Message

from channels.base import Identity, InboundMessage, Machine
from channels.email import _bounce, _detect, _headers, _html, _machine, _salvage
from channels.email._detect import HeaderCharset
from channels.email._mime import Limits, Walked, walk
from channels.email._quotes import visible_text
from helpdesk.errors import ParseError

__all__ = ["Limits", "ParseError", "parse_message"]

_TICKET_TAG = re.compile(r"\[#(\d{1,12})\]")
_PLUS_TOKEN = re.compile(r"^[^+@\s]+\+([^@\s]+)@[^@\s]+$")
_FORWARD_SUBJECT = re.compile(
    r"^\s*(fwd?|fw|wg|tr|rv|enc|doorst|vs|vb|i̇let|ilet|pd|trs|転送|转发|轉寄|пересл\.?)\s*[:：]",
    re.IGNORECASE,
)
# What clients put before a reply's subject ("Re:", "AW:", "YNT:", "SV:", "Odp:", "Ответ:",
# "回复:"), after an optional list or ticket tag ("[Support] Re:").
_REPLY_SUBJECT = re.compile(
    r"^\s*(?:\[[^\]]{0,80}\]\s*)?(re|aw|antw|antwort|sv|ynt|cvp|odp|r|rif|res|ref|réf|"
    r"vá|отв|ответ|回复|答复|回覆|返信)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]",
    re.IGNORECASE,
)
_KNOWN_FIELDS = frozenset(
    [
        "from",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "received",
        "return-path",
        "delivered-to",
        "sender",
        "reply-to",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
        "in-reply-to",
        "references",
        "x-original-to",
        "envelope-to",
    ]
)


def parse_message(raw: bytes, *, limits: Limits | None = None) -> InboundMessage:
    """Parse one raw email into an `InboundMessage`; raise `ParseError` only on hopeless input.

    Never raises anything else: problems met on the way are noted in `extra` instead.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise ParseError("input is not bytes")
    data = bytes(raw)
    if not data.strip():
        raise ParseError("empty input")
    limits = limits or Limits()
    try:
        return _parse(data, limits)
    except ParseError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise ParseError(f"message too complex: {type(exc).__name__}") from exc
    except Exception as exc:  # the contract: a bug in a heuristic must not lose the message
        try:
            return _parse_headers_only(data, limits, exc)
        except Exception as inner:
            raise ParseError(f"unparseable message: {type(exc).__name__}") from inner


def _read(data: bytes, limits: Limits) -> tuple[Message, list[tuple[str, str]]]:
    """The parsed message, and notes on what had to be salvaged to read it."""
    head = data[: limits.max_input_bytes]
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(head)
    if _has_headers(msg):
        return msg, []
    # A pasted or exported message: a banner or a broken line above the headers made the
    # parser take everything for body. Headers further down are read from where they start.
    start = _salvage.header_start(head)
    if start is not None:
        salvaged = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(head[start:])
        if _has_headers(salvaged):
            notes = [("salvaged", f"headers start at byte {start}")]
            preamble = head[:start].decode("utf-8", "replace").strip()
            if preamble:  # an export banner or a stray line: kept for whoever looks
                notes.append(("salvaged_preamble", preamble[:2000]))
            return salvaged, notes
    raise ParseError("no email headers found")


def _has_headers(msg: Message) -> bool:
    names = {str(k).lower() for k in msg}
    return bool(names & _KNOWN_FIELDS) or any(n.startswith("x-") for n in names)


def _parse(data: bytes, limits: Limits) -> InboundMessage:
    msg, extra = _read(data, limits)
    walked = walk(msg, limits)
    if len(data) > limits.max_input_bytes:
        extra.append(("input_truncated", str(len(data))))
    charset = _detect.for_message(msg)
    subject = _headers.decode_header(_headers.header(msg, "Subject"), charset)
    plain = "\n".join(walked.plain).strip("\n")
    html_source = "\n".join(walked.html)
    # An HTML message whose only plain text is a forward it carries: its own words are in HTML.
    if plain.strip() and (walked.own_plain or not walked.own_html):
        full_text = plain
        visible_source = plain
    else:
        full_text, visible_source = _html.to_texts(html_source) if html_source else (plain, plain)
    text = visible_text(
        visible_source,
        forward=walked.forwarded,
        sent_as_forward=bool(_FORWARD_SUBJECT.match(subject)),
        sent_as_reply=bool(_REPLY_SUBJECT.match(subject)),
        sender_name=_sender_name(msg, charset),
    )
    sanitized = _html.sanitize(html_source) if html_source.strip() else None

    machine: Machine | None = None
    bounce = None
    if _machine.is_complaint(walked.report_type, walked.feedback_report):
        machine = Machine.COMPLAINT
    else:
        bounce = _bounce.detect(msg, walked, full_text, subject)
        if bounce is not None:
            machine = Machine.BOUNCE
        else:
            reason = _machine.auto_reply_reason(msg, subject)
            if reason:
                machine = Machine.AUTO_REPLY
                extra.append(("auto_reply", reason))
    extra.extend(_dedupe(walked.notes))
    extra.extend(_defects(msg))
    return _assemble(
        msg,
        data,
        walked,
        extra,
        charset,
        subject=subject,
        text=text,
        full_text=full_text,
        html=sanitized,
        machine=machine,
        bounce=bounce,
    )


def _assemble(
    msg: Message,
    data: bytes,
    walked: Walked | None,
    extra: list[tuple[str, str]],
    charset: HeaderCharset,
    *,
    subject: str,
    text: str,
    full_text: str,
    html: str | None,
    machine: Machine | None,
    bounce: _bounce.Bounce | None,
) -> InboundMessage:
    sender = _sender(msg, extra, charset)
    recipients = _identities(_headers.header_all(msg, "To"), charset)
    cc = _identities(_headers.header_all(msg, "Cc"), charset)

    external_id = _headers.message_id(_headers.header(msg, "Message-ID"))
    if external_id is None:
        external_id = f"<{hashlib.sha256(data).hexdigest()}@helpdesk.invalid>"
        extra.append(("synthetic_message_id", "missing or broken Message-ID"))
    tag = _TICKET_TAG.search(subject)
    return InboundMessage(
        channel="email",
        external_id=external_id,
        sender=sender,
        subject=subject,
        text=text,
        full_text=full_text,
        html=html,
        recipients=recipients,
        cc=cc,
        attachments=tuple(walked.attachments) if walked else (),
        references=_references(msg),
        received_at=_received_at(msg),
        language=_language(msg),
        machine=machine,
        bounce=bounce,
        ticket_token=_ticket_token(msg),
        ticket_number=int(tag.group(1)) if tag else None,
        extra=tuple(extra),
    )


def _parse_headers_only(data: bytes, limits: Limits, error: Exception) -> InboundMessage:
    msg, extra = _read(data, limits)
    charset = _detect.for_message(msg)
    subject = _headers.decode_header(_headers.header(msg, "Subject"), charset)
    body = msg.get_payload()
    text = body if isinstance(body, str) else ""
    text = _headers.decode_header(text[: limits.max_body_chars]) if text.isascii() else text
    extra.append(("parse_error", f"{type(error).__name__}: {str(error)[:200]}"))
    return _assemble(
        msg,
        data,
        None,
        extra,
        charset,
        subject=subject,
        text=text,
        full_text=text,
        html=None,
        machine=None,
        bounce=None,
    )


def _sender_name(msg: Message, charset: HeaderCharset) -> str:
    """The name a signature would carry: the display name, else the address's local part."""
    values = [str(v) for v in _headers.header_all(msg, "From")]
    found = _headers.addresses(values, charset=charset)[:1]
    if not found:
        return ""
    display, address = found[0]
    return display or re.sub(r"[._+-]+", " ", address.split("@", 1)[0])


def _sender(msg: Message, extra: list[tuple[str, str]], charset: HeaderCharset) -> Identity:
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        found = _headers.addresses(_headers.header_all(msg, name), charset=charset)
        if found:
            display, address = found[0]
            return Identity(kind="email", address=address, display_name=display)
    extra.append(("missing_sender", ""))
    return Identity(kind="email", address="")


def _identities(values: list[str], charset: HeaderCharset) -> tuple[Identity, ...]:
    seen: set[str] = set()
    out = []
    for display, address in _headers.addresses([str(v) for v in values], charset=charset):
        if address not in seen:
            seen.add(address)
            out.append(Identity(kind="email", address=address, display_name=display))
    return tuple(out)


def _references(msg: Message) -> tuple[str, ...]:
    ordered = _headers.message_ids(_headers.header(msg, "In-Reply-To"))[:1]
    ordered += list(reversed(_headers.message_ids(_headers.header(msg, "References"))))
    seen: set[str] = set()
    out = []
    for ref in ordered:
        if ref not in seen:
            seen.add(ref)
            out.append(ref)
    return tuple(out[: _headers.MAX_REFERENCES])


def _received_at(msg: Message) -> datetime | None:
    """When the message was sent, from Date, else the newest Received stamp. None when it says
    nothing usable: the core then stamps it with its own clock at ingest."""
    date = _headers.parse_date(_headers.header(msg, "Date"))
    if date is None:
        date = _headers.received_date(_headers.header(msg, "Received"))
    return date


def _language(msg: Message) -> str | None:
    value = _headers.header(msg, "Content-Language")
    if not value:
        return None
    first = str(value).split(",", 1)[0].strip().lower()
    tag = first.split("-", 1)[0]
    return tag if re.fullmatch(r"[a-z]{2,3}", tag) else None


def _ticket_token(msg: Message) -> str | None:
    # The token is signed by the core: keep its case, unlike the addresses we store.
    for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        for _, address in _headers.addresses(_headers.header_all(msg, name), keep_case=True):
            match = _PLUS_TOKEN.match(address)
            if match:
                return match.group(1)
    return None


def _dedupe(notes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    out = []
    for note in notes:
        if note not in seen:
            seen.add(note)
            out.append(note)
    return out[:50]


def _defects(msg: Message) -> list[tuple[str, str]]:
    names = sorted({type(d).__name__ for d in getattr(msg, "defects", [])})
    return [("defect", name) for name in names[:10]]
