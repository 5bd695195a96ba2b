"""Every example in docs/configuration.md loads as written: the documentation cannot drift
from what the code accepts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from channels.web_form import services as form_services
from channels.web_form.definition import parse_definition
from helpdesk import services
from helpdesk.cli import main
from helpdesk.domain import Priority
from helpdesk.runtime import Runtime
from sla import admin
from sla.schemas import CalendarIn, LadderIn, PolicyIn
from sla.targets import Metric

DOC = Path(__file__).parents[1] / "docs" / "configuration.md"
KINDS = ("sla-calendar", "sla-policy", "sla-ladder", "web-form")


def examples() -> dict[str, str]:
    """The fenced blocks tagged with a kind (```json sla-policy), by kind; one each."""
    found: dict[str, str] = {}
    for kind, body in re.findall(r"^```json ([a-z-]+)\n(.*?)^```$", DOC.read_text(), re.M | re.S):
        assert kind not in found, f"two examples of {kind}"
        found[kind] = body
    return found


def test_the_doc_has_one_example_of_every_format() -> None:
    assert sorted(examples()) == sorted(KINDS)


async def test_every_example_loads_verbatim(runtime: Runtime) -> None:
    blocks = {kind: json.loads(body) for kind, body in examples().items()}
    async with runtime.stores() as store:
        # What the examples refer to: team 1 ("Tech"), category 1 ("hardware"), calendar 1.
        team = await services.create_team(store, "Tech")
        category = await services.create_category(store, "hardware", "Hardware")
        assert (team, category) == (1, 1)
        calendar = await admin.save_calendar(
            store, CalendarIn.model_validate(blocks["sla-calendar"])
        )
        assert calendar == 1
        policy = PolicyIn.model_validate(blocks["sla-policy"])
        await admin.save_policy(store, policy)
        ladder = LadderIn.model_validate(blocks["sla-ladder"])
        await admin.save_ladder(store, ladder)
        await form_services.save_form(store, parse_definition(blocks["web-form"]))
    # The durations and weekdays in the examples mean what the doc says they mean.
    assert policy.targets[Metric.FIRST_REPLY][Priority.URGENT] == 30 * 60
    assert policy.targets[Metric.RESOLUTION][Priority.URGENT] == 8 * 3600
    assert [level.offset for level in ladder.levels] == [-15 * 60, 0, 3600, 4 * 3600]
    office = CalendarIn.model_validate(blocks["sla-calendar"])
    assert sorted(office.weekly) == ["0", "1", "2", "3", "4", "5"]  # mon..sat, 0 = Monday
    assert office.weekly["5"] == [("10:00", "14:00")]


@pytest.mark.parametrize(
    "command",
    [
        ["sla", "calendar", "add"],
        ["sla", "policy", "add"],
        ["sla", "ladder", "add"],
        ["form", "add"],
        ["mailbox", "add"],
    ],
)
def test_help_points_to_the_doc(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([*command, "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "docs/configuration.md" in shown
    if command[0] == "mailbox":
        assert "plus-addresses" in shown
