"""One settings object for the whole service, read from the environment.

Nothing set means embedded mode: SQLite, an in-process broker and event bus, built-in
accounts and a local Chromium. Each distributed part switches on with its own variable.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    """Accept the conventional name (DATABASE_URL) and the prefixed one."""
    return AliasChoices(name, f"AUTOFACTURA_{name}")


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AUTOFACTURA_", extra="ignore", populate_by_name=True
    )

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    database_url: str | None = Field(None, validation_alias=_env("DATABASE_URL"))
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))

    jwt_secret: str | None = None
    token_ttl_seconds: int = Field(8 * 3600, ge=60)
    supabase_url: str | None = Field(None, validation_alias=_env("SUPABASE_URL"))
    supabase_anon_key: str | None = Field(None, validation_alias=_env("SUPABASE_ANON_KEY"))
    supabase_service_key: str | None = Field(
        None, validation_alias=_env("SUPABASE_SERVICE_ROLE_KEY")
    )
    supabase_storage_bucket: str = Field(
        "artifacts", validation_alias=_env("SUPABASE_STORAGE_BUCKET")
    )
    supabase_jwt_secret: str | None = Field(None, validation_alias=_env("SUPABASE_JWT_SECRET"))
    supabase_jwks_url: str | None = Field(None, validation_alias=_env("SUPABASE_JWKS_URL"))
    supabase_jwt_algorithms: str = Field(
        "ES256,RS256", validation_alias=_env("SUPABASE_JWT_ALGORITHMS")
    )

    browserbase_api_key: str | None = Field(None, validation_alias=_env("BROWSERBASE_API_KEY"))
    browserbase_project_id: str | None = Field(
        None, validation_alias=_env("BROWSERBASE_PROJECT_ID")
    )

    browserbase_api_url: str = Field(
        "https://api.browserbase.com", validation_alias=_env("BROWSERBASE_API_URL")
    )
    chrome_path: str | None = Field(None, validation_alias=_env("CHROME_PATH"))
    browser_concurrency: int = Field(4, ge=1, le=64)
    browser_headless: bool = True

    encryption_keys: str | None = Field(None, validation_alias=_env("ENCRYPTION_KEYS"))
    cors_origins: str = Field("", validation_alias=_env("CORS_ORIGINS"))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=_env("LOG_LEVEL")
    )
    # Observability (issue 10): one JSON object per log line (text: for a person at a
    # terminal), errors to Sentry when a DSN is set, /metrics behind a bearer token when set.
    log_format: Literal["json", "text"] = "json"
    sentry_dsn: str | None = Field(None, validation_alias=_env("SENTRY_DSN"))
    metrics_token: str | None = None
    readiness_timeout_seconds: float = Field(2.0, gt=0, le=30)

    allow_private_urls: bool = False
    rate_limit_login: str = "10/60"
    rate_limit_register: str = "5/60"
    rate_limit_create_task: str = "60/60"
    rate_limit_webhook_replay: str = "30/60"
    max_query_depth: int = Field(12, ge=2)
    max_query_tokens: int = Field(2000, ge=100)
    max_query_aliases: int = Field(30, ge=1)
    task_timeout_seconds: int = Field(600, ge=5)
    intervention_timeout_seconds: int = Field(900, ge=1)
    lease_seconds: int = Field(45, ge=2)
    stale_task_seconds: int = Field(600, ge=10)
    max_task_claims: int = Field(3, ge=1, le=20)
    retry_min_backoff_ms: int = Field(5000, ge=10)
    sweep_interval_seconds: int = Field(30, ge=1)
    worker_threads: int = Field(4, ge=1, le=64)
    worker_heartbeat_timeout_seconds: int = Field(60, ge=5)
    # The agent engine's LLM (browser-use); none configured → no agent in the chain.
    llm_provider: Literal["openai", "anthropic", "google", "azure", "ollama"] | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_base_url: str | None = None
    llm_vision: bool = False
    agent_max_steps: int = Field(25, ge=1, le=200)
    # The cost budget, in tokens (prompt + completion) per task: provider-neutral.
    agent_max_tokens: int = Field(400_000, ge=1000)
    extra_engines: str = ""
    # Built-in engines after preflight, in order: a learned playbook first (it steps aside
    # at once when the portal has none), then autofill, then the LLM agent when configured.
    engines: str = "playbook,autofill,agent"
    # Invoices by e-mail (issue 7): each buyer gets <random>@inbound_domain; none → off.
    inbound_domain: str | None = None
    # The SMTP receiver: `autofactura mail`, or inside `serve` when smtp_port is set.
    smtp_host: str = "127.0.0.1"
    smtp_port: int | None = Field(None, ge=1, le=65535)
    inbound_max_bytes: int = Field(25 * 1024 * 1024, ge=1024)
    # The HTTP inbound webhook (/inbound/email) for hosted mail services; none → off.
    inbound_webhook_secret: str | None = None
    inbound_webhook_tolerance_seconds: int = Field(300, ge=1)
    # How long a task whose portal e-mailed the invoice waits for it before TIMEOUT.
    email_wait_seconds: int = Field(24 * 3600, ge=1)
    # Outbound webhooks (issue 8): each POST's time limit, the wait before the first retry
    # (doubling per attempt, at most an hour), and how long a delivery keeps being retried.
    webhook_timeout_seconds: float = Field(10, gt=0, le=60)
    webhook_retry_base_seconds: float = Field(30, gt=0)
    webhook_retry_window_seconds: float = Field(24 * 3600, gt=0)
    # An open WebSocket authenticated by an API key checks the key again this often, so a
    # revoked key's socket closes (4403) within it.
    api_key_recheck_seconds: float = Field(30, gt=0)
    # The demo vendor portal at /demo/portal/ (issue 9); None: on except in production.
    demo_portal: bool | None = None
    password_hash_time_cost: int = Field(3, ge=1)
    password_hash_memory_kib: int = Field(65536, ge=8)

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgres://", "postgresql", "sqlite")):
            raise ValueError("must be a postgresql:// or sqlite:// URL")
        return value or None

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value or None

    @field_validator("sentry_dsn", "metrics_token")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return (value or "").strip() or None

    @field_validator("supabase_url", "supabase_jwks_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/") if value else None

    @field_validator("inbound_domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        value = (value or "").strip().lower().strip(".")
        if value and ("@" in value or "." not in value or " " in value):
            raise ValueError("must be a mail domain such as facturas.example.com")
        return value or None

    @field_validator(
        "rate_limit_login",
        "rate_limit_register",
        "rate_limit_create_task",
        "rate_limit_webhook_replay",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        count, _, seconds = value.partition("/")
        if not (count.isdigit() and seconds.isdigit() and int(seconds) > 0):
            raise ValueError("must look like COUNT/SECONDS, e.g. 10/60")
        return value

    @field_validator("supabase_jwt_algorithms")
    @classmethod
    def _algorithms(cls, value: str) -> str:
        allowed = {"HS256", "HS384", "HS512", "ES256", "RS256", "RS384", "RS512", "EdDSA"}
        bad = [alg for alg in _split(value) if alg not in allowed]
        if bad or not _split(value):
            raise ValueError(f"unsupported JWT algorithm(s): {', '.join(bad) or 'none'}")
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _keys(cls, value: str | None) -> str | None:
        from autofactura.core.privacy.keyring import Keyring, KeyringError

        if value:
            try:
                Keyring.from_setting(value)
            except KeyringError as exc:
                raise ValueError(str(exc)) from None
        return value or None

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def demo_portal_enabled(self) -> bool:
        return self.demo_portal if self.demo_portal is not None else not self.production

    @property
    def demo_portal_url(self) -> str | None:
        """The app's own demo portal, the one loopback URL a task may use without
        AUTOFACTURA_ALLOW_PRIVATE_URLS (so `make run` shows a whole run); None when off."""
        if not self.demo_portal_enabled:
            return None
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104 — compared, not bound
        return f"http://{host}:{self.port}/demo/portal/"

    @property
    def distributed_database(self) -> bool:
        return bool(self.database_url) and not self.database_url.startswith("sqlite")  # type: ignore[union-attr]

    @property
    def supabase_auth(self) -> bool:
        return bool(self.supabase_url)

    @property
    def cors_origin_list(self) -> list[str]:
        return _split(self.cors_origins)

    @property
    def extra_engine_list(self) -> list[str]:
        return _split(self.extra_engines)

    @property
    def engine_list(self) -> list[str]:
        return _split(self.engines)

    @field_validator("engines")
    @classmethod
    def _known_engines(cls, value: str) -> str:
        known = ("playbook", "autofill", "agent")
        unknown = [name for name in _split(value) if name not in known]
        if unknown:
            raise ValueError(f"unknown engine(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return value

    @property
    def jwt_algorithm_list(self) -> list[str]:
        return _split(self.supabase_jwt_algorithms)

    @cached_property
    def database_path(self) -> Path:
        return self.data_dir / "autofactura.db"


class SettingsError(Exception):
    """A setting has a value the service cannot start with."""


def load_settings() -> Settings:
    """Read the environment, turning pydantic's report into one clear line."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        field = Settings.model_fields.get(str(first["loc"][0]).lower()) if first["loc"] else None
        if field is not None and isinstance(field.validation_alias, AliasChoices):
            name = str(field.validation_alias.choices[0])
        elif field is not None:
            name = f"AUTOFACTURA_{name}"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {name}: {message}") from None
