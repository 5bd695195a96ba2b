"""Browser sign-in: password check with throttling, server-side sessions, sign-out.

The cookie carries a random token and the table only its SHA-256, so a database leak yields no
usable session; every request re-reads the row, so revoking it signs the browser out at once.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, update

from helpdesk.crypto import SecretBox
from helpdesk.domain import Principal, Role
from helpdesk.errors import TooManyRequests, Unauthorized
from helpdesk.security import hash_api_token, hash_password, verify_password
from helpdesk.services.totp import check_totp, totp_enabled
from helpdesk.store import Store
from helpdesk.tables import login_failure_t, team_member_t, user_t, web_session_t

SESSION_LIFETIME = timedelta(days=14)
IDLE_TIMEOUT = timedelta(hours=12)
THROTTLE_WINDOW = timedelta(minutes=15)
# Failures within the window before further attempts are refused. Per account it stops
# guessing one password; per address, spraying many accounts from one place.
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


@functools.cache
def dummy_hash() -> str:
    """What a password is verified against when the account does not exist, so the response
    time does not tell which addresses have accounts. Made on first use, not at import: every
    `helpdesk` command imports this module, and argon2 takes a tenth of a second. The web app
    makes it at start-up (`create_app`), so no sign-in pays for it."""
    return hash_password("timing-equaliser-not-a-password")


@dataclass(frozen=True, slots=True)
class WebSession:
    token: str  # for the cookie; never stored
    csrf_token: str
    principal: Principal


@dataclass(frozen=True, slots=True)
class SecondFactor:
    """The password was right; the account also needs a TOTP code before a session opens."""

    user_id: int


@dataclass(frozen=True, slots=True)
class SessionInfo:
    session_id: int
    csrf_token: str
    principal: Principal
    email: str
    language: str
    timezone: str
    stale: bool = False  # last seen over a minute ago: the caller should `touch_session`


async def sign_in(
    store: Store, email: str, password: str, *, address: str, user_agent: str = ""
) -> WebSession | SecondFactor | None:
    """Check an email and password and open a session; None for a wrong one (the failure is
    recorded, so the caller must commit), `SecondFactor` when a TOTP code must follow,
    `TooManyRequests` while throttled."""
    email = email.strip().lower()[:320]
    address = address[:64]
    await _throttle(store, email, address)
    user = (
        await store.execute(
            select(user_t.c.id, user_t.c.password_hash, user_t.c.role, user_t.c.active).where(
                user_t.c.email == email
            )
        )
    ).first()
    usable = user is not None and user.active and user.role != Role.BOT.value
    good = verify_password(
        user.password_hash if usable and user is not None and user.password_hash else dummy_hash(),
        password,
    )
    if user is None or not usable or not user.password_hash or not good:
        await _failed(store, email, address)
        return None
    if await totp_enabled(store, int(user.id)):
        return SecondFactor(int(user.id))
    await store.execute(delete(login_failure_t).where(login_failure_t.c.email == email))
    return await _open(store, int(user.id), address, user_agent)


async def complete_second_factor(
    store: Store, box: SecretBox, user_id: int, code: str, *, address: str, user_agent: str = ""
) -> WebSession | None:
    """Open the session a `SecondFactor` sign-in waits for, when `code` is right; a wrong
    code counts as a failed sign-in (None; commit it), and throttling applies the same."""
    email = (await store.execute(select(user_t.c.email).where(user_t.c.id == user_id))).scalar_one()
    address = address[:64]
    await _throttle(store, email, address)
    if not await check_totp(store, box, user_id, code):
        await _failed(store, email, address)
        return None
    await store.execute(delete(login_failure_t).where(login_failure_t.c.email == email))
    return await _open(store, user_id, address, user_agent)


async def _failed(store: Store, email: str, address: str) -> None:
    await store.execute(
        insert(login_failure_t).values(email=email, address=address, at=store.now())
    )


async def _throttle(store: Store, email: str, address: str) -> None:
    since = store.now() - THROTTLE_WINDOW
    for column, value, limit in (
        (login_failure_t.c.email, email, MAX_FAILURES_PER_ACCOUNT),
        (login_failure_t.c.address, address, MAX_FAILURES_PER_ADDRESS),
    ):
        count = (
            await store.execute(
                select(func.count()).where(column == value, login_failure_t.c.at >= since)
            )
        ).scalar_one()
        if count >= limit:
            raise TooManyRequests(
                "too many failed sign-ins; wait 15 minutes and try again",
                retry_after=int(THROTTLE_WINDOW.total_seconds()),
            )


async def _open(store: Store, user_id: int, address: str, user_agent: str) -> WebSession:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = store.now()
    await store.execute(
        insert(web_session_t).values(
            user_id=user_id,
            token_hash=hash_api_token(token),
            csrf_token=csrf,
            address=address,
            user_agent=user_agent[:300],
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    return WebSession(token, csrf, await _principal(store, user_id))


async def session_for(store: Store, token: str) -> SessionInfo:
    """The live session behind a cookie token; `Unauthorized` when unknown, revoked, expired
    or idle too long. A read: `stale` says when `touch_session` should record activity."""
    now = store.now()
    row = (
        await store.execute(
            select(
                web_session_t.c.id,
                web_session_t.c.csrf_token,
                web_session_t.c.last_seen_at,
                user_t.c.id.label("user_id"),
                user_t.c.email,
                user_t.c.language,
                user_t.c.timezone,
            )
            .join(user_t, user_t.c.id == web_session_t.c.user_id)
            .where(
                web_session_t.c.token_hash == hash_api_token(token),
                web_session_t.c.revoked_at.is_(None),
                web_session_t.c.expires_at > now,
                web_session_t.c.last_seen_at > now - IDLE_TIMEOUT,
                user_t.c.active.is_(True),
            )
        )
    ).first()
    if row is None:
        raise Unauthorized("signed out")
    return SessionInfo(
        int(row.id),
        row.csrf_token,
        await _principal(store, int(row.user_id)),
        row.email,
        row.language,
        row.timezone,
        stale=now - row.last_seen_at > timedelta(minutes=1),
    )


async def touch_session(store: Store, session_id: int) -> None:
    """Record activity on a session (it ends after `IDLE_TIMEOUT` without any)."""
    await store.execute(
        update(web_session_t)
        .where(web_session_t.c.id == session_id)
        .values(last_seen_at=store.now())
    )


async def sign_out(store: Store, session_id: int) -> None:
    """End one session."""
    await store.execute(
        update(web_session_t)
        .where(web_session_t.c.id == session_id, web_session_t.c.revoked_at.is_(None))
        .values(revoked_at=store.now())
    )


async def sign_out_everywhere(store: Store, user_id: int) -> int:
    """End every session of `user_id` (a lost laptop, a changed password); returns how many."""
    result = await store.execute(
        update(web_session_t)
        .where(web_session_t.c.user_id == user_id, web_session_t.c.revoked_at.is_(None))
        .values(revoked_at=store.now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _principal(store: Store, user_id: int) -> Principal:
    row = (
        await store.execute(select(user_t.c.role, user_t.c.name).where(user_t.c.id == user_id))
    ).one()
    teams = await store.execute(
        select(team_member_t.c.team_id).where(team_member_t.c.user_id == user_id)
    )
    return Principal(user_id, Role(row.role), frozenset(int(t) for t in teams.scalars()), row.name)
