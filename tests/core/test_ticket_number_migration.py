"""Ticket numbers go on where they left off across the migration to PostgreSQL's sequence
(tickets_0001), on a database that already has tickets, and back down to the counter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from alembic import command
from sqlalchemy import text

from helpdesk import services
from helpdesk.migrate import alembic_config
from helpdesk.ports import FixedClock
from helpdesk.settings import Settings
from helpdesk.store import Store
from helpdesk.worker import assemble, start
from tests.core.factory import email_in
from tests.fixtures_db import _off_loop

_COUNTER = text("SELECT value FROM counter WHERE name = 'ticket'")
_SET_COUNTER = text("UPDATE counter SET value = :value WHERE name = 'ticket'")
_START = text("SELECT start_value FROM pg_sequences WHERE sequencename = 'ticket_number'")


async def _open(settings: Settings, clock: FixedClock, sender: str) -> int:
    rt = assemble(settings, clock=clock)
    await start(rt, periodic=False)
    try:
        async with rt.stores() as store:
            result = await services.ingest(store, email_in(sender=sender))
        assert result.ticket_number is not None
        return result.ticket_number
    finally:
        await rt.close()


@asynccontextmanager
async def _store(settings: Settings, clock: FixedClock) -> AsyncIterator[Store]:
    """A unit of work on a runtime of its own: the schema changes between them."""
    rt = assemble(settings, clock=clock)
    try:
        async with rt.stores() as store:
            yield store
    finally:
        await rt.close()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_numbers_go_on_from_the_counter_and_back(
    settings: Settings, clock: FixedClock, db_url: str
) -> None:
    config = alembic_config(db_url)
    # Where the other tests' numbers start (TRUNCATE ... RESTART IDENTITY), put back at the end.
    async with _store(settings, clock) as store:
        numbers_start = int((await store.execute(_START)).scalar_one())
    first = await _open(settings, clock, "ayse@example.com")
    # Down to the counter: it takes up after the last number the sequence handed out.
    _off_loop(command.downgrade, config, "tickets@-1")
    try:
        async with _store(settings, clock) as store:
            assert (await store.execute(_COUNTER)).scalar_one() == first
            # A database whose counter ran ahead of that: tickets opened before the upgrade.
            await store.execute(_SET_COUNTER, {"value": first + 500})
    finally:
        _off_loop(command.upgrade, config, "heads")
    try:
        assert await _open(settings, clock, "mehmet@example.com") == first + 501
    finally:
        async with _store(settings, clock) as store:
            await store.execute(text(f"ALTER SEQUENCE ticket_number START WITH {numbers_start}"))
