"""Bad input on every admin page is a 4xx with a message, never a 500: each POST route gets
forms full of odd values (huge numbers, Unicode digits, NUL bytes, very long text, unknown
choices) and each route with an id gets ids that do not exist or do not fit a database int."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from starlette.routing import Route

from helpdesk.admin.component import _routes
from helpdesk.runtime import Runtime
from tests.admin.conftest import ADMIN_EMAIL
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in

# Every field name the admin forms read (grepped from helpdesk/admin), plus the row-numbered
# ones at their first row.
FIELDS = (
    "active",
    "allowed_origins",
    "api_url",
    "body",
    "bots_fulfil",
    "business_hours",
    "calendar_id",
    "category_id",
    "content_types",
    "custom_holidays",
    "default_category",
    "default_team",
    "direction",
    "email",
    "expires_on",
    "f-0-choices",
    "f-0-max_length",
    "f-0-name",
    "f-0-pattern",
    "f-0-type",
    "fields-rows",
    "fingerprint",
    "first_reply_from_handover",
    "follow_preset",
    "holiday_country",
    "holiday_subdiv",
    "l0_a0_email",
    "l0_a0_target",
    "l0_a0_team",
    "l0_a0_type",
    "l0_a0_url",
    "l0_a0_user",
    "l0_business",
    "l0_offset",
    "max_files",
    "max_mib",
    "mode",
    "name",
    "on",
    "password",
    "rate_max",
    "rate_window",
    "role",
    "rule",
    "set_priority",
    "set_status",
    "slug",
    "step",
    "subject",
    "t_first_reply_0_h",
    "tags",
    "team",
    "text",
    "tiers",
    "token",
    "token_name",
    "tz",
    "warn_percent",
    "year_from",
    "year_to",
    "when-rows",
    "when-0-field",
    "when-0-op",
    "when-0-text",
    "when-0-value",
    "then-rows",
    "then-0-field",
    "then-0-value",
    "team_ids",
    "user_id",
    "supervisor_id",
    "address",
    "display_name",
    "imap_host",
    "imap_port",
    "imap_tls",
    "imap_user",
    "imap_folder",
    "after_import",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "smtp_user",
    "imap_password",
    "smtp_password",
    "subject-en",
    "subject-tr",
    "body-en",
    "body-tr",
    "d0_0_start",
    "d0_0_end",
    "category_ids",
    "priority",
    "status",
)

GARBAGE = {
    "huge": "99999999999999999999999",
    "int8": "9999999999999999",
    "negative": "-1",
    "unicode-digit": "\u00b2",
    "nul": "a\x00b",
    "long": "x" * 20_000,
    "float": "1e400",
    "unknown": "nonsense",
    "last-day": "9999-12-31",
    "first-day": "0001-01-01",
}
IDS = {"int": ("0", "99999999999999999999999"), "str": ("nope", "\u00e9" * 300)}


def _paths(runtime: Runtime) -> list[tuple[str, tuple[str, ...]]]:
    """(path with ids filled in, its methods) for every admin route."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for route in _routes(runtime):
        if not isinstance(route, Route):
            continue
        params = re.findall(r"{(\w+)(?::(\w+))?}", route.path)
        variants = [route.path]
        for name, kind in params:
            choices = IDS["int" if kind == "int" else "str"]
            pattern = "{" + name + (f":{kind}" if kind else "") + "}"
            variants = [v.replace(pattern, c) for v in variants for c in choices]
        out += [(path, tuple(sorted(route.methods or ()))) for path in variants]
    return out


def _form(csrf: str, value: str) -> dict[str, Any]:
    return {"csrf": csrf, **dict.fromkeys(FIELDS, value)}


async def _send(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> str:
    """Empty when the answer is below 500, else what went wrong (the test transport raises the
    app's exceptions instead of answering 500)."""
    try:
        response = await client.request(method, path, **kw)
    except Exception as exc:  # any crash is the finding
        return f"{method} {path[:80]!r}: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    if response.status_code >= 500:
        return f"{method} {path[:80]!r}: {response.status_code}"
    return ""


@pytest.mark.parametrize("kind", sorted(GARBAGE))
async def test_garbage_on_every_admin_form_is_refused_not_a_500(
    admin: Directory, clients: ClientFactory, runtime: Runtime, kind: str
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        failures = [
            await _send(ada, "POST", path, data=_form(csrf, GARBAGE[kind]))
            for path, methods in _paths(runtime)
            if "POST" in methods
        ]
    bad = [f for f in failures if f]
    assert not bad, "\n".join(bad)


async def test_ids_that_do_not_exist_or_overflow_are_refused_not_a_500(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        failures = []
        for path, methods in _paths(runtime):
            if (
                "/0" not in path
                and "9999" not in path
                and "nope" not in path
                and "\u00e9" not in path
            ):
                continue
            if "GET" in methods:
                failures.append(await _send(ada, "GET", path))
            if "POST" in methods:
                failures.append(await _send(ada, "POST", path, data={"csrf": csrf}))
    bad = [f for f in failures if f]
    assert not bad, "\n".join(bad)


async def test_non_utf8_form_bodies_are_refused_not_a_500(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        body = b"csrf=" + csrf.encode() + b"&name=%FF%FE&email=%C3%28&text=\xff\xfe"
        headers = {"content-type": "application/x-www-form-urlencoded"}
        failures = [
            await _send(ada, "POST", path, content=body, headers=headers)
            for path, methods in _paths(runtime)
            if "POST" in methods
        ]
    bad = [f for f in failures if f]
    assert not bad, "\n".join(bad)


QUERY = ("actor", "kind", "ticket", "since", "until", "before", "last", "category_id",
         "parent_id", "saved", "invited", "tested")  # fmt: skip


async def test_garbage_in_the_query_of_every_admin_page_is_refused_not_a_500(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        await sign_in(ada, ADMIN_EMAIL)
        failures = [
            # A URL longer than a few thousand characters is refused by the client already.
            await _send(ada, "GET", path, params=dict.fromkeys(QUERY, value[:2000]))
            for path, methods in _paths(runtime)
            if "GET" in methods and "9999" not in path
            for value in GARBAGE.values()
        ]
    bad = [f for f in failures if f]
    assert not bad, "\n".join(bad)
