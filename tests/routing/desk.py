"""A small desk for routing tests: teams, agents, categories (one nested), a routing
configuration and, when asked, a classifier trained on our synthetic tickets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from helpdesk import services
from helpdesk.domain import Priority
from helpdesk.ports import FixedClock
from helpdesk.runtime import Runtime
from helpdesk.tables import audit_t, message_t, ticket_t
from routing import store as routing_store
from routing.config import RoutingConfig


@dataclass
class Desk:
    rt: Runtime
    teams: dict[str, int]
    users: dict[str, int]
    categories: dict[str, int]

    async def configure(self, **fields: Any) -> RoutingConfig:
        config = RoutingConfig.model_validate(fields)
        async with self.rt.stores() as store:
            await routing_store.save_config(store, config)
        return config

    async def ticket(self, ticket_id: int) -> dict[str, Any]:
        async with self.rt.stores() as store:
            row = (
                (await store.execute(select(ticket_t).where(ticket_t.c.id == ticket_id)))
                .mappings()
                .one()
            )
        return dict(row)

    async def timeline(self, ticket_id: int) -> list[tuple[str, str]]:
        """(kind, reason) of every audit event that carries a reason, oldest first."""
        async with self.rt.stores() as store:
            rows = await store.execute(
                select(audit_t.c.kind, audit_t.c.data)
                .where(audit_t.c.ticket_id == ticket_id)
                .order_by(audit_t.c.id)
            )
            return [(r.kind, r.data["reason"]) for r in rows if (r.data or {}).get("reason")]

    async def reasons(self, ticket_id: int) -> list[str]:
        return [reason for _kind, reason in await self.timeline(ticket_id)]

    async def message_languages(self, ticket_id: int) -> list[str | None]:
        async with self.rt.stores() as store:
            rows = await store.execute(
                select(message_t.c.meta)
                .where(message_t.c.ticket_id == ticket_id)
                .order_by(message_t.c.id)
            )
            return [(meta or {}).get("language") for (meta,) in rows]


async def make_desk(rt: Runtime, clock: FixedClock) -> Desk:
    async with rt.stores() as store:
        teams = {
            name: await services.create_team(store, name)
            for name in ("Billing", "Logistics", "Tech")
        }
        users = {
            "ayse": await services.create_user(
                store, email="ayse@help.test", name="Ayşe", team_ids=(teams["Billing"],)
            ),
            "mehmet": await services.create_user(
                store, email="mehmet@help.test", name="Mehmet", team_ids=(teams["Billing"],)
            ),
            "lale": await services.create_user(
                store, email="lale@help.test", name="Lale", team_ids=(teams["Logistics"],)
            ),
            "tom": await services.create_user(
                store, email="tom@help.test", name="Tom", team_ids=(teams["Tech"],)
            ),
        }
        billing = await services.create_category(
            store, "billing", "Billing", default_team_id=teams["Billing"]
        )
        categories = {
            "billing": billing,
            "refunds": await services.create_category(
                store, "refunds", "Refunds", parent_id=billing, default_team_id=teams["Billing"]
            ),
            "login": await services.create_category(store, "login", "Login"),
            "delivery": await services.create_category(
                store,
                "delivery",
                "Delivery",
                default_team_id=teams["Logistics"],
                default_priority=Priority.HIGH,
            ),
            "hardware": await services.create_category(
                store, "hardware", "Hardware", default_team_id=teams["Tech"]
            ),
        }
    return Desk(rt, teams, users, categories)
