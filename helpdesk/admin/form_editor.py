"""The web-form editor's form, both ways: a stored definition as editor inputs, and the
submitted inputs as the JSON the API takes, for `channels.web_form` to validate (the public
form's own `FormDefinition`, so the editor can never save a form the public page rejects).
Pure: no I/O.

Fields are numbered cards (`f-0-name`, `f-0-type`, `f-0-label-en`, ...). The card buttons
(add, remove, move up or down) post the whole editor back and get it again rearranged, so the
editor works without script; htmx only refreshes the live preview as the admin types.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, get_args

from channels.web_form.definition import LANGUAGES, FieldType, FormDefinition

TYPES: tuple[str, ...] = get_args(FieldType)
MAX_FIELDS = 60
MIB = 1024 * 1024


@dataclass
class FieldDraft:
    name: str = ""
    type: str = "text"
    label: dict[str, str] = field(default_factory=dict)
    help: dict[str, str] = field(default_factory=dict)
    required: bool = False
    max_length: str = ""
    pattern: str = ""
    choices: str = ""  # one per line: value | English label | Turkish label


@dataclass
class FormDraft:
    slug: str = ""
    title: dict[str, str] = field(default_factory=dict)
    intro: dict[str, str] = field(default_factory=dict)
    fields: list[FieldDraft] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    default_category: str = ""
    default_team: str = ""
    languages: list[str] = field(default_factory=lambda: list(LANGUAGES))
    allowed_origins: str = ""  # one origin per line
    max_files: str = "3"
    max_mib: str = "10"
    content_types: str = "image/png, image/jpeg, application/pdf, text/plain"
    rate_max: str = "5"
    rate_window: str = "600"
    active: bool = True


def starter() -> FormDraft:
    """A new form: the fields every form needs, and the usual ones."""
    return FormDraft(
        fields=[
            FieldDraft("name", "text"),
            FieldDraft("email", "email", required=True),
            FieldDraft("subject", "text"),
            FieldDraft("message", "textarea", required=True),
        ]
    )


def _per_language(values: Mapping[str, str]) -> dict[str, str]:
    # A plain string (stored as "*") applies to every language: shown in each language's box.
    return {lang: values.get(lang) or values.get("*", "") for lang in LANGUAGES}


def _choices_text(spec: Any) -> str:
    lines = []
    for choice in spec.choices:
        labels = _per_language(choice.label)
        parts = [choice.value, *(labels[lang] for lang in LANGUAGES)]
        while len(parts) > 1 and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def from_definition(d: FormDefinition) -> FormDraft:
    return FormDraft(
        slug=d.slug,
        title=_per_language(d.title),
        intro=_per_language(d.intro),
        fields=[
            FieldDraft(
                name=f.name,
                type=f.type,
                label=_per_language(f.label),
                help=_per_language(f.help),
                required=f.required,
                max_length="" if f.max_length is None else str(f.max_length),
                pattern=f.pattern or "",
                choices=_choices_text(f),
            )
            for f in d.fields
        ],
        categories=list(d.categories),
        default_category=d.default_category or "",
        default_team=d.default_team or "",
        languages=list(d.languages),
        allowed_origins="\n".join(d.allowed_origins),
        max_files=str(d.attachments.max_files),
        max_mib=_mib(d.attachments.max_bytes),
        content_types=", ".join(d.attachments.content_types),
        rate_max=str(d.rate_limit.max),
        rate_window=str(d.rate_limit.window_seconds),
        active=d.active,
    )


def _mib(size: int) -> str:
    value = size / MIB
    return str(int(value)) if value == int(value) else f"{value:g}"


def _texts(form: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {lang: form.get(f"{prefix}-{lang}", "").strip() for lang in LANGUAGES}


def from_form(form: Mapping[str, str], lists: Mapping[str, list[str]]) -> FormDraft:
    """The submitted editor; `lists` holds the multi-valued inputs (categories, languages,
    the required and active checkboxes)."""
    try:
        count = max(0, min(int(form.get("fields-rows", "0") or 0), MAX_FIELDS + 1))
    except ValueError:
        count = 0
    required = set(lists.get("required", []))
    fields = [
        FieldDraft(
            name=form.get(f"f-{i}-name", "").strip(),
            type=form.get(f"f-{i}-type", "text").strip(),
            label=_texts(form, f"f-{i}-label"),
            help=_texts(form, f"f-{i}-help"),
            required=str(i) in required,
            max_length=form.get(f"f-{i}-max_length", "").strip(),
            pattern=form.get(f"f-{i}-pattern", "").strip(),
            choices=form.get(f"f-{i}-choices", "").strip(),
        )
        for i in range(count)
    ]
    return FormDraft(
        slug=form.get("slug", "").strip(),
        title=_texts(form, "title"),
        intro=_texts(form, "intro"),
        fields=fields,
        categories=[c for c in lists.get("categories", []) if c],
        default_category=form.get("default_category", "").strip(),
        default_team=form.get("default_team", "").strip(),
        languages=[lang for lang in lists.get("languages", []) if lang],
        allowed_origins=form.get("allowed_origins", "").strip(),
        max_files=form.get("max_files", "").strip(),
        max_mib=form.get("max_mib", "").strip(),
        content_types=form.get("content_types", "").strip(),
        rate_max=form.get("rate_max", "").strip(),
        rate_window=form.get("rate_window", "").strip(),
        active="yes" in lists.get("active", []),
    )


def rearranged(draft: FormDraft, op: str) -> FormDraft:
    """The draft after a card button: `add`, `remove:<i>`, `up:<i>` or `down:<i>`."""
    fields = list(draft.fields)
    verb, _, index = op.partition(":")
    if verb == "add":
        fields.append(FieldDraft(f"field_{len(fields) + 1}"))
    elif index.isdigit() and int(index) < len(fields):
        i = int(index)
        if verb == "remove":
            del fields[i]
        elif verb == "up" and i > 0:
            fields[i - 1], fields[i] = fields[i], fields[i - 1]
        elif verb == "down" and i + 1 < len(fields):
            fields[i + 1], fields[i] = fields[i], fields[i + 1]
    return replace(draft, fields=fields)


def _number(text: str) -> Any:
    """An integer when the text is one; otherwise the text, for the model to refuse by name."""
    try:
        return int(text)
    except ValueError:
        return text


def _localised(values: Mapping[str, str]) -> dict[str, str]:
    return {lang: text for lang, text in values.items() if text}


def _choices(text: str) -> list[dict[str, Any]]:
    choices = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        labels = dict(zip(LANGUAGES, parts[1:], strict=False))
        choices.append({"value": parts[0], "label": _localised(labels)})
    return choices


def _field_data(f: FieldDraft) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": f.name,
        "type": f.type,
        "label": _localised(f.label),
        "help": _localised(f.help),
        "required": f.required,
    }
    if f.max_length:
        data["max_length"] = _number(f.max_length)
    if f.pattern:
        data["pattern"] = f.pattern
    if f.type == "select":
        data["choices"] = _choices(f.choices)
    return data


def _mib_to_bytes(text: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        return text
    # "inf" and "nan" parse as floats but are no size; the model refuses the text by name.
    return round(value * MIB) if math.isfinite(value) else text


def to_data(d: FormDraft) -> dict[str, Any]:
    """The draft as the API's JSON body, for `FormDefinition` to validate."""
    return {
        "slug": d.slug,
        "title": _localised(d.title),
        "intro": _localised(d.intro),
        "fields": [_field_data(f) for f in d.fields],
        "categories": d.categories,
        "default_category": d.default_category or None,
        "default_team": d.default_team or None,
        "languages": d.languages,
        "allowed_origins": [o.strip() for o in d.allowed_origins.splitlines() if o.strip()],
        "attachments": {
            "max_files": _number(d.max_files),
            "max_bytes": _mib_to_bytes(d.max_mib),
            "content_types": [t.strip() for t in d.content_types.split(",") if t.strip()],
        },
        "rate_limit": {"max": _number(d.rate_max), "window_seconds": _number(d.rate_window)},
        "active": d.active,
    }


def field_errors(errors: Mapping[str, str], index: int) -> list[str]:
    """The messages that belong to one field card (`fields.2`, `fields.2.choices`, ...)."""
    key = f"fields.{index}"
    return [
        f"{name[len(key) + 1 :] or 'field'}: {msg}" if name != key else msg
        for name, msg in errors.items()
        if name == key or name.startswith(key + ".")
    ]
