"""The category tree: create a category or change one (name, place in the tree, defaults for
new tickets), with every value checked and refused per field."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from helpdesk.domain import OPEN_STATUSES, Actor, AuditKind, Priority
from helpdesk.errors import NotFound, ValidationFailed
from helpdesk.services._common import audit_config
from helpdesk.services.directory import create_category
from helpdesk.store import Store
from helpdesk.tables import category_t, team_t, ticket_t

__all__ = ["CategoryChange", "save_category"]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


@dataclass(frozen=True)
class CategoryChange:
    """What a saved category needs its caller to know: its id, and whether it moved in the tree
    (SLA policies and ladders follow the tree, so its open tickets need re-evaluating)."""

    id: int
    moved: bool


async def save_category(
    store: Store,
    category_id: int | None,
    *,
    slug: str,
    name: str,
    parent_id: int | None,
    default_team_id: int | None,
    default_priority: str | None,
    actor: Actor | None = None,
    via: str | None = None,
) -> CategoryChange:
    """Create a category (`category_id` None) or change one. ValidationFailed names each bad
    field: a slug that is not lowercase letters, digits, "-" and "_", or is taken; an empty
    name; a parent that does not exist or lies under the category itself (a cycle); an unknown
    team or priority. With an `actor`, audited as their change (`via` the API or the CLI, whose
    actor is the system; None: the admin pages), with how many open tickets a move
    re-evaluates."""
    slug, name = slug.strip().lower(), name.strip()
    parents = {
        int(r.id): r.parent_id
        for r in await store.execute(select(category_t.c.id, category_t.c.parent_id))
    }
    if category_id is not None and category_id not in parents:
        raise NotFound(f"no such category: {category_id}")
    errors: dict[str, str] = {}
    if not _SLUG.match(slug):
        errors["slug"] = (
            "use 1-100 lowercase letters, digits, - and _ (starting with a letter or digit)"
        )
    else:
        taken = (
            await store.execute(select(category_t.c.id).where(category_t.c.slug == slug))
        ).scalar_one_or_none()
        if taken is not None and taken != category_id:
            errors["slug"] = f"the slug {slug!r} is taken"
    if not name or len(name) > 200:
        errors["name"] = "a name of 1-200 characters is needed"
    if parent_id is not None:
        if parent_id not in parents:
            errors["parent_id"] = f"no such category: {parent_id}"
        elif category_id is not None and _under(parents, parent_id, category_id):
            errors["parent_id"] = "a category cannot go under itself or one of its subcategories"
    if default_team_id is not None:
        found = await store.execute(select(team_t.c.id).where(team_t.c.id == default_team_id))
        if found.scalar_one_or_none() is None:
            errors["default_team_id"] = f"no such team: {default_team_id}"
    priority: Priority | None = None
    if default_priority:
        try:
            priority = Priority(default_priority)
        except ValueError:
            errors["default_priority"] = f"no such priority: {default_priority!r}"
    if errors:
        raise ValidationFailed(errors)
    if category_id is None:
        created = await create_category(
            store,
            slug,
            name,
            parent_id=parent_id,
            default_team_id=default_team_id,
            default_priority=priority,
        )
        await _audit(store, actor, via, "created", created, name, moved=False)
        return CategoryChange(created, moved=False)
    try:
        async with store.savepoint():
            await store.execute(
                update(category_t)
                .where(category_t.c.id == category_id)
                .values(
                    slug=slug,
                    name=name,
                    parent_id=parent_id,
                    default_team_id=default_team_id,
                    default_priority=priority.value if priority else None,
                )
            )
    except IntegrityError:
        raise ValidationFailed({"slug": f"the slug {slug!r} is taken"}) from None
    moved = parents[category_id] != parent_id
    await _audit(store, actor, via, "moved" if moved else "updated", category_id, name, moved=moved)
    return CategoryChange(category_id, moved=moved)


async def _audit(
    store: Store, actor: Actor | None, via: str | None, action: str, row_id: int, name: str, *,
    moved: bool,
) -> None:  # fmt: skip
    if actor is None:
        return
    # A move changes which SLA policies and ladder the category's tickets follow: every open
    # ticket is re-evaluated, as after any SLA change; the entry says how many.
    count = 0
    if moved:
        found = await store.execute(
            select(func.count())
            .select_from(ticket_t)
            .where(ticket_t.c.status.in_([s.value for s in OPEN_STATUSES]))
        )
        count = int(found.scalar_one())
    await audit_config(
        store, actor, AuditKind.CATEGORY_SAVED, via=via,
        action=action, id=row_id, item=name, open_tickets=count,
    )  # fmt: skip


def _under(parents: dict[int, int | None], node: int, ancestor: int) -> bool:
    """Whether `node` is `ancestor` or lies below it."""
    seen: set[int] = set()
    current: int | None = node
    while current is not None and current not in seen:
        if current == ancestor:
            return True
        seen.add(current)
        current = parents.get(current)
    return False
