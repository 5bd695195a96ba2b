"""Mailbox settings: the validated input shape (CLI and API) and the decrypted runtime view."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

TlsMode = Literal["implicit", "starttls", "none"]
_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")


# The same rules as JSON Schema patterns, so the API document states them.
ADDRESS_SCHEMA: JsonDict = {"pattern": r'^\s*[^@\s<>"+]+@[^@\s<>"]+\.[^@\s<>"]+\s*$'}
AFTER_IMPORT_SCHEMA: JsonDict = {"pattern": r"^(seen|move:.*\S.*)$"}
NAME_SCHEMA: JsonDict = {"pattern": _NAME.pattern}


def _after_import(value: str) -> str:
    if value == "seen" or (value.startswith("move:") and value[5:].strip()):
        return value
    raise ValueError("must be 'seen' or 'move:<folder>'")


def _address(value: str) -> str:
    value = value.strip().lower()
    if not _ADDRESS.match(value) or "+" in value.split("@", 1)[0]:
        raise ValueError("must be a plain email address like support@example.com (no '+')")
    return value


def _no_null_defaults(schema: JsonDict) -> None:
    """Leaving a field out keeps it: the document must not suggest sending null for it."""
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for prop in properties.values():
            if isinstance(prop, dict) and prop.get("default", 0) is None and "anyOf" not in prop:
                del prop["default"]


class MailboxPatch(BaseModel):
    """A change to a mailbox; fields left out stay as they are. Passwords are write-only.

    Only the SMTP login and the defaults can be cleared with null; the document says so."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_null_defaults)

    address: Annotated[str, Field(json_schema_extra=ADDRESS_SCHEMA)] | SkipJsonSchema[None] = None
    display_name: Annotated[str, Field(max_length=200)] | SkipJsonSchema[None] = None
    imap_host: Annotated[str, Field(min_length=1, max_length=255)] | SkipJsonSchema[None] = None
    imap_port: Annotated[int, Field(ge=1, le=65535)] | SkipJsonSchema[None] = None
    imap_tls: TlsMode | SkipJsonSchema[None] = None
    imap_user: Annotated[str, Field(min_length=1, max_length=320)] | SkipJsonSchema[None] = None
    imap_password: Annotated[str, Field(min_length=1, max_length=1000)] | SkipJsonSchema[None] = (
        None
    )
    imap_folder: Annotated[str, Field(min_length=1, max_length=255)] | SkipJsonSchema[None] = None
    after_import: (
        Annotated[str, Field(json_schema_extra=AFTER_IMPORT_SCHEMA)] | SkipJsonSchema[None]
    ) = None
    smtp_host: Annotated[str, Field(min_length=1, max_length=255)] | SkipJsonSchema[None] = None
    smtp_port: Annotated[int, Field(ge=1, le=65535)] | SkipJsonSchema[None] = None
    smtp_tls: TlsMode | SkipJsonSchema[None] = None
    smtp_user: str | None = Field(default=None, max_length=320)
    smtp_password: str | None = Field(default=None, max_length=1000)
    default_category: str | None = Field(default=None, max_length=100)
    default_team: str | None = Field(default=None, max_length=200)
    active: bool | SkipJsonSchema[None] = None

    @field_validator("address")
    @classmethod
    def _check_address(cls, value: str | None) -> str | None:
        return None if value is None else _address(value)

    @field_validator("after_import")
    @classmethod
    def _check_after(cls, value: str | None) -> str | None:
        return None if value is None else _after_import(value)


class MailboxCreate(BaseModel):
    """A new mailbox, as the CLI and `POST /api/v1/mailboxes` take it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(json_schema_extra=NAME_SCHEMA)
    address: str = Field(json_schema_extra=ADDRESS_SCHEMA)
    display_name: str = Field(default="", max_length=200)
    imap_host: str = Field(min_length=1, max_length=255)
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_tls: TlsMode = "implicit"
    imap_user: str = Field(min_length=1, max_length=320)
    imap_password: str = Field(min_length=1, max_length=1000)
    imap_folder: str = Field(default="INBOX", min_length=1, max_length=255)
    after_import: str = Field(default="seen", json_schema_extra=AFTER_IMPORT_SCHEMA)
    smtp_host: str = Field(min_length=1, max_length=255)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_tls: TlsMode = "starttls"
    smtp_user: str = Field(default="", max_length=320)
    smtp_password: str = Field(default="", max_length=1000)
    default_category: str | None = Field(default=None, max_length=100)
    default_team: str | None = Field(default=None, max_length=200)
    active: bool = True

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use 1-100 lower-case letters, digits, '.', '_' or '-'")
        return value

    @field_validator("address")
    @classmethod
    def _check_address(cls, value: str) -> str:
        return _address(value)

    @field_validator("after_import")
    @classmethod
    def _check_after(cls, value: str) -> str:
        return _after_import(value)


@dataclass(frozen=True, slots=True)
class MailboxConfig:
    """A mailbox with its passwords decrypted, for the poller and the sender only."""

    id: int
    name: str
    address: str
    display_name: str
    imap_host: str
    imap_port: int
    imap_tls: str
    imap_user: str
    imap_password: str = field(repr=False)
    imap_folder: str
    after_import: str
    smtp_host: str
    smtp_port: int
    smtp_tls: str
    smtp_user: str
    smtp_password: str = field(repr=False)
    default_category: str | None
    default_team: str | None
    active: bool

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


PUBLIC_FIELDS = (
    "id", "name", "address", "display_name", "imap_host", "imap_port", "imap_tls", "imap_user",
    "imap_folder", "after_import", "smtp_host", "smtp_port", "smtp_tls", "smtp_user",
    "default_category", "default_team", "active", "status", "last_error", "last_error_at",
    "last_success_at", "created_at", "updated_at",
)  # fmt: skip


def public_view(row: Any) -> dict[str, Any]:
    """What the API and CLI may show of a mailbox: everything but the passwords."""
    view = {name: row[name] for name in PUBLIC_FIELDS}
    view["imap_password_set"] = bool(row["imap_password"])
    view["smtp_password_set"] = bool(row["smtp_password"])
    return view
