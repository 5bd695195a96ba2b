"""Test a mailbox's connection now: IMAP login and folder select, SMTP connect and login.

What `helpdesk mailbox test` and the admin page's "Test connection" report; it changes nothing
(the poller keeps the mailbox's health), it only says what the servers answered.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

import aiosmtplib

from channels.email import _imap
from channels.email.config import MailboxConfig

TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    detail: str  # "imap.example.com:993, IDLE supported" or the error


@dataclass(frozen=True, slots=True)
class Report:
    imap: Check
    smtp: Check

    @property
    def ok(self) -> bool:
        return self.imap.ok and self.smtp.ok


async def check_imap(mailbox: MailboxConfig) -> Check:
    """Log in over IMAP and select the mailbox's folder (in a thread: imapclient blocks)."""
    where = f"{mailbox.imap_host}:{mailbox.imap_port}"
    try:
        client = await asyncio.to_thread(_imap.connect, mailbox, TIMEOUT)
        try:
            folder = await asyncio.to_thread(_imap.select, client, mailbox.imap_folder)
        finally:
            await asyncio.to_thread(_imap.logout, client)
    except Exception as exc:  # any failure is the answer we report, not a crash
        return Check(False, f"{where}: {type(exc).__name__}: {exc}")
    idle = "IDLE supported" if folder.idle else "no IDLE (polling)"
    return Check(True, f"{where}, folder {mailbox.imap_folder}, {idle}")


async def check_smtp(mailbox: MailboxConfig) -> Check:
    """Connect to SMTP with the mailbox's TLS mode and log in when it has an SMTP user."""
    where = f"{mailbox.smtp_host}:{mailbox.smtp_port}"
    smtp = aiosmtplib.SMTP(
        hostname=mailbox.smtp_host,
        port=mailbox.smtp_port,
        use_tls=mailbox.smtp_tls == "implicit",
        start_tls=mailbox.smtp_tls == "starttls",
        tls_context=ssl.create_default_context() if mailbox.smtp_tls != "none" else None,
        timeout=TIMEOUT,
    )
    try:
        await smtp.connect()
        try:
            if mailbox.smtp_user:
                await smtp.login(mailbox.smtp_user, mailbox.smtp_password)
        finally:
            await smtp.quit()
    except Exception as exc:  # any failure is the answer we report, not a crash
        return Check(False, f"{where}: {type(exc).__name__}: {exc}")
    login = "logged in" if mailbox.smtp_user else "no login configured"
    return Check(True, f"{where}, {login}")


async def try_connection(mailbox: MailboxConfig) -> Report:
    """Both checks, at the same time."""
    imap, smtp = await asyncio.gather(check_imap(mailbox), check_smtp(mailbox))
    return Report(imap, smtp)
