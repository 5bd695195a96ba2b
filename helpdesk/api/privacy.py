"""Personal data and integrations under /api/v1: customer view, export and erasure, the access
log, retention rules and outgoing webhooks. Everything but the customer view is admin-only."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from helpdesk import privacy, privacy_queries
from helpdesk.crypto import SecretBox
from helpdesk.domain import Principal
from helpdesk.endpoints import ADMINS, MANAGERS, Endpoint, QueryId, QueryInt, QueryTime
from helpdesk.errors import ValidationFailed
from helpdesk.http import ok, parse_body, query_int
from helpdesk.runtime import Runtime
from helpdesk.services import retention, webhooks
from helpdesk.services.access import Access

PREFIX = "/api/v1"


class EraseRequest(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class WebhookCreate(BaseModel):
    url: str = Field(
        max_length=2000,
        json_schema_extra={"pattern": r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\[\]\s]+([/?#]\S*)?$"},
    )
    # Checked by the service (one message naming the choices); stated here for the document.
    events: list[
        Annotated[str, WithJsonSchema({"type": "string", "enum": list(webhooks.EVENT_TYPES)})]
    ] = Field(min_length=1)
    description: str = Field(default="", max_length=200)


class RetentionRuleIn(BaseModel):
    days: int = Field(ge=1, le=36500)
    action: Literal["anonymise", "delete"] = "anonymise"


def _id(request: Request, name: str) -> int:
    value: int = request.path_params[name]
    return value


async def get_customer(rt: Runtime, request: Request, who: Principal) -> Response:
    customer_id = _id(request, "customer_id")
    async with rt.stores() as store:
        data = await privacy_queries.export_data(store, customer_id)
    await privacy.note_access(rt, who.user_id, "api", [Access("customer.view", customer_id)])
    d = data.data
    return ok(
        {
            **d["customer"],
            "identities": d["identities"],
            "tickets": [
                {k: t[k] for k in ("id", "number", "subject", "status", "channel", "created_at")}
                for t in d["tickets"]
            ],
            "erased": bool(d["erasures"]),
        }
    )


async def export_customer(rt: Runtime, request: Request, who: Principal) -> Response:
    customer_id = _id(request, "customer_id")
    archive = await privacy.export(rt, str(customer_id), user_id=who.user_id, via="api")
    return Response(
        archive.content,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.zip"'},
    )


async def erase_customer(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, EraseRequest)
    customer_id = _id(request, "customer_id")
    erased = await privacy.erase(
        rt, str(customer_id), reason=body.reason, actor_user_id=who.user_id, via="api"
    )
    return ok(
        {"erasure_id": erased.erasure_id, "customer_id": customer_id, "counts": erased.counts}
    )


def _access_filter(request: Request) -> tuple[privacy_queries.AccessFilter, int, int | None]:
    errors: dict[str, str] = {}
    q = request.query_params

    def when(name: str) -> datetime | None:
        raw = q.get(name)
        if not raw:
            return None
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            errors[name] = "must be an ISO 8601 date-time"
            return None
        if value.tzinfo is None:
            errors[name] = "must include a time zone"
        return value

    flt = privacy_queries.AccessFilter(
        user_id=query_int(request, "user_id", errors),
        customer_id=query_int(request, "customer_id", errors),
        ticket_id=query_int(request, "ticket_id", errors),
        action=q.get("action") or None,
        since=when("since"),
        until=when("until"),
    )
    limit = query_int(request, "limit", errors, high=privacy_queries.MAX_PAGE) or 100
    after = query_int(request, "after_id", errors, low=0)
    if errors:
        raise ValidationFailed(errors)
    return flt, limit, after


async def list_access(rt: Runtime, request: Request, who: Principal) -> Response:
    flt, limit, after = _access_filter(request)
    await privacy.flush_access(rt)
    async with rt.stores() as store:
        items = await privacy_queries.access_log(store, flt, limit=limit, after_id=after)
    return ok({"items": items, "next_after_id": items[-1]["id"] if len(items) == limit else None})


CSV_COLUMNS = ("id", "at", "user_id", "via", "action", "customer_id", "ticket_id", "attachment_id")


async def export_access(rt: Runtime, request: Request, who: Principal) -> Response:
    flt, _, _ = _access_filter(request)
    await privacy.flush_access(rt)

    async def rows() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        after: int | None = None
        while True:
            async with rt.stores() as store:
                page = await privacy_queries.access_log(
                    store, flt, limit=privacy_queries.MAX_PAGE, after_id=after
                )
            for item in page:
                writer.writerow([item[c] for c in CSV_COLUMNS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if len(page) < privacy_queries.MAX_PAGE:
                return
            after = int(page[-1]["id"])

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="access-log.csv"'},
    )


async def list_webhooks(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        return ok({"items": await privacy_queries.webhook_subscriptions(store)})


async def create_webhook(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, WebhookCreate)
    async with rt.stores() as store:
        created = await webhooks.create_subscription(
            store, SecretBox(rt.settings.secret_key), body.url, body.events, body.description
        )
    return ok({"id": created.subscription_id, "secret": created.secret}, status=201)


async def delete_webhook(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        await webhooks.deactivate_subscription(store, _id(request, "subscription_id"))
    return ok({"deactivated": _id(request, "subscription_id")})


async def list_deliveries(rt: Runtime, request: Request, who: Principal) -> Response:
    errors: dict[str, str] = {}
    subscription_id = query_int(request, "subscription_id", errors)
    limit = query_int(request, "limit", errors, high=privacy_queries.MAX_PAGE) or 100
    status = request.query_params.get("status") or None
    statuses = {"pending": "pending", "sending": "sending", "sent": "sent", "dead": "failed"}
    if status is not None and status not in statuses:
        errors["status"] = f"must be one of {', '.join(statuses)}"
    if errors:
        raise ValidationFailed(errors)
    async with rt.stores() as store:
        items = await privacy_queries.webhook_deliveries(
            store,
            subscription_id=subscription_id,
            status=statuses[status] if status else None,
            limit=limit,
        )
    return ok({"items": items})


async def replay_delivery(rt: Runtime, request: Request, who: Principal) -> Response:
    outbox_id = _id(request, "delivery_id")
    async with rt.stores() as store:
        await webhooks.replay(store, outbox_id)
    return ok({"replayed": outbox_id}, status=202)


async def list_retention(rt: Runtime, request: Request, who: Principal) -> Response:
    async with rt.stores() as store:
        rules = await retention.rules(store)
    return ok(
        {"items": [{"channel": r.channel, "days": r.days, "action": r.action} for r in rules]}
    )


async def put_retention(rt: Runtime, request: Request, who: Principal) -> Response:
    body = await parse_body(request, RetentionRuleIn)
    channel: str = request.path_params["channel"]
    async with rt.stores() as store:
        await retention.set_rule(store, channel, body.days, body.action)
    return ok({"channel": channel, "days": body.days, "action": body.action})


async def run_retention(rt: Runtime, request: Request, who: Principal) -> Response:
    dry_run = request.query_params.get("dry_run", "true").lower() not in ("0", "false", "no")
    report = await privacy.run_retention(rt, dry_run=dry_run)
    return ok({"dry_run": report.dry_run, "tickets": report.tickets})


class AccessExportQuery(BaseModel):
    user_id: QueryId | None = Field(default=None, description="Staff member who looked")
    customer_id: QueryId | None = Field(default=None, description="Customer looked at")
    ticket_id: QueryId | None = Field(default=None, description="Ticket looked at")
    action: str | None = Field(
        default=None,
        max_length=100,
        description="ticket.view, attachment.read, customer.view, customer.export",
    )
    since: QueryTime | None = Field(default=None, description="From (inclusive), with zone")
    until: QueryTime | None = Field(default=None, description="Until (exclusive), with zone")


class AccessQuery(AccessExportQuery):
    limit: Annotated[int, Field(ge=1, le=500), QueryInt] = Field(
        default=100, description="Page size"
    )
    after_id: QueryId | None = Field(
        default=None, description="`next_after_id` of the previous page"
    )


class RetentionRunQuery(BaseModel):
    dry_run: bool = Field(default=True, description="Only count (default true)")


class DeliveriesQuery(BaseModel):
    subscription_id: QueryId | None = Field(default=None, description="Subscription")
    status: Literal["pending", "sending", "sent", "dead"] | None = None
    limit: Annotated[int, Field(ge=1, le=500), QueryInt] = Field(
        default=100, description="Page size"
    )


class _Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


_ZIP = {"description": "A zip", "content": {"application/zip": {"schema": {"type": "string"}}}}
_CSV = {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}
_CHANNEL = {"channel": {"type": "string", "pattern": r"^[a-z0-9_]{1,32}$"}}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", f"{PREFIX}/customers/{{customer_id:int}}", get_customer,
             "A customer with identities and tickets (logged)", "getCustomer",
             response=_Answer, roles=MANAGERS),
    Endpoint("GET", f"{PREFIX}/customers/{{customer_id:int}}/export", export_customer,
             "Everything held about a customer, as a zip (logged)", "exportCustomer",
             success=_ZIP, roles=ADMINS),
    Endpoint("POST", f"{PREFIX}/customers/{{customer_id:int}}/erase", erase_customer,
             "Erase a customer's personal data for good; tickets and figures stay",
             "eraseCustomer", body=EraseRequest, response=_Answer, roles=ADMINS),
    Endpoint("GET", f"{PREFIX}/access-log", list_access, "Staff views of customer data",
             "listAccessLog", query=AccessQuery, response=_Answer, roles=ADMINS),
    Endpoint("GET", f"{PREFIX}/access-log/export", export_access, "The access log as CSV",
             "exportAccessLog", query=AccessExportQuery, success=_CSV, roles=ADMINS),
    Endpoint("GET", f"{PREFIX}/retention/rules", list_retention, "Retention rules per channel",
             "listRetentionRules", response=_Answer, roles=ADMINS),
    Endpoint("PUT", f"{PREFIX}/retention/rules/{{channel}}", put_retention,
             "Set a channel's retention rule", "setRetentionRule", body=RetentionRuleIn,
             response=_Answer, path_schemas=_CHANNEL, roles=ADMINS),
    Endpoint("POST", f"{PREFIX}/retention/run", run_retention,
             "Apply retention now (dry_run=true, the default, only counts)",
             "runRetention", query=RetentionRunQuery, response=_Answer, roles=ADMINS),
    Endpoint("GET", f"{PREFIX}/webhooks", list_webhooks, "Webhook subscriptions",
             "listWebhooks", response=_Answer, roles=ADMINS),
    Endpoint("POST", f"{PREFIX}/webhooks", create_webhook,
             "Subscribe a URL to event types; returns the signing secret once",
             "createWebhook", body=WebhookCreate, response=_Answer, status=201, roles=ADMINS),
    Endpoint("DELETE", f"{PREFIX}/webhooks/{{subscription_id:int}}", delete_webhook,
             "Deactivate a subscription",
             "deleteWebhook", response=_Answer, roles=ADMINS),
    Endpoint("GET", f"{PREFIX}/webhooks/deliveries", list_deliveries,
             "Deliveries with their attempt log (status=dead for dead letters)",
             "listWebhookDeliveries", query=DeliveriesQuery, response=_Answer, roles=ADMINS),
    Endpoint("POST", f"{PREFIX}/webhooks/deliveries/{{delivery_id:int}}/replay", replay_delivery,
             "Deliver again with the same event id", "replayWebhookDelivery",
             response=_Answer, status=202, roles=ADMINS),
)  # fmt: skip
