"""Routing's own rows: the configuration document, agent availability and capacity, and
training examples. Ticket changes never happen here: they go through `helpdesk.services`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from helpdesk.store import Store
from routing.config import RoutingConfig
from routing.tables import routing_agent_t, routing_example_t, routing_setting_t

CONFIG_KEY = "config"
AVAILABILITY = ("online", "away", "offline")


async def load_config(store: Store) -> RoutingConfig:
    """The stored configuration, or the defaults when none was saved."""
    value = (
        await store.execute(
            select(routing_setting_t.c.value).where(routing_setting_t.c.key == CONFIG_KEY)
        )
    ).scalar_one_or_none()
    return RoutingConfig.model_validate(value) if value else RoutingConfig()


async def save_config(store: Store, config: RoutingConfig) -> None:
    """Store a validated configuration (replacing the previous one)."""
    await store.execute(
        store.upsert(routing_setting_t, index_elements=["key"], update=["value", "updated_at"]),
        {
            "key": CONFIG_KEY,
            "value": config.model_dump(mode="json"),
            "updated_at": store.now(),
        },
    )


async def set_agent(
    store: Store,
    user_id: int,
    *,
    availability: str | None = None,
    capacity: int | None = None,
    clear_capacity: bool = False,
) -> None:
    """Set an agent's availability and/or personal capacity (None keeps the team's)."""
    if availability is not None and availability not in AVAILABILITY:
        raise ValueError(f"availability is one of {AVAILABILITY}")
    await store.execute(store.insert_ignoring_duplicates(routing_agent_t), {"user_id": user_id})
    values: dict[str, Any] = {}
    if availability is not None:
        values["availability"] = availability
    if capacity is not None or clear_capacity:
        values["capacity"] = capacity
    if values:
        await store.execute(
            update(routing_agent_t).where(routing_agent_t.c.user_id == user_id).values(**values)
        )


async def mark_assigned(store: Store, user_id: int, at: datetime) -> None:
    await store.execute(store.insert_ignoring_duplicates(routing_agent_t), {"user_id": user_id})
    await store.execute(
        update(routing_agent_t)
        .where(routing_agent_t.c.user_id == user_id)
        .values(last_assigned_at=at)
    )


async def record_example(
    store: Store, ticket_id: int, text: str, category: str, source: str
) -> None:
    """Remember a person's categorisation of a ticket (the latest one wins)."""
    await store.execute(delete(routing_example_t).where(routing_example_t.c.ticket_id == ticket_id))
    await store.execute(
        routing_example_t.insert().values(
            ticket_id=ticket_id,
            text=text,
            category=category,
            source=source,
            created_at=store.now(),
        )
    )


async def examples(store: Store) -> tuple[list[str], list[str]]:
    rows = await store.execute(
        select(routing_example_t.c.text, routing_example_t.c.category).order_by(
            routing_example_t.c.id
        )
    )
    texts: list[str] = []
    labels: list[str] = []
    for row in rows:
        texts.append(row.text)
        labels.append(row.category)
    return texts, labels
