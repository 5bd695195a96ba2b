"""The routing-rule editor's form, both ways: a stored rule as rows of inputs, and the
submitted rows as the data the routing package validates (`routing.rule_edits.validate_rule`,
the same `Rule` model the API takes). Pure: no I/O.

Conditions and actions are numbered rows (`all-0-field`, `all-0-op`, `all-0-value`, ...); a row
whose field (or action kind) is left empty is ignored, so the page can offer blank rows and an
"add a row" button without any script.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, get_args

from routing.rules import FIELDS, Action, ActionKind, Op, Rule, Trigger

TRIGGERS: tuple[str, ...] = get_args(Trigger)
OPS: tuple[str, ...] = get_args(Op)
ACTION_KINDS: tuple[str, ...] = get_args(ActionKind)
GROUPS = ("all", "any")
MAX_ROWS = 50
_LISTS = ("in", "not_in")
_NUMBERS = ("gte", "lte")
_INT_FIELDS = ("time.weekday", "time.hour")
_BOOL_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
# Actions whose value is a list (comma-separated in the editor).
_LIST_ACTIONS = ("add_tags", "remove_tags", "notify", "require_skills")
# Whether actions carry a message text (a reply or notification template) besides the value.
ACTION_TEXT = "text" in Action.model_fields


@dataclass
class Row:
    field: str = ""  # a condition's fact, or an action's kind
    op: str = "is"
    value: str = ""
    text: str = ""  # an action's message template, where actions have one


@dataclass
class RuleForm:
    name: str = ""
    on: list[str] = field(default_factory=lambda: ["created"])
    all: list[Row] = field(default_factory=list)
    any: list[Row] = field(default_factory=list)
    actions: list[Row] = field(default_factory=list)

    def padded(self) -> RuleForm:
        """The form with one blank row at the end of each list, to add a row in place."""
        return RuleForm(
            self.name,
            list(self.on),
            [*self.all, Row()],
            [*self.any, Row()],
            [*self.actions, Row()],
        )

    def rows(self, group: str) -> list[Row]:
        rows: list[Row] = getattr(self, group)
        return rows


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def shown(value: Any) -> str:
    """A fact's value as a person reads it: lists comma-separated, nothing as a dash."""
    return _shown(value) or "—"


def from_rule(rule: Rule) -> RuleForm:
    return RuleForm(
        name=rule.name,
        on=list(rule.on),
        all=[Row(c.field, c.op, _shown(c.value)) for c in rule.all],
        any=[Row(c.field, c.op, _shown(c.value)) for c in rule.any],
        actions=[Row(a.kind, "", _shown(a.value), _text_of(a)) for a in rule.actions],
    )


def _text_of(action: Action) -> str:
    return str(getattr(action, "text", "") or "")


def _rows(form: Mapping[str, str], prefix: str) -> list[Row]:
    try:
        count = min(int(form.get(f"{prefix}-rows", "0") or 0), MAX_ROWS + 1)
    except ValueError:
        count = 0
    rows = []
    for i in range(max(count, 0)):
        name = form.get(f"{prefix}-{i}-field", "").strip()
        if name:
            rows.append(
                Row(
                    name,
                    form.get(f"{prefix}-{i}-op", "is").strip(),
                    form.get(f"{prefix}-{i}-value", "").strip(),
                    form.get(f"{prefix}-{i}-text", "").strip(),
                )
            )
    return rows


def from_form(form: Mapping[str, str], triggers: list[str]) -> RuleForm:
    """What the admin submitted, rows in order, blank rows dropped."""
    return RuleForm(
        name=form.get("name", "").strip(),
        on=[t for t in triggers if t],
        all=_rows(form, "all"),
        any=_rows(form, "any"),
        actions=_rows(form, "actions"),
    )


def _condition_value(row: Row) -> Any:
    text = row.value
    if row.op in _LISTS:
        return [part.strip() for part in text.split(",") if part.strip()]
    if text == "":
        return None
    if row.op in _NUMBERS or row.field in _INT_FIELDS:
        try:
            return int(text)
        except ValueError:
            return text  # the model says why it is wrong
    if row.field == "time.business_hours" and text.lower() in _BOOL_WORDS:
        return _BOOL_WORDS[text.lower()]
    return text


def _action_value(row: Row) -> Any:
    if row.field in _LIST_ACTIONS:
        return [part.strip() for part in row.value.split(",") if part.strip()]
    return row.value


def _action(row: Row) -> dict[str, Any]:
    data = {"kind": row.field, "value": _action_value(row)}
    if row.text:
        data["text"] = row.text  # refused by name where actions take no text
    return data


def to_data(form: RuleForm) -> dict[str, Any]:
    """The submitted rule as the API's JSON would carry it, for `Rule` to validate."""
    return {
        "name": form.name,
        "active": False,
        "on": form.on,
        "all": [{"field": r.field, "op": r.op, "value": _condition_value(r)} for r in form.all],
        "any": [{"field": r.field, "op": r.op, "value": _condition_value(r)} for r in form.any],
        "actions": [_action(r) for r in form.actions],
    }


def row_errors(errors: Mapping[str, str], group: str, index: int) -> list[str]:
    """The messages that belong to one row (`all.0`, `all.0.value`, ...)."""
    key = f"{group}.{index}"
    return [msg for name, msg in errors.items() if name == key or name.startswith(key + ".")]


def summary(rule: Rule) -> dict[str, list[str]]:
    """A rule in words for the list page: its conditions and actions, one line each."""
    return {
        "all": [f"{c.field} {c.op} {_shown(c.value)}".strip() for c in rule.all],
        "any": [f"{c.field} {c.op} {_shown(c.value)}".strip() for c in rule.any],
        "actions": [
            f"{a.kind} {_shown(a.value)} {_quoted(_text_of(a))}".strip() for a in rule.actions
        ],
    }


def _quoted(text: str) -> str:
    if not text:
        return ""
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"


__all__ = ["ACTION_KINDS", "FIELDS", "GROUPS", "OPS", "TRIGGERS", "Row", "RuleForm"]
