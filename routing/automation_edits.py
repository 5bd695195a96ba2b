"""Enabling, disabling and removing one time-based automation, for the admin pages.

Each change rebuilds the configuration and validates it as the API's
`PUT /api/v1/routing/config` does (`RoutingConfig`), saves it and writes the change with who
made it to routing's change log. Automations are addressed by name, which the configuration
keeps unique (it names their episodes on tickets)."""

from __future__ import annotations

from pydantic import ValidationError

from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.http import pydantic_fields
from helpdesk.store import Store
from routing import store as routing_store
from routing.automations import Automation
from routing.config import RoutingConfig


async def _save(
    store: Store, config: RoutingConfig, automations: list[Automation], user_id: int, what: str
) -> None:
    try:
        updated = RoutingConfig.model_validate(
            {**config.model_dump(mode="json"), "automations": automations}
        )
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None
    # The same check the API's PUT makes: a webhook action must name an active subscription.
    missing = await routing_store.missing_webhooks(store, updated)
    if missing:
        raise ValidationFailed(missing)
    await routing_store.save_config(store, updated)
    await routing_store.record_change(
        store, user_id, "admin", "configuration replaced", what, updated.model_dump(mode="json")
    )


def _named(config: RoutingConfig, name: str) -> int:
    for i, automation in enumerate(config.automations):
        if automation.name == name:
            return i
    raise NotFound(f"no automation named {name!r}")


async def set_enabled(store: Store, name: str, enabled: bool, *, user_id: int) -> None:
    """Enable or disable the automation `name`."""
    config = await routing_store.load_config(store)
    at = _named(config, name)
    automations = list(config.automations)
    automations[at] = automations[at].model_copy(update={"active": enabled})
    state = "enabled" if enabled else "disabled"
    await _save(store, config, automations, user_id, f"automation {name!r} {state}")


async def remove(store: Store, name: str, *, user_id: int) -> None:
    """Remove the automation `name`."""
    config = await routing_store.load_config(store)
    at = _named(config, name)
    automations = [a for i, a in enumerate(config.automations) if i != at]
    await _save(store, config, automations, user_id, f"automation {name!r} removed")
