"""/admin/rules over HTTP: who may see and change rules, the editor's 422s, the dry-run, and
that every change is saved in the routing configuration and in the audit log."""

from __future__ import annotations

from typing import Any

import httpx

from helpdesk.audit_queries import recent_changes
from helpdesk.runtime import Runtime
from routing import store as routing_store
from routing.config import RoutingConfig
from routing.rule_edits import KINDS
from tests.admin.conftest import ADMIN_EMAIL
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, csrf_in, sign_in

PRINTERS = {
    "name": "Printers are hardware",
    "on": "created",
    "all-rows": "2",
    "all-0-field": "message.text",
    "all-0-op": "contains",
    "all-0-value": "printer",
    "all-1-field": "",
    "any-rows": "1",
    "any-0-field": "",
    "actions-rows": "2",
    "actions-0-field": "add_tags",
    "actions-0-value": "hardware, urgent",
    "actions-1-field": "set_priority",
    "actions-1-value": "high",
}


async def _config(rt: Runtime) -> RoutingConfig:
    async with rt.stores.read() as store:
        return await routing_store.load_config(store)


async def _create(client: httpx.AsyncClient, csrf: str, **extra: Any) -> httpx.Response:
    return await client.post("/admin/rules/new", data={"csrf": csrf, **PRINTERS, **extra})


