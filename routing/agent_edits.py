"""Changes to agents' routing settings and to the idle timeout, shared by the API and the admin
pages: validated by the same models (`AgentIn`, `RoutingConfig`) and written with who made
them, and through which door, to routing's change log in the same unit of work."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.http import pydantic_fields
from helpdesk.store import Store
from routing import store as routing_store
from routing.config import RoutingConfig, SkillName


class AgentIn(BaseModel):
    """What a supervisor sets for an agent; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")
    availability: Literal["online", "away", "offline"] | None = None
    capacity: int | None = Field(default=None, ge=1, le=1000)
    clear_capacity: bool = False  # back to the team's capacity
    skills: list[SkillName] | None = Field(default=None, max_length=100)


def validate_agent(data: dict[str, Any]) -> AgentIn:
    """`data` as an agent change, or ValidationFailed naming each bad field as the API does."""
    try:
        return AgentIn.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None


async def change_agent(
    store: Store, user_id: int, change: AgentIn, *, by: int, via: str
) -> dict[str, Any]:
    """Apply `change` to the agent `user_id` and log it; returns the agent as now stored."""
    found = next((a for a in await routing_store.agents(store) if a["user_id"] == user_id), None)
    if found is None:
        raise NotFound(f"no agent {user_id}")
    await routing_store.set_agent(
        store,
        user_id,
        availability=change.availability,
        capacity=change.capacity,
        clear_capacity=change.clear_capacity,
        skills=change.skills,
    )
    saved = next(a for a in await routing_store.agents(store) if a["user_id"] == user_id)
    asked = change.model_dump(exclude_unset=True)
    if "skills" in asked:
        asked["skills"] = saved["skills"]  # as stored: normalised
    await routing_store.record_change(
        store,
        by,
        via,
        "agent changed",
        f"{saved['email']}: " + ", ".join(f"{k} {v}" for k, v in asked.items()),
        {"user_id": user_id, **asked},
    )
    return saved


async def set_idle_timeout(
    store: Store, minutes: int | str | None, *, by: int, via: str
) -> RoutingConfig:
    """Set after how many minutes without activity an online agent is away (None: never),
    checked as the API's `PUT /api/v1/routing/config` checks the whole configuration."""
    config = await routing_store.load_config(store)
    try:
        updated = RoutingConfig.model_validate(
            {**config.model_dump(mode="json"), "idle_away_minutes": minutes}
        )
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None
    await routing_store.save_config(store, updated)
    await routing_store.record_change(
        store,
        by,
        via,
        "configuration replaced",
        routing_store.config_summary(updated),
        updated.model_dump(mode="json"),
    )
    return updated
