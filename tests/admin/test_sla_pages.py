"""The SLA admin pages over HTTP: who may open them, CSRF, per-field refusals (422) with the
API's messages, the "this will recompute N open tickets" step, and what a confirmed save stores
(with its row in the SLA pages' history and its entry in the central audit log)."""

from __future__ import annotations

from typing import Any

import httpx

from helpdesk import queries
from helpdesk.domain import AuditKind
from helpdesk.runtime import Runtime
from sla import config_reads
from tests.admin.conftest import ADMIN_EMAIL
from tests.admin.trail import config_trail
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, sign_in

PAGES = ("/admin/categories", "/admin/calendars", "/admin/policies", "/admin/ladders")
OFFICE = {"name": "Office", "tz": "Europe/Istanbul",
          "d0_0_start": "09:00", "d0_0_end": "12:30", "d0_1_start": "13:30", "d0_1_end": "18:00",
          "d4_0_start": "22:00", "d4_0_end": "06:00"}  # fmt: skip


async def _rows(rt: Runtime, kind: str) -> list[dict[str, Any]]:
    async with rt.stores.read() as store:
        return await {
            "calendar": config_reads.calendars,
            "policy": config_reads.policies,
            "ladder": config_reads.ladders,
        }[kind](store)


async def _save(client: httpx.AsyncClient, url: str, csrf: str, data: dict[str, Any]) -> str:
    """Submit a form, check the confirm step names the open tickets, confirm; the new path."""
    form = {"csrf": csrf, **data}
    check = await client.post(url, data={**form, "step": "check"})
    assert check.status_code == 200, check.text
    assert "will recompute 2 open tickets" in check.text
    done = await client.post(url, data={**form, "step": "confirm"})
    assert done.status_code == 303, done.text
    return done.headers["location"]


async def test_admins_change_supervisors_read_agents_and_strangers_are_kept_out(
    admin: Directory, clients: ClientFactory
) -> None:
    async with clients() as ada, clients() as sam, clients() as ayse, clients() as nobody:
        await sign_in(ada, ADMIN_EMAIL)
        await sign_in(sam, "sam@example.test")
        await sign_in(ayse, "ayse@example.test")
        home = await ada.get("/admin")
        for path in PAGES:
            assert f'href="{path}"' in home.text
            assert (await ada.get(path)).status_code == 200
            assert (await ada.get(path + "/new")).status_code == 200
            listing = await sam.get(path)
            assert listing.status_code == 200 and f'href="{path}/new"' not in listing.text
            assert (await sam.get(path + "/new")).status_code == 403
            assert (await ayse.get(path)).status_code == 403
            assert (await nobody.get(path)).status_code == 303


