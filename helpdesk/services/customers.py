"""Customers and their identities: one customer, many ways to reach them."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select

from helpdesk.domain import ParticipantRole
from helpdesk.errors import Conflict
from helpdesk.inbound import Identity
from helpdesk.store import Store
from helpdesk.tables import customer_t, identity_t, participant_t

_FIND = select(identity_t.c.customer_id).where(
    identity_t.c.kind == bindparam("kind"), identity_t.c.address == bindparam("address")
)
_INSERT_CUSTOMER = insert(customer_t).returning(customer_t.c.id)
_INSERT_IDENTITY = insert(identity_t)


def normalise_address(identity: Identity) -> str:
    address = identity.address.strip()
    return address.lower() if identity.kind == "email" else address


async def find_customer(store: Store, identity: Identity) -> int | None:
    """The customer that owns `identity`, or None."""
    result = await store.execute(
        _FIND, {"kind": identity.kind, "address": normalise_address(identity)}
    )
    value = result.scalar_one_or_none()
    return None if value is None else int(value)


async def resolve_customer(store: Store, identity: Identity, *, language: str | None = None) -> int:
    """The id of the customer owning `identity`, created with that identity when unknown.

    A concurrent creation of the same identity fails the unique key; the caller's savepoint
    retries and then finds the winner's row.
    """
    existing = await find_customer(store, identity)
    if existing is not None:
        return existing
    now = store.now()
    customer_id = (
        await store.execute(
            _INSERT_CUSTOMER,
            {"name": identity.display_name[:300], "language": language, "created_at": now},
        )
    ).scalar_one()
    await store.execute(
        _INSERT_IDENTITY,
        {
            "customer_id": customer_id,
            "kind": identity.kind,
            "address": normalise_address(identity),
            "display_name": identity.display_name[:300],
            "created_at": now,
        },
    )
    return int(customer_id)


async def is_participant(store: Store, ticket_id: int, customer_id: int) -> bool:
    result = await store.execute(
        select(participant_t.c.customer_id).where(
            participant_t.c.ticket_id == ticket_id, participant_t.c.customer_id == customer_id
        )
    )
    return result.first() is not None


async def add_participant(
    store: Store, ticket_id: int, customer_id: int, role: ParticipantRole = ParticipantRole.CC
) -> bool:
    """Add a participant; False when they already were one."""
    result = await store.execute(
        store.insert_ignoring_duplicates(participant_t),
        {"ticket_id": ticket_id, "customer_id": customer_id, "role": role.value},
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# Built once: every acknowledgement and survey asks.
_REQUESTER_IDENTITY = (
    select(identity_t.c.kind, identity_t.c.address, identity_t.c.display_name)
    .join(participant_t, participant_t.c.customer_id == identity_t.c.customer_id)
    .where(
        participant_t.c.ticket_id == bindparam("k_ticket"),
        participant_t.c.role == ParticipantRole.REQUESTER.value,
        identity_t.c.kind == bindparam("k_kind"),
    )
    .order_by(identity_t.c.id)
    .limit(1)
)


async def requester_identity(store: Store, ticket_id: int, kind: str) -> tuple[Identity, ...]:
    """The ticket requester's first identity of `kind` (their email address, their Telegram
    chat), as the one recipient of automatic messages; empty when they have none."""
    rows = await store.execute(_REQUESTER_IDENTITY, {"k_ticket": ticket_id, "k_kind": kind})
    return tuple(Identity(r.kind, r.address, r.display_name) for r in rows)


async def add_identity(store: Store, customer_id: int, identity: Identity) -> None:
    """Give a customer one more way to reach them (their Telegram account beside their
    address). Conflict if the identity already belongs to another customer."""
    owner = await find_customer(store, identity)
    if owner == customer_id:
        return
    if owner is not None:
        raise Conflict(f"{identity.kind} {identity.address} belongs to customer {owner}")
    await store.execute(
        _INSERT_IDENTITY,
        {
            "customer_id": customer_id,
            "kind": identity.kind,
            "address": normalise_address(identity),
            "display_name": identity.display_name[:300],
            "created_at": store.now(),
        },
    )
