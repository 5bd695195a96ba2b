"""Settings: defaults that start a working install, and bad values named at start-up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from helpdesk.errors import ConfigError
from helpdesk.settings import load_settings


def test_defaults_give_an_embedded_install_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"HELPDESK_DATA_DIR": str(tmp_path)}, config_file=None)
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'helpdesk.db'}"
    assert settings.redis_url is None
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    again = load_settings({"HELPDESK_DATA_DIR": str(tmp_path)})
    assert again.secret_key == settings.secret_key  # tokens survive a restart
    assert "secret_key" not in repr(settings)  # never logged by accident


def test_environment_overrides_the_toml_file(tmp_path: Path) -> None:
    config = tmp_path / "helpdesk.toml"
    config.write_text(
        '[helpdesk]\nbase_url = "https://help.example.com/"\ndefault_timezone = "Europe/Istanbul"\n'
        'port = 9000\nsecret_key = "from-the-file-0123456789"\n'
    )
    settings = load_settings(
        {"HELPDESK_PORT": "9100", "HELPDESK_DATA_DIR": str(tmp_path)}, config_file=config
    )
    assert settings.base_url == "https://help.example.com"
    assert settings.default_timezone == "Europe/Istanbul"
    assert settings.port == 9100
    assert settings.secret_key == "from-the-file-0123456789"


def test_postgres_urls_get_the_async_driver(tmp_path: Path) -> None:
    settings = load_settings(
        {"HELPDESK_DATABASE_URL": "postgresql://u@db/helpdesk", "HELPDESK_DATA_DIR": str(tmp_path)}
    )
    assert settings.database_url == "postgresql+asyncpg://u@db/helpdesk"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_URL", "mysql://x/y", "HELPDESK_DATABASE_URL"),
        ("REDIS_URL", "http://nope", "HELPDESK_REDIS_URL"),
        ("BASE_URL", "help.example.com", "HELPDESK_BASE_URL"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "HELPDESK_DEFAULT_TIMEZONE"),
        ("DEFAULT_LANGUAGE", "xx", "HELPDESK_DEFAULT_LANGUAGE"),
        ("PORT", "eighty", "HELPDESK_PORT"),
        ("PORT", "70000", "HELPDESK_PORT"),
        ("SECRET_KEY", "short", "HELPDESK_SECRET_KEY"),
        ("LOG_LEVEL", "LOUD", "HELPDESK_LOG_LEVEL"),
        ("CSAT_DELAY", "30", "HELPDESK_CSAT_DELAY: '30' is not a duration"),
        ("CSAT_EXPIRY", "soon", "HELPDESK_CSAT_EXPIRY"),
        ("TRUSTED_PROXIES", "10.0.0.1,proxy.local", "HELPDESK_TRUSTED_PROXIES"),
    ],
)
def test_a_bad_value_names_its_setting(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({f"HELPDESK_{name}": value, "HELPDESK_DATA_DIR": str(tmp_path)})


def test_broken_toml_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "helpdesk.toml"
    config.write_text("port = = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"HELPDESK_DATA_DIR": str(tmp_path)}, config_file=config)


def test_durations_are_read_as_people_write_them(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "HELPDESK_CSAT_DELAY": "1h30m",
            "HELPDESK_CSAT_EXPIRY": "P7D",
            "HELPDESK_DATA_DIR": str(tmp_path),
        }
    )
    assert settings.csat_delay == timedelta(hours=1, minutes=30)
    assert settings.csat_expiry == timedelta(days=7)
    assert load_settings(
        {"HELPDESK_CSAT_DELAY": "0s", "HELPDESK_DATA_DIR": str(tmp_path)}
    ).csat_delay == timedelta(0)
