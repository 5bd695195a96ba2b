"""What one new ticket costs the database, from the request to the last job it queued: its
write transactions (each a turn of SQLite's single write lock and an fsync) and its
statements. A guard against the create path growing back: every reaction to a new ticket
(routing, acknowledgement, SLA, live updates, delivery) runs on this path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import event

from helpdesk.runtime import Runtime
from tests.api.conftest import Directory
from tests.fixtures_db import scheduler_of

TICKETS = "/api/v1/tickets"


@dataclass
class Counts:
    writes: int = 0
    statements: int = 0


def _count(rt: Runtime) -> Counts:
    counts = Counts()

    def on_commit(conn: Any) -> None:
        # PostgreSQL's reads share the engine, in autocommit: they write nothing.
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            counts.writes += 1

    def on_statement(*_args: Any) -> None:
        counts.statements += 1

    writer, reader = rt.db.engine.sync_engine, rt.db.read_engine.sync_engine
    event.listen(writer, "commit", on_commit)
    event.listen(writer, "before_cursor_execute", on_statement)
    # PostgreSQL's reader is the writer with other options: it runs the writer's listeners.
    if reader.pool is not writer.pool:
        event.listen(reader, "before_cursor_execute", on_statement)
    return counts


async def _create(client: httpx.AsyncClient, directory: Directory, n: int) -> None:
    body = {
        "requester": {"email": f"customer{n}@example.com", "name": "A Customer"},
        "subject": f"Order {n} has not arrived",
        "text": "Hello, my order has not arrived yet. Can you check?",
    }
    response = await client.post(TICKETS, json=body, headers=directory.auth("sue"))
    assert response.status_code == 201, response.text


async def test_a_new_ticket_costs_a_few_write_transactions_and_statements(
    client: httpx.AsyncClient, directory: Directory, runtime: Runtime
) -> None:
    await _create(client, directory, 0)  # the token and configuration are read once
    await scheduler_of(runtime).drain()
    counts = _count(runtime)
    await _create(client, directory, 1)
    await scheduler_of(runtime).drain()
    # The ticket's own commit, routing's, one SLA evaluation. Before: 4 and 77-84; then 3 and
    # 46 (SQLite) / 43 (PostgreSQL), before routing stopped reading its view and its row again.
    assert counts.writes <= 3
    assert counts.statements <= 42
