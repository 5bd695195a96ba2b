"""Erasing a customer (GDPR art. 17, KVKK art. 7): the person goes, their tickets stay.

Identities, the name, message texts, HTML, raw input and attachments of the customer are
removed or replaced in one transaction, together with what components keep about them
(`ports.PersonalData`: Telegram updates, form submissions, ...). Ticket rows, statuses, times
and SLA figures stay, so counts and reports do not change. The same address writing in later
has no identity to match and starts a new customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, or_, select, update

from helpdesk import search
from helpdesk.errors import Conflict, NotFound
from helpdesk.ports import PersonalData, PersonalDataScope
from helpdesk.privacy_tables import erasure_t
from helpdesk.services import _redact
from helpdesk.store import Store
from helpdesk.tables import (
    customer_t,
    identity_t,
    message_t,
    participant_t,
    quarantine_t,
    survey_t,
    ticket_t,
)

_QUARANTINE_BATCH = 200


@dataclass(frozen=True, slots=True)
class Erased:
    erasure_id: int
    customer_id: int
    counts: dict[str, int]
    blobs: tuple[str, ...]  # addresses that may now be unreferenced; delete after commit


async def find_customer_ref(store: Store, ref: str) -> int:
    """The customer named by `ref`: an id, an email address, or `kind:address` (telegram:42)."""
    ref = ref.strip()
    if ref.isdigit():
        found = (
            await store.execute(select(customer_t.c.id).where(customer_t.c.id == int(ref)))
        ).scalar_one_or_none()
    else:
        kind, _, address = ref.partition(":") if "@" not in ref else ("email", "", ref)
        address = address.strip()
        if kind == "email":
            address = address.lower()
        found = (
            await store.execute(
                select(identity_t.c.customer_id).where(
                    identity_t.c.kind == kind, identity_t.c.address == address
                )
            )
        ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no customer {ref!r}")
    return int(found)


async def scope_of(store: Store, customer_id: int) -> PersonalDataScope:
    """Everything that identifies the customer: identities, tickets, messages, terms."""
    customer = (
        (await store.execute(select(customer_t).where(customer_t.c.id == customer_id)))
        .mappings()
        .first()
    )
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    identities = (
        await store.execute(
            select(identity_t.c.kind, identity_t.c.address, identity_t.c.display_name).where(
                identity_t.c.customer_id == customer_id
            )
        )
    ).all()
    tickets = (
        await store.execute(
            select(ticket_t.c.id, ticket_t.c.subject)
            .where(
                or_(
                    ticket_t.c.requester_id == customer_id,
                    ticket_t.c.id.in_(
                        select(participant_t.c.ticket_id).where(
                            participant_t.c.customer_id == customer_id
                        )
                    ),
                )
            )
            .order_by(ticket_t.c.id)
        )
    ).all()
    external = (
        await store.execute(
            select(message_t.c.channel, message_t.c.external_id).where(
                message_t.c.author_customer_id == customer_id,
                message_t.c.external_id.is_not(None),
            )
        )
    ).all()
    terms = [customer["name"]]
    for identity in identities:
        terms += [identity.address, identity.display_name]
        if identity.kind == "email":
            terms.append(identity.address.split("@", 1)[0])  # the local part names the person too
    return PersonalDataScope(
        customer_id=customer_id,
        ticket_ids=tuple(int(t.id) for t in tickets),
        identities=tuple((i.kind, i.address) for i in identities),
        external_ids=tuple((e.channel, e.external_id) for e in external),
        terms=tuple(t for t in terms if t),
    )


async def erase_customer(
    store: Store,
    customer_id: int,
    *,
    reason: str,
    actor_user_id: int | None,
    via: str,
    components: Sequence[PersonalData] = (),
) -> Erased:
    """Erase a customer's personal data for good, in the caller's transaction.

    Tickets the customer requested lose all their content; on tickets where they were only
    copied, their own messages are emptied and mentions of them scrubbed from the rest.
    Returns the blob addresses to delete once this has committed (`_redact.unreferenced`).
    """
    if not reason.strip():
        raise Conflict("an erasure needs a reason")
    done = (
        await store.execute(select(erasure_t.c.id).where(erasure_t.c.customer_id == customer_id))
    ).first()
    if done is not None:
        raise Conflict(f"customer {customer_id} was already erased")
    await _redact.secure_delete(store)
    scope = await scope_of(store, customer_id)
    requested = set(
        (
            await store.execute(select(ticket_t.c.id).where(ticket_t.c.requester_id == customer_id))
        ).scalars()
    )
    subjects = (
        await store.execute(select(ticket_t.c.subject).where(ticket_t.c.id.in_(requested)))
    ).scalars()
    scope = PersonalDataScope(
        customer_id=scope.customer_id,
        ticket_ids=scope.ticket_ids,
        identities=scope.identities,
        external_ids=scope.external_ids,
        terms=(*scope.terms, *(s for s in subjects if s and s != _redact.PLACEHOLDER)),
    )
    scrub = _redact.Scrubber(scope.terms)
    result = _redact.Redacted()
    await _redact.redact_tickets(
        store, sorted(requested), scrub, result, reason="erasure", action="anonymise"
    )
    others = [t for t in scope.ticket_ids if t not in requested]
    own = (
        await store.execute(
            select(message_t.c.id).where(
                message_t.c.author_customer_id == customer_id, message_t.c.ticket_id.in_(others)
            )
        )
    ).scalars()
    await _redact.redact_messages(store, list(own), result)
    mentions = (
        await store.execute(select(message_t.c.id).where(message_t.c.ticket_id.in_(others)))
    ).scalars()
    result.add("messages_scrubbed", await _redact.scrub_messages(store, list(mentions), scrub))
    await _redact.scrub_audit(store, others, scrub)
    comments = await store.execute(
        update(survey_t)
        .where(survey_t.c.customer_id == customer_id, survey_t.c.comment.is_not(None))
        .values(comment=None)
    )
    result.add("csat_comments", getattr(comments, "rowcount", 0) or 0)
    result.add("quarantine", await _erase_quarantine(store, scope))
    for component in components:
        result.add(component.name, await component.erase(store, scope))
    gone = await store.execute(delete(identity_t).where(identity_t.c.customer_id == customer_id))
    result.add("identities", getattr(gone, "rowcount", 0) or 0)
    await search.purge_deleted(store)
    await store.execute(
        update(customer_t)
        .where(customer_t.c.id == customer_id)
        .values(name="", language=None, timezone=None)
    )
    erasure_id = (
        await store.execute(
            insert(erasure_t)
            .values(
                customer_id=customer_id,
                at=store.now(),
                actor_user_id=actor_user_id,
                via=via,
                reason=reason.strip()[:2000],
                counts=dict(result.counts),
            )
            .returning(erasure_t.c.id)
        )
    ).scalar_one()
    return Erased(int(erasure_id), customer_id, dict(result.counts), tuple(sorted(result.blobs)))


async def quarantined(store: Store, scope: PersonalDataScope) -> list[int]:
    """Quarantined input is unparsed bytes: the entries that carry one of the addresses."""
    needles = [a.lower().encode() for _, a in scope.identities if len(a) >= 3]
    hits: list[int] = []
    last = 0
    while needles:
        rows = (
            await store.execute(
                select(quarantine_t.c.id, quarantine_t.c.raw)
                .where(quarantine_t.c.id > last)
                .order_by(quarantine_t.c.id)
                .limit(_QUARANTINE_BATCH)
            )
        ).all()
        if not rows:
            break
        last = int(rows[-1].id)
        hits += [int(r.id) for r in rows if any(n in bytes(r.raw).lower() for n in needles)]
    return hits


async def _erase_quarantine(store: Store, scope: PersonalDataScope) -> int:
    hits = await quarantined(store, scope)
    if hits:
        await store.execute(delete(quarantine_t).where(quarantine_t.c.id.in_(hits)))
    return len(hits)


Scrubber = _redact.Scrubber  # components scrub their own free text with the same rules
