"""Staff administration: teams, their members, users' roles and teams, deactivation and API
tokens, each change validated and written to the audit trail with who made it.

`directory` holds the plain building blocks (the CLI and the demo use them); these functions
are what the admin pages call: they check the input field by field, refuse changes that would
lock everyone out, and audit.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from helpdesk.domain import Actor, AuditKind, Role
from helpdesk.errors import Conflict, NotFound, ValidationFailed
from helpdesk.services import credentials, directory
from helpdesk.services._common import audit_config
from helpdesk.services.sessions import sign_out_everywhere
from helpdesk.store import Store
from helpdesk.tables import api_token_t, team_member_t, team_t, user_t

STAFF_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
SHORT_PASSWORD = "must be at least 8 characters"  # noqa: S105 - a message, not a password
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _name(errors: dict[str, str], value: str, what: str) -> str:
    value = value.strip()
    if not value:
        errors["name"] = f"{what} needs a name"
    elif len(value) > 200:
        errors["name"] = "at most 200 characters"
    return value


def _email(errors: dict[str, str], value: str, *, optional: bool = False) -> str | None:
    value = value.strip().lower()
    if not value and optional:
        return None
    if len(value) > 320 or not _EMAIL.match(value):
        errors["email"] = "must be an email address such as name@example.com"
    return value


async def _check_user(store: Store, errors: dict[str, str], field: str, user_id: int) -> None:
    found = await store.execute(
        select(user_t.c.id).where(user_t.c.id == user_id, user_t.c.role != Role.BOT.value)
    )
    if found.first() is None:
        errors[field] = f"no staff member with id {user_id}"


async def _check_teams(store: Store, errors: dict[str, str], team_ids: tuple[int, ...]) -> None:
    if not team_ids:
        return
    rows = await store.execute(select(team_t.c.id).where(team_t.c.id.in_(team_ids)))
    missing = set(team_ids) - {int(r) for r in rows.scalars()}
    if missing:
        errors["team_ids"] = f"no team with id {', '.join(map(str, sorted(missing)))}"


async def _team(store: Store, team_id: int) -> dict[str, object]:
    row = (await store.execute(select(team_t).where(team_t.c.id == team_id))).mappings().first()
    if row is None:
        raise NotFound(f"no team with id {team_id}")
    return dict(row)


async def add_team(
    store: Store, actor: Actor, *, name: str, email: str = "", supervisor_id: int | None = None
) -> int:
    """Create a team; the name must be new."""
    errors: dict[str, str] = {}
    name = _name(errors, name, "a team")
    address = _email(errors, email, optional=True)
    if supervisor_id is not None:
        await _check_user(store, errors, "supervisor_id", supervisor_id)
    if errors:
        raise ValidationFailed(errors)
    try:
        team_id = await directory.create_team(
            store, name, email=address, supervisor_id=supervisor_id
        )
    except Conflict:
        raise ValidationFailed({"name": "another team has this name"}) from None
    await audit_config(store, actor, AuditKind.TEAM_CREATED, team_id=team_id, name=name)
    return team_id


async def change_team(
    store: Store,
    actor: Actor,
    team_id: int,
    *,
    name: str,
    email: str = "",
    supervisor_id: int | None = None,
) -> None:
    """Rename a team or change its address or supervisor; the audit entry lists what changed."""
    old = await _team(store, team_id)
    errors: dict[str, str] = {}
    name = _name(errors, name, "a team")
    address = _email(errors, email, optional=True)
    if supervisor_id is not None:
        await _check_user(store, errors, "supervisor_id", supervisor_id)
    if errors:
        raise ValidationFailed(errors)
    new = {"name": name, "email": address, "supervisor_id": supervisor_id}
    changed = {k: {"old": old[k], "new": v} for k, v in new.items() if old[k] != v}
    if not changed:
        return
    try:
        async with store.savepoint():
            await store.execute(update(team_t).where(team_t.c.id == team_id).values(**new))
    except IntegrityError:
        raise ValidationFailed({"name": "another team has this name"}) from None
    await audit_config(
        store, actor, AuditKind.TEAM_CHANGED_SETTINGS, team_id=team_id, name=name, changes=changed
    )


async def delete_team(store: Store, actor: Actor, team_id: int) -> None:
    """Delete a team that nothing refers to any more (no tickets, macros or categories);
    its memberships go with it. A team still in use is a `Conflict`."""
    old = await _team(store, team_id)
    try:
        async with store.savepoint():
            await store.execute(delete(team_member_t).where(team_member_t.c.team_id == team_id))
            await store.execute(delete(team_t).where(team_t.c.id == team_id))
    except IntegrityError:
        raise Conflict(
            "the team still has tickets, macros, categories or rules; move them first"
        ) from None
    await audit_config(store, actor, AuditKind.TEAM_DELETED, team_id=team_id, name=old["name"])


async def add_team_member(store: Store, actor: Actor, team_id: int, user_id: int) -> None:
    """Put a user into a team (nothing happens if they already are)."""
    await _team(store, team_id)
    errors: dict[str, str] = {}
    await _check_user(store, errors, "user_id", user_id)
    if errors:
        raise ValidationFailed(errors)
    if user_id in await _members(store, team_id):
        return
    await directory.add_member(store, team_id, user_id)
    await audit_config(store, actor, AuditKind.MEMBER_ADDED, team_id=team_id, user_id=user_id)


async def remove_team_member(store: Store, actor: Actor, team_id: int, user_id: int) -> None:
    """Take a user out of a team (nothing happens if they are not in it)."""
    await _team(store, team_id)
    result = await store.execute(
        delete(team_member_t).where(
            team_member_t.c.team_id == team_id, team_member_t.c.user_id == user_id
        )
    )
    if getattr(result, "rowcount", 0):
        await audit_config(store, actor, AuditKind.MEMBER_REMOVED, team_id=team_id, user_id=user_id)


async def _members(store: Store, team_id: int) -> set[int]:
    rows = await store.execute(
        select(team_member_t.c.user_id).where(team_member_t.c.team_id == team_id)
    )
    return {int(r) for r in rows.scalars()}


async def _user_teams(store: Store, user_id: int) -> set[int]:
    rows = await store.execute(
        select(team_member_t.c.team_id).where(team_member_t.c.user_id == user_id)
    )
    return {int(r) for r in rows.scalars()}


def _role(errors: dict[str, str], value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = Role.AGENT
        errors["role"] = f"must be one of {', '.join(r.value for r in STAFF_ROLES)}"
    else:
        if role not in STAFF_ROLES:
            errors["role"] = f"must be one of {', '.join(r.value for r in STAFF_ROLES)}"
    return role


async def add_user(
    store: Store,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str,
    team_ids: tuple[int, ...] = (),
    password: str | None = None,
) -> int:
    """Create a staff member; without a password they cannot sign in until one is set."""
    errors: dict[str, str] = {}
    address = _email(errors, email) or ""
    name = _name(errors, name, "a person")
    staff_role = _role(errors, role)
    if password is not None and len(password) < 8:
        errors["password"] = SHORT_PASSWORD
    await _check_teams(store, errors, team_ids)
    if errors:
        raise ValidationFailed(errors)
    try:
        user_id = await directory.create_user(
            store, email=address, name=name, role=staff_role, password=password, team_ids=team_ids
        )
    except Conflict:
        raise ValidationFailed({"email": "another user has this email address"}) from None
    await audit_config(
        store, actor, AuditKind.USER_CREATED, user_id=user_id, email=address,
        role=staff_role.value, team_ids=sorted(team_ids),
    )  # fmt: skip
    return user_id


async def _other_active_admins(store: Store, user_id: int) -> int:
    admins = (user_t.c.role == Role.ADMIN.value, user_t.c.active.is_(True))
    if store.dialect == "postgresql":
        # Two admins demoting each other at once: the row locks make the second wait for the
        # first and then count without it. SQLite already runs one writer at a time.
        await store.execute(select(user_t.c.id).where(*admins).with_for_update())
    found = await store.execute(
        select(func.count()).select_from(user_t).where(*admins, user_t.c.id != user_id)
    )
    return int(found.scalar_one())


async def _user(store: Store, user_id: int) -> dict[str, object]:
    """A staff member; bots are configured with their channel, not here."""
    query = select(user_t).where(user_t.c.id == user_id, user_t.c.role != Role.BOT.value)
    row = (await store.execute(query)).mappings().first()
    if row is None:
        raise NotFound(f"no staff member with id {user_id}")
    return dict(row)


async def change_user(
    store: Store, actor: Actor, user_id: int, *, name: str, role: str, team_ids: tuple[int, ...]
) -> None:
    """Change a staff member's name, role and teams. The last active admin keeps the role, so
    nobody can lock every admin out."""
    old = await _user(store, user_id)
    errors: dict[str, str] = {}
    name = _name(errors, name, "a person")
    staff_role = _role(errors, role)
    await _check_teams(store, errors, team_ids)
    if errors:
        raise ValidationFailed(errors)
    if (
        old["role"] == Role.ADMIN.value
        and staff_role is not Role.ADMIN
        and not await _other_active_admins(store, user_id)
    ):
        raise ValidationFailed({"role": "the last active admin must stay an admin"})
    changes: dict[str, object] = {}
    if old["name"] != name:
        changes["name"] = {"old": old["name"], "new": name}
    if old["role"] != staff_role.value:
        changes["role"] = {"old": old["role"], "new": staff_role.value}
    teams_before = await _user_teams(store, user_id)
    if teams_before != set(team_ids):
        changes["team_ids"] = {"old": sorted(teams_before), "new": sorted(set(team_ids))}
    if not changes:
        return
    await store.execute(
        update(user_t).where(user_t.c.id == user_id).values(name=name, role=staff_role.value)
    )
    gone = teams_before - set(team_ids)
    if gone:
        await store.execute(
            delete(team_member_t).where(
                team_member_t.c.user_id == user_id, team_member_t.c.team_id.in_(gone)
            )
        )
    for team_id in sorted(set(team_ids) - teams_before):
        await directory.add_member(store, team_id, user_id)
    await audit_config(
        store, actor, AuditKind.USER_CHANGED, user_id=user_id, email=old["email"], changes=changes
    )


async def set_active(
    store: Store, actor: Actor, user_id: int, active: bool, *, via: str | None = None
) -> None:
    """Deactivate or reactivate a user. Deactivation ends their sessions at once (a later
    reactivation does not bring them back) and their API tokens stop working while inactive;
    their tickets and history stay. Nobody deactivates themselves or the last admin."""
    old = await _user(store, user_id)
    if bool(old["active"]) == active:
        return
    if not active:
        if actor.user_id == user_id:
            raise Conflict("you cannot deactivate yourself")
        if old["role"] == Role.ADMIN.value and not await _other_active_admins(store, user_id):
            raise Conflict("the last active admin cannot be deactivated")
    await credentials.set_user_active(store, str(old["email"]), active)
    if not active:
        await sign_out_everywhere(store, user_id)
    kind = AuditKind.USER_REACTIVATED if active else AuditKind.USER_DEACTIVATED
    await audit_config(store, actor, kind, via=via, user_id=user_id, email=old["email"])


async def set_active_by_email(
    store: Store, actor: Actor, email: str, active: bool, *, via: str | None = None
) -> int:
    """`set_active` for the operator's commands, which name people by address; the user's id."""
    found = await store.execute(
        select(user_t.c.id).where(
            user_t.c.email == email.strip().lower(), user_t.c.role != Role.BOT.value
        )
    )
    user_id = found.scalar_one_or_none()
    if user_id is None:
        raise NotFound(f"no user {email}")
    await set_active(store, actor, int(user_id), active, via=via)
    return int(user_id)


async def issue_token(
    store: Store, actor: Actor, user_id: int, name: str, *, expires_at: datetime | None = None
) -> str:
    """A new API token for the user, returned once (only its hash is kept)."""
    await _user(store, user_id)
    errors: dict[str, str] = {}
    label = name.strip()
    if not label:
        errors["name"] = "a token needs a name saying what uses it"
    elif len(label) > 200:
        errors["name"] = "at most 200 characters"
    if expires_at is not None and expires_at <= store.now():
        errors["expires_at"] = "must be in the future"
    if errors:
        raise ValidationFailed(errors)
    token = await directory.create_token(store, user_id, label, expires_at=expires_at)
    await audit_config(store, actor, AuditKind.TOKEN_CREATED, user_id=user_id, name=label)
    return token


async def revoke_user_token(store: Store, actor: Actor, user_id: int, token_id: int) -> None:
    """Revoke one of the user's tokens by its id."""
    row = (
        await store.execute(
            select(api_token_t.c.name, api_token_t.c.revoked_at).where(
                api_token_t.c.id == token_id, api_token_t.c.user_id == user_id
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"the user has no token with id {token_id}")
    if row.revoked_at is not None:
        return
    await credentials.revoke_token_by_id(store, token_id)
    await audit_config(
        store, actor, AuditKind.TOKEN_REVOKED, user_id=user_id, token_id=token_id, name=row.name
    )
