"""Who may use the helpdesk: listing and revoking API tokens, listing and deactivating users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from helpdesk.domain import Actor, AuditKind
from helpdesk.errors import NotFound
from helpdesk.services._common import audit_config
from helpdesk.store import Store
from helpdesk.tables import api_token_t, user_t


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listed: never the token itself (only its hash is stored anyway)."""

    id: int
    email: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    email: str
    name: str
    role: str
    active: bool


async def list_tokens(store: Store, email: str | None = None) -> list[TokenInfo]:
    """Every API token (or one user's), oldest first."""
    query = (
        select(
            api_token_t.c.id,
            user_t.c.email,
            api_token_t.c.name,
            api_token_t.c.created_at,
            api_token_t.c.last_used_at,
            api_token_t.c.expires_at,
            api_token_t.c.revoked_at,
        )
        .join(user_t, user_t.c.id == api_token_t.c.user_id)
        .order_by(api_token_t.c.id)
    )
    if email is not None:
        query = query.where(user_t.c.email == email.strip().lower())
    return [TokenInfo(**row) for row in (await store.execute(query)).mappings()]


async def revoke_token_by_id(
    store: Store, token_id: int, *, actor: Actor | None = None, via: str | None = None
) -> None:
    """Revoke a token by the id `list_tokens` shows; revoking twice keeps the first time.
    With an `actor`, a revocation (not a repeated one) is audited."""
    found = (
        await store.execute(
            select(api_token_t.c.user_id, api_token_t.c.name, api_token_t.c.revoked_at).where(
                api_token_t.c.id == token_id
            )
        )
    ).first()
    if found is None:
        raise NotFound(f"no token with id {token_id}")
    await store.execute(
        update(api_token_t)
        .where(api_token_t.c.id == token_id, api_token_t.c.revoked_at.is_(None))
        .values(revoked_at=store.now())
    )
    if actor is not None and found.revoked_at is None:
        await audit_config(
            store, actor, AuditKind.TOKEN_REVOKED, via=via,
            user_id=int(found.user_id), token_id=token_id, name=found.name,
        )  # fmt: skip


async def list_users(store: Store) -> list[UserInfo]:
    """Every user (agents, supervisors, admins, bots), active or not."""
    rows = await store.execute(
        select(user_t.c.id, user_t.c.email, user_t.c.name, user_t.c.role, user_t.c.active).order_by(
            user_t.c.id
        )
    )
    return [UserInfo(**row) for row in rows.mappings()]


async def set_user_active(
    store: Store, email: str, active: bool, *, actor: Actor | None = None, via: str | None = None
) -> int:
    """Deactivate (or reactivate) a user by email: a deactivated user's tokens stop working at
    once; their tickets, messages and history stay. Returns the user's id. With an `actor`, a
    change (not a repeated one) is audited."""
    address = email.strip().lower()
    was = (
        await store.execute(select(user_t.c.active).where(user_t.c.email == address))
    ).scalar_one_or_none()
    user_id = (
        await store.execute(
            update(user_t)
            .where(user_t.c.email == address)
            .values(active=active)
            .returning(user_t.c.id)
        )
    ).scalar_one_or_none()
    if user_id is None:
        raise NotFound(f"no user {email}")
    if actor is not None and bool(was) != active:
        kind = AuditKind.USER_REACTIVATED if active else AuditKind.USER_DEACTIVATED
        await audit_config(store, actor, kind, via=via, user_id=int(user_id), email=address)
    return int(user_id)
