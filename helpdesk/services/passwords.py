"""Password links: "forgot password" resets, admin-sent resets and invitations.

A link carries a random secret plus an HMAC of it (so a forged or mangled link is refused
before any database read); the table keeps only the secret's SHA-256, the expiry and when it
was used, so each link works once. Setting a password through a link ends every session of the
user and voids their other open links. The caller queues the mail (in the same unit of work)
with the returned `IssuedLink`, so no mail leaves for a change that did not commit.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from helpdesk import lookups
from helpdesk.account_tables import password_reset_request_t, password_token_t
from helpdesk.domain import Actor, AuditKind, Role
from helpdesk.errors import Conflict, NotFound, TooManyRequests, ValidationFailed
from helpdesk.security import hash_api_token, hash_password
from helpdesk.services._common import audit_config
from helpdesk.services.directory import create_user
from helpdesk.services.sessions import sign_out_everywhere
from helpdesk.store import Store
from helpdesk.tables import user_t

RESET = "reset"
INVITATION = "invitation"
LIFETIME = {RESET: timedelta(hours=1), INVITATION: timedelta(days=7)}
MIN_PASSWORD = 8  # the same rule as `create_user`
MAX_PASSWORD = 1000
REQUEST_WINDOW = timedelta(minutes=15)
# Per address: stops one place from mailing many people; past it the form answers 429.
MAX_REQUESTS_PER_ADDRESS = 10
# Per account: stops anyone from flooding one inbox; past it the answer is the same as always
# (no mail), so the limit says nothing about whether the account exists.
MAX_MAILS_PER_ACCOUNT = 3
REQUEST_RETENTION = timedelta(days=1)
_MAC = "password-link"
_MAC_LENGTH = 16


class LinkInvalid(ValidationFailed):
    """The link is forged, unknown, expired or already used (the message says which); `gone`
    for a genuine link whose time is over (used or expired)."""

    def __init__(self, reason: str, *, gone: bool = False) -> None:
        super().__init__({"token": reason})
        self.reason = reason
        self.gone = gone


@dataclass(frozen=True, slots=True)
class IssuedLink:
    token: str  # for the mail only; never stored
    purpose: str
    user_id: int
    email: str
    name: str
    language: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LinkHolder:
    """Whom a valid link lets set a password."""

    token_id: int
    user_id: int
    email: str
    name: str
    purpose: str
    language: str


def _sign(store: Store, secret: str) -> str:
    return f"{secret}.{store.signer.mac(secret, _MAC, _MAC_LENGTH)}"


def _secret_of(store: Store, token: str) -> str | None:
    secret, _, mac = token.partition(".")
    if not secret or len(token) > 200:
        return None
    expected = store.signer.mac(secret, _MAC, _MAC_LENGTH)
    return secret if hmac.compare_digest(mac.encode(), expected.encode()) else None


async def issue_link(
    store: Store, user_id: int, purpose: str, *, created_by: int | None = None
) -> IssuedLink:
    """A new link for `user_id`; earlier open links of the same purpose stop working."""
    user = (
        await store.execute(
            select(user_t.c.email, user_t.c.name, user_t.c.language).where(user_t.c.id == user_id)
        )
    ).first()
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    now = store.now()
    await _void_open_links(store, user_id, purpose)
    secret = secrets.token_urlsafe(32)
    expires_at = now + LIFETIME[purpose]
    await store.execute(
        insert(password_token_t).values(
            user_id=user_id,
            purpose=purpose,
            token_hash=hash_api_token(secret),
            created_at=now,
            expires_at=expires_at,
            created_by=created_by,
        )
    )
    return IssuedLink(
        _sign(store, secret), purpose, user_id, user.email, user.name, user.language, expires_at
    )


async def _void_open_links(store: Store, user_id: int, purpose: str | None = None) -> None:
    query = update(password_token_t).where(
        password_token_t.c.user_id == user_id, password_token_t.c.used_at.is_(None)
    )
    if purpose is not None:
        query = query.where(password_token_t.c.purpose == purpose)
    await store.execute(query.values(expires_at=store.now()))


async def request_reset(store: Store, email: str, *, address: str) -> IssuedLink | None:
    """A "forgot password" request: a link when `email` is an active staff account and its
    mail limit allows one, else None. The request is recorded either way (commit it), so the
    caller must answer the same in both cases. `TooManyRequests` when `address` asked too often.
    """
    email = email.strip().lower()[:320]
    address = address[:64]
    since = store.now() - REQUEST_WINDOW
    from_address = (
        await store.execute(
            select(func.count()).where(
                password_reset_request_t.c.address == address,
                password_reset_request_t.c.at >= since,
            )
        )
    ).scalar_one()
    if from_address >= MAX_REQUESTS_PER_ADDRESS:
        raise TooManyRequests(
            "too many password reset requests; wait 15 minutes and try again",
            retry_after=int(REQUEST_WINDOW.total_seconds()),
        )
    # Old requests only ever served the throttle: they go, so typed addresses are not kept.
    await store.execute(
        delete(password_reset_request_t).where(
            password_reset_request_t.c.at < store.now() - REQUEST_RETENTION
        )
    )
    await store.execute(
        insert(password_reset_request_t).values(email=email, address=address, at=store.now())
    )
    user = (
        await store.execute(
            select(user_t.c.id, user_t.c.role).where(
                user_t.c.email == email, user_t.c.active.is_(True)
            )
        )
    ).first()
    if user is None or user.role == Role.BOT.value:
        return None
    sent_lately = (
        await store.execute(
            select(func.count()).where(
                password_token_t.c.user_id == user.id,
                password_token_t.c.purpose == RESET,
                password_token_t.c.created_at >= store.now() - timedelta(hours=1),
            )
        )
    ).scalar_one()
    if sent_lately >= MAX_MAILS_PER_ACCOUNT:
        return None
    link = await issue_link(store, int(user.id), RESET)
    await audit_config(
        store, Actor.system(), AuditKind.PASSWORD_RESET_REQUESTED, user_id=int(user.id)
    )
    return link


async def link_holder(store: Store, token: str) -> LinkHolder:
    """Whom a link is for, if it is genuine, open and unexpired; `LinkInvalid` otherwise."""
    secret = _secret_of(store, token)
    if secret is None:
        raise LinkInvalid("This link is not valid. Check that it was copied completely.")
    row = (
        await store.execute(
            select(
                password_token_t.c.id,
                password_token_t.c.user_id,
                password_token_t.c.purpose,
                password_token_t.c.expires_at,
                password_token_t.c.used_at,
                user_t.c.email,
                user_t.c.name,
                user_t.c.language,
                user_t.c.active,
            )
            .join(user_t, user_t.c.id == password_token_t.c.user_id)
            .where(password_token_t.c.token_hash == hash_api_token(secret))
        )
    ).first()
    if row is None:
        raise LinkInvalid("This link is not valid. Check that it was copied completely.")
    if row.used_at is not None:
        raise LinkInvalid("This link was already used. Ask for a new one.", gone=True)
    if row.expires_at <= store.now() or not row.active:
        raise LinkInvalid("This link has expired. Ask for a new one.", gone=True)
    return LinkHolder(int(row.id), int(row.user_id), row.email, row.name, row.purpose, row.language)


def check_password(password: str, confirm: str) -> None:
    """The password rules every form shares; `ValidationFailed` per field."""
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed({"password": f"must be at least {MIN_PASSWORD} characters"})
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed({"password": f"must be at most {MAX_PASSWORD} characters"})
    if password != confirm:
        raise ValidationFailed({"confirm": "the two passwords differ"})


async def set_password_with_link(store: Store, token: str, password: str, confirm: str) -> int:
    """Use a link: set the new password (argon2), mark the link used, void the user's other
    links, end every session of theirs. Returns the user's id."""
    holder = await link_holder(store, token)
    check_password(password, confirm)
    used = await store.execute(
        update(password_token_t)
        .where(password_token_t.c.id == holder.token_id, password_token_t.c.used_at.is_(None))
        .values(used_at=store.now())
        .returning(password_token_t.c.id)
    )
    if used.first() is None:  # a concurrent use won the race
        raise LinkInvalid("This link was already used. Ask for a new one.", gone=True)
    await store.execute(
        update(user_t)
        .where(user_t.c.id == holder.user_id)
        .values(password_hash=hash_password(password))
    )
    await _void_open_links(store, holder.user_id)
    ended = await sign_out_everywhere(store, holder.user_id)
    await audit_config(
        store, Actor.user(holder.user_id), AuditKind.PASSWORD_SET,
        user_id=holder.user_id, purpose=holder.purpose, sessions_ended=ended,
    )  # fmt: skip
    return holder.user_id


