"""Fault trials: mixed traffic against real `helpdesk serve` (and `helpdesk worker`) processes
killed with SIGKILL at random moments, then restarted.

Each trial: form posts, API creates (Idempotency-Key), Telegram webhook updates and replies
(by email through an aiosmtpd sink, by chat through the Bot API stand-in). At a random moment
the web process (SQLite), or the web process, the worker or both (PostgreSQL + Redis), are
killed; the deliveries claimed but not recorded at that instant are counted ("in flight").
The processes restart; the client re-sends what was not acknowledged with the same keys (a
reply, which has no key, is re-sent only if the ticket does not show it). Printed per trial:
acknowledged-but-lost, duplicate tickets, duplicate deliveries vs sends in flight at the kill,
and the worst delay from restart to delivery of what was pending at the kill. Goal: 0 lost,
0 duplicate tickets, duplicates <= in flight, every pending delivery out within 30 s.

    python -m bench.crash [--trials 5] [--setup sqlite|postgresql|both] [--per-kind 12]

PostgreSQL: HELPDESK_BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/test; the
trial makes and drops its own database). Redis: HELPDESK_BENCH_REDIS_URL (default db 6,
flushed per trial). Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiosmtpd.controller import Controller
from redis.asyncio import Redis

from bench._crash_checks import pending_at_kill, reply_stored, settle, ticket_of
from bench._crash_world import (
    PG_URL,
    REDIS_URL,
    SECRET,
    SETTLE_TIMEOUT,
    TOKEN,
    ChatLog,
    Request,
    Sink,
    Trial,
)
from channels.chat import bots
from channels.email import services as email_services
from channels.email.config import MailboxCreate
from channels.web_form import services as form_services
from channels.web_form.definition import parse_definition
from helpdesk import services
from helpdesk.crypto import SecretBox
from helpdesk.domain import Role
from helpdesk.migrate import upgrade
from helpdesk.ports import SystemClock
from helpdesk.runtime import Runtime
from helpdesk.scheduling import InProcessScheduler
from helpdesk.worker import assemble
from tests.support.services import free_port
from tests.support.telegram_api import BotApiStandIn, text_message_update


async def _prepare(trial: Trial, rt: Runtime) -> None:
    """Directory, an admin token, a mailbox sending to the sink, the form, the bot."""
    box = SecretBox(SECRET)
    async with rt.stores() as store:
        admin = await services.create_user(
            store, email="admin@example.com", name="Ada", role=Role.ADMIN
        )
        trial.token = await services.create_token(store, admin)
        await email_services.add_mailbox(
            store,
            box,
            MailboxCreate(
                name="support",
                address="support@example.com",
                # No IMAP server: polling fails and is reported; sending is what is measured.
                imap_host="127.0.0.1",
                imap_port=free_port(),
                imap_tls="none",
                imap_user="support@example.com",
                imap_password="unused",
                smtp_host="127.0.0.1",
                smtp_port=trial.smtp_port,
                smtp_tls="none",
            ),
        )
        definition = {
            "slug": "support",
            "title": "Contact support",
            "fields": [
                {"name": "name", "required": True},
                {"name": "email", "type": "email"},
                {"name": "subject", "max_length": 120},
                {"name": "message", "type": "textarea", "max_length": 5000},
            ],
            "rate_limit": {"max": 10_000, "window_seconds": 60},
        }
        await form_services.save_form(store, parse_definition(definition))
        info = await bots.add_bot(
            store,
            box,
            name="bench",
            token=TOKEN,
            api_url=trial.api.base_url,
            file_url=trial.api.base_file_url,
        )
        config = await bots.load_bot(store, box, info.name)
        assert config is not None
        trial.webhook_secret = config.webhook_secret


async def _wait_healthy(trial: Trial, client: httpx.AsyncClient, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        web = trial.procs["web"]
        if web.poll() is not None:
            raise RuntimeError(f"web process exited ({web.returncode}); see {trial.data_dir}")
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get(f"{trial.base}/healthz", timeout=2)).status_code < 600:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError("web process did not come up")


async def _send(trial: Trial, client: httpx.AsyncClient, req: Request, rt: Runtime) -> None:
    """One attempt; sets `acked` on a 2xx. Connection errors leave it unacknowledged."""
    req.attempts += 1
    auth = {"Authorization": f"Bearer {trial.token}"}
    try:
        if req.kind == "create":
            resp = await client.post(
                f"{trial.base}/api/v1/tickets",
                json=req.body,
                headers={**auth, "Idempotency-Key": req.key},
            )
        elif req.kind == "telegram":
            resp = await client.post(
                f"{trial.base}{bots.webhook_path('bench')}",
                json=req.body,
                headers={"X-Telegram-Bot-Api-Secret-Token": trial.webhook_secret},
            )
        elif req.kind == "form":
            async with httpx.AsyncClient(timeout=10) as own:  # its own CSRF cookie
                page = await own.get(f"{trial.base}/forms/support")
                hidden = dict(
                    re.findall(r'type="hidden" name="([a-z_]+)" value="([^"]*)"', page.text)
                )
                resp = await own.post(
                    f"{trial.base}/forms/support",
                    data={**hidden, **req.body, "submission_id": req.key},
                )
        else:
            ticket_id = req.body["ticket_id"]
            if req.attempts > 1 and await reply_stored(rt, req.marker):
                req.acked = True  # the first attempt committed before the crash
                return
            resp = await client.post(
                f"{trial.base}/api/v1/tickets/{ticket_id}/replies",
                json={"text": req.marker},
                headers=auth,
            )
    except httpx.HTTPError:
        return
    if resp.status_code < 300:
        req.acked = True
    elif resp.status_code < 500 and resp.status_code not in (408, 429):
        raise RuntimeError(f"{req.kind} {req.key} refused: {resp.status_code} {resp.text[:200]}")


async def _until_acked(
    trial: Trial, client: httpx.AsyncClient, req: Request, rt: Runtime, up: asyncio.Event
) -> None:
    await _send(trial, client, req, rt)
    while not req.acked:
        await up.wait()  # the client retries once the server is back, with the same key
        await _send(trial, client, req, rt)
        if not req.acked:
            await asyncio.sleep(0.2)


async def run_trial(setup: str, number: int, per_kind: int, api: BotApiStandIn) -> dict[str, Any]:
    rng = random.Random(number * 7919 + (1 if setup == "postgresql" else 0))
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port(), server_hostname="bench")
    smtp.start()
    chat = ChatLog(api)
    tmp = Path(tempfile.mkdtemp(prefix=f"crash-{setup}-{number}-"))
    pg_name = f"helpdesk_crash_{os.getpid()}_{number}"
    if setup == "postgresql":
        admin = await asyncpg.connect(PG_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{pg_name}"')
        await admin.close()
        url = PG_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        database_url = f"{url}/{pg_name}"
        redis = Redis.from_url(REDIS_URL)
        await redis.flushdb()
        await redis.aclose()
    else:
        database_url = f"sqlite+aiosqlite:///{tmp / 'helpdesk.db'}"
    trial = Trial(setup, tmp, database_url, free_port(), smtp.port, api)
    await asyncio.to_thread(upgrade, database_url)
    rt = assemble(trial.settings(), scheduler=InProcessScheduler(SystemClock()))
    await _prepare(trial, rt)

    tag = f"t{setup[0]}{number}"
    chat_base = 700_000_000 + number * 1000 + (500 if setup == "postgresql" else 0)
    requests = [
        Request(
            "create",
            f"{tag}-create-{i}",
            f"{tag}-create-{i}",
            {
                "requester": {"email": f"caller{i}@example.com", "name": f"Caller {i}"},
                "subject": f"{tag}-create-{i}",
                "text": f"{tag}-create-{i} body",
                "channel": "api",
            },
        )
        for i in range(per_kind)
    ]
    requests += [
        Request(
            "form",
            f"{tag}-form-{i}",
            uuid.uuid4().hex,
            {
                "name": f"Former {i}",
                "email": f"former{i}@example.com",
                "subject": f"{tag}-form-{i}",
                "message": f"{tag}-form-{i} body",
            },
        )
        for i in range(per_kind)
    ]
    requests += [
        Request(
            "telegram",
            f"{tag}-chat-{i}",
            str(chat_base + i),
            {"update_id": chat_base + i, **text_message_update(chat_base + i, f"{tag}-chat-{i}")},
        )
        for i in range(per_kind)
    ]
    rng.shuffle(requests)
    up = asyncio.Event()
    result: dict[str, Any] = {}
    try:
        for role in trial.roles():
            trial.spawn(role)
        async with httpx.AsyncClient(timeout=10) as client:
            await _wait_healthy(trial, client)
            up.set()
            sem = asyncio.Semaphore(6)

            async def go(req: Request) -> None:
                async with sem:
                    await _until_acked(trial, client, req, rt, up)

            async def replies() -> list[Request]:
                # Replies to tickets the customers opened, once each ticket exists.
                made: list[Request] = []
                sources = [r for r in requests if r.kind in ("create", "telegram")]
                for j, src in enumerate(sources):
                    give_up = time.monotonic() + SETTLE_TIMEOUT
                    while (ticket_id := await ticket_of(rt, src)) is None:
                        if time.monotonic() > give_up:
                            break  # never opened: counted as lost if it was acknowledged
                        await asyncio.sleep(0.05)
                    if ticket_id is None:
                        continue
                    reply = Request("reply", f"{tag}-reply-{j}", "", {"ticket_id": ticket_id})
                    made.append(reply)
                    await go(reply)
                return made

            async def killer() -> None:
                await asyncio.sleep(rng.uniform(0.5, 2.5))
                roles = rng.choice([["web"], ["worker"], ["web", "worker"]])
                if setup == "sqlite":
                    roles = ["web"]
                up.clear()
                trial.kill(roles)
                trial.in_flight, trial.pending_markers = await pending_at_kill(rt)
                await asyncio.sleep(rng.uniform(0.0, 1.0))
                trial.restarted_at = time.monotonic()
                for role in roles:
                    trial.spawn(role)
                await _wait_healthy(trial, client)
                up.set()

            kill_task = asyncio.create_task(killer())
            reply_task = asyncio.create_task(replies())
            await asyncio.gather(*(go(r) for r in requests))
            reply_requests = await reply_task
            await kill_task
            requests += reply_requests
            result = await settle(trial, rt, sink, chat, requests)
    finally:
        trial.stop_all()
        smtp.stop()
        await rt.close()
        if setup == "postgresql":
            admin = await asyncpg.connect(PG_URL)
            await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            await admin.close()
    return result


def _print(setup: str, results: list[dict[str, Any]]) -> None:
    print(f"\n{setup}: {len(results)} trials")
    header = (
        "trial killed      reqs resent lost dup_tickets dup_deliveries in_flight pending "
        "worst_s unsent"
    )
    print(header)
    for n, r in enumerate(results, 1):
        print(
            f"{n:5} {r['killed']:<11} {r['requests']:4} {r['unacked_resent']:6} {r['lost']:4} "
            f"{r['duplicate_tickets']:11} {r['duplicate_deliveries']:14} {r['in_flight']:9} "
            f"{r['pending_at_kill']:7} {r['worst_restart_to_delivery_s']:7.1f} {r['unsent_left']:6}"
        )
    worst = max(r["worst_restart_to_delivery_s"] for r in results)
    dup = sum(r["duplicate_deliveries"] for r in results)
    flight = sum(r["in_flight"] for r in results)
    print(
        f"total: lost {sum(r['lost'] for r in results)} (goal 0), duplicate tickets "
        f"{sum(r['duplicate_tickets'] for r in results)} (goal 0), duplicate deliveries {dup} "
        f"vs {flight} in flight at the kills (goal <=), worst restart-to-delivery {worst:.1f} s "
        "(goal <= 30)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--setup", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--per-kind", type=int, default=12, help="requests of each kind")
    args = parser.parse_args()
    api = BotApiStandIn(TOKEN).start()
    try:
        for setup in ["sqlite", "postgresql"] if args.setup == "both" else [args.setup]:
            results = []
            for number in range(1, args.trials + 1):
                results.append(await run_trial(setup, number, args.per_kind, api))
                print(f"{setup} trial {number}: {results[-1]}", flush=True)
            _print(setup, results)
    finally:
        api.stop()


if __name__ == "__main__":
    asyncio.run(main())
