"""Users, teams, categories and API tokens: the helpdesk's own directory.

The plain building blocks: set-up code (the demo, tests) calls them without an actor and
nothing is audited; the command line passes its actor (the system, `via="cli"`) and they audit
as `staff`'s functions, which the admin pages call, do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from helpdesk.domain import Actor, AuditKind, Principal, Priority, Role
from helpdesk.errors import Conflict, Unauthorized, ValidationFailed
from helpdesk.security import hash_api_token, hash_password, new_api_token
from helpdesk.services._common import audit_config
from helpdesk.store import Store
from helpdesk.tables import api_token_t, category_t, counter_t, team_member_t, team_t, user_t


async def create_user(
    store: Store,
    *,
    email: str,
    name: str,
    role: Role = Role.AGENT,
    password: str | None = None,
    team_ids: tuple[int, ...] = (),
    actor: Actor | None = None,
    via: str | None = None,
) -> int:
    """Add a user (agent, supervisor, admin or bot); the password is stored argon2-hashed.
    With an `actor`, audited."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed({"email": "must be an email address"})
    if password is not None and len(password) < 8:
        raise ValidationFailed({"password": "must be at least 8 characters"})
    try:
        async with store.savepoint():
            user_id = (
                await store.execute(
                    insert(user_t)
                    .values(
                        email=email,
                        name=name.strip() or email,
                        role=role.value,
                        password_hash=hash_password(password) if password else None,
                        created_at=store.now(),
                    )
                    .returning(user_t.c.id)
                )
            ).scalar_one()
    except IntegrityError:
        raise Conflict(f"a user with email {email} already exists") from None
    for team_id in team_ids:
        await add_member(store, team_id, int(user_id))
    if actor is not None:
        await audit_config(
            store, actor, AuditKind.USER_CREATED, via=via, user_id=int(user_id), email=email,
            role=role.value, team_ids=sorted(team_ids),
        )  # fmt: skip
    return int(user_id)


async def create_team(
    store: Store,
    name: str,
    *,
    email: str | None = None,
    supervisor_id: int | None = None,
    actor: Actor | None = None,
    via: str | None = None,
) -> int:
    """Add a team; a taken name is a Conflict. With an `actor`, audited."""
    try:
        async with store.savepoint():
            team_id = (
                await store.execute(
                    insert(team_t)
                    .values(
                        name=name.strip(),
                        email=email,
                        supervisor_id=supervisor_id,
                        created_at=store.now(),
                    )
                    .returning(team_t.c.id)
                )
            ).scalar_one()
    except IntegrityError:
        raise Conflict(f"a team named {name!r} already exists") from None
    if actor is not None:
        await audit_config(
            store, actor, AuditKind.TEAM_CREATED, via=via, team_id=int(team_id), name=name.strip()
        )
    return int(team_id)


async def add_member(store: Store, team_id: int, user_id: int) -> None:
    await store.execute(
        store.insert_ignoring_duplicates(team_member_t).values(team_id=team_id, user_id=user_id)
    )


async def create_category(
    store: Store,
    slug: str,
    name: str,
    *,
    parent_id: int | None = None,
    default_team_id: int | None = None,
    default_priority: Priority | None = None,
) -> int:
    try:
        async with store.savepoint():
            category_id = (
                await store.execute(
                    insert(category_t)
                    .values(
                        slug=slug.strip().lower(),
                        name=name.strip(),
                        parent_id=parent_id,
                        default_team_id=default_team_id,
                        default_priority=default_priority.value if default_priority else None,
                        created_at=store.now(),
                    )
                    .returning(category_t.c.id)
                )
            ).scalar_one()
    except IntegrityError:
        raise Conflict(f"a category with slug {slug!r} already exists") from None
    return int(category_id)