async def invite_user(
    store: Store,
    actor_user_id: int,
    *,
    email: str,
    name: str,
    role: Role,
    team_ids: tuple[int, ...] = (),
) -> IssuedLink:
    """Create a user without a usable password and a 7-day link to set one."""
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "is required"
    if len(name) > 200:
        errors["name"] = "must be at most 200 characters"
    address = email.strip().lower()
    local, _, domain = address.partition("@")
    if not local or "." not in domain or len(address) > 320 or any(c.isspace() for c in address):
        errors["email"] = "must be an email address"
    if role == Role.BOT:
        errors["role"] = "bots are not invited by email"
    for team_id in team_ids:
        if not await lookups.team_exists(store, team_id):
            errors["teams"] = "no such team"
    if errors:
        raise ValidationFailed(errors)
    try:
        user_id = await create_user(store, email=address, name=name, role=role, team_ids=team_ids)
    except Conflict:
        raise ValidationFailed({"email": "a user with this email already exists"}) from None
    link = await issue_link(store, user_id, INVITATION, created_by=actor_user_id)
    await audit_config(
        store, Actor.user(actor_user_id), AuditKind.USER_INVITED,
        user_id=user_id, email=link.email, role=role.value, team_ids=list(team_ids),
    )  # fmt: skip
    return link


