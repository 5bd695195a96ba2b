"""One `Settings` object, built once at start-up from the environment and an optional TOML file.

Precedence: environment variable > `helpdesk.toml` > default. A bad value stops start-up with a
`ConfigError` whose message starts with the name of the setting, so the operator knows what to fix.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from helpdesk.durations import parse_duration
from helpdesk.errors import ConfigError

ENV_PREFIX = "HELPDESK_"
SUPPORTED_LANGUAGES = ("en", "tr")


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    data_dir: Path
    secret_key: str = field(repr=False)
    redis_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    default_language: str = "en"
    default_timezone: str = "UTC"
    host: str = "127.0.0.1"
    port: int = 8000
    max_attachment_bytes: int = 25 * 1024 * 1024
    max_request_bytes: int = 40 * 1024 * 1024
    outbox_max_attempts: int = 8
    log_level: str = "INFO"
    # How long after a ticket is solved its CSAT survey goes out (teams may set their own), and
    # how long a survey link stays valid.
    csat_delay: timedelta = timedelta(hours=1)
    csat_expiry: timedelta = timedelta(days=14)
    # Acknowledge each new ticket automatically (ticket number, expected first reply).
    acknowledge: bool = True
    # How long the FAQ bot waits for "did this help?" before handing the ticket to people.
    faq_timeout: timedelta = timedelta(hours=1)
    # Proxies whose X-Forwarded-For/-Proto we believe ("" trusts none; "*" trusts any).
    trusted_proxies: str = ""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    def with_changes(self, **changes: Any) -> Settings:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        values.update(changes)
        return Settings(**values)


def load_settings(
    env: Mapping[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Build the settings from `env` (default `os.environ`) and a TOML file.

    The file is `config_file`, else `$HELPDESK_CONFIG`, else `./helpdesk.toml` when present;
    its keys are the setting names without the prefix, in lower case.
    """
    env = os.environ if env is None else env
    file_values = _read_toml(config_file, env)

    def raw(name: str) -> str | None:
        env_value = env.get(ENV_PREFIX + name.upper())
        if env_value is not None and env_value != "":
            return env_value
        value = file_values.get(name)
        return None if value is None else str(value)

    data_dir = Path(raw("data_dir") or "helpdesk-data").expanduser().resolve()
    database_url = _database_url(raw("database_url"), data_dir)
    secret_key = raw("secret_key") or _stored_secret_key(data_dir)
    if len(secret_key) < 16:
        raise ConfigError("HELPDESK_SECRET_KEY: must be at least 16 characters")

    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        secret_key=secret_key,
        redis_url=_redis_url(raw("redis_url")),
        base_url=_base_url(raw("base_url") or "http://127.0.0.1:8000"),
        default_language=_language(raw("default_language") or "en"),
        default_timezone=_timezone(raw("default_timezone") or "UTC"),
        host=raw("host") or "127.0.0.1",
        port=_int("port", raw("port"), 8000, 1, 65535),
        max_attachment_bytes=_int(
            "max_attachment_bytes", raw("max_attachment_bytes"), 25 * 1024 * 1024, 1, 2**31
        ),
        max_request_bytes=_int(
            "max_request_bytes", raw("max_request_bytes"), 40 * 1024 * 1024, 1024, 2**31
        ),
        outbox_max_attempts=_int("outbox_max_attempts", raw("outbox_max_attempts"), 8, 1, 100),
        log_level=_choice("log_level", raw("log_level") or "INFO", ("DEBUG", "INFO", "WARNING")),
        csat_delay=_duration("csat_delay", raw("csat_delay"), timedelta(hours=1)),
        csat_expiry=_duration("csat_expiry", raw("csat_expiry"), timedelta(days=14)),
        acknowledge=_yes_no("acknowledge", raw("acknowledge"), True),
        faq_timeout=_duration("faq_timeout", raw("faq_timeout"), timedelta(hours=1)),
        trusted_proxies=_proxies(raw("trusted_proxies") or ""),
    )


def _read_toml(config_file: Path | None, env: Mapping[str, str]) -> dict[str, Any]:
    path = config_file or (Path(env["HELPDESK_CONFIG"]) if env.get("HELPDESK_CONFIG") else None)
    if path is None:
        default = Path("helpdesk.toml")
        if not default.exists():
            return {}
        path = default
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"HELPDESK_CONFIG: file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"HELPDESK_CONFIG: {path} is not valid TOML: {exc}") from None
    section = data.get("helpdesk", data)
    if not isinstance(section, dict):
        raise ConfigError(f"HELPDESK_CONFIG: {path}: [helpdesk] must be a table")
    return {str(k).lower(): v for k, v in section.items()}


def _database_url(value: str | None, data_dir: Path) -> str:
    if value is None:
        return f"sqlite+aiosqlite:///{data_dir / 'helpdesk.db'}"
    scheme = value.split("://", 1)[0] if "://" in value else ""
    # Accept the URLs operators copy from elsewhere and pick the async driver ourselves.
    drivers = {
        "sqlite": "sqlite+aiosqlite",
        "sqlite+aiosqlite": "sqlite+aiosqlite",
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
        "postgresql+asyncpg": "postgresql+asyncpg",
    }
    if scheme not in drivers:
        raise ConfigError(
            "HELPDESK_DATABASE_URL: expected sqlite:///path or postgresql://user@host/db, "
            f"got scheme {scheme or '(none)'!r}"
        )
    return drivers[scheme] + value[len(scheme) :]


def _redis_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise ConfigError("HELPDESK_REDIS_URL: expected redis://host:port/db")
    return value


def _base_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"HELPDESK_BASE_URL: expected an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _language(value: str) -> str:
    if value not in SUPPORTED_LANGUAGES:
        raise ConfigError(
            f"HELPDESK_DEFAULT_LANGUAGE: {value!r} is not one of {', '.join(SUPPORTED_LANGUAGES)}"
        )
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"HELPDESK_DEFAULT_TIMEZONE: unknown time zone {value!r}") from None
    return value


def _int(name: str, value: str | None, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"HELPDESK_{name.upper()}: expected an integer, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"HELPDESK_{name.upper()}: must be between {low} and {high}")
    return number


def _duration(name: str, value: str | None, default: timedelta) -> timedelta:
    if value is None:
        return default
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"HELPDESK_{name.upper()}: {exc}") from None


def _proxies(value: str) -> str:
    """Comma-separated addresses or networks of trusted proxies, or `*` for any."""
    import ipaddress

    items = [item.strip() for item in value.split(",") if item.strip()]
    if items == ["*"]:
        return "*"
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(
                f"HELPDESK_TRUSTED_PROXIES: {item!r} is not an IP address or network "
                "(e.g. 10.0.0.1,192.168.0.0/16, or * for any)"
            ) from None
    return ",".join(items)


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value.upper() not in allowed:
        raise ConfigError(f"HELPDESK_{name.upper()}: must be one of {', '.join(allowed)}")
    return value.upper()


def _stored_secret_key(data_dir: Path, make: Callable[[], str] = secrets.token_urlsafe) -> str:
    """The key kept in the data directory, created on first start so tokens survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _yes_no(name: str, value: str | None, default: bool) -> bool:
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"HELPDESK_{name.upper()}: expected true or false, got {value!r}")
