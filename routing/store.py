"""Routing's own rows: the configuration document, agent availability and capacity, and
training examples. Ticket changes never happen here: they go through `helpdesk.services`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from helpdesk.audit_queries import recent_changes
from helpdesk.domain import Actor, AuditKind, Role
from helpdesk.errors import ValidationFailed
from helpdesk.privacy_tables import webhook_subscription_t
from helpdesk.services._common import audit_config
from helpdesk.store import Store
from helpdesk.tables import user_t
from routing.config import RoutingConfig
from routing.rules import Action
from routing.tables import (
    routing_agent_t,
    routing_example_t,
    routing_setting_t,
    routing_ticket_skill_t,
)
from routing.text import normalise

CONFIG_KEY = "config"
# Routing's entries in the audit log; a change's `action` names which kind it is.
_KIND_OF = {
    "configuration replaced": AuditKind.ROUTING_CONFIG_REPLACED,
    "agent changed": AuditKind.ROUTING_AGENT_CHANGED,
}
KINDS = (*_KIND_OF.values(), AuditKind.ROUTING_RULE_CHANGED)  # rules edited in the admin pages
AVAILABILITY = ("online", "away", "offline")
MAX_CAPACITY = 1000  # the API model's bound (`routing.routes`, `routing.config`)


# Built once: every routing decision reads it.
_CONFIG = select(routing_setting_t.c.value).where(routing_setting_t.c.key == CONFIG_KEY)


async def load_config(store: Store) -> RoutingConfig:
    """The stored configuration, or the defaults when none was saved."""
    value = (await store.execute(_CONFIG)).scalar_one_or_none()
    return RoutingConfig.model_validate(value) if value else RoutingConfig()


async def missing_webhooks(store: Store, config: RoutingConfig) -> dict[str, str]:
    """Per field, the call_webhook actions naming no active subscription: a 422 when the
    configuration is saved, not a failure when the rule fires."""
    wanted: dict[str, int] = {}
    groups: list[tuple[str, list[list[Action]]]] = [
        ("rules", [r.actions for r in config.rules]),
        ("automations", [a.actions for a in config.automations]),
    ]
    for group, items in groups:
        for i, actions in enumerate(items):
            for j, action in enumerate(actions):
                if action.kind == "call_webhook":
                    wanted[f"{group}.{i}.actions.{j}.value"] = int(action.values()[0])
    if not wanted:
        return {}
    active = set(
        (
            await store.execute(
                select(webhook_subscription_t.c.id).where(
                    webhook_subscription_t.c.id.in_(set(wanted.values())),
                    webhook_subscription_t.c.active.is_(True),
                )
            )
        ).scalars()
    )
    return {
        field: f"no active webhook subscription {sid}"
        for field, sid in wanted.items()
        if sid not in active
    }


async def record_change(
    store: Store, user_id: int | None, via: str, action: str, subject: str, data: dict[str, Any]
) -> None:
    """Write a key user's change (None: the command line) to the audit log, in the same unit
    of work as the change."""
    actor = Actor.system() if user_id is None else Actor.user(user_id)
    await audit_config(
        store, actor, _KIND_OF[action], action=action, item=subject[:200], via=via, **data
    )


async def changes(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """Routing's changes, newest first, with who made them."""
    return [
        {
            "at": c.at,
            "by": c.user,
            "action": c.action,
            "subject": c.subject,
            "data": c.data,
        }
        for c in await recent_changes(store, KINDS, limit=limit)
    ]


def config_summary(config: RoutingConfig) -> str:
    return (
        f"{len(config.rules)} rules, {len(config.automations)} automations, "
        f"{len(config.keyword_rules)} keyword rules, {len(config.teams)} teams"
    )


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


async def replace_config(
    store: Store, config: RoutingConfig, *, user_id: int | None, via: str
) -> None:
    """Replace the whole configuration (rules, automations, keyword rules, teams), as the API's
    PUT and `helpdesk routing config set` do: a webhook action must name an active
    subscription (else ValidationFailed per field); audited as user `user_id`'s change (None:
    the command line)."""
    missing = await missing_webhooks(store, config)
    if missing:
        raise ValidationFailed(missing)
    await save_config(store, config)
    await record_change(
        store, user_id, via, "configuration replaced", config_summary(config),
        config.model_dump(mode="json"),
    )  # fmt: skip


async def set_agent(
    store: Store,
    user_id: int,
    *,
    availability: str | None = None,
    capacity: int | None = None,
    clear_capacity: bool = False,
    skills: Sequence[str] | None = None,
) -> None:
    """Set an agent's availability, personal capacity (None keeps the team's) and/or skills.
    Availability set by the agent is theirs: it ends an idle-away."""
    if availability is not None and availability not in AVAILABILITY:
        raise ValueError(f"availability is one of {AVAILABILITY}")
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        # The API's bound, for every caller: a capacity of 0 would make the agent a dead end
        # for assignment and a division by zero in the load report.
        raise ValueError(f"capacity is a whole number from 1 to {MAX_CAPACITY}")
    await store.execute(store.insert_ignoring_duplicates(routing_agent_t), {"user_id": user_id})
    values: dict[str, Any] = {}
    if availability is not None:
        values["availability"] = availability
        values["idle_away"] = False
    if skills is not None:
        values["skills"] = normalise_skills(skills)
    if capacity is not None or clear_capacity:
        values["capacity"] = capacity
    if values:
        await store.execute(
            update(routing_agent_t).where(routing_agent_t.c.user_id == user_id).values(**values)
        )


def normalise_skills(skills: Iterable[str]) -> list[str]:
    """Skills compare case-insensitively ("Language:TR" is "language:tr"), Turkish-aware."""
    return sorted({normalise(s) for s in skills if s.strip()})


async def require_skills(store: Store, ticket_id: int, skills: Iterable[str]) -> list[str]:
    """Add skills the ticket needs; returns all of them."""
    current = await ticket_skills(store, ticket_id)
    wanted = normalise_skills([*current, *skills])
    await store.execute(
        store.upsert(routing_ticket_skill_t, index_elements=["ticket_id"], update=["skills"]),
        {"ticket_id": ticket_id, "skills": wanted},
    )
    return wanted


async def ticket_skills(store: Store, ticket_id: int) -> list[str]:
    found = (
        await store.execute(
            select(routing_ticket_skill_t.c.skills).where(
                routing_ticket_skill_t.c.ticket_id == ticket_id
            )
        )
    ).scalar_one_or_none()
    return list(found or [])


async def agents(store: Store) -> list[dict[str, Any]]:
    """Every active human user with their routing state (defaults for those without a row)."""
    rows = await store.execute(
        select(
            user_t.c.id,
            user_t.c.email,
            user_t.c.name,
            routing_agent_t.c.availability,
            routing_agent_t.c.capacity,
            routing_agent_t.c.skills,
            routing_agent_t.c.idle_away,
        )
        .outerjoin(routing_agent_t, routing_agent_t.c.user_id == user_t.c.id)
        .where(user_t.c.active.is_(True), user_t.c.role != Role.BOT.value)
        .order_by(user_t.c.id)
    )
    return [
        {
            "user_id": int(r.id),
            "email": r.email,
            "name": r.name or "",
            "availability": r.availability or "online",
            "capacity": r.capacity,
            "skills": list(r.skills or []),
            "idle_away": bool(r.idle_away),
        }
        for r in rows
    ]


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
