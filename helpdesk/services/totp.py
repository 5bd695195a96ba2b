"""TOTP second factor (RFC 6238 through pyotp): set up, confirm, check, turn off.

The secret is stored encrypted (`SecretBox`, keyed by the installation's secret key). Codes are
checked against the injected clock with one step of drift either way, and a code is accepted
once only: `last_step` remembers the newest step used.
"""

from __future__ import annotations

import pyotp
from sqlalchemy import delete, select, update

from helpdesk.crypto import SecretBox
from helpdesk.errors import Conflict
from helpdesk.store import Store
from helpdesk.tables import user_t, user_totp_t

ISSUER = "Helpdesk"
_STEP = 30


async def start_totp(store: Store, box: SecretBox, user_id: int) -> tuple[str, str]:
    """A new secret for `user_id` (not active until confirmed) and its otpauth:// URI."""
    row = (
        await store.execute(
            select(user_totp_t.c.confirmed_at).where(user_totp_t.c.user_id == user_id)
        )
    ).first()
    if row is not None and row.confirmed_at is not None:
        raise Conflict("two-factor authentication is already on; turn it off first")
    secret = pyotp.random_base32()
    email = (await store.execute(select(user_t.c.email).where(user_t.c.id == user_id))).scalar_one()
    await store.execute(delete(user_totp_t).where(user_totp_t.c.user_id == user_id))
    await store.execute(
        user_totp_t.insert().values(
            user_id=user_id, secret=box.encrypt(secret), created_at=store.now()
        )
    )
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    return secret, uri


async def confirm_totp(store: Store, box: SecretBox, user_id: int, code: str) -> bool:
    """Turn the pending secret on when `code` matches it; False (nothing changes) otherwise."""
    if not await _accept(store, box, user_id, code, confirmed=False):
        return False
    await store.execute(
        update(user_totp_t).where(user_totp_t.c.user_id == user_id).values(confirmed_at=store.now())
    )
    return True


async def disable_totp(store: Store, box: SecretBox, user_id: int, code: str) -> bool:
    """Turn two-factor off; a current code is needed, so a stolen session alone cannot."""
    if not await _accept(store, box, user_id, code, confirmed=True):
        return False
    await store.execute(delete(user_totp_t).where(user_totp_t.c.user_id == user_id))
    return True


async def totp_enabled(store: Store, user_id: int) -> bool:
    row = (
        await store.execute(
            select(user_totp_t.c.user_id).where(
                user_totp_t.c.user_id == user_id, user_totp_t.c.confirmed_at.is_not(None)
            )
        )
    ).first()
    return row is not None


async def check_totp(store: Store, box: SecretBox, user_id: int, code: str) -> bool:
    """True when `code` is a current, not yet used code of the user's active secret."""
    return await _accept(store, box, user_id, code, confirmed=True)


async def _accept(
    store: Store, box: SecretBox, user_id: int, code: str, *, confirmed: bool
) -> bool:
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return False
    row = (
        await store.execute(
            select(user_totp_t.c.secret, user_totp_t.c.confirmed_at, user_totp_t.c.last_step)
            .where(user_totp_t.c.user_id == user_id)
        )
    ).first()  # fmt: skip
    if row is None or (row.confirmed_at is not None) != confirmed:
        return False
    totp = pyotp.TOTP(box.decrypt(row.secret), interval=_STEP)
    now = store.now()
    step = int(now.timestamp()) // _STEP
    for candidate in (step, step - 1, step + 1):
        if candidate <= row.last_step:
            continue
        if totp.verify(code, for_time=candidate * _STEP):
            await store.execute(
                update(user_totp_t)
                .where(user_totp_t.c.user_id == user_id)
                .values(last_step=candidate)
            )
            return True
    return False
