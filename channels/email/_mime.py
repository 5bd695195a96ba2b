"""Walking a parsed MIME tree into bodies, attachments and report parts, within hard caps."""

from __future__ import annotations

import email.parser
import email.policy
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message

from channels.base import Attachment
from channels.email import _headers
from channels.email._charset import decode_text
from channels.email._headers import decode_header


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps that keep hostile input bounded; a cap reached is noted in `extra`, never raised."""

    max_attachment_bytes: int = 25 * 1024 * 1024
    max_total_attachment_bytes: int = 50 * 1024 * 1024
    max_depth: int = 20  # MIME nesting; deeper parts are skipped
    max_parts: int = 500  # parts visited; the rest are skipped
    max_body_chars: int = 2_000_000  # per text body; longer bodies are truncated
    max_input_bytes: int = 64 * 1024 * 1024  # raw bytes parsed at all; the tail is ignored


@dataclass(slots=True)
class Walked:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    report_type: str | None = None
    delivery_status: list[str] = field(default_factory=list)
    feedback_report: list[str] = field(default_factory=list)
    returned_headers: list[Message] = field(default_factory=list)
    # A delivery report inside an attached message (a gateway wrapping the bounce it got).
    attached_delivery_status: list[str] = field(default_factory=list)
    forwarded: bool = False
    forward_depth: int = 0  # > 0 while visiting an inline forwarded message
    own_plain: bool = False  # the message's own body (not a forward) has plain text
    own_html: bool = False
    parts: int = 0
    attachment_bytes: int = 0


def walk(msg: Message, limits: Limits) -> Walked:
    out = Walked()
    _visit(msg, 0, out, limits, in_report=False)
    return out


def _visit(part: Message, depth: int, out: Walked, limits: Limits, *, in_report: bool) -> None:
    out.parts += 1
    if out.parts > limits.max_parts:
        if out.parts == limits.max_parts + 1:
            out.notes.append(("mime_part_cap", str(limits.max_parts)))
        return
    if depth > limits.max_depth:
        out.notes.append(("mime_depth_cap", str(limits.max_depth)))
        return
    ctype = part.get_content_type()
    maintype = ctype.split("/", 1)[0]
    if part.is_multipart():
        if ctype == "multipart/report":
            out.report_type = (part.get_param("report-type") or "").__str__().lower() or None
            in_report = True
        children = part.get_payload()
        if ctype == "message/rfc822" or maintype == "message":
            _message_part(part, depth, out, limits, in_report=in_report)
            return
        if isinstance(children, list):
            for child in children:
                if isinstance(child, Message):
                    _visit(child, depth + 1, out, limits, in_report=in_report)
        return
    if maintype == "message" or ctype == "text/rfc822-headers":
        _message_part(part, depth, out, limits, in_report=in_report)
        return
    disposition = _disposition(part)
    filename = _filename(part)
    if (
        ctype in {"text/plain", "text/html"}
        and disposition != "attachment"
        and (not filename or disposition == "inline")
    ):
        text = _decoded_text(part, out, limits)
        (out.plain if ctype == "text/plain" else out.html).append(text)
        if out.forward_depth == 0 and text.strip():
            if ctype == "text/plain":
                out.own_plain = True
            else:
                out.own_html = True
        return
    _attach(part, ctype, disposition, filename, _payload(part, out), out, limits)


def _message_part(
    part: Message, depth: int, out: Walked, limits: Limits, *, in_report: bool
) -> None:
    ctype = part.get_content_type()
    payload = part.get_payload()
    if ctype in {
        "message/delivery-status",
        "message/feedback-report",
        "message/disposition-notification",
    }:
        text = _report_text(part, out)
        (out.feedback_report if ctype == "message/feedback-report" else out.delivery_status).append(
            text
        )
        return
    if ctype == "text/rfc822-headers" or ctype == "message/rfc822-headers":
        raw = _payload(part, out)
        out.returned_headers.append(
            email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw, headersonly=True)
        )
        return
    sub: Message | None = None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        sub = payload[0]
    else:
        raw = _payload(part, out)
        if raw.strip():
            sub = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
    if sub is None:
        return
    if in_report:
        # The returned original of a bounce: its headers identify what we sent.
        out.returned_headers.append(sub)
        return
    disposition = _disposition(part)
    if disposition == "attachment":
        name = _filename(part) or _subject_filename(sub)
        _attached_reports(sub, out, limits)
        _attach(part, "message/rfc822", disposition, name, _message_bytes(sub), out, limits)
        return
    # An inline message/rfc822 is a forward: its text is new content for the agent.
    out.forwarded = True
    start_plain, start_html = len(out.plain), len(out.html)
    out.forward_depth += 1
    try:
        _visit(sub, depth + 1, out, limits, in_report=False)
    finally:
        out.forward_depth -= 1
    header = _forward_header(sub)
    if len(out.plain) > start_plain:
        out.plain[start_plain] = header + out.plain[start_plain]
    if len(out.html) > start_html:
        out.html[start_html] = "<pre>" + _escape(header) + "</pre>" + out.html[start_html]
    elif len(out.plain) > start_plain and out.html:
        # A plain-text forward inside an HTML message: the HTML must show it too.
        forwarded = "\n".join(out.plain[start_plain:])
        out.html.append("<pre>" + _escape(forwarded) + "</pre>")


def _attached_reports(sub: Message, out: Walked, limits: Limits) -> None:
    if sub.get_content_type() != "multipart/report":
        return
    for count, inner in enumerate(sub.walk()):
        if count > limits.max_parts:
            return
        if inner.get_content_type() == "message/delivery-status":
            out.attached_delivery_status.append(_report_text(inner, out))


def _forward_header(sub: Message) -> str:
    lines = ["---------- Forwarded message ---------"]
    for key in ("From", "Date", "Subject", "To"):
        value = _headers.header(sub, key)
        if value:
            lines.append(f"{key}: {decode_header(str(value))}")
    return "\n".join(lines) + "\n\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _message_bytes(sub: Message) -> bytes:
    try:
        return sub.as_bytes(policy=email.policy.compat32)
    except (UnicodeError, ValueError, TypeError, LookupError, AttributeError):
        return sub.as_string().encode("utf-8", "replace")


def _subject_filename(sub: Message) -> str:
    subject = decode_header(_headers.header(sub, "Subject"))
    name = re.sub(r"[^\w .,()+-]", "_", subject).strip()[:100]
    return f"{name or 'message'}.eml"


def _report_text(part: Message, out: Walked) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        blocks = []
        for block in payload:
            if isinstance(block, Message):
                blocks.append("\n".join(f"{k}: {v}" for k, v in block.items()))
                if block.get_payload() and isinstance(block.get_payload(), str):
                    blocks.append(str(block.get_payload()))
        return "\n\n".join(blocks)
    return decode_text(_payload(part, out), part.get_content_charset())[0]


def _disposition(part: Message) -> str | None:
    try:
        return part.get_content_disposition()
    except (ValueError, TypeError, IndexError, AttributeError):
        return None


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name")
    except (ValueError, TypeError, LookupError, IndexError, AttributeError):
        return ""
    if isinstance(name, tuple):  # RFC 2231 value the stdlib could not collapse
        name = name[2]
    if not name:
        return ""
    text = decode_header(str(name))
    # Only the last path component, no control characters: the name ends up on disk and in URLs.
    text = re.split(r"[/\\]", text)[-1]
    text = re.sub(r"[\x00-\x1f\x7f]", "", text).strip().strip(".")
    return text[:255]


def _payload(part: Message, out: Walked) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError, IndexError, AttributeError) as exc:
        out.notes.append(("decode_error", type(exc).__name__))
        raw = part.get_payload()
        return raw.encode("ascii", "surrogateescape") if isinstance(raw, str) else b""
    if isinstance(data, bytes):
        return data
    return b""


def _decoded_text(part: Message, out: Walked, limits: Limits) -> str:
    data = _payload(part, out)
    try:
        charset = part.get_content_charset()
    except (ValueError, TypeError, LookupError, AttributeError):
        charset = None
    text, note = decode_text(data, charset)
    if note:
        out.notes.append(("charset", note))
    if len(text) > limits.max_body_chars:
        out.notes.append(("body_truncated", str(len(text))))
        text = text[: limits.max_body_chars]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _attach(
    part: Message,
    ctype: str,
    disposition: str | None,
    filename: str,
    data: bytes,
    out: Walked,
    limits: Limits,
) -> None:
    raw_cid = _headers.header(part, "Content-ID")
    cid = re.sub(r"[<>\s]", "", str(raw_cid))[:500] or None if raw_cid else None
    if not filename:
        extension = mimetypes.guess_extension(ctype) or ".bin"
        filename = f"{(cid or 'attachment').split('@', 1)[0][:60]}{extension}"
    size = len(data)
    if (
        size > limits.max_attachment_bytes
        or out.attachment_bytes + size > limits.max_total_attachment_bytes
    ):
        out.notes.append(("dropped_attachment", f"{filename} ({size} bytes)"))
        return
    out.attachment_bytes += size
    inline = disposition == "inline" or (cid is not None and disposition != "attachment")
    out.attachments.append(
        Attachment(
            filename=filename,
            content_type=ctype,
            size=size,
            content=data,
            content_id=cid,
            inline=inline,
        )
    )
