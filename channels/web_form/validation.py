"""Checking one submission against its form: pure, no I/O; every problem named per field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email

from channels.web_form.definition import FieldSpec, FormDefinition
from channels.web_form.i18n import Texts

# Default lengths keep any input inside the columns it lands in.
_MAX_LENGTH = {"text": 200, "textarea": 20_000, "email": 254, "number": 40, "date": 10,
               "select": 100, "checkbox": 10}  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TRUE = {"on", "yes", "true", "1"}

Value = str | bool | int | float | None


@dataclass(frozen=True, slots=True)
class Accepted:
    """A submission that passed every check, with values normalised."""

    email: str
    name: str
    subject: str
    message: str
    category: str | None
    extra: tuple[tuple[str, str], ...] = ()  # custom fields: (name, value)
    values: dict[str, str] = field(default_factory=dict)  # every field, for re-display


def clean_text(value: str) -> str:
    """Drop control characters (PostgreSQL refuses NUL in text) and normalise newlines."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def validate(
    form: FormDefinition,
    data: Mapping[str, Value],
    texts: Texts,
    *,
    category_choices: list[str],
) -> tuple[Accepted | None, dict[str, str]]:
    """(the accepted submission, {}) or (None, {field: message}) for `data` against `form`."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for spec in form.fields:
        cleaned, error = _check(spec, data.get(spec.name), texts, category_choices)
        values[spec.name] = cleaned
        if error:
            errors[spec.name] = error
    if errors:
        return None, errors
    custom = tuple(
        (spec.name, values[spec.name])
        for spec in form.fields
        if spec.name not in ("name", "email", "subject", "message", "category")
        and values[spec.name] != ""
    )
    return (
        Accepted(
            email=values["email"],
            name=values.get("name", ""),
            subject=values.get("subject", ""),
            message=values["message"],
            category=values.get("category") or form.default_category,
            extra=custom,
            values=values,
        ),
        {},
    )


def _check(
    spec: FieldSpec, raw: Value, texts: Texts, category_choices: list[str]
) -> tuple[str, str | None]:
    if spec.type == "checkbox":
        checked = raw is True or (isinstance(raw, str) and raw.strip().lower() in _TRUE)
        if spec.required and not checked:
            return "", texts["must_tick"]
        return ("yes" if checked else ""), None
    if raw is None:
        value = ""
    elif isinstance(raw, bool):
        return "", texts["not_text"]
    elif isinstance(raw, int | float):
        value = repr(raw) if isinstance(raw, float) else str(raw)
    else:
        value = clean_text(raw)
    value = value.strip() if spec.type != "textarea" else value.strip("\n ").rstrip()
    if value == "":
        return "", (texts["required"] if spec.required else None)
    limit = spec.max_length or _MAX_LENGTH[spec.type]
    if len(value) > limit:
        return value, texts["too_long"].format(n=limit)
    if spec.type == "email":
        try:
            value = validate_email(value, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            return value, texts["bad_email"]
    elif spec.type == "number":
        try:
            if not Decimal(value.replace(",", ".")).is_finite():
                raise InvalidOperation
        except InvalidOperation:
            return value, texts["bad_number"]
    elif spec.type == "date":
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            date.fromisoformat(value)
        except ValueError:
            return value, texts["bad_date"]
    elif spec.type == "select":
        allowed = category_choices if spec.name == "category" else [c.value for c in spec.choices]
        if value not in allowed:
            return value, texts["bad_choice"]
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        return value, texts["bad_pattern"]
    return value, None
