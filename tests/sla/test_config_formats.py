"""SLA configuration is written the way people think: durations with units, weekdays by name.
What could be misread (a bare number, an unknown day, a policy without targets) is refused
with a message that says what to write; new policies are tried after the existing ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from helpdesk.runtime import Runtime
from sla import admin
from sla.schemas import CalendarIn, LadderIn, PolicyIn
from sla.tables import policy_t
from tests.sla.test_cli import _run


def _policy(targets: object, **more: Any) -> dict[str, Any]:
    return {"name": "Gold", "business_hours": False, "targets": targets, **more}


def _errors(model: type[PolicyIn | CalendarIn | LadderIn], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return str(caught.value)


def test_targets_and_offsets_are_durations_with_units() -> None:
    policy = PolicyIn.model_validate(
        _policy({"first_reply": {"urgent": "30m", "high": "PT4H"}, "resolution": {"low": "2d"}})
    )
    assert {m.value: {p.value: s for p, s in per.items()} for m, per in policy.targets.items()} == {
        "first_reply": {"urgent": 1800, "high": 14400},
        "resolution": {"low": 172800},
    }
    ladder = LadderIn.model_validate(
        {"name": "L", "levels": [
            {"offset": "-15m", "actions": [{"type": "notify", "target": "assignee"}]},
            {"offset": 0, "actions": [{"type": "notify", "target": "supervisor"}]},
            {"offset": "+1h 30m", "actions": [{"type": "raise_priority"}]}]}
    )  # fmt: skip
    assert [level.offset for level in ladder.levels] == [-900, 0, 5400]


@pytest.mark.parametrize("bare", [30, "30", 1.5])
def test_a_bare_number_is_refused_with_a_hint_to_write_a_unit(bare: object) -> None:
    message = _errors(PolicyIn, _policy({"first_reply": {"urgent": bare}}))
    assert "first_reply.urgent" in message and "has no unit" in message
    assert "30m, 4h" in message  # the hint shows how to write one
    level = {"offset": bare, "actions": [{"type": "notify", "target": "supervisor"}]}
    assert "has no unit" in _errors(LadderIn, {"name": "L", "levels": [level]})


@pytest.mark.parametrize(
    "targets", [{}, {"first_reply": {}}, {"first_reply": {}, "resolution": {}}]
)
def test_a_policy_without_targets_is_refused(targets: dict[str, Any]) -> None:
    assert "at least one target" in _errors(PolicyIn, _policy(targets))


def test_weekdays_are_names() -> None:
    calendar = CalendarIn.model_validate(
        {"name": "Office", "tz": "Europe/Istanbul",
         "weekly": {"Monday": [["09:00", "18:00"]], "fri": [["09:00", "17:00"]],
                    "SAT": [["10:00", "14:00"]]}}
    )  # fmt: skip
    assert calendar.weekly == {
        "0": [("09:00", "18:00")],
        "4": [("09:00", "17:00")],
        "5": [("10:00", "14:00")],
    }
    base = {"name": "Office", "tz": "UTC"}
    unknown = _errors(CalendarIn, {**base, "weekly": {"funday": [["09:00", "18:00"]]}})
    assert "'funday' is not a weekday: write mon, tue, wed, thu, fri, sat or sun" in unknown
    twice = {"mon": [["09:00", "12:00"]], "monday": [["13:00", "18:00"]]}
    assert "monday is given twice" in _errors(CalendarIn, {**base, "weekly": twice})


async def test_new_policies_go_after_the_existing_ones_and_keep_their_place(
    runtime: Runtime,
) -> None:
    targets = {"first_reply": {"normal": "1h"}}
    async with runtime.stores() as store:
        first = await admin.save_policy(store, PolicyIn.model_validate(_policy(targets)))
        second = await admin.save_policy(
            store, PolicyIn.model_validate(_policy(targets, name="Silver"))
        )
        pinned = await admin.save_policy(
            store, PolicyIn.model_validate(_policy(targets, name="VIP", position=5))
        )
        # Replacing a policy without a position keeps its place.
        await admin.save_policy(
            store, PolicyIn.model_validate(_policy({"resolution": {"high": "1d"}})), first
        )
        rows = (
            await store.execute(
                select(policy_t.c.id, policy_t.c.position).order_by(
                    policy_t.c.position, policy_t.c.id
                )
            )
        ).all()
    assert [(r.id, r.position) for r in rows] == [(first, 0), (pinned, 5), (second, 10)]


def test_the_cli_refuses_a_numeric_target_and_says_to_write_a_unit(tmp_path: Path) -> None:
    path = tmp_path / "urgent.json"
    path.write_text(json.dumps(_policy({"first_reply": {"urgent": 30}})))
    refused = _run(tmp_path, "policy", "add", str(path))
    assert refused.returncode == 2
    assert (
        "30 is not a duration (it has no unit)" in refused.stderr
        and "Traceback" not in refused.stderr
    )
