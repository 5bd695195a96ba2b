"""Retention: closed tickets of a channel lose their personal content N days after closing,
counted first by a dry run; time comes from the injected clock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from channels.chat.tables import update_t
from channels.web_form.tables import web_form_submission_t
from helpdesk import privacy, services
from helpdesk.domain import Status
from helpdesk.errors import ValidationFailed
from helpdesk.migrate import upgrade_async
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges, retention
from helpdesk.settings import Settings
from helpdesk.tables import identity_t, message_t, ticket_t
from helpdesk.worker import assemble, start
from tests.fixtures_db import SECRET, scheduler_of
from tests.privacy import seed as s


async def _close(rt: Runtime, ticket_id: int) -> None:
    async with rt.stores() as store:
        await services.update_ticket(
            store, ticket_id, Actor.system(), TicketChanges(status=Status.CLOSED)
        )


async def _texts(rt: Runtime, ticket_id: int) -> list[str]:
    async with rt.stores() as store:
        rows = await store.execute(
            select(message_t.c.text).where(message_t.c.ticket_id == ticket_id).order_by("id")
        )
        return list(rows.scalars())


async def test_dry_run_counts_then_run_clears_only_what_is_due(
    runtime: Runtime, clock: FixedClock
) -> None:
    seeded = await s.seed(runtime)
    tickets = seeded.tickets
    async with runtime.stores() as store:
        await retention.set_rule(store, "telegram", 30)
        await retention.set_rule(store, "web_form", 10, "delete")
        with pytest.raises(ValidationFailed):
            await retention.set_rule(store, "email", 0, "shred")
    await _close(runtime, tickets["telegram"])
    await _close(runtime, tickets["web_form"])
    await scheduler_of(runtime).drain()
    figures = await s.figures(runtime)

    clock.advance(days=20)
    assert (await privacy.run_retention(runtime, dry_run=True)).tickets == {"web_form": 1}
    clock.advance(days=11)
    dry = await privacy.run_retention(runtime, dry_run=True)
    assert dry.tickets == {"telegram": 1, "web_form": 1}
    assert await _texts(runtime, tickets["telegram"]) == [
        s.TELEGRAM_TEXT
    ]  # a dry run changes nothing

    assert await runtime.run_job(privacy.RETENTION_JOB) == {"telegram": 1, "web_form": 1}
    assert await _texts(runtime, tickets["telegram"]) == ["[erased]"]  # anonymised: row kept
    assert await _texts(runtime, tickets["web_form"]) == []  # deleted
    assert await _texts(runtime, tickets["email"]) == [s.EMAIL_TEXT]  # open, no rule: kept
    assert await _texts(runtime, seeded.other_ticket) == [s.OTHER_TEXT]
    async with runtime.stores() as store:
        updates = (await store.execute(select(update_t))).all()
        submission = (await store.execute(select(web_form_submission_t))).mappings().one()
        identities = (
            await store.execute(
                select(identity_t.c.address).where(identity_t.c.customer_id == seeded.customer_id)
            )
        ).scalars()
        statuses = {
            int(r.id): r.status
            for r in await store.execute(select(ticket_t.c.id, ticket_t.c.status))
        }
    assert updates == []
    assert (submission["email"], submission["client_ip"]) == ("", "")
    assert sorted(identities) == sorted([s.EMAIL, s.TELEGRAM_ID])  # the customer stays
    assert statuses[tickets["telegram"]] == statuses[tickets["web_form"]] == "closed"
    after = await s.figures(runtime)
    assert after["tickets"] == figures["tickets"] and after["clocks"] == figures["clocks"]
    assert (await privacy.run_retention(runtime, dry_run=True)).tickets == {}
    assert (await privacy.run_retention(runtime)).tickets == {}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "helpdesk.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_retention_commands(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{data_dir / 'helpdesk.db'}",
        data_dir=data_dir,
        secret_key=SECRET,
    )
    await upgrade_async(settings.database_url)
    # Tickets closed long ago, by a clock set back; the command runs on the real clock.
    rt = assemble(settings, clock=FixedClock(datetime(2020, 3, 2, 9, 0, tzinfo=UTC)))
    await start(rt, periodic=False)
    try:
        seeded = await s.seed(rt)
        await _close(rt, seeded.tickets["telegram"])
    finally:
        await rt.close()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
    env = {**clean, "HELPDESK_DATA_DIR": str(data_dir), "HELPDESK_SECRET_KEY": SECRET}
    assert _cli(env, "retention", "set", "telegram", "--days", "365").returncode == 0
    assert _cli(env, "retention", "list").stdout.split() == ["telegram", "365", "days", "anonymise"]
    dry = _cli(env, "retention", "run", "--dry-run")
    assert dry.stdout.strip() == "would clear 1 tickets (telegram 1)", dry.stderr
    done = _cli(env, "retention", "run")
    assert done.stdout.strip() == "cleared 1 tickets (telegram 1)", done.stderr
    assert (
        _cli(env, "retention", "run", "--dry-run").stdout.strip() == "would clear 0 tickets (none)"
    )
