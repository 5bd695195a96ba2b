"""What a form is, as data: the definition admins write (JSON or TOML) and the API accepts.

Validated here at the edge, with a message per field; `services.save_form` then checks what
needs the database (categories and team exist).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from helpdesk.errors import ValidationFailed
from helpdesk.http import pydantic_fields

LANGUAGES = ("en", "tr")
FieldType = Literal["text", "textarea", "email", "number", "select", "checkbox", "date"]
# Fields with a fixed meaning: they become the ticket's requester, subject, text and category.
STANDARD = {"name": "text", "email": "email", "subject": "text", "message": "textarea",
            "category": "select"}  # fmt: skip
# Names the page itself uses; a field may not take them.
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
RESERVED = {"website", "csrf_token", "submission_id", "lang", "attachments", "form"}
DEFAULT_TYPES = ["image/png", "image/jpeg", "application/pdf", "text/plain"]

# A plain string applies to every language (see _localised).
Localised = Annotated[
    dict[str, str],
    WithJsonSchema({"anyOf": [
        {"type": "string"},
        {"type": "object", "propertyNames": {"enum": ["en", "tr", "*"]},
         "additionalProperties": {"type": "string"}},
    ]}),
]  # fmt: skip
Language = Literal["en", "tr"]


def _all_languages() -> list[Language]:
    return ["en", "tr"]


def _localised(value: Any) -> Any:
    """A plain string applies to every language; a mapping gives one text per language."""
    if isinstance(value, str):
        return {"*": value}
    if isinstance(value, dict):
        unknown = [k for k in value if k not in (*LANGUAGES, "*")]
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}; use one of {', '.join(LANGUAGES)}")
    return value


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = Field(min_length=1, max_length=100)
    label: Localised = Field(default_factory=dict)

    _label = field_validator("label", mode="before")(_localised)


def _named(*names: str) -> dict[str, Any]:
    return {"required": ["name"], "properties": {"name": {"enum": list(names)}}}


# _consistent's rules, stated for the API document.
_FIELD_RULES: dict[str, Any] = {
    "allOf": [
        {"not": _named(*sorted(RESERVED))},
        *(
            {"if": _named(name), "then": {"properties": {"type": {"const": kind}}}}
            for name, kind in STANDARD.items()
        ),
        *(
            {"if": _named(name), "then": {"required": ["type"]}}
            for name, kind in STANDARD.items()
            if kind != "text"
        ),
        {
            "if": {"required": ["type"], "properties": {"type": {"const": "select"},
                                                       "name": {"not": {"const": "category"}}}},
            "then": {"required": ["choices"], "properties": {"choices": {"minItems": 1}}},
        },
    ]
}  # fmt: skip


class FieldSpec(BaseModel):
    """One input on the form."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_FIELD_RULES)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    type: FieldType = "text"
    label: Localised = Field(default_factory=dict)
    help: Localised = Field(default_factory=dict)
    required: bool = False
    max_length: int | None = Field(default=None, ge=1, le=50_000)
    pattern: str | None = Field(default=None, max_length=500, json_schema_extra={"format": "regex"})
    choices: list[Choice] = Field(default_factory=list, max_length=200)

    _label = field_validator("label", "help", mode="before")(_localised)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.name in RESERVED:
            raise ValueError(f"the name {self.name!r} is reserved")
        fixed = STANDARD.get(self.name)
        if fixed is not None and self.type != fixed:
            raise ValueError(f"the standard field {self.name!r} must have type {fixed!r}")
        if self.type == "select" and not self.choices and self.name != "category":
            raise ValueError("a select field needs choices")
        if self.name in ("email", "message"):
            self.required = True
        return self


class AttachmentRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_files: int = Field(default=3, ge=0, le=20)
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, le=100 * 1024 * 1024)
    content_types: list[str] = Field(default_factory=lambda: list(DEFAULT_TYPES), max_length=50)

    @field_validator("content_types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        for item in value:
            if not re.fullmatch(r"[a-z0-9.+-]+/[a-z0-9.+-]+", item):
                raise ValueError(f"{item!r} is not a content type like image/png")
        return value


class RateLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max: int = Field(default=5, ge=1, le=10_000)
    window_seconds: int = Field(default=600, ge=1, le=7 * 86400)


def _has_field(name: str) -> dict[str, Any]:
    field_named = {"required": ["name"], "properties": {"name": {"const": name}}}
    return {"properties": {"fields": {"contains": field_named}}}


class FormDefinition(BaseModel):
    """A whole form; see the package README for an example file."""

    # _consistent's rules that JSON Schema can state, for the API document.
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"allOf": [_has_field("email"), _has_field("message")]}
    )
    slug: str = Field(pattern=SLUG.pattern)
    title: Localised
    intro: Localised = Field(default_factory=dict)
    fields: list[FieldSpec] = Field(min_length=1, max_length=60)
    categories: list[str] = Field(default_factory=list, max_length=200)
    default_category: str | None = None
    default_team: str | None = Field(default=None, max_length=200)
    languages: list[Language] = Field(default_factory=_all_languages, min_length=1)
    allowed_origins: list[str] = Field(default_factory=list, max_length=50)
    attachments: AttachmentRules = Field(default_factory=AttachmentRules)
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    active: bool = True

    _title = field_validator("title", "intro", mode="before")(_localised)

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        cleaned = []
        for item in value:
            parts = urlsplit(item)
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or parts.path
                not in (
                    "",
                    "/",
                )
            ):
                raise ValueError(f"{item!r} is not an origin like https://www.example.com")
            cleaned.append(f"{parts.scheme}://{parts.netloc}".lower())
        return cleaned

    @model_validator(mode="after")
    def _consistent(self) -> FormDefinition:
        names = [f.name for f in self.fields]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"field names must be unique: {', '.join(sorted(duplicates))}")
        for needed in ("email", "message"):
            if needed not in names:
                raise ValueError(f"a form needs an {needed!r} field")
        if not self.languages:
            raise ValueError("languages: name at least one of en, tr")
        if "category" in names and not self.categories:
            raise ValueError("a 'category' field needs the form's categories")
        if (
            self.default_category
            and self.categories
            and (self.default_category not in self.categories)
        ):
            raise ValueError("default_category must be one of categories")
        return self

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


def parse_definition(data: Any) -> FormDefinition:
    """`data` as a form definition, or ValidationFailed naming each bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "expected a JSON object"})
    try:
        return FormDefinition.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(pydantic_fields(exc)) from None


def load_definition_file(path: Path) -> FormDefinition:
    """Read a definition from a .json or .toml file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed({"file": f"cannot read {path}: {exc.strerror}"}) from None
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed({"file": f"{path} is not valid {path.suffix[1:]}: {exc}"}) from None
    return parse_definition(data)
