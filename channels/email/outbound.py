"""`EmailSender`: the `ReplySender` that delivers ticket mail over SMTP with aiosmtplib."""

from __future__ import annotations

import logging
import ssl
from email.utils import format_datetime

import aiosmtplib

from channels.email import _compose, queries, services
from channels.email.config import MailboxConfig
from helpdesk.crypto import SecretBox
from helpdesk.errors import DeliveryError
from helpdesk.ports import DeliveryReceipt, OutboundMessage
from helpdesk.runtime import Runtime
from helpdesk.services import Store

log = logging.getLogger(__name__)
SMTP_TIMEOUT = 30.0
NO_EMAIL = "no email channel is set up"
# Channels whose customers may have no email address at all (a caller gave only a phone number).
_NO_ADDRESS_NEEDED = ("phone", "api", "walk_in")


class EmailSender:
    """Sends through the ticket's mailbox (by `OutboundMessage.source`) or the first active one.

    4xx answers, refused connections and timeouts are transient (the outbox retries); 5xx
    answers are permanent and show on the message as failed.
    """

    channel = "email"

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def can_send(self, source: str | None) -> bool:
        """An active mailbox exists to send from."""
        async with self.rt.stores.read() as store:  # no write slot for reading
            return (
                await queries.sending_mailbox(store, SecretBox(self.rt.settings.secret_key), source)
                is not None
            )

    async def send(self, message: OutboundMessage) -> DeliveryReceipt:
        box = SecretBox(self.rt.settings.secret_key)
        async with self.rt.stores.read() as store:  # no write slot for reading
            mailbox = await queries.sending_mailbox(store, box, message.source)
            configured = mailbox is not None or await queries.any_mailbox(store)
        if mailbox is None and not configured:
            return _not_sent(message, NO_EMAIL)
        if mailbox is None and message.channel != "email":
            # A phone or API ticket has no mailbox of its own to wait for.
            return _not_sent(message, "every mailbox is inactive; none to send from")
        if message.channel in _NO_ADDRESS_NEEDED and not any(r.address for r in message.to):
            # The caller left no email address: the agent reaches them another way.
            return _not_sent(message, "the customer has no email address")
        if mailbox is None:
            raise DeliveryError("every mailbox is inactive; none to send from", permanent=False)
        if message.kind == "auto_reply":
            async with self.rt.stores() as store:  # the throttle counts this reply
                await _may_auto_reply(store, message)
                for recipient in message.to:
                    if not await services.allow_auto_reply(store, recipient.address):
                        raise DeliveryError(
                            f"auto-reply to {recipient.address} throttled (loop protection)",
                            permanent=True,
                        )
        recipients = [r.address for r in (*message.to, *message.cc) if r.address]
        if not recipients:
            raise DeliveryError("the message has no email recipient", permanent=True)
        msgid = _compose.message_id(message, mailbox, self.rt.settings.secret_key)
        mail = _compose.compose(
            message, mailbox, msgid, date_header=format_datetime(self.rt.clock.now())
        )
        await _deliver(mailbox, mail.as_bytes(), recipients)
        log.info("sent outbox %s as %s via %s", message.outbox_id, msgid, mailbox.name)
        return DeliveryReceipt(external_id=msgid)


def _not_sent(message: OutboundMessage, reason: str) -> DeliveryReceipt:
    log.info(
        "ticket #%s: %s %s not sent (%s); kept on the ticket only",
        message.ticket_number,
        message.kind,
        message.outbox_id,
        reason,
    )
    return DeliveryReceipt(not_sent=reason)


async def _may_auto_reply(store: Store, message: OutboundMessage) -> None:
    """Never answer robots or ourselves automatically: that is how mail loops start."""
    machine = await queries.last_inbound_machine(store, message.ticket_id)
    if machine is not None:
        raise DeliveryError(f"not auto-replying to machine mail ({machine})", permanent=True)
    own = await queries.own_addresses(store)
    if any(r.address.lower() in own for r in message.to):
        raise DeliveryError("not auto-replying to our own address", permanent=True)


async def _deliver(mailbox: MailboxConfig, raw: bytes, recipients: list[str]) -> None:
    context = ssl.create_default_context()
    try:
        await aiosmtplib.send(
            raw,
            sender=mailbox.address,
            recipients=recipients,
            hostname=mailbox.smtp_host,
            port=mailbox.smtp_port,
            use_tls=mailbox.smtp_tls == "implicit",
            start_tls=mailbox.smtp_tls == "starttls",
            tls_context=context if mailbox.smtp_tls != "none" else None,
            username=mailbox.smtp_user or None,
            password=mailbox.smtp_password or None,
            timeout=SMTP_TIMEOUT,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        raise DeliveryError(
            f"recipients refused: {detail}", permanent=all(c >= 500 for c in codes)
        ) from None
    except aiosmtplib.SMTPAuthenticationError as exc:
        # A mailbox misconfiguration, not the customer's fault: keep retrying until fixed.
        raise DeliveryError(f"SMTP login failed ({exc.code})", permanent=False) from None
    except aiosmtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"SMTP {exc.code}: {exc.message}", permanent=500 <= exc.code < 600
        ) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise DeliveryError(
            f"SMTP unavailable: {type(exc).__name__}: {exc}", permanent=False
        ) from None
