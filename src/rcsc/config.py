"""One typed Settings object, built by the app factory or the CLI, never at import.

Every setting is read from the environment with the prefix `RCSC_` (or a `.env` file).
In production mode (`RCSC_ENV=production`) unsafe defaults are refused.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rcsc.errors import ConfigurationError

SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32
_KNOWN_BAD_KEYS = {"changeme", "secret", "change-me", "development", "dev"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RCSC_", env_file=".env", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("var")
    # rebuildable caches (the indexed MISP warninglists); default: <data_dir>/cache
    cache_dir: Path | None = None
    database_url: str | None = None
    secret_key: str | None = Field(default=None, repr=False)
    public_base_url: str = "http://127.0.0.1:8000"
    node_name: str = "RCSC Kaunas"
    node_country: str = "LT"
    admin_email: str = "admin@rcsc.example"
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    default_timezone: str = "Europe/Vilnius"
    default_locale: str = "en"
    session_hours: int = Field(default=12, ge=1, le=24 * 30)
    token_default_days: int = Field(default=90, ge=1, le=3650)
    login_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    # JSON bodies; 16 MB so an oversized field is parsed and refused by name (422), not 413
    max_request_bytes: int = Field(default=16_000_000, ge=1024)
    max_attachment_bytes: int = Field(default=52_428_800, ge=1)  # 50 MiB per evidence file
    # the largest TAXII envelope accepted in one POST (announced as max_content_length)
    taxii_max_content_length: int = Field(default=104_857_600, ge=1024)
    # TLP:CLEAR incidents for anyone, without credentials, at /api/v1/public/incidents/export
    anonymous_clear_export: bool = False
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    # Correlation (docs/correlation.md): a value carried by more items than this is
    # over-correlating (named, not expanded); the indexer of `rcsc serve` looks for new
    # objects this often (0: never; `rcsc intel index` then does it)
    correlation_limit: int = Field(default=100, ge=1, le=100_000)
    intel_index_seconds: float = Field(default=2.0, ge=0, le=3600)
    # Exercises (docs/exercises.md): the clock worker of `rcsc serve` releases due injects
    # this often (0: never; tests step the clock themselves)
    exercise_tick_seconds: float = Field(default=1.0, ge=0, le=60)
    # Alerts (docs/correlation.md, "Alerts"): items of two countries sharing a value within
    # this many days make a cross-border cluster; the delivery worker of `rcsc serve` sends
    # queued webhooks and mail this often (0: never), retrying with exponential backoff
    # (base delay, doubled per attempt, with jitter) until the last attempt, then `failed`
    cluster_window_days: int = Field(default=7, ge=1, le=365)
    alert_delivery_seconds: float = Field(default=5.0, ge=0, le=3600)
    # the open alerts inbox asks the server for its unread count this often
    alerts_poll_seconds: float = Field(default=10.0, ge=1, le=600)
    alert_max_attempts: int = Field(default=8, ge=1, le=50)
    alert_retry_base_seconds: float = Field(default=30.0, gt=0, le=86_400)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    # Mail over SMTP: no host, no mail (said once in the log). STARTTLS when asked; a login
    # when a user is given
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "rcsc@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = Field(default=None, repr=False)
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    # Federation (docs/federation.md): `rcsc serve` syncs due peers every tick when on
    federation_scheduler: bool = True
    federation_tick_seconds: float = Field(default=30.0, gt=0, le=3600)
    federation_connect_timeout: float = Field(default=10.0, gt=0, le=300)  # seconds
    federation_read_timeout: float = Field(default=60.0, gt=0, le=3600)  # seconds per read
    federation_page_size: int = Field(default=1000, ge=1, le=10_000)  # objects per pulled page
    federation_push_batch: int = Field(default=500, ge=1, le=10_000)  # objects per POST
    # re-read this much before the pull bookmark (for TAXII servers whose date_added may
    # not follow commit order; RCSC's does, so 0 loses nothing)
    federation_pull_overlap_seconds: float = Field(default=0.0, ge=0, le=3600)
    # Analytics (docs/analytics.md): a count below this is suppressed (with the cells that
    # would give it away by subtraction), so no count identifies an incident; 1 shows all
    analytics_min_cell: int = Field(default=3, ge=1, le=1000)

    @field_validator("node_country")
    @classmethod
    def _upper_country(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator("public_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL such as https://rcsc.example.org")
        return value.rstrip("/")

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'rcsc.sqlite3').resolve()}"

    @property
    def effective_cache_dir(self) -> Path:
        return self.cache_dir or self.data_dir / "cache"

    @property
    def effective_secret_key(self) -> str:
        if self.secret_key is None:  # pragma: no cover - load_settings always fills it
            raise ConfigurationError("RCSC_SECRET_KEY is not set")
        return self.secret_key


def load_settings(**overrides: object) -> Settings:
    """Build and check the settings; raise ConfigurationError naming the variable at fault."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"RCSC_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
    _check_country(settings.node_country)
    if settings.is_production:
        _refuse_unsafe_production(settings)
    if not settings.is_production or settings.database_url is None:
        # The default SQLite file lives in the data dir; SQLite cannot create the folder.
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not settings.is_production and settings.secret_key is None:
        settings.secret_key = _development_secret(settings.data_dir)
    return settings


def _check_country(code: str) -> None:
    import pycountry

    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ConfigurationError(f"RCSC_NODE_COUNTRY: {code!r} is not an ISO 3166-1 alpha-2 code")


def _refuse_unsafe_production(settings: Settings) -> None:
    problems: list[str] = []
    key = settings.secret_key or ""
    if not key:
        problems.append("RCSC_SECRET_KEY is required in production")
    elif len(key) < MIN_SECRET_KEY_LENGTH or key.lower() in _KNOWN_BAD_KEYS:
        problems.append(
            f"RCSC_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} random characters"
        )
    if not settings.secure_cookies:
        problems.append("RCSC_PUBLIC_BASE_URL must be https:// in production")
    if settings.admin_email.endswith(".example"):
        problems.append("RCSC_ADMIN_EMAIL must be a real mailbox in production")
    if problems:
        raise ConfigurationError("refusing unsafe production settings: " + "; ".join(problems))


def _development_secret(data_dir: Path) -> str:
    """Generate the key once and keep it in the data dir, readable by the owner only."""
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    tmp = data_dir / f".{SECRET_KEY_FILE}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    try:  # link() is atomic and fails if another process won the race: then use theirs
        os.link(tmp, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        tmp.unlink()
    return key