async def send_reset(store: Store, actor_user_id: int, user_id: int) -> IssuedLink:
    """An admin sends `user_id` a reset link (their current password keeps working until the
    link is used)."""
    active = (
        await store.execute(select(user_t.c.active, user_t.c.role).where(user_t.c.id == user_id))
    ).first()
    if active is None:
        raise NotFound(f"no user with id {user_id}")
    if not active.active or active.role == Role.BOT.value:
        raise ValidationFailed({"user": "only active staff accounts can get a reset link"})
    link = await issue_link(store, user_id, RESET, created_by=actor_user_id)
    await audit_config(
        store, Actor.user(actor_user_id), AuditKind.PASSWORD_RESET_SENT, user_id=user_id
    )
    return link


async def invitations(store: Store, limit: int = 100) -> list[dict[str, Any]]:
    """The latest invitations, newest first, each with its user and whether it was accepted,
    is still open or has expired."""
    rows = await store.execute(
        select(
            password_token_t.c.user_id,
            password_token_t.c.created_at,
            password_token_t.c.expires_at,
            password_token_t.c.used_at,
            user_t.c.name,
            user_t.c.email,
            user_t.c.role,
        )
        .join(user_t, user_t.c.id == password_token_t.c.user_id)
        .where(password_token_t.c.purpose == INVITATION)
        .order_by(password_token_t.c.id.desc())
        .limit(limit)
    )
    now = store.now()
    result = []
    for row in rows.mappings():
        item = dict(row)
        item["state"] = (
            "accepted" if row["used_at"] else "open" if row["expires_at"] > now else "expired"
        )
        result.append(item)
    return result
