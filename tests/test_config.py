"""Settings: read from RCSC_ variables, a development key kept in the data dir, and unsafe
production settings refused with an error that names the variable at fault."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rcsc.config import MIN_SECRET_KEY_LENGTH, SECRET_KEY_FILE, load_settings
from rcsc.errors import ConfigurationError

GOOD_KEY = "k" * MIN_SECRET_KEY_LENGTH + "-random-enough"
GOOD_PRODUCTION = {
    "RCSC_ENV": "production",
    "RCSC_SECRET_KEY": GOOD_KEY,
    "RCSC_PUBLIC_BASE_URL": "https://rcsc.example.org",
    "RCSC_ADMIN_EMAIL": "soc@nksc.lt",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No RCSC_ variable or .env file of the developer's leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("RCSC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("RCSC_DATA_DIR", str(data_dir))
    return data_dir


def _production(monkeypatch: pytest.MonkeyPatch, **changes: str | None) -> None:
    for name, value in {**GOOD_PRODUCTION, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_settings_are_read_from_rcsc_environment_variables(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    monkeypatch.setenv("RCSC_NODE_NAME", "RCSC Test Node")
    monkeypatch.setenv("RCSC_NODE_COUNTRY", " ua ")
    monkeypatch.setenv("RCSC_SESSION_HOURS", "3")
    monkeypatch.setenv("RCSC_LOG_FORMAT", "json")
    monkeypatch.setenv("RCSC_PUBLIC_BASE_URL", "http://rcsc.test:8080/")
    monkeypatch.setenv("RCSC_DATABASE_URL", "postgresql://rcsc@db.internal/rcsc")
    settings = load_settings()
    assert settings.data_dir == clean_environment
    assert settings.node_name == "RCSC Test Node"
    assert settings.node_country == "UA"
    assert settings.session_hours == 3
    assert settings.log_format == "json"
    assert settings.public_base_url == "http://rcsc.test:8080"
    assert settings.effective_database_url == "postgresql://rcsc@db.internal/rcsc"
    assert not settings.is_production and not settings.secure_cookies


def test_defaults_keep_sqlite_in_the_data_dir(clean_environment: Path) -> None:
    settings = load_settings()
    assert settings.env == "development"
    assert settings.database_url is None
    expected = (clean_environment / "rcsc.sqlite3").resolve()
    assert settings.effective_database_url == f"sqlite:///{expected}"
    assert clean_environment.is_dir()


def test_keyword_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCSC_NODE_NAME", "From the environment")
    assert load_settings(node_name="From the caller").node_name == "From the caller"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RCSC_SESSION_HOURS", "0"),
        ("RCSC_LOG_FORMAT", "xml"),
        ("RCSC_ENV", "staging"),
        ("RCSC_PUBLIC_BASE_URL", "ftp://rcsc.example.org"),
        ("RCSC_MAX_REQUEST_BYTES", "many"),
    ],
)
def test_a_malformed_variable_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        load_settings()


def test_development_secret_key_is_generated_once_owner_only_and_reused(
    clean_environment: Path,
) -> None:
    first = load_settings()
    key_file = clean_environment / SECRET_KEY_FILE
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.effective_secret_key == key_file.read_text().strip()
    assert len(first.effective_secret_key) >= MIN_SECRET_KEY_LENGTH
    second = load_settings()
    assert second.effective_secret_key == first.effective_secret_key
    assert [p.name for p in clean_environment.iterdir()] == [SECRET_KEY_FILE]


def test_an_explicit_secret_key_is_used_and_nothing_is_written(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    monkeypatch.setenv("RCSC_SECRET_KEY", GOOD_KEY)
    assert load_settings().effective_secret_key == GOOD_KEY
    assert not (clean_environment / SECRET_KEY_FILE).exists()


def test_the_secret_key_never_appears_in_the_settings_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RCSC_SECRET_KEY", GOOD_KEY)
    assert GOOD_KEY not in repr(load_settings())


def test_a_good_production_configuration_loads(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    _production(monkeypatch)
    settings = load_settings()
    assert settings.is_production
    assert settings.secure_cookies
    assert settings.effective_secret_key == GOOD_KEY
    assert not (clean_environment / SECRET_KEY_FILE).exists()
    assert clean_environment.is_dir()  # the default SQLite file needs its folder


@pytest.mark.parametrize(
    ("changes", "variable"),
    [
        ({"RCSC_SECRET_KEY": None}, "RCSC_SECRET_KEY"),
        ({"RCSC_SECRET_KEY": "x" * (MIN_SECRET_KEY_LENGTH - 1)}, "RCSC_SECRET_KEY"),
        ({"RCSC_SECRET_KEY": "changeme"}, "RCSC_SECRET_KEY"),
        ({"RCSC_PUBLIC_BASE_URL": "http://rcsc.example.org"}, "RCSC_PUBLIC_BASE_URL"),
        ({"RCSC_ADMIN_EMAIL": None}, "RCSC_ADMIN_EMAIL"),
        ({"RCSC_ADMIN_EMAIL": "admin@rcsc.example"}, "RCSC_ADMIN_EMAIL"),
    ],
    ids=["missing-key", "short-key", "known-bad-key", "http-url", "default-admin",
         "example-admin"],
)
def test_production_refuses_an_unsafe_setting_by_name(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path,
    changes: dict[str, str | None], variable: str,
) -> None:
    _production(monkeypatch, **changes)
    with pytest.raises(ConfigurationError, match="refusing unsafe production") as caught:
        load_settings()
    assert variable in caught.value.detail
    others = {"RCSC_SECRET_KEY", "RCSC_PUBLIC_BASE_URL", "RCSC_ADMIN_EMAIL"} - {variable}
    assert not any(other in caught.value.detail for other in others)
    assert not (clean_environment / SECRET_KEY_FILE).exists()


def test_production_lists_every_unsafe_setting_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RCSC_ENV", "production")
    with pytest.raises(ConfigurationError) as caught:
        load_settings()
    for variable in ("RCSC_SECRET_KEY", "RCSC_PUBLIC_BASE_URL", "RCSC_ADMIN_EMAIL"):
        assert variable in caught.value.detail


@pytest.mark.parametrize("country", ["XX", "LTU", "Lithuania", ""])
def test_a_bad_node_country_is_refused(monkeypatch: pytest.MonkeyPatch, country: str) -> None:
    monkeypatch.setenv("RCSC_NODE_COUNTRY", country)
    with pytest.raises(ConfigurationError, match="RCSC_NODE_COUNTRY"):
        load_settings()


def test_a_bad_node_country_is_refused_in_production_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _production(monkeypatch, RCSC_NODE_COUNTRY="XX")
    with pytest.raises(ConfigurationError, match="RCSC_NODE_COUNTRY"):
        load_settings()
