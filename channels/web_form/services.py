"""The web-form channel's state changes: saving and removing forms, accepting a submission.

Like the core's services these take a `Store` and never commit, send or schedule: the
confirmation email is an outbox row written in the same transaction as the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update

from channels.base import Attachment, Identity
from channels.web_form import queries
from channels.web_form.definition import FormDefinition
from channels.web_form.i18n import localise, texts
from channels.web_form.inbound import CHANNEL, to_inbound
from channels.web_form.queries import Form
from channels.web_form.tables import web_form_submission_t, web_form_t
from channels.web_form.validation import Accepted
from helpdesk import lookups
from helpdesk.domain import Actor, AuditKind
from helpdesk.errors import Conflict, Inconsistent, NotFound, ValidationFailed
from helpdesk.services import Store, ingest
from helpdesk.services._common import audit_config
from helpdesk.services.outbox import queue_notification

# This channel's entries in the audit log (the forms page lists them as recent changes).
KINDS = (AuditKind.WEB_FORM_SAVED, AuditKind.WEB_FORM_REMOVED)


@dataclass(frozen=True, slots=True)
class Submitted:
    ticket_number: int
    new: bool  # False when this submission id was accepted before


async def save_form(
    store: Store,
    definition: FormDefinition,
    *,
    replace: bool = False,
    by: int | None = None,
    via: str | None = None,
) -> int:
    """Store `definition` under its slug; with `replace`, overwrite an existing one. The
    change is written to the audit log as made by user `by` (None: the CLI or the system),
    `via` the API or the CLI (None: the admin pages).

    Raises ValidationFailed for categories or a team that do not exist, Conflict when the slug
    is taken and `replace` is false.
    """
    team_id = await _check_references(store, definition)
    now = store.now()
    values = {
        "title": definition.title,
        "intro": definition.intro,
        "fields": [f.model_dump(exclude_defaults=True) for f in definition.fields],
        "categories": definition.categories,
        "default_category": definition.default_category,
        "default_team_id": team_id,
        "languages": list(definition.languages),
        "allowed_origins": definition.allowed_origins,
        "max_files": definition.attachments.max_files,
        "max_file_bytes": definition.attachments.max_bytes,
        "content_types": definition.attachments.content_types,
        "rate_limit": definition.rate_limit.max,
        "rate_window_seconds": definition.rate_limit.window_seconds,
        "active": definition.active,
        "updated_at": now,
    }
    existing = (
        await store.execute(select(web_form_t.c.id).where(web_form_t.c.slug == definition.slug))
    ).scalar_one_or_none()
    if existing is not None:
        if not replace:
            raise Conflict(f"a form {definition.slug!r} exists already; replace it instead")
        await store.execute(update(web_form_t).where(web_form_t.c.id == existing).values(**values))
        await _log(store, by, via, "updated", definition)
        return int(existing)
    form_id = (
        await store.execute(
            insert(web_form_t)
            .values(slug=definition.slug, created_at=now, **values)
            .returning(web_form_t.c.id)
        )
    ).scalar_one()
    await _log(store, by, via, "created", definition)
    return int(form_id)


async def _log(
    store: Store, by: int | None, via: str | None, action: str, definition: FormDefinition
) -> None:
    await audit_config(
        store, _actor(by), AuditKind.WEB_FORM_SAVED, via=via,
        action=action, item=definition.slug, form=definition.model_dump(mode="json"),
    )  # fmt: skip


def _actor(by: int | None) -> Actor:
    return Actor.system() if by is None else Actor.user(by)


async def _check_references(store: Store, definition: FormDefinition) -> int | None:
    wanted = set(definition.categories)
    if definition.default_category:
        wanted.add(definition.default_category)
    known = await lookups.known_category_slugs(store, wanted)
    errors: dict[str, str] = {}
    for index, slug in enumerate(definition.categories):
        if slug not in known:
            errors[f"categories.{index}"] = f"no category {slug!r}"
    if definition.default_category and definition.default_category not in known:
        errors["default_category"] = f"no category {definition.default_category!r}"
    team_id = None
    if definition.default_team:
        team_id = await lookups.team_id_by_name(store, definition.default_team)
        if team_id is None:
            errors["default_team"] = f"no team named {definition.default_team!r}"
    if errors:
        raise ValidationFailed(errors)
    return None if team_id is None else int(team_id)


async def remove_form(
    store: Store, slug: str, *, by: int | None = None, via: str | None = None
) -> None:
    """Delete the form and its submission log; tickets it opened stay."""
    result = await store.execute(delete(web_form_t).where(web_form_t.c.slug == slug))
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no form {slug!r}")
    await audit_config(
        store, _actor(by), AuditKind.WEB_FORM_REMOVED, via=via, action="removed", item=slug
    )


async def submit(
    store: Store,
    form: Form,
    accepted: Accepted,
    attachments: tuple[Attachment, ...],
    *,
    submission_id: str,
    client_ip: str,
    language: str,
    confirm: bool = True,
) -> Submitted:
    """Open a ticket for an accepted submission and queue the customer's confirmation.

    Idempotent on `submission_id`: the same id again returns the first ticket's number. An id
    reused with another email address, subject or message is a Conflict (it cannot be the
    same submission).
    `confirm=False` leaves the confirmation to the automatic acknowledgement.
    """
    external_id = f"{form.slug}:{submission_id}"
    earlier = await queries.find_submission(store, external_id)
    if earlier is not None:
        # A retry repeats the same words; the same key with other words is another submission
        # that must not be silently dropped in favour of the first.
        first = await queries.submitted_message(store, CHANNEL, external_id)
        if earlier["email"] != accepted.email or first != (accepted.subject, accepted.message):
            raise Conflict("this submission id was already used for another submission")
        return Submitted(int(earlier["ticket_number"]), new=False)
    words = texts(language)
    message = to_inbound(
        form,
        accepted,
        attachments,
        external_id=external_id,
        language=language,
        received_at=store.now(),
    )
    result = await ingest(store, message)
    if result.ticket_id is None or result.ticket_number is None:
        raise Inconsistent(f"ingest did not place web-form submission {external_id}")
    number = result.ticket_number
    if result.new:
        await store.execute(
            insert(web_form_submission_t).values(
                form_id=form.id,
                external_id=external_id,
                client_ip=client_ip[:64],
                email=accepted.email,
                ticket_id=result.ticket_id,
                ticket_number=number,
                created_at=store.now(),
            )
        )
    if result.new and confirm:
        subject = accepted.subject or localise(form.definition.title, language, form.slug)
        quote = "\n".join("> " + line for line in accepted.message.splitlines()[:40])
        await queue_notification(
            store,
            result.ticket_id,
            channel=CHANNEL,
            to=[Identity("email", accepted.email, accepted.name)],
            subject=words["ticket_subject"].format(number=number, subject=subject)[:998],
            text=words["ticket_text"].format(
                name=accepted.name or accepted.email, number=number, quote=quote
            ),
            kind="auto_reply",
            extra={"form": form.slug, "language": language},
        )
    return Submitted(number, new=result.new)
