"""Reads of SLA configuration for the admin pages: the rows as stored, in the order people see
them (policies in the order they are tried), and the audit trail of changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, select

from helpdesk.errors import NotFound
from helpdesk.store import Store
from sla.tables import calendar_t, change_t, ladder_t, policy_t

__all__ = ["calendars", "changes", "ladders", "one", "policies"]

_TABLES: dict[str, Table] = {"calendar": calendar_t, "policy": policy_t, "ladder": ladder_t}


async def calendars(store: Store) -> list[dict[str, Any]]:
    rows = await store.execute(select(calendar_t).order_by(calendar_t.c.name))
    return [dict(r) for r in rows.mappings()]


async def policies(store: Store) -> list[dict[str, Any]]:
    """In the order they are tried: the first that matches a ticket wins."""
    rows = await store.execute(select(policy_t).order_by(policy_t.c.position, policy_t.c.id))
    return [dict(r) for r in rows.mappings()]


async def ladders(store: Store) -> list[dict[str, Any]]:
    rows = await store.execute(select(ladder_t).order_by(ladder_t.c.name, ladder_t.c.id))
    return [dict(r) for r in rows.mappings()]


async def one(store: Store, kind: str, row_id: int) -> dict[str, Any]:
    """One calendar, policy or ladder; NotFound when there is none with that id."""
    table = _TABLES[kind]
    row = (await store.execute(select(table).where(table.c.id == row_id))).mappings().first()
    if row is None:
        raise NotFound(f"no such {kind}: {row_id}")
    return dict(row)


async def changes(store: Store, kind: str, limit: int = 20) -> list[dict[str, Any]]:
    """The latest changes of one kind, newest first."""
    rows = await store.execute(
        select(change_t).where(change_t.c.kind == kind).order_by(change_t.c.id.desc()).limit(limit)
    )
    return [dict(r) for r in rows.mappings()]
