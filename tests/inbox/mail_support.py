"""A sending mailbox on a test SMTP server, and the password links found in the mails it got."""

from __future__ import annotations

import re

from channels.email import services as email_services
from channels.email.config import MailboxCreate
from helpdesk.crypto import SecretBox
from helpdesk.runtime import Runtime
from tests.support.smtp import ReceivedMail, SmtpServer

_LINK = re.compile(r"https?://\S+/reset/(\S+)")


async def add_sending_mailbox(rt: Runtime, smtp: SmtpServer) -> None:
    """A mailbox whose SMTP side is `smtp` (its IMAP side is never polled in these tests)."""
    data = MailboxCreate(
        name="support",
        address="support@example.test",
        display_name="ACME Support",
        imap_host="127.0.0.1",
        imap_port=1,
        imap_tls="none",
        imap_user="support@example.test",
        imap_password="unused-imap-password",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="none",
    )
    async with rt.stores() as store:
        await email_services.add_mailbox(store, SecretBox(rt.settings.secret_key), data)


def link_path(mail: ReceivedMail) -> str:
    """The `/reset/<token>` path of the link in a mail's text."""
    body = mail.message.get_body(("plain",))
    assert body is not None
    match = _LINK.search(body.get_content())
    assert match, "the mail has no password link"
    return f"/reset/{match.group(1)}"
