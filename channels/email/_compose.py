"""Builds the MIME message for one outbound mail. Pure: no I/O."""

from __future__ import annotations

import hashlib
import re
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from channels.email.config import MailboxConfig
from helpdesk.inbound import Identity
from helpdesk.ports import OutboundMessage

_TAG = re.compile(r"\[#\d+\]")
# Staff/system mail about no ticket (`helpdesk.services.system_mail`): no ticket tag, no
# reply token, no threading.
SYSTEM = "system"
MAX_REFERENCES = 20


def message_id(message: OutboundMessage, mailbox: MailboxConfig, secret_key: str) -> str:
    """The Message-ID for this outbox entry: the same on every attempt, so a resend after a
    crash is the same message to the recipient's mail system and to our threading."""
    if message.external_id:
        return message.external_id
    if message.kind == SYSTEM:
        seed = f"{secret_key}:{message.outbox_id}:system"
        digest = hashlib.sha256(seed.encode()).hexdigest()[:16]
        return f"<hd.system.{message.outbox_id}.{digest}@{mailbox.domain}>"
    seed = f"{secret_key}:{message.outbox_id}:{message.message_id}:{message.ticket_id}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:16]
    return f"<hd.{message.ticket_number}.{message.outbox_id}.{digest}@{mailbox.domain}>"


def subject(message: OutboundMessage) -> str:
    base = " ".join(message.subject.split()) or "(no subject)"
    if message.kind in ("notification", SYSTEM):
        return base
    if _TAG.search(base):
        return base
    return f"[#{message.ticket_number}] {base}"


def reply_to(message: OutboundMessage, mailbox: MailboxConfig) -> str:
    local, domain = mailbox.address.split("@", 1)
    return f"{local}+{message.ticket_token}@{domain}"


def _addr(recipient: Identity) -> Address:
    return Address(display_name=recipient.display_name, addr_spec=recipient.address)


def compose(
    message: OutboundMessage, mailbox: MailboxConfig, msgid: str, *, date_header: str
) -> EmailMessage:
    """The full message: threading headers, token reply-to, text + HTML, attachments."""
    mail = EmailMessage()
    mail["Message-ID"] = msgid
    mail["Date"] = date_header
    mail["From"] = Address(display_name=mailbox.display_name, addr_spec=mailbox.address)
    mail["To"] = [_addr(r) for r in message.to]
    if message.cc:
        mail["Cc"] = [_addr(r) for r in message.cc]
    mail["Subject"] = subject(message)
    if message.kind not in ("notification", SYSTEM):
        mail["Reply-To"] = Address(
            display_name=mailbox.display_name, addr_spec=reply_to(message, mailbox)
        )
        refs = [r for r in message.references if r.startswith("<") and r.endswith(">")]
        if len(refs) > MAX_REFERENCES:  # keep the root and the most recent ones
            refs = [refs[0], *refs[-(MAX_REFERENCES - 1) :]]
        if refs:
            mail["In-Reply-To"] = refs[-1]
            mail["References"] = " ".join(refs)
    if message.kind != "reply":
        # RFC 3834: robots must not answer this; Exchange honours the second header.
        mail["Auto-Submitted"] = "auto-generated" if message.kind == SYSTEM else "auto-replied"
        mail["X-Auto-Response-Suppress"] = "All"
    if message.kind != SYSTEM:
        mail["X-Helpdesk-Ticket"] = str(message.ticket_number)
    mail.set_content(message.text or "")
    if message.html:
        mail.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not subtype:
            maintype, subtype = "application", "octet-stream"
        mail.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    language = str(message.extra.get("language") or "") if message.kind == SYSTEM else ""
    if language:
        # After the body: setting content clears every Content-* header.
        mail["Content-Language"] = language
    return mail


__all__ = ["compose", "format_datetime", "message_id", "reply_to", "subject"]
