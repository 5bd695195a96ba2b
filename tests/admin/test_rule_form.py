"""The rule editor's form both ways (pure): a stored rule shown as rows and submitted back
unchanged is the same rule, and typed values (lists, numbers, yes/no) come back typed."""

from __future__ import annotations

from helpdesk.admin import rule_form
from routing.rules import Rule

RULE = Rule.model_validate(
    {
        "name": "VIP in Turkish, out of hours",
        "active": True,
        "on": ["created", "customer_replied"],
        "all": [
            {"field": "customer.tier", "op": "in", "value": ["gold", "platinum"]},
            {"field": "ticket.language", "op": "is", "value": "tr"},
            {"field": "time.business_hours", "op": "is", "value": False},
            {"field": "time.hour", "op": "gte", "value": 18},
        ],
        "any": [{"field": "message.text", "op": "matches", "value": r"acil|urgent"}],
        "actions": [
            {"kind": "set_priority", "value": "urgent"},
            {"kind": "add_tags", "value": ["vip", "after-hours"]},
            {"kind": "add_note", "value": "Call the customer back first thing."},
        ],
    }
)


def _as_posted(form: rule_form.RuleForm) -> dict[str, str]:
    """The inputs a browser posts for the form as shown (with its blank rows)."""
    shown = form.padded()
    posted = {"name": shown.name}
    for group in ("all", "any", "actions"):
        rows = shown.rows(group)
        posted[f"{group}-rows"] = str(len(rows))
        for i, row in enumerate(rows):
            posted[f"{group}-{i}-field"] = row.field
            posted[f"{group}-{i}-op"] = row.op
            posted[f"{group}-{i}-value"] = row.value
    return posted


def test_a_rule_shown_and_posted_back_is_the_same_rule_saved_disabled() -> None:
    shown = rule_form.from_rule(RULE)
    back = rule_form.from_form(_as_posted(shown), shown.on)
    again = Rule.model_validate(rule_form.to_data(back))
    assert again == RULE.model_copy(update={"active": False})


def test_blank_rows_are_ignored_and_values_keep_their_types() -> None:
    posted = {
        "name": "n",
        "all-rows": "3",
        "all-0-field": "",
        "all-1-field": "time.weekday",
        "all-1-op": "is",
        "all-1-value": "5",
        "all-2-field": "ticket.team",
        "all-2-op": "is",
        "all-2-value": "",
        "actions-rows": "1",
        "actions-0-field": "remove_tags",
        "actions-0-value": "spam, , later",
    }
    data = rule_form.to_data(rule_form.from_form(posted, ["created"]))
    assert data["all"] == [
        {"field": "time.weekday", "op": "is", "value": 5},
        {"field": "ticket.team", "op": "is", "value": None},
    ]
    assert data["actions"] == [{"kind": "remove_tags", "value": ["spam", "later"]}]
    assert data["active"] is False


def test_row_errors_belong_to_their_row() -> None:
    errors = {"all.1": "bad", "all.1.value": "worse", "all.10": "other", "name": "x"}
    assert rule_form.row_errors(errors, "all", 1) == ["bad", "worse"]
    assert rule_form.row_errors(errors, "any", 1) == []
