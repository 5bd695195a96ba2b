"""The poller survives a dead server and a wrong password, reports both (mailbox status and
/healthz), and with Redis configured polls each mailbox from one process only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from channels.email.jobs import Pollers
from channels.email.poller import Timing
from channels.email.tables import checkpoint_t
from helpdesk.app import create_app
from helpdesk.runtime import Runtime
from helpdesk.settings import Settings
from tests.channels.email._mailbox_support import (
    add_mailbox,
    agent,
    email_rt,
    eventually,
    mail,
    mailbox_status,
    rows,
    tickets,
)
from tests.support.certs import SelfSignedCert
from tests.support.dovecot import Dovecot, MailUser
from tests.support.smtp import SmtpServer

__all__ = ["email_rt"]
FAST = Timing(backoff_first=0.2, backoff_max=1.0)


async def _healthz(rt: Runtime) -> dict[str, Any]:
    app = create_app(rt.settings, runtime=rt)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/healthz")
    body: dict[str, Any] = response.json()
    body["http_status"] = response.status_code
    return body


def _raw(to: str, n: int) -> bytes:
    return mail(
        sender="Alice <alice@customer.example>",
        to=to,
        subject=f"Message {n}",
        message_id=f"<m{n}@customer.example>",
        body=f"Body {n}",
    )


async def test_dovecot_restarted_mid_run_is_survived_and_reported(
    email_rt: Runtime, dovecot_factory: Callable[..., Dovecot], smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    server = dovecot_factory(tls=False)
    user = server.new_user("support")
    await add_mailbox(rt, user, smtp_sink)
    pollers = Pollers(FAST)
    try:
        await pollers.supervise(rt)
        user.deliver(_raw(user.address, 1))
        await eventually(lambda: tickets(rt), what="the first ticket")

        await asyncio.to_thread(server.stop)
        status = await eventually(
            lambda: _with_status(rt, "error"), what="the outage to be recorded"
        )
        assert status["last_error"]
        health = await _healthz(rt)
        assert health["http_status"] == 200  # a mailbox outage does not take the web app down
        assert health["mailboxes"]["ok"] is False
        assert health["mailboxes"]["items"][0]["status"] == "error"

        await asyncio.to_thread(server.start)
        user.deliver(_raw(user.address, 2))

        async def two() -> bool:
            return len(await tickets(rt)) == 2

        await eventually(two, timeout=60, what="the poller to reconnect and import")
        assert (await mailbox_status(rt))["status"] == "ok"
        assert (await _healthz(rt))["mailboxes"]["ok"] is True
        assert all(not task.done() for _, task in pollers.running.values())
    finally:
        await pollers.close()


async def _with_status(rt: Runtime, status: str) -> dict[str, Any] | None:
    row = await mailbox_status(rt)
    return row if row["status"] == status else None


async def test_wrong_password_is_reported_and_fixed_through_the_api(
    email_rt: Runtime, dovecot: Dovecot, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    user = dovecot.new_user("support")
    await add_mailbox(rt, user, smtp_sink, imap_password="not-the-password")
    user.deliver(_raw(user.address, 1))
    pollers = Pollers(FAST)
    try:
        await pollers.supervise(rt)
        status = await eventually(lambda: _with_status(rt, "error"), what="the login failure")
        assert "login failed" in status["last_error"]
        assert "not-the-password" not in status["last_error"]
        health = await _healthz(rt)
        assert health["mailboxes"]["items"][0]["last_error"] == status["last_error"]
        assert not await tickets(rt)

        _, token = await agent(rt, role=_admin())
        app = create_app(rt.settings, runtime=rt)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        ) as client:
            response = await client.patch(
                "/api/v1/mailboxes/support",
                json={"imap_password": user.password},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 200, response.text
        assert user.password not in response.text
        await eventually(lambda: tickets(rt), timeout=60, what="import after the fix")
        assert (await mailbox_status(rt))["status"] == "ok"
    finally:
        await pollers.close()


def _admin() -> Any:
    from helpdesk.domain import Role

    return Role.ADMIN


async def test_one_poller_per_mailbox_across_processes(
    email_rt: Runtime, dovecot: Dovecot, smtp_sink: SmtpServer, redis_url: str
) -> None:
    rt = email_rt
    rt.settings = rt.settings.with_changes(redis_url=redis_url)
    user = dovecot.new_user("support")
    await add_mailbox(rt, user, smtp_sink)
    first, second = Pollers(FAST), Pollers(FAST)  # two worker processes
    try:
        assert await first.supervise(rt) == 1
        assert await second.supervise(rt) == 0, "a second process polls the same mailbox"
        await first.close()  # the worker stops: its lock is released
        assert await second.supervise(rt) == 1
        user.deliver(_raw(user.address, 1))
        await eventually(lambda: tickets(rt), what="import by the second process")
    finally:
        await first.close()
        await second.close()


@pytest.mark.parametrize("mode", ["starttls", "implicit"])
async def test_imap_tls_modes(
    email_rt: Runtime,
    dovecot: Dovecot,
    smtp_sink: SmtpServer,
    tls_cert: SelfSignedCert,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    rt = email_rt
    # The poller verifies certificates against the system store; trust the test CA there.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_cert.cert_path))
    user = dovecot.new_user("support")
    port = dovecot.tls_port if mode == "implicit" else dovecot.port
    await add_mailbox(rt, user, smtp_sink, imap_tls=mode, imap_port=port, imap_host="localhost")
    user.deliver(_raw(user.address, 1))
    pollers = Pollers(FAST)
    try:
        await pollers.supervise(rt)
        await eventually(lambda: tickets(rt), what=f"import over {mode}")
        assert (await mailbox_status(rt))["status"] == "ok"
    finally:
        await pollers.close()


async def test_checkpoint_and_uidvalidity(
    email_rt: Runtime, dovecot: Dovecot, smtp_sink: SmtpServer
) -> None:
    rt = email_rt
    user = dovecot.new_user("support")
    await add_mailbox(rt, user, smtp_sink)
    user.deliver(_raw(user.address, 1))
    pollers = Pollers(FAST)
    await pollers.supervise(rt)
    await eventually(lambda: tickets(rt), what="the first import")
    await eventually(lambda: _seen(user), what="the flag")
    await pollers.close()
    checkpoint = (await rows(rt, select(checkpoint_t)))[0]
    assert checkpoint["last_uid"] == 1

    # As if we crashed after the commit but before the flag, and the server then renumbered
    # its UIDs (new UIDVALIDITY): unseen mail is read again and ingest drops the duplicate.
    client = user.client()
    client.select_folder("INBOX")
    client.remove_flags([1], [b"\\Seen"])
    client.logout()
    async with rt.stores() as store:
        await store.execute(update(checkpoint_t).values(uidvalidity=1))
    user.deliver(_raw(user.address, 2))
    pollers = Pollers(FAST)
    try:
        await pollers.supervise(rt)

        async def two() -> bool:
            return len(await tickets(rt)) == 2

        await eventually(two, what="the new message")
        await eventually(lambda: _seen(user, 2), what="both flagged")
        assert len(await tickets(rt)) == 2
        real = (await rows(rt, select(checkpoint_t)))[0]
        assert real["uidvalidity"] != 1 and real["last_uid"] == 2
    finally:
        await pollers.close()


async def _seen(user: MailUser, count: int = 1) -> bool:
    got = await asyncio.to_thread(user.messages)
    return len(got) == count and all(m.seen for m in got)


def test_arq_workers_run_the_poller_supervisor(settings: Settings, redis_url: str) -> None:
    from helpdesk.worker import worker_settings

    config = worker_settings(settings.with_changes(redis_url=redis_url))
    assert "cron:email_pollers" in {job.name for job in config["cron_jobs"]}
