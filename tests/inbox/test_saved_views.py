"""Saved views: an agent keeps their filters as a personal view nobody else sees; a supervisor
shares one with a team (only its members see it) or with everyone; rename and delete; every
change logged."""

from __future__ import annotations

import re

from sqlalchemy import select

from helpdesk import services
from helpdesk.runtime import Runtime
from helpdesk.services import Actor, TicketChanges
from helpdesk.tables import audit_t, saved_view_t
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import Directory, csrf_in, customer_writes, sign_in


def _rail(html: str) -> dict[str, str]:
    """Saved views in the rail: name -> count."""
    section = html.split("Saved views</h3>", 1)
    if len(section) == 1:
        return {}
    found = re.findall(r'<span>([^<]+)</span> <span class="count[^"]*">([^<]+)<', section[1])
    return dict(found)


def _subjects(html: str) -> list[str]:
    return re.findall(r'<span class="subject">([^<]+)</span>', html)


async def test_a_personal_view_keeps_filters_and_is_its_owners_alone(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    urgent = await customer_writes(runtime, "urgent-1", "u@example.com", "U", "Server down", "!")
    async with runtime.stores() as store:
        await services.update_ticket(store, urgent, Actor.system(), TicketChanges(
            team_id=directory.teams["Support"], priority="urgent"))  # fmt: skip
    async with clients() as ayse, clients() as bea:
        csrf = await sign_in(ayse, "ayse@example.test")
        await sign_in(bea, "bea@example.test")
        filtered = await ayse.get(f"/inbox?view=team-{directory.teams['Support']}&priority=urgent")
        assert _subjects(filtered.text) == ["Server down"]
        # The save form carries the list's filters.
        assert 'name="priority" value="urgent"' in filtered.text
        saved = await ayse.post("/inbox/views", data={
            "csrf": csrf, "view": f"team-{directory.teams['Support']}", "priority": "urgent",
            "name": "  Urgent   support ",
        })  # fmt: skip
        assert saved.status_code == 303
        location = saved.headers["location"]
        assert re.fullmatch(r"/inbox\?view=saved-\d+", location)
        opened = await ayse.get(location)
        assert _subjects(opened.text) == ["Server down"]
        assert _rail(opened.text) == {"Urgent support": "1"}
        assert re.search(r'id="list-title">Urgent support <span class="count">1<', opened.text)
        # Another agent of the same team sees neither the view nor its address.
        assert _rail((await bea.get("/inbox")).text) == {}
        assert (await bea.get(location)).status_code == 403
        view_id = int(location.rsplit("-", 1)[1])
        bea_csrf = csrf_in((await bea.get("/inbox")).text)
        stolen = await bea.post(f"/inbox/views/{view_id}/rename",
                                data={"csrf": bea_csrf, "name": "Mine now"})  # fmt: skip
        assert stolen.status_code == 404
        assert (await bea.post(f"/inbox/views/{view_id}/delete",
                               data={"csrf": bea_csrf})).status_code == 404  # fmt: skip
        # Agents keep views to themselves: sharing is for supervisors.
        shared = await ayse.post(f"/inbox/views/{view_id}/share",
                                 data={"csrf": csrf, "scope": "everyone"})  # fmt: skip
        assert shared.status_code == 403
        # Bad input: a per-field message, never a 500; no CSRF token: refused.
        blank = await ayse.post("/inbox/views", data={"csrf": csrf, "view": "mine", "name": " "})
        assert blank.status_code == 422 and "name" in blank.text
        foreign = await ayse.post("/inbox/views", data={
            "csrf": csrf, "view": f"team-{directory.teams['Tech']}", "name": "Tech"})  # fmt: skip
        assert foreign.status_code == 422 and "view" in foreign.text
        forged = await ayse.post("/inbox/views", data={"view": "mine", "name": "No token"})
        assert forged.status_code == 403
        # Rename, then delete.
        renamed = await ayse.post(f"/inbox/views/{view_id}/rename",
                                  data={"csrf": csrf, "name": "Fires"})  # fmt: skip
        assert renamed.status_code == 303
        assert _rail((await ayse.get("/inbox")).text) == {"Fires": "1"}
        gone = await ayse.post(f"/inbox/views/{view_id}/delete", data={"csrf": csrf})
        assert gone.status_code == 303
        assert _rail((await ayse.get("/inbox")).text) == {}
        assert (await ayse.get(location)).status_code == 403
    async with runtime.stores() as store:
        log = await store.execute(
            select(audit_t)
            .where(audit_t.c.kind == "saved_view_changed", audit_t.c.ticket_id.is_(None))
            .order_by(audit_t.c.id)
        )
        changes = [
            (r.actor_user_id, r.data["id"], r.data["action"], r.data["item"], r.data) for r in log
        ]
        left = (await store.execute(select(saved_view_t.c.id))).all()
    me = directory.users["ayse"]
    assert [c[:4] for c in changes] == [
        (me, view_id, "created", "Urgent support"),
        (me, view_id, "renamed", "Fires"),
        (me, view_id, "deleted", "Fires"),
    ]
    assert changes[0][4]["params"] == "priority=urgent" and changes[0][4]["scope"] == "personal"
    assert changes[1][4] == {
        "action": "renamed",
        "item": "Fires",
        "id": view_id,
        "old": "Urgent support",
    }
    assert left == []


async def test_a_supervisor_shares_a_view_with_one_team_or_everyone(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    async with clients() as sam, clients() as ayse, clients() as tom:
        csrf = await sign_in(sam, "sam@example.test")
        await sign_in(ayse, "ayse@example.test")
        await sign_in(tom, "tom@example.test")
        page = await sam.get("/inbox?view=unassigned")
        assert "Who sees it" in page.text  # supervisors get the sharing choice
        assert "Who sees it" not in (await ayse.get("/inbox")).text
        saved = await sam.post("/inbox/views", data={
            "csrf": csrf, "view": "unassigned", "name": "Waiting for a person",
            "scope": "team", "share_team_id": str(directory.teams["Support"]),
        })  # fmt: skip
        assert saved.status_code == 303
        location = saved.headers["location"]
        view_id = int(location.rsplit("-", 1)[1])
        # Support's Ayşe sees it with her own count (her teams' unassigned: one ticket);
        # Tech's Tom does not see it at all.
        assert _rail((await ayse.get("/inbox")).text) == {"Waiting for a person": "1"}
        assert _subjects((await ayse.get(location)).text) == ["Printer on fire"]
        assert _rail((await tom.get("/inbox")).text) == {}
        assert (await tom.get(location)).status_code == 403
        # A team member may use it but not change it.
        ayse_csrf = csrf_in((await ayse.get("/inbox")).text)
        refused = await ayse.post(f"/inbox/views/{view_id}/rename",
                                  data={"csrf": ayse_csrf, "name": "Ours"})  # fmt: skip
        assert refused.status_code == 403
        # Shared with everyone: Tom sees it too, with his own count.
        widened = await sam.post(f"/inbox/views/{view_id}/share",
                                 data={"csrf": csrf, "scope": "everyone"})  # fmt: skip
        assert widened.status_code == 303
        assert _rail((await tom.get("/inbox")).text) == {"Waiting for a person": "1"}
        assert _subjects((await tom.get(location)).text) == ["API returns 502"]
        # A team share needs a team that exists.
        missing = await sam.post(f"/inbox/views/{view_id}/share", data={
            "csrf": csrf, "scope": "team", "share_team_id": "999"})  # fmt: skip
        assert missing.status_code == 422 and "team_id" in missing.text
    async with runtime.stores() as store:
        log = await store.execute(
            select(audit_t.c.data)
            .where(audit_t.c.kind == "saved_view_changed", audit_t.c.ticket_id.is_(None))
            .order_by(audit_t.c.id)
        )
        rows = [(r.data["action"], r.data) for r in log]
    assert [a for a, _d in rows] == ["created", "shared"]
    assert rows[1][1]["scope"] == "everyone" and rows[1][1]["old_scope"] == "team"


async def test_a_view_saved_from_triage_keeps_waiting_for_a_category(
    runtime: Runtime, clients: ClientFactory, directory: Directory
) -> None:
    waiting = await customer_writes(runtime, "cat-1", "w@example.com", "W", "No category", "?")
    async with runtime.stores() as store:
        billing = await services.create_category(store, "billing", "Billing")
        support = directory.teams["Support"]
        await services.update_ticket(store, waiting, Actor.system(), TicketChanges(team_id=support))
        await services.update_ticket(store, directory.tickets["support"], Actor.system(),
                                     TicketChanges(category_id=billing))  # fmt: skip
    async with clients() as ayse:
        csrf = await sign_in(ayse, "ayse@example.test")
        triage = await ayse.get("/inbox?view=triage&channel=email")
        assert _subjects(triage.text) == ["No category"]
        form = {"csrf": csrf, "view": "triage", "channel": "email", "name": "Email triage"}
        saved = await ayse.post("/inbox/views", data=form)
        opened = await ayse.get(saved.headers["location"])
        assert _subjects(opened.text) == ["No category"]
        assert _rail(opened.text) == {"Email triage": "1"}
