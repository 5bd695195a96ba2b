"""The supervisor pages over HTTP: who may see them, CSRF on acknowledging, the board's rows,
the CSV downloads and the Turkish UI."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from sla.tables import escalation_t
from tests.inbox.conftest import ClientFactory
from tests.inbox.support import csrf_in, sign_in
from tests.supervisor.scene import Scene

PAGES = ("/supervisor", "/supervisor/reports", "/supervisor/escalations")
PERIOD = {"from": "2026-06-01", "to": "2026-06-07"}


async def _escalations(scene: Scene) -> list[tuple[int, int, int | None]]:
    async with scene.desk.rt.stores() as store:
        rows = await store.execute(
            select(escalation_t.c.id, escalation_t.c.level, escalation_t.c.acknowledged_by)
            .order_by(escalation_t.c.id)
        )  # fmt: skip
        return [(r.id, r.level, r.acknowledged_by) for r in rows]


async def test_agents_get_403_and_signed_out_visitors_the_sign_in_page(
    desk_scene: Scene, clients: ClientFactory
) -> None:
    await desk_scene.breach()
    newest = (await _escalations(desk_scene))[-1][0]
    async with clients() as ana, clients() as nobody:
        csrf = await sign_in(ana, "ana@example.test")
        inbox = await ana.get("/inbox")
        assert 'href="/supervisor"' not in inbox.text  # no link for agents
        for path in (*PAGES, "/supervisor/reports/achievement.csv"):
            page = await ana.get(path)
            assert page.status_code == 403, path
            assert "Printer" not in page.text
            assert (await nobody.get(path)).status_code == 303
        ack = await ana.post(f"/supervisor/escalations/{newest}/ack", data={"csrf": csrf})
        assert ack.status_code == 403
    assert all(by is None for _, _, by in await _escalations(desk_scene))


async def test_the_board_shows_the_at_risk_clock_then_its_breach_with_the_level_reached(
    desk_scene: Scene, clients: ClientFactory
) -> None:
    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        inbox = await sam.get("/inbox")
        assert 'href="/supervisor"' in inbox.text
        before = (await sam.get("/supervisor")).text
        assert 'id="n-breached">0<' in before and 'id="n-at-risk">1<' in before
        assert "1 hr left" in before
        assert f'data-ticket="{desk_scene.ticket}"' in before and "At risk" in before
        await desk_scene.breach()
        after = (await sam.get("/supervisor")).text
        assert 'id="n-breached">1<' in after and 'id="n-at-risk">0<' in after
        row = after.split(f'data-ticket="{desk_scene.ticket}"')[1].split("</tr>")[0]
        assert "Breached" in row and "Level 2" in row and "Acknowledge" in row
        assert "10 min late" in row and "Jun 1, 2026, 2:30:00" in row  # due 17:30 Istanbul
        assert "SLA achieved today (goal 90%)" in after and 'id="n-achieved">0%<' in after
        assert "Support" in row and "Alice" in row and "Hardware" in row and "First reply" in row
        other_team = await sam.get("/supervisor", params={"metric": "resolution"})
        assert f'data-ticket="{desk_scene.ticket}"' not in other_team.text


async def test_acknowledging_needs_the_csrf_token_and_is_recorded_in_the_feed(
    desk_scene: Scene, clients: ClientFactory
) -> None:
    await desk_scene.breach()
    newest = (await _escalations(desk_scene))[-1][0]
    async with clients() as sam:
        csrf = await sign_in(sam, "sam@example.test")
        url = f"/supervisor/escalations/{newest}/ack"
        assert (await sam.post(url, data={})).status_code == 403
        assert (await sam.post(url, data={"csrf": "stale"})).status_code == 403
        assert all(by is None for _, _, by in await _escalations(desk_scene))
        done = await sam.post(url, data={"csrf": csrf, "next": "https://evil.example/"})
        assert done.status_code == 303 and done.headers["location"] == "/supervisor"
        assert (await _escalations(desk_scene))[-1][2] == desk_scene.sam
        board = (await sam.get("/supervisor")).text
        row = board.split(f'data-ticket="{desk_scene.ticket}"')[1].split("</tr>")[0]
        assert "Acknowledged" in row and "/ack" not in row
        feed = (await sam.get("/supervisor/escalations", params=PERIOD)).text
        assert "Sam Supervisor" in feed and "Not yet" in feed  # level 2 acked, level 1 not


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_each_report_downloads_as_csv_with_the_figures_of_the_scene(
    desk_scene: Scene, clients: ClientFactory
) -> None:
    await desk_scene.breach()
    team = str(desk_scene.desk.team)
    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        page = await sam.get("/supervisor/reports", params=PERIOD)
        assert page.status_code == 200
        feed = await sam.get("/supervisor/escalations", params=PERIOD)
        for name in ("achievement", "trend", "first_reply", "resolution", "volume", "csat",
                     "escalations"):  # fmt: skip
            where = feed if name == "escalations" else page
            assert f"/supervisor/reports/{name}.csv?" in where.text, name
            got = await sam.get(f"/supervisor/reports/{name}.csv", params=PERIOD)
            assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
            assert "attachment" in got.headers["content-disposition"]
        achievement = _csv(
            (await sam.get("/supervisor/reports/achievement.csv", params=PERIOD)).text
        )
        assert [(r["metric"], r["team"], r["total"], r["breached"]) for r in achievement] == [
            ("first_reply", team, "1", "1")
        ]
        trend = _csv((await sam.get("/supervisor/reports/trend.csv", params=PERIOD)).text)
        assert [(r["day"], r["metric"], r["met"], r["total"]) for r in trend] == [
            ("2026-06-01", "first_reply", "0", "1")
        ]
        volume = _csv((await sam.get("/supervisor/reports/volume.csv", params=PERIOD)).text)
        assert [r["created"] for r in volume] == ["1", "0", "0", "0", "0", "0", "0"]
        assert volume[0]["created_by_channel.email"] == "1" and volume[-1]["backlog"] == "1"
        escalations = _csv(
            (await sam.get("/supervisor/reports/escalations.csv", params=PERIOD)).text
        )
        assert [r["level"] for r in escalations] == ["1", "0"]
        missing = await sam.get("/supervisor/reports/nothing.csv")
        assert missing.status_code == 404


async def test_the_supervisor_pages_speak_turkish(
    desk_scene: Scene, clients: ClientFactory
) -> None:
    await desk_scene.breach()
    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        prefs = await sam.get("/inbox/preferences")
        saved = await sam.post(
            "/inbox/preferences",
            data={"csrf": csrf_in(prefs.text), "language": "tr", "timezone": "Europe/Istanbul"},
        )
        assert saved.status_code == 303
        board = (await sam.get("/supervisor")).text
        assert '<html lang="tr">' in board
        assert "SLA panosu" in board and "Aşıldı" in board and "Onayla" in board
        assert "Seviye 2" in board and "İlk yanıt" in board and "10 dk. gecikmiş" in board
        assert "1 Haz 2026 17:30:00" in board  # the due time in the reader's zone now
        assert "(hedef %90)" in board and 'id="n-achieved">%0<' in board
        reports = (await sam.get("/supervisor/reports", params=PERIOD)).text
        assert "Günlük SLA başarısı" in reports and "CSV indir" in reports
        feed = (await sam.get("/supervisor/escalations", params=PERIOD)).text
        assert "Yükseltmeler" in feed and "Henüz değil" in feed


async def test_malformed_filters_and_periods_fall_back_instead_of_failing(
    desk_scene: Scene, clients: ClientFactory
) -> None:
    async with clients() as sam:
        await sign_in(sam, "sam@example.test")
        board = await sam.get("/supervisor", params={"team_id": "x'1", "metric": "nonsense"})
        assert board.status_code == 200 and f'data-ticket="{desk_scene.ticket}"' in board.text
        bad = await sam.get("/supervisor/reports", params={"from": "garbage", "to": "2026-13-01"})
        assert bad.status_code == 200
        # The default period: the last 7 days up to the clock's today (Mon 1 June 2026).
        assert 'value="2026-05-26"' in bad.text and 'value="2026-06-01"' in bad.text
        reversed_ = await sam.get(
            "/supervisor/reports/volume.csv",
            params={"from": "2026-06-03", "to": "2026-06-01"},
        )
        assert [r["day"] for r in _csv(reversed_.text)] == [
            "2026-06-01",
            "2026-06-02",
            "2026-06-03",
        ]
        long = await sam.get("/supervisor/escalations", params={"from": "2000-01-01"})
        assert long.status_code == 200 and 'value="2025-06-01"' in long.text  # cut to 366 days