async def test_a_form_without_its_csrf_token_changes_nothing(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        await sign_in(ada, ADMIN_EMAIL)
        for path in PAGES:
            sent = await ada.post(path + "/new", data={**OFFICE, "slug": "x", "step": "confirm"})
            assert sent.status_code == 403
    assert await _rows(runtime, "calendar") == []
    async with runtime.stores.read() as store:
        assert await queries.list_categories(store) == []


async def test_a_calendar_is_checked_confirmed_with_its_open_ticket_count_and_saved(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        bad = await ada.post("/admin/calendars/new", data={
            "csrf": csrf, **OFFICE, "tz": "Mars/Olympus", "d2_0_start": "10:00", "step": "check",
            "custom_holidays": "2026-13-01",
        })  # fmt: skip
        assert bad.status_code == 422
        assert "unknown time zone &#39;Mars/Olympus&#39;" in bad.text
        assert "an opening interval needs a start and an end" in bad.text
        assert "is not a date (YYYY-MM-DD)" in bad.text
        assert 'value="Mars/Olympus"' in bad.text  # shown as it was filled in
        filled = await ada.post("/admin/calendars/new", data={
            "csrf": csrf, **OFFICE, "holiday_country": "TR", "year_from": "2026",
            "year_to": "2026", "step": "fill",
        })  # fmt: skip
        assert filled.status_code == 200
        assert "2026-10-29 " in filled.text and "2026-01-01 " in filled.text
        unknown = await ada.post("/admin/calendars/new", data={
            "csrf": csrf, **OFFICE, "holiday_country": "XX", "year_from": "2026",
            "year_to": "2026", "step": "fill",
        })  # fmt: skip
        assert unknown.status_code == 422 and "no holiday preset for country" in unknown.text
        assert await _rows(runtime, "calendar") == []
        data = {**OFFICE, "custom_holidays": "2026-12-31 New Year's Eve\n2026-06-05",
                "holiday_country": "TR", "follow_preset": "1"}  # fmt: skip
        saved = await _save(ada, "/admin/calendars/new", csrf, data)
        assert saved.startswith("/admin/calendars?saved=")
        taken = await ada.post("/admin/calendars/new", data={"csrf": csrf, **OFFICE,
                                                            "step": "check"})  # fmt: skip
        assert taken.status_code == 409 and "is taken" in taken.text
        listing = await ada.get("/admin/calendars")
        assert "Office" in listing.text and "Recent changes" in listing.text
    [row] = await _rows(runtime, "calendar")
    assert row["weekly"] == {
        "0": [["09:00", "12:30"], ["13:30", "18:00"]], "4": [["22:00", "06:00"]],
    }  # fmt: skip
    assert row["custom_holidays"] == ["2026-06-05", "2026-12-31"]
    assert row["holiday_country"] == "TR"
    async with runtime.stores.read() as store:
        [change] = await config_reads.changes(store, "calendar")
    assert (change["action"], change["row_id"], change["open_tickets"]) == ("created", row["id"], 2)
    assert change["user_id"] == admin.users["ada"]
    assert await config_trail(runtime, AuditKind.SLA_CALENDAR_CHANGED) == [
        ("sla_calendar_changed", admin.users["ada"],
         {"action": "created", "id": row["id"], "item": "Office", "open_tickets": 2}),
    ]  # fmt: skip


async def test_policies_take_targets_in_hours_and_minutes_and_move_in_order(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        bad = await ada.post("/admin/policies/new", data={
            "csrf": csrf, "name": "Fast", "t_first_reply_urgent_h": "1",
            "t_first_reply_urgent_m": "75", "step": "check",
        })  # fmt: skip
        assert bad.status_code == 422
        assert "minutes 0-59" in bad.text
        empty = await ada.post("/admin/policies/new", data={"csrf": csrf, "name": "Fast",
                                                            "step": "check"})  # fmt: skip
        assert empty.status_code == 422 and "a policy needs at least one target" in empty.text
        missing = await ada.post("/admin/policies/new", data={
            "csrf": csrf, "name": "Fast", "t_first_reply_urgent_m": "30", "calendar_id": "99",
            "step": "check",
        })  # fmt: skip
        assert missing.status_code == 422 and "no such calendar: 99" in missing.text
        await _save(ada, "/admin/policies/new", csrf, {
            "name": "Fast", "active": "1", "priorities": ["urgent", "high"],
            "channels": "email", "tags": "vip, press", "t_first_reply_urgent_m": "30",
            "t_resolution_urgent_h": "8", "t_resolution_high_h": "1", "t_resolution_high_m": "30",
            "pause_resolution": ["pending"], "warn_percent": "80",
        })  # fmt: skip
        await _save(ada, "/admin/policies/new", csrf, {
            "name": "Everyone", "active": "1", "t_first_reply_normal_h": "4",
        })  # fmt: skip
        first, second = await _rows(runtime, "policy")
        assert (first["name"], second["name"]) == ("Fast", "Everyone")
        assert first["targets"] == {"first_reply": {"urgent": 1800},
                                    "resolution": {"urgent": 28800, "high": 5400}}  # fmt: skip
        assert first["pause_statuses"]["resolution"] == ["pending"]
        assert first["pause_statuses"]["first_reply"] == []
        assert first["tags"] == ["vip", "press"] and first["warn_fraction"] == 0.8
        asked = await ada.post(f"/admin/policies/{second['id']}/move",
                               data={"csrf": csrf, "direction": "up"})  # fmt: skip
        assert "will recompute 2 open tickets" in asked.text
        assert [r["name"] for r in await _rows(runtime, "policy")] == ["Fast", "Everyone"]
        moved = await ada.post(
            f"/admin/policies/{second['id']}/move",
            data={"csrf": csrf, "direction": "up", "step": "confirm"},
        )
        assert moved.status_code == 303
        assert [r["name"] for r in await _rows(runtime, "policy")] == ["Everyone", "Fast"]
        edit = await ada.get(f"/admin/policies/{first['id']}")
        assert 'name="t_resolution_high_m" value="30"' in edit.text


async def test_a_ladder_refuses_unknown_people_and_keeps_its_levels(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        base = {"name": "Printers", "l0_offset": "0", "l0_business": "1", "l0_a0_email": "1",
                "l0_a0_type": "notify", "l0_a0_target": "supervisor"}  # fmt: skip
        bad = await ada.post("/admin/ladders/new", data={
            "csrf": csrf, **base, "l2_offset": "1h", "l2_a0_type": "reassign",
            "l2_a0_target": "user", "l2_a0_user": "999", "l1_offset": "soon",
            "l1_a0_type": "raise_priority", "step": "check",
        })  # fmt: skip
        assert bad.status_code == 422
        assert "is not a duration" in bad.text
        assert 'value="soon"' in bad.text
        unknown = await ada.post("/admin/ladders/new", data={
            "csrf": csrf, **base, "l1_offset": "1h", "l1_a0_type": "reassign",
            "l1_a0_target": "user", "l1_a0_user": "999", "step": "check",
        })  # fmt: skip
        assert unknown.status_code == 422 and "no such user: 999" in unknown.text
        await _save(ada, "/admin/ladders/new", csrf, {
            **base, "l1_offset": "1h30m", "l1_a0_type": "reassign", "l1_a0_target": "team",
            "l1_a0_team": str(admin.teams["Tech"]), "l1_a1_type": "raise_priority",
        })  # fmt: skip
    [row] = await _rows(runtime, "ladder")
    assert row["category_id"] is None
    assert row["levels"] == [
        {"offset": 0, "business_time": True,
         "actions": [{"type": "notify", "target": "supervisor", "email": True}]},
        {"offset": 5400, "business_time": False,
         "actions": [{"type": "reassign", "target": "team", "team_id": admin.teams["Tech"],
                      "email": True}, {"type": "raise_priority", "email": True}]},
    ]  # fmt: skip


async def test_categories_form_a_tree_without_cycles(
    admin: Directory, clients: ClientFactory, runtime: Runtime
) -> None:
    async with clients() as ada:
        csrf = await sign_in(ada, ADMIN_EMAIL)
        bad = await ada.post("/admin/categories/new", data={
            "csrf": csrf, "name": "", "slug": "Hard Ware", "default_priority": "asap",
        })  # fmt: skip
        assert bad.status_code == 422
        assert "lowercase letters" in bad.text and "no such priority" in bad.text
        made = await ada.post("/admin/categories/new", data={
            "csrf": csrf, "name": "Hardware", "slug": "hardware",
            "default_team_id": str(admin.teams["Tech"]), "default_priority": "high",
        })  # fmt: skip
        assert made.status_code == 303
        async with runtime.stores.read() as store:
            [hardware] = await queries.list_categories(store)
        await ada.post("/admin/categories/new", data={
            "csrf": csrf, "name": "Printers", "slug": "printers",
            "parent_id": str(hardware["id"]),
        })  # fmt: skip
        async with runtime.stores.read() as store:
            printers = next(c for c in await queries.list_categories(store)
                            if c["slug"] == "printers")  # fmt: skip
        cycle = await ada.post(f"/admin/categories/{hardware['id']}", data={
            "csrf": csrf, "name": "Hardware", "slug": "hardware",
            "parent_id": str(printers["id"]),
        })  # fmt: skip
        assert cycle.status_code == 422 and "cannot go under itself" in cycle.text
        tree = await ada.get("/admin/categories")
        assert "Printers" in tree.text and "Add a ladder" in tree.text
        assert (await ada.get("/admin/categories/999")).status_code == 404
        assert (await ada.get("/admin/calendars/999")).status_code == 404
        # Moving a category in the tree changes which policies and ladder its tickets follow.
        up = await ada.post(f"/admin/categories/{printers['id']}", data={
            "csrf": csrf, "name": "Printers", "slug": "printers", "parent_id": "",
        })  # fmt: skip
        assert up.status_code == 303
        assert "moved #" in (await ada.get("/admin/categories")).text
    async with runtime.stores.read() as store:
        trail = await config_reads.changes(store, "category")
        moved = next(c for c in await queries.list_categories(store) if c["slug"] == "printers")
    assert [(c["action"], c["row_id"], c["open_tickets"]) for c in trail] == [
        ("moved", printers["id"], 2), ("created", printers["id"], 0),
        ("created", hardware["id"], 0),
    ]  # fmt: skip
    assert moved["parent_id"] is None
    central = await config_trail(runtime, AuditKind.CATEGORY_SAVED)
    assert [(d["action"], d["id"], d["open_tickets"]) for _, _, d in reversed(central)] == [
        (c["action"], c["row_id"], c["open_tickets"]) for c in trail
    ]
    assert (hardware["default_team_id"], hardware["default_priority"]) == (
        admin.teams["Tech"], "high",
    )  # fmt: skip
    assert printers["parent_id"] == hardware["id"]