async def test_an_admin_saves_a_rule_disabled_sees_its_dry_run_and_enables_it(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        editor = await ada.get("/admin/rules/new")
        assert editor.status_code == 200
        saved = await _create(ada, csrf_in(editor.text))
        assert saved.status_code == 303
        assert saved.headers["location"] == "/admin/rules/1/dry-run"

        config = await _config(runtime)
        [rule] = config.rules
        assert rule.name == "Printers are hardware" and not rule.active
        assert [(c.field, c.op, c.value) for c in rule.all] == [
            ("message.text", "contains", "printer")
        ]
        assert [(a.kind, a.value) for a in rule.actions] == [
            ("add_tags", ["hardware", "urgent"]),
            ("set_priority", "high"),
        ]

        dry = await ada.get("/admin/rules/1/dry-run")
        assert dry.status_code == 200
        assert "1 ticket would be matched by this rule" in dry.text
        assert "Printers are hardware" in dry.text and "priority:" in dry.text
        assert "Printer on fire" in dry.text  # the ticket, by its subject
        # Nothing changed: the rule is still disabled and no ticket was touched.
        assert not (await _config(runtime)).rules[0].active
        fingerprint = dry.text.split('name="fingerprint" value="')[1].split('"')[0]

        enabled = await ada.post(
            "/admin/rules/1/enable",
            data={"csrf": csrf, "rule": rule.name, "fingerprint": fingerprint},
        )
        assert enabled.status_code == 303
        assert (await _config(runtime)).rules[0].active
        listing = await ada.get("/admin/rules")
        assert "Enabled" in listing.text and "Printers are hardware" in listing.text

    async with runtime.stores.read() as store:
        changes = await recent_changes(store, KINDS)
        about = await recent_changes(store, KINDS, item="Printers are hardware")
        other = await recent_changes(store, KINDS, item="another rule")
    assert [(c.action, c.subject, c.user) for c in changes] == [
        ("enabled", "Printers are hardware", "Ada Admin"),
        ("created", "Printers are hardware", "Ada Admin"),
    ]
    assert about == changes and other == []
    async with clients() as ada:
        await sign_in(ada, ADMIN_EMAIL)
        log = (await ada.get("/admin/audit?kind=routing_rule_changed")).text
    assert log.count("<td>Routing rule changed</td>") == 2 and "action: enabled" in log


async def test_enabling_needs_the_version_the_dry_run_showed(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        await _create(ada, csrf)
        stale = await ada.post(
            "/admin/rules/1/enable",
            data={"csrf": csrf, "rule": PRINTERS["name"], "fingerprint": "not-what-was-shown"},
        )
        assert stale.status_code == 409
        assert not (await _config(runtime)).rules[0].active


async def test_bad_input_is_a_422_per_field_and_saves_nothing(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        bad = await _create(
            ada, csrf, **{"all-0-op": "matches", "all-0-value": "(unclosed", "name": "",
                          "actions-1-value": "sky-high"}
        )  # fmt: skip
        assert bad.status_code == 422
        assert 'id="rule-name-error"' in bad.text
        assert "bad regular expression" in bad.text
        assert 'id="all-0-error"' in bad.text
        assert "set_priority takes one of" in bad.text and 'id="actions-1-error"' in bad.text
        # The admin's input is kept.
        assert 'value="(unclosed"' in bad.text
        no_action = await _create(ada, csrf, **{"actions-0-field": "", "actions-1-field": ""})
        assert no_action.status_code == 422
        assert (await _config(runtime)).rules == []


async def test_a_webhook_action_must_name_an_active_subscription_as_in_the_api(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        bad = await _create(
            ada, csrf, **{"actions-1-field": "call_webhook", "actions-1-value": "999"}
        )
        assert bad.status_code == 422
        assert 'id="actions-1-error"' in bad.text and "999" in bad.text
        assert (await _config(runtime)).rules == []


async def test_the_add_row_button_shows_the_form_again_without_saving(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        more = await _create(ada, csrf, add="all")
        assert more.status_code == 200
        assert 'name="all-1-field"' in more.text and 'value="printer"' in more.text
        assert (await _config(runtime)).rules == []


async def test_edit_move_enable_disable_and_remove_are_saved_and_logged(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        await _create(ada, csrf)
        await _create(ada, csrf, name="API errors to Tech", **{"all-0-value": "502",
                      "actions-0-field": "set_team", "actions-0-value": "Tech"})  # fmt: skip
        edit = await ada.get("/admin/rules/2/edit")
        assert 'value="API errors to Tech"' in edit.text
        changed = await ada.post(
            "/admin/rules/2/edit",
            data={"csrf": csrf, **PRINTERS, "original": "API errors to Tech",
                  "name": "API errors to Tech", "all-0-value": "returns 502"},
        )  # fmt: skip
        assert changed.status_code == 303
        assert (await _config(runtime)).rules[1].all[0].value == "returns 502"
        moved = await ada.post(
            "/admin/rules/2/move",
            data={"csrf": csrf, "rule": "API errors to Tech", "direction": "up"},
        )
        assert moved.status_code == 303
        assert [r.name for r in (await _config(runtime)).rules] == [
            "API errors to Tech",
            "Printers are hardware",
        ]
        # A page loaded before the move names the wrong rule at position 2: refused.
        stale = await ada.post(
            "/admin/rules/2/move",
            data={"csrf": csrf, "rule": "API errors to Tech", "direction": "up"},
        )
        assert stale.status_code == 409
        bad = await ada.post(
            "/admin/rules/1/move", data={"csrf": csrf, "rule": "API errors to Tech",
                                         "direction": "sideways"}
        )  # fmt: skip
        assert bad.status_code == 422
        dry = await ada.get("/admin/rules/2/dry-run")
        fingerprint = dry.text.split('name="fingerprint" value="')[1].split('"')[0]
        enable = {"csrf": csrf, "rule": "Printers are hardware", "fingerprint": fingerprint}
        assert (await ada.post("/admin/rules/2/enable", data=enable)).status_code == 303
        disable = {"csrf": csrf, "rule": "Printers are hardware"}
        assert (await ada.post("/admin/rules/2/disable", data=disable)).status_code == 303
        assert not (await _config(runtime)).rules[1].active
        edit = await ada.get("/admin/rules/1/edit")
        assert 'action="/admin/rules/1/remove"' in edit.text
        removed = await ada.post(
            "/admin/rules/1/remove", data={"csrf": csrf, "rule": "API errors to Tech"}
        )
        assert removed.status_code == 303
        assert [r.name for r in (await _config(runtime)).rules] == ["Printers are hardware"]
    async with runtime.stores.read() as store:
        actions = [c.action for c in await recent_changes(store, KINDS)]
    assert actions == ["removed", "disabled", "enabled", "moved", "updated", "created", "created"]


async def test_roles_and_csrf(admin: Directory, clients: ClientFactory, runtime: Runtime) -> None:
    async with clients() as ada, clients() as sam, clients() as ayse:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        assert (await ada.post("/admin/rules/new", data=PRINTERS)).status_code == 403
        assert (await _config(runtime)).rules == []
        await _create(ada, csrf)

        sam_csrf = await sign_in(sam, "sam@example.test")
        listing = await sam.get("/admin/rules")
        assert listing.status_code == 200 and "Printers are hardware" in listing.text
        assert "/admin/rules/1/edit" not in listing.text  # read-only for supervisors
        dry = await sam.get("/admin/rules/1/dry-run")
        assert dry.status_code == 200 and "Enable this rule" not in dry.text
        assert (await sam.get("/admin/rules/new")).status_code == 403
        refused = await sam.post(
            "/admin/rules/1/disable", data={"csrf": sam_csrf, "rule": PRINTERS["name"]}
        )
        assert refused.status_code == 403

        await sign_in(ayse, "ayse@example.test")
        assert (await ayse.get("/admin/rules")).status_code == 403
        assert (await ayse.get("/admin/rules/1/dry-run")).status_code == 403
        assert (await ada.get("/admin/rules/9/dry-run")).status_code == 404
