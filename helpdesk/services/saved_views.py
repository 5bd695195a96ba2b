"""Saved inbox views: an agent keeps the filters, sort and search they use as a named view;
a supervisor or admin may share one with a team or with everyone. Every change is written to
the audit trail (kind `saved_view_changed`) with who made it, in the same unit of work.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping

from helpdesk.domain import Actor, AuditKind, Principal
from helpdesk.errors import Forbidden, NotFound, ValidationFailed
from helpdesk.services._common import audit_config
from helpdesk.store import Store
from helpdesk.tables import saved_view_t, team_t

MAX_NAME = 80
MAX_PARAMS = 2000
MAX_PER_OWNER = 50


class Scope(StrEnum):
    PERSONAL = "personal"  # its owner's only
    TEAM = "team"  # every member of one team
    EVERYONE = "everyone"  # every staff member


async def _log(
    store: Store, who: Principal, view_id: int, action: str, name: str, **data: Any
) -> None:
    await audit_config(
        store, Actor.user(who.user_id), AuditKind.SAVED_VIEW_CHANGED,
        action=action, item=name, id=view_id, **data,
    )  # fmt: skip


def _name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationFailed({"name": "a saved view needs a name"})
    if len(cleaned) > MAX_NAME:
        raise ValidationFailed({"name": f"at most {MAX_NAME} characters"})
    return cleaned


async def _scope(
    store: Store, who: Principal, scope: str, team_id: int | None
) -> tuple[Scope, int | None]:
    try:
        chosen = Scope(scope)
    except ValueError:
        raise ValidationFailed({"scope": "personal, team or everyone"}) from None
    if chosen is not Scope.PERSONAL and not who.sees_everything:
        raise Forbidden("only supervisors and admins share views")
    if chosen is not Scope.TEAM:
        return chosen, None
    if team_id is None:
        raise ValidationFailed({"team_id": "choose the team to share the view with"})
    found = await store.execute(select(team_t.c.id).where(team_t.c.id == team_id))
    if found.first() is None:
        raise ValidationFailed({"team_id": "there is no such team"})
    return chosen, team_id


async def save_view(
    store: Store,
    who: Principal,
    name: str,
    base_view: str,
    params: str,
    *,
    scope: str = Scope.PERSONAL,
    team_id: int | None = None,
) -> int:
    """Save `params` (the filters, sort and search as a query string) on top of the standard
    view `base_view` as a view named `name`; the caller checks `base_view` is one of theirs."""
    clean = _name(name)
    if not base_view or len(base_view) > 40:
        raise ValidationFailed({"view": "a saved view is based on one of your views"})
    if len(params) > MAX_PARAMS:
        raise ValidationFailed({"params": "these filters are too long to save"})
    chosen, team = await _scope(store, who, scope, team_id)
    owned = await store.execute(
        select(saved_view_t.c.id).where(saved_view_t.c.owner_id == who.user_id)
    )
    if len(owned.all()) >= MAX_PER_OWNER:
        raise ValidationFailed({"name": f"at most {MAX_PER_OWNER} saved views each"})
    now = store.now()
    result = await store.execute(
        insert(saved_view_t)
        .values(name=clean, owner_id=who.user_id, scope=chosen.value, team_id=team,
                base_view=base_view, params=params, created_at=now, updated_at=now)
        .returning(saved_view_t.c.id)
    )  # fmt: skip
    view_id = int(result.scalar_one())
    await _log(store, who, view_id, "created", clean, scope=chosen.value, team_id=team,
               base_view=base_view, params=params)  # fmt: skip
    return view_id


async def _editable(store: Store, who: Principal, view_id: int) -> RowMapping:
    """The view, if `who` may change it: its owner, or a supervisor/admin for a shared one."""
    row = (
        (await store.execute(select(saved_view_t).where(saved_view_t.c.id == view_id)))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"there is no saved view {view_id}")
    if row["owner_id"] == who.user_id:
        return row
    if row["scope"] != Scope.PERSONAL and who.sees_everything:
        return row
    if row["scope"] == Scope.PERSONAL:
        raise NotFound(f"there is no saved view {view_id}")  # another's: not even its existence
    raise Forbidden("only its owner or a supervisor changes a shared view")


async def rename_view(store: Store, who: Principal, view_id: int, name: str) -> None:
    """Give a saved view a new name."""
    row = await _editable(store, who, view_id)
    clean = _name(name)
    await store.execute(
        update(saved_view_t)
        .where(saved_view_t.c.id == view_id)
        .values(name=clean, updated_at=store.now())
    )
    await _log(store, who, view_id, "renamed", clean, old=row["name"])


async def share_view(
    store: Store, who: Principal, view_id: int, scope: str, team_id: int | None = None
) -> None:
    """Make a view personal again, or share it with a team or everyone (supervisors, admins)."""
    row = await _editable(store, who, view_id)
    chosen, team = await _scope(store, who, scope, team_id)
    await store.execute(
        update(saved_view_t)
        .where(saved_view_t.c.id == view_id)
        .values(scope=chosen.value, team_id=team, updated_at=store.now())
    )
    await _log(store, who, view_id, "shared", row["name"], old_scope=row["scope"],
               old_team_id=row["team_id"], scope=chosen.value, team_id=team)  # fmt: skip


async def delete_view(store: Store, who: Principal, view_id: int) -> None:
    """Remove a saved view; its change log stays."""
    row = await _editable(store, who, view_id)
    await store.execute(delete(saved_view_t).where(saved_view_t.c.id == view_id))
    await _log(store, who, view_id, "deleted", row["name"], scope=row["scope"],
               team_id=row["team_id"], params=row["params"])  # fmt: skip
