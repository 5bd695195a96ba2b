"""Changes to the rule list, one rule at a time, for the admin pages.

Every change rebuilds the whole configuration and validates it exactly as the API's
`PUT /api/v1/routing/config` does (`RoutingConfig`), saves it and writes the change with who
made it to the audit log (`audit_event`). A rule is saved disabled; it is enabled only for the
version its dry-run showed (the caller passes the `fingerprint` of that version), so what was
checked is what runs.

Rules are addressed by position plus name: a position alone could name another rule after a
concurrent change, and rule names need not be unique.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import ValidationError

from helpdesk.domain import Actor, AuditKind
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.http import pydantic_fields
from helpdesk.services._common import audit_config
from helpdesk.store import Store
from routing import store as routing_store
from routing.config import RoutingConfig
from routing.rules import Rule

KINDS = (AuditKind.ROUTING_RULE_CHANGED,)  # this module's entries in the audit log


def fingerprint(rule: Rule) -> str:
    """A digest of what the rule does (everything but whether it is enabled)."""
    body = rule.model_dump(mode="json", exclude={"active"})
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]


def validate_rule(data: dict[str, Any]) -> Rule:
    """`data` as a rule, or ValidationFailed naming each bad field by its path in the rule."""
    try:
        return Rule.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None


def _with_rules(config: RoutingConfig, rules: list[Rule]) -> RoutingConfig:
    try:
        return RoutingConfig.model_validate({**config.model_dump(mode="json"), "rules": rules})
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None


def _at(config: RoutingConfig, position: int, name: str) -> Rule:
    if not 0 <= position < len(config.rules):
        raise NotFound(f"no rule at position {position + 1}")
    rule = config.rules[position]
    if rule.name != name:
        raise Conflict("the rule list changed since this page was loaded; reload it")
    return rule


async def _save(
    store: Store, config: RoutingConfig, rules: list[Rule], user_id: int, action: str, rule: Rule
) -> None:
    updated = _with_rules(config, rules)
    # The same check the API's PUT makes: a webhook action must name an active subscription.
    missing = await routing_store.missing_webhooks(store, updated)
    if missing:
        here = next((i for i, r in enumerate(rules) if r is rule), None)
        prefix = f"rules.{here}."
        raise ValidationFailed(
            {k.removeprefix(prefix) if k.startswith(prefix) else k: v for k, v in missing.items()}
        )
    await routing_store.save_config(store, updated)
    await audit_config(
        store, Actor.user(user_id), AuditKind.ROUTING_RULE_CHANGED,
        action=action, item=rule.name, rule=rule.model_dump(mode="json"),
    )  # fmt: skip


async def add_rule(store: Store, rule: Rule, *, user_id: int) -> int:
    """Append `rule`, disabled; returns its position."""
    config = await routing_store.load_config(store)
    disabled = rule.model_copy(update={"active": False})
    await _save(store, config, [*config.rules, disabled], user_id, "created", disabled)
    return len(config.rules)


async def replace_rule(store: Store, position: int, name: str, rule: Rule, *, user_id: int) -> None:
    """Replace the rule at `position` (named `name`) with `rule`, disabled until its dry-run."""
    config = await routing_store.load_config(store)
    _at(config, position, name)
    rules = list(config.rules)
    rules[position] = rule.model_copy(update={"active": False})
    await _save(store, config, rules, user_id, "updated", rules[position])


async def set_enabled(
    store: Store,
    position: int,
    name: str,
    enabled: bool,
    *,
    user_id: int,
    checked: str | None = None,
) -> None:
    """Enable (only the version whose fingerprint is `checked`) or disable a rule."""
    config = await routing_store.load_config(store)
    rule = _at(config, position, name)
    if enabled and checked != fingerprint(rule):
        raise Conflict("the rule changed since its dry-run; look at the dry-run again")
    rules = list(config.rules)
    rules[position] = rule.model_copy(update={"active": enabled})
    await _save(
        store, config, rules, user_id, "enabled" if enabled else "disabled", rules[position]
    )


async def move_rule(
    store: Store, position: int, name: str, direction: Literal["up", "down"], *, user_id: int
) -> int:
    """Swap the rule with its neighbour; returns its new position."""
    config = await routing_store.load_config(store)
    rule = _at(config, position, name)
    target = position - 1 if direction == "up" else position + 1
    if not 0 <= target < len(config.rules):
        raise ValidationFailed(
            {"direction": f"the rule is already the {'first' if direction == 'up' else 'last'}"}
        )
    rules = list(config.rules)
    rules[position], rules[target] = rules[target], rules[position]
    updated = _with_rules(config, rules)
    # The same check the API's PUT makes: a webhook action must name an active subscription.
    missing = await routing_store.missing_webhooks(store, updated)
    if missing:
        here = next((i for i, r in enumerate(rules) if r is rule), None)
        prefix = f"rules.{here}."
        raise ValidationFailed(
            {k.removeprefix(prefix) if k.startswith(prefix) else k: v for k, v in missing.items()}
        )
    await routing_store.save_config(store, updated)
    places: dict[str, Any] = {"from": position + 1, "to": target + 1}  # "from" is a keyword
    await audit_config(
        store, Actor.user(user_id), AuditKind.ROUTING_RULE_CHANGED,
        action="moved", item=rule.name, **places,
    )  # fmt: skip
    return target


async def remove_rule(store: Store, position: int, name: str, *, user_id: int) -> None:
    config = await routing_store.load_config(store)
    rule = _at(config, position, name)
    rules = [r for i, r in enumerate(config.rules) if i != position]
    await _save(store, config, rules, user_id, "removed", rule)