async def create_token(
    store: Store,
    user_id: int,
    name: str = "api",
    *,
    expires_at: datetime | None = None,
    actor: Actor | None = None,
    via: str | None = None,
) -> str:
    """A new API token for `user_id`, valid until `expires_at` (or revoked) when given. The
    token is returned once; only its hash is kept. With an `actor`, audited."""
    token = new_api_token()
    await store.execute(
        insert(api_token_t).values(
            user_id=user_id,
            name=name,
            token_hash=hash_api_token(token),
            created_at=store.now(),
            expires_at=expires_at,
        )
    )
    if actor is not None:
        await audit_config(
            store, actor, AuditKind.TOKEN_CREATED, via=via, user_id=user_id, name=name
        )
    return token


# A token's use is written at most this often: API clients poll, and a write per request
# would serialise every read behind the database's writer for a timestamp.
TOKEN_SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class TokenUse:
    principal: Principal
    token_id: int
    stale: bool  # last use not recorded within `TOKEN_SEEN_EVERY`: call `touch_token`
    expires_at: datetime | None = None  # None: valid until revoked
    last_used_at: datetime | None = None


async def use_token(store: Store, token: str) -> TokenUse:
    """The active user behind a Bearer token and whether its use should be recorded (a read);
    `Unauthorized` for anything else."""
    now = store.now()
    row = (
        await store.execute(
            select(
                user_t.c.id,
                user_t.c.role,
                user_t.c.name,
                api_token_t.c.id.label("token_id"),
                api_token_t.c.expires_at,
                api_token_t.c.last_used_at,
            )
            .join(api_token_t, api_token_t.c.user_id == user_t.c.id)
            .where(
                api_token_t.c.token_hash == hash_api_token(token),
                api_token_t.c.revoked_at.is_(None),
                or_(api_token_t.c.expires_at.is_(None), api_token_t.c.expires_at > now),
                user_t.c.active.is_(True),
            )
        )
    ).first()
    if row is None:
        raise Unauthorized("invalid, expired or revoked token")
    teams = await store.execute(
        select(team_member_t.c.team_id).where(team_member_t.c.user_id == row.id)
    )
    principal = Principal(
        int(row.id), Role(row.role), frozenset(int(t) for t in teams.scalars()), row.name
    )
    stale = row.last_used_at is None or now - row.last_used_at >= TOKEN_SEEN_EVERY
    return TokenUse(principal, int(row.token_id), stale, row.expires_at, row.last_used_at)


async def authenticate_token(store: Store, token: str) -> Principal:
    """The active user behind a Bearer token; `Unauthorized` for anything else."""
    return (await use_token(store, token)).principal


async def touch_token(store: Store, token_id: int) -> None:
    """Record that a token was used now (its owner is active: see `routing.idle`)."""
    await store.execute(
        update(api_token_t).where(api_token_t.c.id == token_id).values(last_used_at=store.now())
    )


_AUTH_EPOCH = select(counter_t.c.value).where(counter_t.c.name == "auth_epoch")


async def auth_epoch(store: Store) -> int | None:
    """A number that changes with every committed change to tokens, users' role, name or
    active flag, and team membership (database triggers bump it); None where it is missing."""
    value = (await store.execute(_AUTH_EPOCH)).scalar_one_or_none()
    return None if value is None else int(value)


async def revoke_token(store: Store, token: str) -> None:
    await store.execute(
        update(api_token_t)
        .where(api_token_t.c.token_hash == hash_api_token(token))
        .values(revoked_at=store.now())
    )


LANGUAGES = ("en", "tr")


async def update_preferences(store: Store, user_id: int, *, language: str, timezone: str) -> None:
    """Set the language and IANA time zone a staff member reads the UI in."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    errors: dict[str, str] = {}
    if language not in LANGUAGES:
        errors["language"] = f"must be one of {', '.join(LANGUAGES)}"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = "must be an IANA time zone such as Europe/Istanbul"
    if errors:
        raise ValidationFailed(errors)
    await store.execute(
        update(user_t).where(user_t.c.id == user_id).values(language=language, timezone=timezone)
    )
