"""Shared set-up for the email channel's end-to-end tests: a runtime whose email tables are
empty, mailboxes pointing at the test Dovecot and SMTP server, and waiting helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest_asyncio
from sqlalchemy import delete, select

from channels.email import services as email_services
from channels.email.config import MailboxCreate
from channels.email.tables import checkpoint_t, mailbox_t, throttle_t
from helpdesk import services
from helpdesk.crypto import SecretBox
from helpdesk.domain import Role
from helpdesk.runtime import Runtime
from helpdesk.tables import message_t, quarantine_t, ticket_t, user_t
from tests.support.dovecot import MailUser
from tests.support.smtp import SmtpServer

T = TypeVar("T")


@pytest_asyncio.fixture
async def email_rt(runtime: Runtime) -> AsyncIterator[Runtime]:
    """The runtime, with the email tables emptied before and after (the PostgreSQL reset
    between tests knows only the core's tables; other tests must not meet our mailboxes)."""
    await _empty(runtime)
    yield runtime
    await _empty(runtime)


async def _empty(rt: Runtime) -> None:
    async with rt.stores() as store:
        for table in (checkpoint_t, throttle_t, mailbox_t):
            await store.execute(delete(table))


async def add_mailbox(
    rt: Runtime, user: MailUser, smtp: SmtpServer | None, name: str = "support", **over: Any
) -> int:
    data: dict[str, Any] = {
        "name": name,
        "address": user.address,
        "display_name": "ACME Support",
        "imap_host": user.host,
        "imap_port": user.port,
        "imap_tls": "none",
        "imap_user": user.address,
        "imap_password": user.password,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port if smtp else 1,
        "smtp_tls": "none",
        **over,
    }
    async with rt.stores() as store:
        return await email_services.add_mailbox(
            store, SecretBox(rt.settings.secret_key), MailboxCreate(**data)
        )


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    timeout: float = 60.0,
    what: str = "",
    explain: Callable[[], Awaitable[str]] | None = None,
) -> T:
    """Poll `probe` until it returns something truthy; fail with `what` after `timeout`.

    The bound only ends a wait for something that will not come; it is generous because a
    loaded CI machine (two busy cores) can take seconds to run an IMAP round trip. `explain`
    adds what the failure message should show (the mailbox's state, the server's log)."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            detail = f"\n{await explain()}" if explain is not None else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what or probe}{detail}")
        await asyncio.sleep(0.05)


def explain_mailbox(
    rt: Runtime, user: MailUser, name: str = "support"
) -> Callable[[], Awaitable[str]]:
    """What a timed-out wait on `user`'s mailbox should report: the poller's recorded state,
    the server's view of the mail and the tail of its log."""

    async def explain() -> str:
        status = await mailbox_status(rt, name)
        stored = await asyncio.to_thread(user.messages)
        seen = [(m.uid, m.seen) for m in stored]
        return (
            f"mailbox row: status={status['status']!r} last_error={status['last_error']!r} "
            f"at {status['last_error_at']!r}, last success {status['last_success_at']!r}\n"
            f"server (uid, seen): {seen}\n"
            f"dovecot log:\n{user.server.log_tail(40)}"
        )

    return explain


async def rows(rt: Runtime, statement: Any) -> list[dict[str, Any]]:
    async with rt.stores() as store:
        return [dict(r) for r in (await store.execute(statement)).mappings()]


async def tickets(rt: Runtime) -> list[dict[str, Any]]:
    return await rows(rt, select(ticket_t).order_by(ticket_t.c.id))


async def messages(rt: Runtime, ticket_id: int | None = None) -> list[dict[str, Any]]:
    query = select(message_t).order_by(message_t.c.id)
    if ticket_id is not None:
        query = query.where(message_t.c.ticket_id == ticket_id)
    return await rows(rt, query)


async def quarantined(rt: Runtime) -> list[dict[str, Any]]:
    return await rows(rt, select(quarantine_t).order_by(quarantine_t.c.id))


async def mailbox_status(rt: Runtime, name: str = "support") -> dict[str, Any]:
    found = await rows(rt, select(mailbox_t).where(mailbox_t.c.name == name))
    return found[0]


async def agent(rt: Runtime, role: Role = Role.AGENT) -> tuple[int, str]:
    """A user of `role` (created on first use) and a fresh Bearer token for them."""
    email = f"{role.value}@helpdesk.example"
    async with rt.stores() as store:
        user_id = (
            await store.execute(select(user_t.c.id).where(user_t.c.email == email))
        ).scalar_one_or_none()
        if user_id is None:
            user_id = await services.create_user(
                store, email=email, name=role.value.title(), role=role
            )
        token = await services.create_token(store, user_id)
    return user_id, token


def mail(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    cc: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A plain-text RFC 5322 message as a customer's mail program would write it."""
    lines = [
        f"From: {sender}",
        f"To: {to}",
        *([f"Cc: {cc}"] if cc else []),
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "Date: Mon, 23 Nov 2026 09:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        *[f"{k}: {v}" for k, v in (headers or {}).items()],
        "",
        body,
    ]
    return "\r\n".join(lines).encode()
